"""The command line of a sandboxed pytest run: repeats in one process, coverage where it counts.

Every pytest run in the copy pays the interpreter's start, pytest's plugins and
the collection of the whole test module (pytest imports the whole file even
for one node id): on a real project (tenacity's 2,300-line test module) that is
most of a run of two small tests. So the reruns of the kept tests happen in
one process, each round a whole session's worth of setup and teardown, and the
per-test coverage run measures only the tests, not pytest's start and the
collection (per-test contexts attribute nothing to a test there anyway).

The bootstrap is passed with ``python -c``, never written into the copy, so code
a drafted test ran cannot change how later runs are judged; its settings come as
JSON in ``argv``, never pasted into code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

#: Runs pytest with two optional helpers: the rounds (``rounds`` > 1 runs every
#: collected test that many times in this order: all of them, then all again, but for
#: the node ids in ``once``, which run in the first round only; each
#: round ends with a full teardown, so module and session fixtures are set up anew,
#: while module globals, as in a long test session, are not), and coverage, started
#: before pytest (``from_start``) or around the test loop only.
BOOTSTRAP = """\
import json, sys
settings = json.loads(sys.argv[1])
args = sys.argv[2:]
del sys.argv[1:2]
import os
import pytest


def finish(cov):
    # Tests ran here: the data file may be a link they planted. Never save through one
    # (ttabot refuses to read it back), and never let a failed save hide the report.
    cov.stop()
    if os.path.islink(cov.config.data_file):
        print("[ttabot] coverage data not saved: its file is a link", file=sys.stderr)
        return
    try:
        cov.save()
    except Exception as exc:
        print(f"[ttabot] coverage data not saved: {exc}", file=sys.stderr)


class TtabotRounds:
    def __init__(self, rounds, once):
        self.rounds = rounds
        self.once = set(once)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
        if session.config.option.collectonly:
            return True
        for number in range(self.rounds):
            # Tests named "once" (the module's existing ones) run in the first round only.
            items = [i for i in session.items if number == 0 or i.nodeid not in self.once]
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                if session.shouldfail:
                    raise session.Failed(session.shouldfail)
                if session.shouldstop:
                    raise session.Interrupted(session.shouldstop)
        return True


class TtabotCoverage:
    def __init__(self, cov):
        self.cov = cov

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session):
        self.cov.start()
        try:
            yield
        finally:
            finish(self.cov)


def requested_fixtures(item):
    # The fixtures a test asks for by name, and the ones those ask for in turn; and its
    # own class's setup_method, which pytest runs as an autouse fixture of that class
    # alone: the xunit twin of unittest's setUp, which runs inside the test.
    info = getattr(item, "_fixtureinfo", None)
    seen = set()
    todo = list(getattr(info, "argnames", ()))
    cls = getattr(item, "cls", None)
    if cls is not None:
        todo.append("_xunit_setup_method_fixture_" + cls.__qualname__)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            for fixturedef in info.name2fixturedefs.get(name) or ():
                todo.extend(fixturedef.argnames)
    return seen


class TtabotContexts:
    # Each test's lines under its node id: the fixtures it asks for and its setUp too,
    # which coverage's own "test_function" contexts give to whatever ran before it. An
    # autouse fixture runs for every test: what it runs is no single test's doing, nor is
    # any fixture's teardown.
    def __init__(self, cov):
        self.cov = cov
        self.test = ""
        self.requested = set()
        self.calling = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.test, self.requested = item.nodeid, requested_fixtures(item)
        self.switch(self.test)
        try:
            yield
        finally:
            self.test = ""
            self.switch("")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        # A fixture set up while the test runs is one it fetched itself
        # (request.getfixturevalue): autouse fixtures are all set up before.
        self.calling = True
        try:
            yield
        finally:
            self.calling = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        lent = fixturedef.argname not in self.requested and not self.calling
        if lent:
            self.switch("")
        try:
            yield
        finally:
            if lent:
                self.switch(self.test)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        self.switch("")
        try:
            yield
        finally:
            self.switch(self.test)

    def switch(self, context):
        import coverage.exceptions
        try:
            self.cov.switch_context(context)
        except coverage.exceptions.CoverageException as exc:
            # A test stopped coverage: nothing after it is measured, the save says why.
            print(f"[ttabot] coverage context not switched: {exc}", file=sys.stderr)


plugins = []
cov = None
measure = settings.get("coverage")
if measure:
    import coverage
    cov = coverage.Coverage(
        data_file=measure["data_file"], include=[measure["include"]], config_file=False
    )
    if measure["contexts"]:
        plugins.append(TtabotContexts(cov))
    if not measure["from_start"]:
        plugins.append(TtabotCoverage(cov))
if settings.get("rounds", 1) > 1:
    plugins.append(TtabotRounds(settings["rounds"], settings.get("once", ())))
if cov is not None and measure["from_start"]:
    cov.start()
    try:
        code = pytest.main(args, plugins=plugins)
    finally:
        finish(cov)
else:
    code = pytest.main(args, plugins=plugins)
raise SystemExit(int(code))
"""


class Measure(NamedTuple):
    """Line coverage of one file, written to ``data_file``."""

    data_file: str
    include: str
    #: per-test contexts: each test's node id, around its setup, call and teardown
    contexts: bool = False
    #: measure from before pytest starts (collection and imports too), not just the tests
    from_start: bool = False


def pytest_flags(nodes: Sequence[str], *, report: str = "-rA") -> list[str]:
    """pytest's own arguments: quiet, ``report`` lines by node id, no cache, addopts cleared.

    addopts are cleared so a project's ``--cov`` or ``-n`` cannot change what a
    run means; its ini file, rootdir and ``conftest.py`` still apply.
    """
    return ["-q", report, "-p", "no:cacheprovider", "-o", "addopts=", *nodes]


def pytest_argv(
    nodes: Sequence[str],
    *,
    rounds: int = 1,
    measure: Measure | None = None,
    report: str = "-rA",
    once: Sequence[str] = (),
) -> list[str]:
    """``python`` arguments running pytest on ``nodes`` ``rounds`` times, optionally measured.

    Node ids in ``once`` run in the first round only. A plain run (one round,
    nothing measured) is ``-m pytest``, as a user types it.
    """
    flags = pytest_flags(nodes, report=report)
    if rounds <= 1 and measure is None:
        return ["-m", "pytest", *flags]
    settings: dict[str, object] = {
        "rounds": rounds,
        "coverage": measure._asdict() if measure else None,
    }
    if once:
        settings["once"] = list(once)
    return ["-c", BOOTSTRAP, json.dumps(settings), *flags]


def rounds_of(args: Sequence[str]) -> int:
    """How many rounds the ``python`` arguments of :func:`pytest_argv` ask for."""
    if len(args) > 2 and args[0] == "-c" and args[1] == BOOTSTRAP:
        return int(json.loads(args[2]).get("rounds", 1))
    return 1
