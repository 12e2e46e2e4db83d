"""The names a change's lines use, as test placement reads them."""

from __future__ import annotations

import pytest

from ttabot.drafting.changed_code import NOTHING_CHANGED, ChangedCode, changed_code

SYNC = '''\
def retry(func, sleep=None):
    """Wrap func; see asyncio_notes for the Awaitable case."""
    # await is handled by AsyncRetrying
    if is_coroutine_callable(func):
        return AsyncRetrying(func)
    helper: Awaitable[None] = make_waiter(sleep)
    return Retrying(func)
'''


@pytest.mark.parametrize(
    ("marks", "names", "awaitables"),
    [
        # only the changed lines count; a docstring or comment is not code
        ({2, 3}, set(), False),
        ({7}, {"Retrying", "func"}, False),
        # a sync def whose changed lines deal with coroutines gains an async path
        ({4}, {"is_coroutine_callable", "func"}, True),
        ({5}, {"AsyncRetrying", "func"}, True),
        # a sync def whose changed line names Awaitable gains an async path
        ({6}, {"helper", "Awaitable", "make_waiter", "sleep"}, True),
        # no changed line inside the body: the whole body is new
        (
            {1},
            {
                "is_coroutine_callable",
                "func",
                "AsyncRetrying",
                "helper",
                "Awaitable",
                "make_waiter",
                "sleep",
                "Retrying",
            },
            True,
        ),
    ],
)
def test_changed_code_names_the_code_of_changed_lines(
    marks: set[int], names: set[str], awaitables: bool
) -> None:
    assert changed_code(SYNC, 1, 7, marks) == ChangedCode(frozenset(names), awaitables)


def test_a_native_coroutine_is_not_a_sync_function_gaining_an_async_path() -> None:
    source = "class C:\n    async def send(self):\n        await self.transport.send()\n"
    found = changed_code(source, 2, 3, {3})
    assert found.names == {"transport", "send"}
    assert not found.handles_awaitables


@pytest.mark.parametrize(
    ("source", "line", "end_line"),
    [
        # a span cut in the middle of a string: tokenize fails, the regex reads the lines
        ('def f():\n    x = """open\n    return parse_url(x)\n', 1, 3),
        # inconsistent dedent inside the span
        ("def f():\n        a = 1\n    parse_url(a)\n", 1, 3),
        # tabs and spaces, a null byte, non-ASCII names
        ("def f():\n\tparse_url(\x00)\n\tdonnée = 1\n", 1, 3),
    ],
)
def test_broken_source_does_not_crash_and_still_yields_names(
    source: str, line: int, end_line: int
) -> None:
    assert "parse_url" in changed_code(source, line, end_line, set()).names


@pytest.mark.parametrize(("line", "end_line"), [(0, 3), (-5, 2), (40, 50), (3, 1)])
def test_lines_outside_the_source_give_nothing(line: int, end_line: int) -> None:
    assert changed_code("def f():\n    g()\n", line, end_line, {1, 2}) == NOTHING_CHANGED


def test_lines_are_numbered_as_the_ast_numbers_them() -> None:
    # A form feed ends a line for str.splitlines only: counted, the changed line 4 of
    # the module read line 3's code.
    source = '"""Mod.\x0c"""\ndef f(x):\n    old_helper(x)\n    return new_helper(x)\n'
    assert changed_code(source, 2, 4, {4}) == ChangedCode(frozenset({"new_helper"}))
