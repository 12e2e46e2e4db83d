"""Per-line lookups over a module's statements, built on first use.

Two questions need the statement holding a line: is a ``#`` line text inside
a multi-line string (then it is code, not a comment), and which line does a
coverage tool record a continuation line under (its statement's first line).
Only statements are walked to build the table, never every expression.
"""

from __future__ import annotations

import ast

_Holder = ast.stmt | ast.ExceptHandler
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _first_line(node: _Holder) -> int:
    """A decorated definition starts at its first decorator, as coverage tools see it."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return node.lineno


class StatementIndex:
    """The innermost statement (or ``except`` clause) holding each line of a module."""

    def __init__(self, tree: ast.Module, line_count: int) -> None:
        self._tree = tree
        self._line_count = line_count
        self._table: list[_Holder | None] | None = None

    def _holders(self) -> list[_Holder | None]:
        if self._table is None:
            table: list[_Holder | None] = [None] * (self._line_count + 1)
            # Depth-first with parents filled in before their children, so the
            # innermost statement ends up owning each line.
            pending: list[ast.AST] = list(self._tree.body)
            while pending:
                node = pending.pop()
                if isinstance(node, _Holder):
                    first = _first_line(node)
                    end = min(node.end_lineno or node.lineno, self._line_count)
                    table[first : end + 1] = [node] * (end - first + 1)
                for field in _BODY_FIELDS:
                    value = getattr(node, field, None)
                    if isinstance(value, list):
                        pending.extend(value)
            self._table = table
        return self._table

    def start(self, number: int) -> int:
        """The line a coverage tool records line ``number`` under (0 outside any statement).

        That is the first line of the statement holding it, or the ``def`` /
        ``class`` line for a decorator line, which runs together with it.
        """
        if not 0 < number <= self._line_count:
            return 0
        holder = self._holders()[number]
        return 0 if holder is None else holder.lineno

    def in_string(self, number: int) -> bool:
        """True when line ``number`` continues a multi-line string literal."""
        if not 0 < number <= self._line_count:
            return False
        holder = self._holders()[number]
        if holder is None or holder.lineno == number:
            return False
        for child in ast.iter_child_nodes(holder):
            # Nested statements own their own lines; only this one's expressions matter.
            if isinstance(child, _Holder | ast.match_case):
                continue
            for node in ast.walk(child):
                if (
                    isinstance(node, ast.JoinedStr)
                    or (isinstance(node, ast.Constant) and isinstance(node.value, str | bytes))
                ) and node.lineno < number <= (node.end_lineno or node.lineno):
                    return True
        return False
