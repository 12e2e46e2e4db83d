"""Reading pytest's ``-rA`` summary: each test's verdicts, by node id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ttabot.drafting.pytest_output import class_tests, outcomes, passed_tests, skip_reasons


def test_outcomes_read_pytest_summary_lines_by_node_id() -> None:
    output = (
        "PASSED tests/test_m.py::test_a[1]\nFAILED tests/test_m.py::test_a[2] - assert 1 == 2\n"
        "ERROR tests/test_m.py::TestX::test_y - fixture 'db' not found\n"
        "PASSED tests/test_other.py::test_a\n"
    )
    got = outcomes(output, "tests/test_m.py")
    assert got == {
        "test_a": [("PASSED", ""), ("FAILED", "assert 1 == 2")],
        "TestX": [("ERROR", "fixture 'db' not found")],
    }


def test_outcomes_read_parameter_ids_with_spaces_and_dashes() -> None:
    # Attack (no adversary needed): a case id holding a space, as pytest makes from a
    # string parameter, did not match the summary pattern, so a failing case was never
    # seen and a test that passed only its other cases was kept.
    output = (
        "PASSED tests/test_m.py::test_a[ok]\n"
        "FAILED tests/test_m.py::test_a[a b] - AssertionError: assert 'a b' == 'ok'\n"
        "PASSED tests/test_m.py::test_b[x - y]\n"
        "FAILED tests/test_m.py::test_c[p q - r] - boom\n"
        "XFAIL tests/test_m.py::test_d[s t] - reason\n"
        "PASSED tests/test_m.py::TestX::test_y[1 2]\n"
        "FAILED tests/test_m.pyc::test_a - not this module\n"
    )
    got = outcomes(output, "tests/test_m.py")
    assert got == {
        "test_a": [("PASSED", ""), ("FAILED", "AssertionError: assert 'a b' == 'ok'")],
        "test_b": [("PASSED", "")],
        "test_c": [("FAILED", "boom")],
        "test_d": [("XFAIL", "reason")],
        "TestX": [("PASSED", "")],
    }


def test_passed_tests_are_read_in_run_order_once_each() -> None:
    output = (
        "..F\n=== short test summary info ===\n"
        "PASSED tests/test_a.py::test_b\n"
        "PASSED tests/test_a.py::test_p[a b - c]\n"
        "FAILED tests/test_a.py::test_c - assert 1 == 2\n"
        "PASSED tests/test_a.py::test_b\n"
        "SKIPPED [1] tests/test_a.py:9: later\n"
    )
    assert passed_tests(output) == ("tests/test_a.py::test_b", "tests/test_a.py::test_p[a b - c]")


#: A drafted module whose tests pytest skips: by a mark, a class-level mark, or a call.
SKIPPING = """\
import sys

import pytest


@pytest.mark.skipif(sys.platform != "nonesuch", reason="Windows-only test")
def test_win():
    assert True


@pytest.mark.skipif(True, reason="requires Python 3.13+")
class TestReplace:
    def test_a(self):
        assert True


def test_inside():
    pytest.skip("skipped inside")


def test_ok():
    assert True
"""


def test_pytest_names_a_skip_by_file_and_line_never_by_node_id(tmp_path: Path) -> None:
    # The bench of the maintainers' own tests (click's Windows-only test, attrs' Python
    # 3.13 class) was told "pytest did not run it" and "not collected": the -rA summary
    # line of a skip is `SKIPPED [n] path:line: reason`, which outcomes() never read.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_m.py").write_text(SKIPPING)
    argv = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "tests"]
    run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert outcomes(run.stdout, "tests/test_m.py") == {"test_ok": [("PASSED", "")]}
    assert skip_reasons(run.stdout, "tests/test_m.py") == [
        "Windows-only test",
        "requires Python 3.13+",
        "skipped inside",
    ]
    assert skip_reasons(run.stdout, "tests/test_other.py") == []


def test_skip_reasons_are_read_for_the_module_only_each_once() -> None:
    output = (
        "SKIPPED [1] tests/test_m.py:9: Windows-only test\n"
        "SKIPPED [2] tests/test_m.py: requires Python 3.13+\n"
        "SKIPPED [1] tests/test_m.py:30: requires Python 3.13+\n"
        "SKIPPED [1] tests/test_m.pyc:3: not this module\n"
        "SKIPPED [1] tests/test_other.py:3: nor this one\n"
        "PASSED tests/test_m.py::test_ok\n"
    )
    assert skip_reasons(output, "tests/test_m.py") == [
        "Windows-only test",
        "requires Python 3.13+",
    ]


def test_class_tests_are_the_names_under_the_class_in_each_node_id() -> None:
    output = (
        "PASSED tests/test_m.py::TestX::test_a[1-2]\n"
        "FAILED tests/test_m.py::TestX::test_low - assert 1 == 0\n"
        "PASSED tests/test_m.py::TestX::TestInner::test_b\n"
        "PASSED tests/test_m.py::TestXY::test_c\n"
        "PASSED tests/test_m.py::test_x\n"
        "PASSED tests/other.py::TestX::test_d\n"
    )
    assert class_tests(output, "tests/test_m.py", "TestX") == {"test_a", "test_low", "TestInner"}
    assert class_tests(output, "tests/test_m.py", "test_x") == set()
