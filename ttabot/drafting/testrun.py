"""Validate drafted tests one function at a time, in a sandbox.

Each drafted test function must pass within its module, add coverage of the
changed lines on its own (coverage's per-test dynamic contexts, one run for
all), pass alone, leave no files behind and survive the reruns (its run alone
is the first of them). Only the new
tests run (by node id); the existing module's tests run once, as the
baseline. Good functions are kept, bad ones dropped with a reason each.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ttabot.drafting.sandbox import SANDBOX_DIR, RunResult, Sandbox, UnsafeFile, snapshot
from ttabot.drafting.testmerge import AnswerParts, merge
from ttabot.records import ValidationStage

Stages = tuple[ValidationStage, ...]

_RC = f"{SANDBOX_DIR}/coveragerc"
_RC_TEXT = "[run]\ndynamic_context = test_function\n"
#: How a non-passing outcome is named in a drop reason.
_NOT_PASSED = {
    "XFAIL": "xfail (a drafted test must pass, not be expected to fail)",
    "XPASS": "xpass (a drafted test must pass without an xfail mark)",
    "SKIPPED": "skipped (a drafted test must run)",
}
_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED)\s+(\S+?::\S+?)(?:\s+-\s+(.*))?$")


class TestsCheck(NamedTuple):
    """The outcome: the text to write, which tests were kept, why others were dropped."""

    text: str
    kept: tuple[str, ...]
    dropped: Mapping[str, str]
    stages: Stages
    #: The end of pytest's output for the runs that failed a test: what a retry is shown.
    failures: str = ""


def _pytest_args(nodes: Sequence[str]) -> list[str]:
    # -rA lists every test's outcome by node id; addopts are cleared so a project's
    # --cov or -n cannot change what a run means. Its ini, rootdir and conftest still apply.
    return ["-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-o", "addopts=", *nodes]


def outcomes(output: str, test_path: str) -> dict[str, list[tuple[str, str]]]:
    """``test name -> [(outcome, message)]`` from pytest's ``-rA`` summary lines."""
    out: dict[str, list[tuple[str, str]]] = {}
    for line in output.splitlines():
        match = _OUTCOME.match(line.strip())
        if match is None:
            continue
        verdict, node, message = match.groups()
        path, _, rest = node.partition("::")
        if path != test_path:
            continue
        name = rest.split("::")[0].split("[")[0]
        out.setdefault(name, []).append((verdict, message or ""))
    return out


def _failure(results: Sequence[tuple[str, str]] | None) -> str | None:
    """Why a test did not pass, from its outcomes in one run; None if it passed.

    Only PASSED passes: a drafted test that is skipped, expected to fail (xfail)
    or unexpectedly passes an xfail mark (xpass) checks nothing the gate can trust.
    """
    if not results:
        return "pytest did not run it"
    bad = [(v, m) for v, m in results if v != "PASSED"]
    if bad:
        verdict, message = bad[0]
        word = _NOT_PASSED.get(verdict, verdict.lower())
        return f"{word}: {message}" if message else word
    return None


def _nodes(test_path: str, names: Sequence[str]) -> list[str]:
    return [f"{test_path}::{n}" for n in names]


def _run(sandbox: Sandbox, nodes: Sequence[str], module: str | None) -> tuple[RunResult, list[str]]:
    if module is None:
        return sandbox.python(_pytest_args(nodes))
    data = sandbox.clear_coverage_data()
    return sandbox.python(
        [
            "-m",
            "coverage",
            "run",
            f"--rcfile={sandbox.path / _RC}",
            f"--data-file={data}",
            f"--include={sandbox.path / module}",
            *_pytest_args(nodes),
        ]
    )


def lines_by_test(sandbox: Sandbox, module: str, names: Sequence[str]) -> dict[str, frozenset[int]]:
    """Lines of ``module`` each test ran in the last coverage run (by dynamic context).

    Data ttabot will not read (a link, garbage) raises :class:`UnsafeFile`.
    """
    out: dict[str, set[int]] = {n: set() for n in names}
    with sandbox.coverage_data() as data:
        if data is None:
            return {n: frozenset() for n in names}
        target = os.path.realpath(sandbox.path / module)
        for measured in data.measured_files():
            if os.path.realpath(measured) != target:
                continue
            for line, contexts in data.contexts_by_lineno(measured).items():
                for context in contexts:
                    parts = set(context.split("."))
                    for name in names:
                        if name in parts:
                            out[name].add(line)
    return {n: frozenset(lines) for n, lines in out.items()}


def check_each_test(
    sandbox: Sandbox,
    test_path: str,
    existing: str,
    parts: AnswerParts,
    module: str,
    changed: frozenset[int],
    baseline: frozenset[int],
    reruns: int,
) -> TestsCheck:
    """Judge each drafted test function; the sandbox's test file is restored afterwards.

    When generated code left the copy so that ttabot will not read or write it
    (a link where a file or the coverage data belongs), every test is dropped
    with a failed "clean" stage naming why.
    """
    try:
        try:
            return _check(sandbox, test_path, existing, parts, module, changed, baseline, reruns)
        finally:
            sandbox.write(test_path, existing if existing else None)
    except UnsafeFile as exc:
        why = f"the copy was tampered with: {exc}"
        stages = (ValidationStage("parses", True), ValidationStage("clean", False, why))
        return TestsCheck(existing, (), dict.fromkeys(parts.tests, why), stages)


def _check(
    sandbox: Sandbox,
    test_path: str,
    existing: str,
    parts: AnswerParts,
    module: str,
    changed: frozenset[int],
    baseline: frozenset[int],
    reruns: int,
) -> TestsCheck:
    names = list(parts.tests)
    dropped: dict[str, str] = {}
    stages: list[ValidationStage] = []

    def verdict(stage: str, before: set[str]) -> bool:
        lost = [n for n in names if n in dropped and n not in before]
        detail = "; ".join(f"{n}: {dropped[n]}" for n in lost)
        alive = [n for n in names if n not in dropped]
        stages.append(ValidationStage(stage, bool(alive), detail or f"{len(alive)} test(s)"))
        return bool(alive)

    failures: list[str] = []

    def done() -> TestsCheck:
        kept = tuple(n for n in names if n not in dropped)
        text = merge(existing, parts, kept) if kept else existing
        return TestsCheck(text, kept, dropped, tuple(stages), "\n\n".join(failures[:2]))

    def note(result: RunResult) -> None:
        if result.returncode not in (0, None) or result.timed_out:
            failures.append(_tail(result.output, 40))

    stages.append(ValidationStage("parses", True))
    if not names:
        stages.append(ValidationStage("tests", False, "the answer holds no test function"))
        return done()
    measured = sandbox.has_module("coverage")
    if measured:
        sandbox.write(_RC, _RC_TEXT)
    sandbox.write(test_path, merge(existing, parts, names))
    pristine = snapshot(sandbox.path)
    result, together = _run(sandbox, _nodes(test_path, names), module if measured else None)
    note(result)
    ran = outcomes(result.output, test_path)
    if result.timed_out:
        stages.append(ValidationStage("imports", True))
        dropped.update(dict.fromkeys(names, "timed out"))
        stages.append(ValidationStage("passes", False, _tail(result.output)))
        return done()
    if not ran:
        why = _tail(result.output)
        stages.append(ValidationStage("imports", False, f"pytest ran none of the tests: {why}"))
        dropped.update(dict.fromkeys(names, "not collected"))
        return done()
    stages.append(ValidationStage("imports", True))
    before = set(dropped)
    for name in names:
        problem = _failure(ran.get(name))
        if problem:
            dropped[name] = f"fails in the module: {problem}"
    if not verdict("passes", before):
        return done()
    before = set(dropped)
    if measured:
        per_test = lines_by_test(sandbox, module, names)
        for name in names:
            if name in dropped or not changed:
                continue
            if not (per_test[name] & changed) - baseline:
                dropped[name] = "runs no changed line that existing tests do not already run"
    if not measured:
        stages.append(
            ValidationStage("coverage", True, "not measurable: coverage is not installed")
        )
    elif not verdict("coverage", before):
        return done()
    before = set(dropped)
    messy: dict[str, str] = {}
    # What the first run (all together) left: the files it created are removed, so each
    # test's run alone shows what it leaves, even a test that plants a file only once.
    for rel in together:
        if rel not in pristine:
            sandbox.write(rel, None)
    unexplained = set(together)
    alone = [n for n in names if n not in dropped]
    for name in alone:
        result, left = _run(sandbox, _nodes(test_path, [name]), None)
        note(result)
        unexplained -= set(left)
        problem = _failure(outcomes(result.output, test_path).get(name))
        if problem:
            dropped[name] = f"fails alone: {problem}"
        elif left:
            messy[name] = "the test left files behind: " + ", ".join(left[:5])
    for name in [n for n in names if n not in alone]:
        if not unexplained:
            break
        # Rare: only to learn whether a test dropped earlier left them (its verdict stands).
        _result, left = _run(sandbox, _nodes(test_path, [name]), None)
        unexplained -= set(left)
    if unexplained:  # left only when the tests ran together: which one did is unknown
        shown = ", ".join(sorted(unexplained)[:5])
        for name in [n for n in names if n not in dropped]:
            why = f"the tests run together left files behind: {shown}"
            messy[name] = f"{messy[name]}; {why}" if name in messy else why
    if not verdict("alone", before):
        return done()
    before = set(dropped)
    dropped.update(messy)
    if not verdict("clean", before):
        return done()
    kept = [n for n in names if n not in dropped]
    sandbox.write(test_path, merge(existing, parts, kept))  # the file as it will be written
    before = set(dropped)
    # The run alone was each test's first rerun: ``reruns`` passing runs after the first.
    for n in range(2, reruns + 1):
        result, _left = _run(sandbox, _nodes(test_path, kept), None)
        note(result)
        ran = outcomes(result.output, test_path)
        for name in kept:
            problem = _failure(ran.get(name))
            if problem and name not in dropped:
                dropped[name] = f"failed on rerun {n} of {reruns} (flaky): {problem}"
    verdict("reruns", before)
    return done()


def _tail(output: str, lines: int = 15) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])
