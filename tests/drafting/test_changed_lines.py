"""The changed lines a drafted test must run: the bodies of the definitions the findings name."""

from __future__ import annotations

from ttabot.drafting.testdraft import changed_lines
from ttabot.records import Category, Finding, TaskKind

# click's prompt (3b16957cba): typed @overload stubs above the implementation, the change
# in both a stub's signature and the implementation's body.
OVERLOADED = """\
from typing import overload


@overload
def prompt(text: str, default: None = None) -> str: ...


@overload
def prompt(
    text: str, default: int
) -> int: ...


def prompt(text, default=None):
    value = input(text)
    if not value and default is not None:
        return default
    return value
"""


def finding(symbol: str, line: int, end_line: int = 19) -> Finding:
    kind = TaskKind.UNIT_TESTS
    return Finding(Category.TESTS_NEEDED, "pkg/termui.py", symbol, line, end_line, kind, "")


def test_an_overloaded_functions_changed_lines_are_the_implementations_the_finding_names() -> None:
    # The finding is on the implementation (line 14); its changed body lines are 16-17. The
    # stub's changed `) -> int: ...` (line 11) runs at import and never again: a test of
    # prompt could never run it, so every test of prompt was dropped at stage coverage.
    changed = changed_lines(OVERLOADED, {10, 11, 16, 17}, [finding("prompt", 14)])
    assert changed == {16, 17}


def test_without_a_redefinition_the_line_changes_nothing() -> None:
    source = "def f(x):\n    y = x + 1\n    return y\n"
    assert changed_lines(source, {2, 3}, [finding("f", 1, 3)]) == {2, 3}
    assert changed_lines(source, {1}, [finding("f", 1, 3)]) == frozenset()  # the def line: no
