"""One way to find a definition by dotted name, for ``check`` and for drafting alike.

``check`` sees every definition of a module, also under ``if``/``try``/``with``
(:func:`~ttabot.analysis.definitions.collect_definitions`); drafting must find
the same ones, or a function ``check`` reports is "not defined in the module"
when drafted. When a dotted name is defined more than once (a property's getter
and setter, both branches of an ``if``, a redefinition), the rule is the one
``check`` uses to keep one finding per symbol: the definition at the finding's
line when a line is given, else the first in source order.
"""

from __future__ import annotations

import ast

from ttabot.analysis.definitions import Definition, DefNode, collect_definitions


def definitions_named(tree: ast.Module, symbol: str) -> list[Definition]:
    """Every definition of ``tree`` whose dotted name is ``symbol``, in source order."""
    return [d for d in collect_definitions(tree) if d.symbol == symbol]


def find_definition(tree: ast.Module, symbol: str, line: int | None = None) -> DefNode | None:
    """The definition named by dotted ``symbol`` (``Class.method``, ``outer.inner``), or ``None``.

    With ``line`` (a finding's def/class line), the definition on that line
    wins; otherwise, or when none is there, the first one in source order.
    """
    found = definitions_named(tree, symbol)
    if not found:
        return None
    if line is not None:
        for definition in found:
            if definition.line == line:
                return definition.node
    return found[0].node
