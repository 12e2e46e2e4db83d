"""A test class's methods taken out one by one: the rest of the class as written."""

from __future__ import annotations

import pytest

from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.class_tests import without_methods

CLASS = (
    "import pytest\n\n\n"
    "class TestClamp:\n"
    "    LOW = 0  # the class's own data stays\n\n"
    "    def helper(self):\n        return helper_value()\n\n"
    "    def test_low(self):\n        assert clamp(-5) == self.LOW\n\n"
    "    @pytest.mark.slow\n"
    "    @pytest.mark.parametrize('x', [uses_only_here()])\n"
    "    def test_again(self, x):\n        assert clamp(x) == x\n\n"
    "    async def test_async(self):\n        assert await aclamp(1) == 1\n"
)


def test_a_method_goes_with_its_decorators_and_what_only_it_used() -> None:
    piece = split_answer(CLASS).tests["TestClamp"]
    kept = without_methods(piece, ["test_again"])
    assert kept is not None
    assert "test_again" not in kept.source and "mark.slow" not in kept.source
    assert "def test_low" in kept.source and "async def test_async" in kept.source
    assert "LOW = 0  # the class's own data stays" in kept.source
    assert "uses_only_here" in piece.uses and "uses_only_here" not in kept.uses
    assert {"clamp", "helper_value", "aclamp"} <= kept.uses


@pytest.mark.parametrize(
    ("code", "methods"),
    [
        # No test method would be left: the class goes whole.
        (CLASS, ["test_low", "test_again", "test_async"]),
        # Nothing of that name: nothing to take out.
        (CLASS, ["test_missing"]),
        # Not a class.
        ("def test_x():\n    assert f()\n", ["test_x"]),
    ],
)
def test_nothing_is_trimmed_where_no_test_method_would_be_left(
    code: str, methods: list[str]
) -> None:
    (piece,) = split_answer(code).tests.values()
    assert without_methods(piece, methods) is None


def test_lines_are_cut_as_python_numbers_them() -> None:
    # A form feed inside a method is no line end for Python: str.splitlines would cut
    # the class at the wrong place.
    code = (
        "class TestX:\n"
        "    def test_a(self):\n        assert f('\x0c') == 1\n\n"
        "    def test_b(self):\n        assert f(2) == 2\n"
    )
    (piece,) = split_answer(code).tests.values()
    kept = without_methods(piece, ["test_a"])
    assert kept is not None and kept.source.strip().endswith("assert f(2) == 2")
    assert "test_a" not in kept.source
