"""Sandboxed pytest runs: the reruns in one process, per-test coverage around the tests only."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.coverage_contexts import lines_by_test
from ttabot.drafting.isolation import project_copy
from ttabot.drafting.pytest_output import outcomes
from ttabot.drafting.pytestrun import Measure, pytest_argv, rounds_of
from ttabot.drafting.testrun import check_each_test

ENV = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}

FIXTURES = """\
import pytest

EVENTS = []


@pytest.fixture(scope="module")
def shared():
    EVENTS.append("module-setup")
    yield
    EVENTS.append("module-teardown")


@pytest.fixture
def fresh(tmp_path):
    EVENTS.append("setup")
    yield tmp_path
    EVENTS.append("teardown")


def test_fixtures_are_set_up_anew_each_round(shared, fresh):
    assert not list(fresh.iterdir())
    (fresh / "mark").write_text("x")
    rounds = EVENTS.count("module-setup")
    assert EVENTS.count("setup") == rounds
    assert EVENTS.count("module-teardown") == rounds - 1
"""

MODULE = """\
def clamp(x, low=0, high=10):
    if x < low:
        return low
    if x > high:
        return high
    return x
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "calc.py").write_text(MODULE)
    (root / "tests").mkdir()
    (root / "tests" / "test_fixtures.py").write_text(FIXTURES)
    return root


def test_rounds_rerun_one_test_in_one_process_with_its_fixtures_set_up_anew(
    project: Path,
) -> None:
    node = "tests/test_fixtures.py::test_fixtures_are_set_up_anew_each_round"
    args = pytest_argv([node], rounds=3)
    assert rounds_of(args) == 3 and rounds_of(pytest_argv([node])) == 1
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        result, _ = box.python(args)
    assert result.returncode == 0, result.output
    ran = outcomes(result.output, "tests/test_fixtures.py")
    assert ran == {"test_fixtures_are_set_up_anew_each_round": [("PASSED", "")] * 3}


def test_node_ids_named_once_run_in_the_first_round_only(project: Path) -> None:
    (project / "tests" / "test_once.py").write_text(
        "RUNS = []\n\n\ndef test_new():\n    assert True\n\n\n"
        "def test_old():\n    RUNS.append(1)\n    assert len(RUNS) == 1\n"
    )
    new, old = "tests/test_once.py::test_new", "tests/test_once.py::test_old"
    args = pytest_argv([new, old], rounds=3, once=[old])
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        result, _ = box.python(args)
    assert result.returncode == 0, result.output
    ran = outcomes(result.output, "tests/test_once.py")
    assert ran == {"test_new": [("PASSED", "")] * 3, "test_old": [("PASSED", "")]}


ONCE_ONLY = """\
from pkg.calc import clamp

SEEN = []


def test_clamp_low():
    assert clamp(-5) == 0


def test_clamp_high_once():
    SEEN.append(1)
    assert clamp(50) == 10 and len(SEEN) == 1
"""


def test_a_test_that_fails_when_run_again_in_the_same_process_is_dropped(
    project: Path,
) -> None:
    # Separate processes reset SEEN, so only a rerun in one process sees it fail.
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        result = check_each_test(
            box,
            "tests/test_calc.py",
            "",
            split_answer(ONCE_ONLY),
            module="pkg/calc.py",
            changed=frozenset({3, 5}),
            baseline=frozenset(),
            reruns=3,
        )
    assert result.kept == ("test_clamp_low",)
    why = result.dropped["test_clamp_high_once"]
    assert why.startswith("failed on a rerun (flaky): passed 1 of 2 rounds; failed"), why
    assert [s.name for s in result.stages][-1] == "reruns"
    assert "test_clamp_high_once" not in result.text


def test_per_test_coverage_is_measured_around_the_tests_only(project: Path) -> None:
    tests = (
        "from pkg.calc import clamp\n\nclamp(-1)  # at import: no test's line\n\n\n"
        "def test_low():\n    assert clamp(-5) == 0\n\n\n"
        "def test_high():\n    assert clamp(50) == 10\n"
    )
    overlay = {"tests/test_calc.py": tests}
    with project_copy(project, overlay, environ=ENV, timeout=60, python=sys.executable) as box:
        data = box.clear_coverage_data()
        measure = Measure(str(data), str(box.path / "pkg/calc.py"), contexts=True)
        nodes = ["tests/test_calc.py::test_low", "tests/test_calc.py::test_high"]
        result, _ = box.python(pytest_argv(nodes, measure=measure))
        assert result.returncode == 0, result.output
        lines = lines_by_test(box, "pkg/calc.py", ["test_low", "test_high"])
    assert lines == {"test_low": frozenset({2, 3}), "test_high": frozenset({2, 4, 5})}
