"""Contract v2, docs-missing: a method whose docstring Python inherits needs no copy."""

from __future__ import annotations

import pytest

from tests.analysis.marked import check, found
from ttabot.config import CheckSettings


def chain(levels: int) -> str:
    """``Base`` documents ``run``; ``Child`` overrides it ``levels`` subclasses below."""
    lines = [" class Base:", "     def run(self):", "         '''Run.'''"]
    parent = "Base"
    for level in range(1, levels):
        lines += [f" class Level{level}({parent}):", "     pass"]
        parent = f"Level{level}"
    lines += [f" class Child({parent}):", "+    def run(self):", "+        return 1"]
    return "\n".join(lines) + "\n"


LEAVES_ALONE = [
    pytest.param(
        # click: File.convert overrides ParamType.convert, documented in the same module.
        """
         class ParamType:
             def convert(self, value, param, ctx):
                 '''Convert the value to the correct type.'''
                 return value
         class File(ParamType):
        +    def convert(self, value, param, ctx):
        +        return open(value)
        """,
        id="click File.convert",
    ),
    pytest.param(
        # click: PowerShellComplete.format_completion through ShellComplete.
        """
         class ShellComplete:
             def format_completion(self, item):
                 '''Format a completion item into the form recognized by the shell script.'''
                 raise NotImplementedError
         class BashComplete(ShellComplete):
             def format_completion(self, item):
                 return f"{item.type},{item.value}"
         class PowerShellComplete(BashComplete):
        +    def format_completion(self, item):
        +        return f"{item.value}"
        """,
        id="click PowerShellComplete.format_completion past an undocumented base method",
    ),
    pytest.param(
        """
         from typing import override
         class Child(Base):
        +    @override
        +    def run(self):
        +        return 1
        """,
        id="@override",
    ),
    pytest.param(
        """
         class Child(Base):
        +    @typing_extensions.override
        +    def run(self):
        +        return 1
        """,
        id="@typing_extensions.override",
    ),
    pytest.param(
        """
         class Child(Base):
        +    @t.override
        +    def run(self):
        +        return 1
        """,
        id="any spelling ending in override",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Child(types.Base):
        +    def run(self):
        +        return 1
        """,
        id="attribute base: last name",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Middle(Base):
             pass
         class Child(Middle):
        +    def run(self):
        +        return 1
        """,
        id="through a base without the method",
    ),
    pytest.param(
        """
         import sys
         if sys.version_info >= (3, 11):
             class Base:
                 def run(self):
                     '''Run.'''
         else:
             class Base:
                 def run(self):
                     pass
         class Child(Base):
        +    def run(self):
        +        return 1
        """,
        id="base under module-level if: all classes of that name searched",
    ),
    pytest.param(
        """
         class Other:
             pass
         class Base:
             def run(self):
                 '''Run.'''
         class Child(Other, Base):
        +    def run(self):
        +        return 1
        """,
        id="second base",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 pass
         class Outer:
             '''Outer.'''
             class Base:
                 def run(self):
                     '''Run.'''
             class Child(Base):
        +        def run(self):
        +            return 1
        """,
        id="base in the class's own enclosing scope first",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Outer:
             '''Outer.'''
             class Child(Base):
        +        def run(self):
        +            return 1
        """,
        id="nested class: module-level base when its own scope has none",
    ),
    pytest.param(
        """
         class Base:
             if True:
                 def run(self):
                     '''Run.'''
         class Child(Base):
        +    def run(self):
        +        return 1
        """,
        id="base method under if in the class body",
    ),
    pytest.param(chain(10), id="depth 10"),
]


@pytest.mark.parametrize("snippet", LEAVES_ALONE)
def test_leaves_alone(snippet: str) -> None:
    assert found(check(snippet), "docs-missing") == set()


@pytest.mark.parametrize("snippet", LEAVES_ALONE)
def test_v1_still_reports_them(snippet: str) -> None:
    result = check(snippet, settings=CheckSettings(contract=1))
    assert found(result, "docs-missing")


REPORTS = [
    pytest.param(
        """
        +@override
        +def run():
        +    return 1
        """,
        "run",
        id="only methods: a function with @override",
    ),
    pytest.param(
        """
         class Base:
             '''Documented class.'''
        +class Child(Base):
        +    x = 1
        """,
        "Child",
        id="only methods: a class with a documented base",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 ''
         class Child(Base):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="empty base docstring is not documented",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Child(Base[int]):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="subscripted base not followed",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Child(make(Base)):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="call base not followed",
    ),
    pytest.param(
        """
         class Meta(type):
             def run(self):
                 '''Run.'''
         class Child(metaclass=Meta):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="keywords not followed",
    ),
    pytest.param(
        """
         from other import Base
         class Child(Base):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="base from another module",
    ),
    pytest.param(
        """
         class Base:
             def start(self):
                 '''Start.'''
         class Child(Base):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="base documents another method",
    ),
    pytest.param(
        """
         class Base:
             class run:
                 '''A class, not a method.'''
         class Child(Base):
        +    def run(self):
        +        return 1
        """,
        "Child.run",
        id="base has a nested class of that name",
    ),
    pytest.param(
        """
         class A(B):
             def run(self):
                 pass
         class B(A):
        +    def run(self):
        +        return 1
        """,
        "B.run",
        id="cycle stops",
    ),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Outer:
             '''Outer.'''
             class Base:
                 pass
             class Child(Base):
        +        def run(self):
        +            return 1
        """,
        "Outer.Child.run",
        id="enclosing scope first: its undocumented Base hides the module's",
    ),
    pytest.param(chain(11), "Child.run", id="depth 11 is too deep"),
    pytest.param(
        """
         class Base:
             def run(self):
                 '''Run.'''
         class Child(Base):
        +    def run(self):
        +        return 1
        +    def walk(self):
        +        return 2
        """,
        "Child.walk",
        id="only the overriding method",
    ),
]


@pytest.mark.parametrize(("snippet", "symbol"), REPORTS)
def test_reports(snippet: str, symbol: str) -> None:
    assert found(check(snippet), "docs-missing") == {symbol}
