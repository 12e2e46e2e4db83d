"""Validate drafted tests one function at a time, in a sandbox.

Each drafted test function must pass within its module, add coverage of the
changed lines on its own (coverage's per-test dynamic contexts, one run for
all), pass alone, leave no files behind and survive the reruns (its run alone
is the first of them; the others are rounds in one pytest process,
:mod:`~ttabot.drafting.pytestrun`). Only the new tests run (by node id); the
existing module's tests run once, as the baseline
(:func:`~ttabot.drafting.baseline.baseline_coverage`). Good functions are kept,
bad ones dropped with a reason each. The stages after the test code's own
checks are :class:`~ttabot.drafting.judge.Judge`'s steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ttabot.drafting.answer_parts import AnswerParts
from ttabot.drafting.class_tests import without_methods
from ttabot.drafting.judge import Judge, TestsCheck
from ttabot.drafting.sandbox import Sandbox, UnsafeFile, settle
from ttabot.drafting.snapshot import snapshot
from ttabot.drafting.testasserts import idle_methods
from ttabot.drafting.testcode import IDLE, test_code_problem
from ttabot.drafting.testhelpers import MAX_HELPER_BYTES, HelperFiles
from ttabot.drafting.testmerge import merge
from ttabot.fileio import read_inside
from ttabot.records import ValidationStage

#: The most test functions of one answer that are judged: each costs pytest runs of its
#: own, and a maintainer would not take hundreds of drafted tests for a change anyway.
MAX_TESTS = 30


def check_each_test(
    sandbox: Sandbox,
    test_path: str,
    existing: str,
    parts: AnswerParts,
    *,
    module: str,
    changed: frozenset[int],
    baseline: frozenset[int],
    reruns: int,
    existing_passed: Sequence[str] = (),
) -> TestsCheck:
    """Judge each drafted test function; the sandbox's test file is restored afterwards.

    ``existing_passed``: node ids of the module's existing tests that passed
    before (:func:`~ttabot.drafting.baseline.baseline`); each must still pass
    in the module as it will be written, or every new test is dropped.

    When generated code left the copy so that ttabot will not read or write it
    (a link where a file or the coverage data belongs), every test is dropped
    with a failed "clean" stage naming why. A copy the tests changed in any way
    beyond the test module is marked ``tainted``: the caller judges on a fresh one.
    """
    pristine = snapshot(sandbox.path, caches=True)
    judge = Judge(sandbox, test_path, existing, parts)
    try:
        try:
            if _test_code(judge, existing):
                measured = module if sandbox.has_module("coverage") else None
                sandbox.write(test_path, merge(existing, judge.parts, judge.alive()))
                written = snapshot(sandbox.path)
                together = judge.together(measured)
                if (
                    together is not None
                    and judge.coverage(measured, changed, baseline)
                    and judge.alone_and_clean(written, together)
                ):
                    judge.reruns(reruns, existing_passed)
        finally:
            sandbox.write(test_path, existing if existing else None)
    except UnsafeFile as exc:
        why = f"the copy was tampered with: {exc}"
        stages = (ValidationStage("parses", True), ValidationStage("clean", False, why))
        return TestsCheck(existing, (), dict.fromkeys(parts.tests, why), stages, tainted=True)
    # Bytecode the drafted tests wrote is removed (settle); any other change taints.
    return judge.done()._replace(tainted=bool(settle(sandbox, pristine, {test_path})))


def helper_files(root: Path, test_path: str) -> HelperFiles:
    """The project's files under ``root`` as the test-code stage may read them: through
    no symbolic link, inside ``root``, at most :data:`MAX_HELPER_BYTES` each, UTF-8."""

    def read(rel: str) -> str | None:
        data = read_inside(root, rel, limit=MAX_HELPER_BYTES)
        try:
            return None if data is None else data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    return HelperFiles(test_path, read)


def _test_code(judge: Judge, existing: str) -> bool:
    """Stages tests and test-code, read from the answer (and the project's test support
    modules it imports, never run) alone: whether a test is left to run."""
    parts = judge.parts
    helpers = helper_files(judge.sandbox.path, judge.test_path)
    judge.stages.append(ValidationStage("parses", True))
    if not judge.names:
        judge.stages.append(ValidationStage("tests", False, "the answer holds no test function"))
        return False
    for index, name in enumerate(judge.names):
        if index >= MAX_TESTS:
            judge.dropped[name] = (
                f"the answer holds {len(judge.names)} tests; only the first {MAX_TESTS} are judged"
            )
            continue
        problem = test_code_problem(parts, name, existing, helpers)
        if problem is not None:
            judge.dropped[name] = problem
            continue
        idle = idle_methods(parts, name, existing, helpers)
        kept = without_methods(parts.tests[name], idle) if idle else None
        if idle and kept is None:
            judge.dropped[name] = f"{name}.{idle[0]} {IDLE}"
        elif kept is not None:  # the class goes on without them, as written
            parts = judge.parts = parts._replace(tests={**parts.tests, name: kept})
            judge.dropped.update((f"{name}.{method}", IDLE) for method in idle)
    return judge.verdict("test-code", set())
