"""Reading pytest's ``-rA`` summary: each test's verdicts, by node id."""

from __future__ import annotations

from ttabot.drafting.pytest_output import outcomes, passed_tests


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
