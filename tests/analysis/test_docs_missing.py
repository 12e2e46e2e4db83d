"""docs-missing: a touched public definition with no (or an empty) docstring."""

from __future__ import annotations

import pytest

from tests.analysis.marked import check, found, one

FINDS = [
    pytest.param(
        """
        +def load():
        +    return 1
        """,
        {"load"},
        id="new function",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"load"},
        id="changed body",
    ),
    pytest.param(
        """
        +async def fetch():
        +    return 1
        """,
        {"fetch"},
        id="async def",
    ),
    pytest.param(
        '''
         def load():
        +    """   """
             return 1
        ''',
        {"load"},
        id="whitespace docstring",
    ),
    pytest.param(
        """
         def load():
             ""
        +    return 1
        """,
        {"load"},
        id="empty docstring",
    ),
    pytest.param(
        """
        +@functools.cache
         def load():
             return 1
        """,
        {"load"},
        id="decorator line is in the span",
    ),
    pytest.param(
        """
        +class Loader:
        +    x = 1
        """,
        {"Loader"},
        id="new class",
    ),
    pytest.param(
        '''
         class Loader:
             """Loads."""

        +    def load(self):
        +        return 1
        ''',
        {"Loader.load"},
        id="added method touches the method, not its documented class",
    ),
    pytest.param(
        """
         class Loader:
             x = 1

        +    def load(self):
        +        return 1
        """,
        {"Loader.load"},
        id="added method does not touch its undocumented class",
    ),
    pytest.param(
        """
         class Loader:
        +    x = 2

             def load(self):
                 return 1
        """,
        {"Loader"},
        id="class body line touches the class, not its methods",
    ),
    pytest.param(
        '''
         class Outer:
             """Doc."""

             class Inner:
        +        def run(self):
        +            pass
        ''',
        {"Outer.Inner.run"},
        id="nested public class method: inner class untouched",
    ),
    pytest.param(
        """
         def outer():
        +    def inner():
        +        pass
        """,
        {"outer"},
        id="function touched through its nested function; nested is not public",
    ),
    pytest.param(
        """
         __all__ = ["load"]

        +def load():
        +    pass
        """,
        {"load"},
        id="listed in __all__",
    ),
    pytest.param(
        """
         __all__: list[str] = ["Loader"]

        +class Loader:
        +    def load(self):
        +        pass
        """,
        {"Loader", "Loader.load"},
        id="member of a class listed in annotated __all__",
    ),
    pytest.param(
        """
         __all__ = make_names()

        +def load():
        +    pass
        """,
        {"load"},
        id="computed __all__ filters nothing",
    ),
    pytest.param(
        """
         __all__ = ["a"]
         __all__ += ["load"]

        +def load():
        +    pass
        """,
        {"load"},
        id="__all__ extended",
    ),
    pytest.param(
        """
        +if TYPE_CHECKING:
        +    def load():
        +        pass
        """,
        {"load"},
        id="definition under if",
    ),
    pytest.param(
        """
         class Box:
             @property
        +    def value(self):
                 return 1
        """,
        {"Box.value"},
        id="property getter is not exempt",
    ),
]

LEAVES = [
    pytest.param(
        '''
         def load():
             """Load."""
        +    return 2
        ''',
        id="documented",
    ),
    pytest.param(
        """
         def load():
             return 1
        +
         x = 1
        """,
        id="blank added line after the span",
    ),
    pytest.param(
        """
         def load():
        +
             return 1
        """,
        id="blank added line inside the span",
    ),
    pytest.param(
        """
         def load():
             return 1
        +x = 2
        """,
        id="untouched",
    ),
    pytest.param(
        """
        +def _load():
        +    pass
        """,
        id="private",
    ),
    pytest.param(
        """
         class Loader:
             '''Doc.'''
        +    def __init__(self):
        +        pass
        """,
        id="dunder",
    ),
    pytest.param(
        """
         class _Loader:
        +    def load(self):
        +        pass
        """,
        id="method of private class",
    ),
    pytest.param(
        """
         class _Hidden:
             class Inner:
        +        def load(self):
        +            pass
        """,
        id="inside a private enclosing class",
    ),
    pytest.param(
        '''
         def outer():
             """Doc."""
        +    class Local:
        +        def load(self):
        +            pass
        ''',
        id="nested in a function",
    ),
    pytest.param(
        """
         __all__ = ["other"]

        +def load():
        +    pass
        """,
        id="not in __all__",
    ),
    pytest.param(
        """
         __all__ = ("other",)

        +class Loader:
        +    def load(self):
        +        pass
        """,
        id="members follow their unlisted owner",
    ),
    pytest.param(
        """
        +@overload
        +def load(x: int) -> int: ...
        """,
        id="overload",
    ),
    pytest.param(
        """
        +@typing.overload
        +def load(x: int) -> int: ...
        """,
        id="typing.overload",
    ),
    pytest.param(
        """
        +@t.overload
        +def load(x: int) -> int: ...
        """,
        id="t.overload",
    ),
    pytest.param(
        """
        +@typing_extensions.overload
        +def load(x: int) -> int: ...
        """,
        id="typing_extensions.overload",
    ),
    pytest.param(
        '''
         class Box:
             """Doc."""
             @property
             def value(self):
                 """The value."""
                 return 1

             @value.setter
        +    def value(self, new):
        +        self._v = new

             @value.deleter
        +    def value(self):
        +        del self._v
        ''',
        id="property setter and deleter",
    ),
]


@pytest.mark.parametrize(("snippet", "symbols"), FINDS)
def test_finds(snippet: str, symbols: set[str]) -> None:
    assert found(check(snippet), "docs-missing") == symbols


@pytest.mark.parametrize("snippet", LEAVES)
def test_leaves_alone(snippet: str) -> None:
    assert found(check(snippet), "docs-missing") == set()


def test_message_names_kind_and_symbol() -> None:
    result = check(
        """
         class Box:
             '''Doc.'''
        +    def load(self):
        +        pass
        """
    )
    finding = one(result, "docs-missing")
    assert finding.message == "public method `Box.load` has no docstring"
    assert (finding.line, finding.end_line, finding.task.value) == (3, 4, "documentation")
