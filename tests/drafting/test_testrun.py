"""Per-function verdicts of drafted tests, on scripted pytest runs.

A scripted stand-in for the sandbox makes the rare paths (a test that passes in
the module and fails alone, or on its third rerun) deterministic; the real
sandbox and per-test coverage are covered end to end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.judge import TestsCheck as Checked  # a Test* name pytest would collect
from ttabot.drafting.pytestrun import rounds_of
from ttabot.drafting.sandbox import RunResult
from ttabot.drafting.testrun import check_each_test

PATH = "tests/test_m.py"
ANSWER = (
    "from m import f\n\n\ndef test_good():\n    assert f()\n\n\n"
    "def test_lonely():\n    assert f()\n\n\ndef test_flaky():\n    assert f()\n"
)

#: (test name, run number, alone) -> passed
Script = Callable[[str, int, bool], bool]


class ScriptedSandbox:
    """Answers pytest runs by node id from a script; records what was written."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.written: dict[str, str | None] = {}
        self.runs: list[list[str]] = []
        self.rounds: list[int] = []
        self.path = Path("/nonexistent")
        self.interpreter = "/venv/python"

    def write(self, rel: str, text: str | None) -> None:
        self.written[rel] = text

    def read(self, rel: str) -> str | None:
        return self.written.get(rel)

    def has_module(self, name: str) -> bool:
        return name == "pytest"  # no coverage: per-test coverage is covered end to end

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        nodes = [a for a in args if "::" in a]
        self.runs.append(nodes)
        self.rounds.append(rounds_of(args))
        lines = []
        # Each round of a run counts as a run of its own in the script.
        first = sum(self.rounds[:-1]) + 1
        for run in range(first, first + self.rounds[-1]):
            for node in nodes:
                name = node.split("::")[1]
                ok = self.script(name, run, len(nodes) == 1)
                lines.append(f"PASSED {node}" if ok else f"FAILED {node} - assert False")
        return RunResult(0, "\n".join(lines)), []


def run_check(box: ScriptedSandbox, answer: str, reruns: int, **options: Any) -> Checked:
    """``check_each_test`` of ``answer`` for changed line 3 of ``m.py``, nothing covered before."""
    return check_each_test(
        box,  # type: ignore[arg-type]
        PATH,
        "",
        split_answer(answer),
        module="m.py",
        changed=frozenset({3}),
        baseline=frozenset(),
        reruns=reruns,
        **options,
    )


def check(script: Script, reruns: int = 3) -> tuple[object, ScriptedSandbox]:
    box = ScriptedSandbox(script)
    return run_check(box, ANSWER, reruns), box


def test_each_function_gets_its_own_verdict_and_only_good_ones_are_written() -> None:
    def script(name: str, run: int, alone: bool) -> bool:
        if name == "test_lonely":
            return not alone  # passes only next to the others
        if name == "test_flaky":
            return run != 6  # the third rerun (runs: 1 together, 3 alone = rerun 1, 2 more)
        return True

    result, box = check(script)
    assert result.kept == ("test_good",)  # type: ignore[attr-defined]
    dropped = result.dropped  # type: ignore[attr-defined]
    assert dropped["test_lonely"].startswith("fails alone")
    assert dropped["test_flaky"].startswith("failed on a rerun (flaky): passed 1 of 2 rounds")
    assert "def test_good" in result.text and "test_flaky" not in result.text  # type: ignore[attr-defined]
    # Only the new tests run, by node id: once together, once each alone (the first
    # rerun), then the other reruns together, in one process.
    assert box.runs[0] == [f"{PATH}::test_good", f"{PATH}::test_lonely", f"{PATH}::test_flaky"]
    assert [len(r) for r in box.runs] == [3, 1, 1, 1, 2]
    assert box.rounds == [1, 1, 1, 1, 2]
    # The copy's test module is restored afterwards (it did not exist).
    assert box.written[PATH] is None


def test_all_failing_leaves_the_module_unchanged_with_every_reason() -> None:
    result, _ = check(lambda name, run, alone: False)
    assert result.kept == ()  # type: ignore[attr-defined]
    assert result.text == ""  # type: ignore[attr-defined]
    assert set(result.dropped) == {"test_good", "test_lonely", "test_flaky"}  # type: ignore[attr-defined]


class VerdictSandbox(ScriptedSandbox):
    """Answers every run with a fixed pytest verdict per test name."""

    def __init__(self, verdicts: dict[str, str]) -> None:
        super().__init__(lambda name, run, alone: True)
        self.verdicts = verdicts

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        nodes = [a for a in args if "::" in a]
        self.runs.append(nodes)
        lines = [f"{self.verdicts[n.split('::')[1]]} {n} - reason given" for n in nodes]
        return RunResult(0, "\n".join(lines)), []


def test_only_passed_passes_xfail_xpass_and_skipped_are_failures() -> None:
    box = VerdictSandbox({"test_good": "PASSED", "test_lonely": "XFAIL", "test_flaky": "XPASS"})
    result = run_check(box, ANSWER, reruns=2)
    assert result.kept == ("test_good",)
    assert result.dropped["test_lonely"].startswith("fails in the module: xfail (")
    assert result.dropped["test_flaky"].startswith("fails in the module: xpass (")
    box = VerdictSandbox(dict.fromkeys(("test_good", "test_lonely", "test_flaky"), "SKIPPED"))
    result = run_check(box, ANSWER, reruns=2)
    assert result.kept == ()
    assert all("skipped" in why for why in result.dropped.values())


class PlantingSandbox(ScriptedSandbox):
    """Every test passes; the first run (all together) plants a new file and changes an old one."""

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        result, _ = super().python(args)
        return result, ["pkg.py", "ruff"] if len(self.runs) == 1 else []


def test_files_the_first_run_leaves_are_removed_or_fail_clean(tmp_path: Path) -> None:
    box = PlantingSandbox(lambda name, run, alone: True)
    box.path = tmp_path
    (tmp_path / "pkg.py").write_text("X = 1\n")  # in the copy before the tests ran
    result = run_check(box, ANSWER, reruns=2)
    assert "ruff" in box.written and box.written["ruff"] is None  # new: removed after run 1
    assert "pkg.py" not in box.written  # an existing file is never removed
    assert result.kept == ()
    assert set(result.dropped) == {"test_good", "test_lonely", "test_flaky"}
    assert all("run together left files behind: pkg.py" in w for w in result.dropped.values())
    assert [s.name for s in result.stages if not s.passed] == ["clean"]


class CasesSandbox(ScriptedSandbox):
    """Two cases per test; on the reruns in one process the second case is skipped."""

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        nodes = [a for a in args if "::" in a]
        rounds = rounds_of(args)
        self.runs.append(nodes)
        self.rounds.append(rounds)
        lines = []
        for _ in range(rounds):
            for node in nodes:
                lines.append(f"PASSED {node}[a]")
                # -rA names a skip by file and line, never by node id.
                second = f"PASSED {node}[b]" if rounds == 1 else "SKIPPED [1] tests/test_m.py:9: x"
                lines.append(second)
        return RunResult(0, "\n".join(lines)), []


def test_a_case_that_stops_passing_on_the_reruns_is_flaky_whatever_its_siblings_do() -> None:
    # Attack: a parametrized test whose second case skips itself when run again. Per
    # test name the reruns still counted one PASSED a round (its first case), as many
    # as the rounds, so the test was kept though a case passed only once.
    box = CasesSandbox(lambda name, run, alone: True)
    result = run_check(box, ANSWER, reruns=3)
    assert result.kept == ()
    assert box.rounds[-1] == 2
    for why in result.dropped.values():
        assert why.startswith("failed on a rerun (flaky): passed 2 of 4 (2 cases, 2 rounds)")


def test_an_answer_with_very_many_tests_is_judged_on_the_first_ones_only() -> None:
    # Each test is run alone at least once: an answer of hundreds of tests would cost
    # hundreds of pytest processes, and a maintainer would not take them all anyway.
    from ttabot.drafting.testrun import MAX_TESTS

    many = "from m import f\n" + "".join(
        f"\n\ndef test_{i}():\n    assert f({i})\n" for i in range(MAX_TESTS + 7)
    )
    box = ScriptedSandbox(lambda name, run, alone: True)
    result = run_check(box, many, reruns=2)
    assert len(result.kept) == MAX_TESTS
    assert set(result.dropped) == {f"test_{i}" for i in range(MAX_TESTS, MAX_TESTS + 7)}
    assert "only the first" in result.dropped[f"test_{MAX_TESTS}"]
    alone = [nodes for nodes in box.runs if len(nodes) == 1]
    assert len(alone) == MAX_TESTS


def test_existing_tests_lost_beside_a_test_dropped_as_flaky_are_judged_again_without_it() -> None:
    # The rounds run the kept tests and, once, the existing ones. test_flaky fails its
    # second round (dropped) and test_old fails in that same run: it may have been
    # test_flaky's doing, so the existing tests run again with test_good alone.
    answer = (
        "from m import f\n\n\ndef test_good():\n    assert f()\n\n\n"
        "def test_flaky():\n    assert f()\n"
    )

    def script(name: str, run: int, alone: bool) -> bool:
        if name == "test_flaky":
            return run != 5
        if name == "test_old":
            return run not in (4, 5)
        return True

    box = ScriptedSandbox(script)
    result = run_check(box, answer, reruns=3, existing_passed=(f"{PATH}::test_old",))
    assert result.kept == ("test_good",), result.dropped
    assert result.dropped["test_flaky"].startswith("failed on a rerun (flaky)")
    assert [s.name for s in result.stages][-2:] == ["reruns", "existing"]
    assert box.runs[-1] == [f"{PATH}::test_good", f"{PATH}::test_old"]


def test_too_many_existing_tests_for_one_command_line_run_as_their_module() -> None:
    from ttabot.drafting.judge import MAX_NODE_CHARS

    many = tuple(f"{PATH}::test_old_{i}" for i in range(MAX_NODE_CHARS // 20))
    box = ScriptedSandbox(lambda name, run, alone: True)
    run_check(
        box,
        "from m import f\n\n\ndef test_good():\n    assert f()\n",
        reruns=2,
        existing_passed=many,
    )
    last = box.rounds and box.runs[-1]
    assert last == [f"{PATH}::test_good"]  # the module path itself names no node


def test_a_test_checking_through_the_projects_test_helper_is_judged(tmp_path: Path) -> None:
    # The stage reads the sandbox copy's tests/helpers.py: check_roundtrip asserts.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.py").write_text(
        "from m import f\n\n\ndef check_roundtrip(v):\n    assert f(v) == v\n"
    )
    box = ScriptedSandbox(lambda name, run, alone: True)
    box.path = tmp_path
    answer = (
        "from tests.helpers import check_roundtrip\n\n\n"
        "def test_good():\n    check_roundtrip(1)\n\n\n"
        "def test_idle():\n    print(1)\n"
    )
    result = run_check(box, answer, 1)
    assert result.kept == ("test_good",)
    assert result.dropped["test_idle"].startswith("asserts nothing")


class SkippingSandbox(ScriptedSandbox):
    """Answers as real pytest does when a test is skipped: -rA names the skip by file and
    line, never by node id; the other tests pass."""

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        nodes = [a for a in args if "::" in a]
        self.runs.append(nodes)
        lines = [f"PASSED {n}" for n in nodes if not n.endswith("::test_lonely")]
        if any(n.endswith("::test_lonely") for n in nodes):
            lines.append(f"SKIPPED [1] {PATH}:9: Windows-only test")
        return RunResult(0, "\n".join(lines)), []


def test_a_skipped_test_is_dropped_as_skipped_with_pytests_reason() -> None:
    result = run_check(SkippingSandbox(lambda name, run, alone: True), ANSWER, reruns=1)
    assert result.kept == ("test_good", "test_flaky")
    why = result.dropped["test_lonely"]
    assert why == "fails in the module: skipped (a drafted test must run): Windows-only test"


def test_an_answer_whose_tests_are_all_skipped_was_collected() -> None:
    class AllSkipped(ScriptedSandbox):
        def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
            self.runs.append([a for a in args if "::" in a])
            return RunResult(0, f"SKIPPED [3] {PATH}: requires Python 3.13+"), []

    result = run_check(AllSkipped(lambda name, run, alone: True), ANSWER, reruns=1)
    assert result.kept == ()
    assert [(s.name, s.passed) for s in result.stages][-2:] == [
        ("imports", True),
        ("passes", False),
    ]
    assert set(result.dropped.values()) == {
        "fails in the module: skipped (a drafted test must run): requires Python 3.13+"
    }
