"""The order and verdicts of the test-validation stages, on scripted pytest runs.

A scripted stand-in for the sandbox makes the rare paths (a test that passes
once and fails on a rerun) deterministic; the real sandbox is covered end to end.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ttabot.drafting import validate
from ttabot.drafting.sandbox import RunResult


class ScriptedSandbox:
    """Returns scripted pytest results in order; records what was written."""

    def __init__(self, results: Sequence[RunResult], executed: frozenset[int] | None) -> None:
        self.results = list(results)
        self.executed = executed
        self.written: dict[str, str | None] = {}
        self.runs = 0

    def write(self, rel: str, text: str | None) -> None:
        self.written[rel] = text

    def read(self, rel: str) -> str | None:
        return self.written.get(rel)

    def pytest(
        self, tests: Sequence[str], *, coverage_of: str | None = None
    ) -> tuple[RunResult, list[str]]:
        self.runs += 1
        return self.results.pop(0), []

    def executed_lines(self, rel: str) -> frozenset[int] | None:
        return self.executed

    def coverage_missing(self) -> str | None:
        return "coverage is not installed for /venv/python" if self.executed is None else None


PASS = RunResult(0, "1 passed")
FAIL = RunResult(1, "F\nFAILED tests/test_m.py::test_a - assert 1 == 2\n1 failed")


def run(
    results: Sequence[RunResult], executed: frozenset[int] | None = frozenset({3}), reruns: int = 3
) -> tuple[list[tuple[str, bool]], ScriptedSandbox]:
    box = ScriptedSandbox(results, executed)
    stages = validate.check_tests(
        box,  # type: ignore[arg-type]
        "tests/test_m.py",
        "def test_a():\n    pass\n",
        "m.py",
        frozenset({3, 4}),
        frozenset(),
        reruns,
    )
    return [(s.name, s.passed) for s in stages], box


def test_a_test_that_fails_on_a_rerun_is_rejected_as_flaky() -> None:
    stages, box = run([PASS, PASS, FAIL, PASS])
    assert stages[-1] == ("reruns", False)
    assert box.runs == 3  # stops at the first failing rerun


def test_a_good_test_goes_through_every_stage() -> None:
    stages, box = run([PASS] * 4)
    assert stages == [
        ("parses", True),
        ("imports", True),
        ("passes", True),
        ("coverage", True),
        ("reruns", True),
    ]
    assert box.runs == 4


def test_collection_errors_fail_imports_and_no_tests_is_not_a_pass() -> None:
    assert run([RunResult(2, "ERROR collecting")])[0][-1] == ("imports", False)
    assert run([RunResult(5, "no tests ran")])[0][-1] == ("imports", False)


def test_coverage_is_judged_before_the_costly_reruns() -> None:
    stages, box = run([PASS], executed=frozenset({1}))
    assert stages[-1] == ("coverage", False) and box.runs == 1


def test_unmeasurable_coverage_does_not_reject_and_says_why() -> None:
    stages, _ = run([PASS] * 4, executed=None)
    assert ("coverage", True) in stages and stages[-1] == ("reruns", True)
    stage = validate.coverage_stage(
        None, frozenset({3}), frozenset(), unmeasurable="coverage is not installed for /py"
    )
    assert stage.detail == "not measurable: coverage is not installed for /py"


def test_tests_that_never_run_the_module_are_rejected_at_coverage() -> None:
    stages, box = run([PASS], executed=frozenset())
    assert stages[-1] == ("coverage", False) and box.runs == 1
    stage = validate.coverage_stage(frozenset(), frozenset({3, 4}), frozenset(), module="m.py")
    assert not stage.passed
    assert stage.detail == "the tests never run m.py: none of its changed lines (3, 4) ran"


@pytest.mark.parametrize(
    ("executed", "changed", "baseline", "passed", "detail"),
    [
        (frozenset({3}), frozenset({3, 4}), frozenset(), True, "runs 1 of 2 changed lines"),
        (frozenset({3}), frozenset({3, 4}), frozenset({3}), False, "not already covered (3, 4)"),
        (frozenset({1}), frozenset({3, 4}), frozenset(), False, "none of the changed lines"),
        (frozenset(), frozenset({3}), frozenset(), False, "never run m.py"),
        (frozenset(), frozenset(), frozenset(), True, "no changed lines"),
        (None, frozenset({3}), frozenset(), True, "not measurable: "),
    ],
)
def test_coverage_stage(
    executed: frozenset[int] | None,
    changed: frozenset[int],
    baseline: frozenset[int],
    passed: bool,
    detail: str,
) -> None:
    stage = validate.coverage_stage(executed, changed, baseline, module="m.py")
    assert stage.name == "coverage" and stage.passed is passed
    assert detail in stage.detail
