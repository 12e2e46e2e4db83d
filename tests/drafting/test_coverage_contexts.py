"""Per-test coverage: a coverage context belongs to its own test only."""

from __future__ import annotations

import pytest

from ttabot.drafting.coverage_contexts import context_of


@pytest.mark.parametrize(
    ("context", "name", "mine"),
    [
        ("tests/test_calc.py::test_low", "test_low", True),
        ("tests/test_calc.py::test_low[1-2]", "test_low", True),
        ("tests/test_calc.py::TestClamp::test_low", "TestClamp", True),
        ("tests/test_calc.py::TestClamp::TestInner::test_low", "TestClamp", True),
        ("tests/test_calc.py::TestClamp::test_low[a::b]", "TestClamp.test_low", True),
        # A test named like its module, or its package, gets no other test's lines.
        ("tests/test_calc.py::test_low", "test_calc", False),
        ("tests/test_calc.py::test_low", "tests", False),
        ("tests/test_calc.py::TestClamp::test_low", "test_low_2", False),
        ("tests/test_calc.py::TestClamp::test_low", "test_low", False),
        ("tests/test_calc.py::TestClamp::test_low", "test_calc", False),
        ("", "test_low", False),  # before any test: collection, imports
    ],
)
def test_a_coverage_context_belongs_to_its_own_test_only(
    context: str, name: str, mine: bool
) -> None:
    assert context_of(context, name) is mine
