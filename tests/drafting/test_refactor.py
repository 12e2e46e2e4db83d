"""Refactor measures and putting a rewritten definition in place."""

from __future__ import annotations

import pytest

from ttabot.config import CheckSettings
from ttabot.drafting.refactor import Measures, lowered, measures, replace_definition

SOURCE = (
    "import x\n\n\nclass A:\n    @staticmethod\n    @other\n    def m(a, b):\n        return a\n\n"
    "    def n(self):\n        pass\n"
)


def test_replace_definition_reindents_and_keeps_the_rest() -> None:
    out = replace_definition(SOURCE, "A.m", "@staticmethod\ndef m(a, b):\n    return b\n")
    assert out == (
        "import x\n\n\nclass A:\n    @staticmethod\n    def m(a, b):\n        return b\n\n"
        "    def n(self):\n        pass\n"
    )


def test_replace_definition_of_a_missing_symbol_fails() -> None:
    with pytest.raises(ValueError, match="not defined"):
        replace_definition(SOURCE, "A.zz", "def zz(): pass")


def test_measures_skip_self_for_methods() -> None:
    assert measures(SOURCE, "A.n") == Measures(complexity=1, parameters=0)
    assert measures(SOURCE, "A.m") == Measures(complexity=1, parameters=2)
    assert measures("def f(:", "f") is None


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (Measures(12, 2), Measures(4, 2), None),
        (Measures(12, 2), Measures(12, 1), "complexity 12 -> 12"),
        (Measures(3, 7), Measures(3, 5), None),
        (Measures(12, 7), Measures(5, 7), "parameters 7 -> 7"),
    ],
)
def test_lowered(before: Measures, after: Measures, problem: str | None) -> None:
    found = lowered(before, after, CheckSettings())
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_replace_definition_keeps_a_docstring_the_rewrite_dropped() -> None:
    source = 'def f(x):\n    """Return x.\n\n    Args:\n        x: X.\n    """\n    return x\n'
    out = replace_definition(source, "f", "def f(x):\n    return +x\n")
    assert (
        out == 'def f(x):\n    """Return x.\n\n    Args:\n        x: X.\n    """\n    return +x\n'
    )
