"""Docstring insertion with libcst: only the new docstrings change, byte for byte.

Imported lazily by :func:`ttabot.drafting.docstrings.insert_docstrings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Union

import libcst as cst

from ttabot.drafting.docstrings import NOT_EXACT, NotExact, docstring_literal

_Def = Union[cst.FunctionDef, cst.ClassDef]  # noqa: UP007 - a runtime alias for a TypeVar-free helper


def insert_docstrings(source: str, docstrings: Mapping[str, str]) -> str:
    """See :func:`ttabot.drafting.docstrings.insert_docstrings`."""
    try:
        return _rewrite(source, docstrings, exact=True)
    except (cst.ParserSyntaxError, RecursionError):  # see round_trips
        raise NotExact(NOT_EXACT) from None


def _rewrite(source: str, docstrings: Mapping[str, str], *, exact: bool = False) -> str:
    """``source`` with ``docstrings`` inserted; ``exact``: NotExact if libcst would change it."""
    module = cst.parse_module(source)
    if exact and module.code != source:
        raise NotExact(NOT_EXACT)
    inserter = _Inserter(docstrings, module.default_indent, module.default_newline)
    return module.visit(inserter).code


def round_trips(source: str) -> bool:
    """Whether libcst reads ``source`` and writes it back byte for byte.

    Seen not to: a form feed before a statement (a page break in GNU-style code)
    is dropped (the AST would not change, so no later check would notice); and a
    chain Python parses (600 joined strings, ``a + b + ...``) is deeper than
    libcst's recursive visitors go. So the check is the insertion itself, with
    no docstring to insert: it parses, walks and writes the module as deep.
    """
    try:
        return _rewrite(source, {}) == source
    except (cst.ParserSyntaxError, RecursionError):
        return False


def _docstring_of(stmt: cst.BaseStatement | cst.BaseSmallStatement) -> cst.SimpleString | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        stmt = stmt.body[0]
    if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.SimpleString):
        return stmt.value
    return None


def _is_empty(string: cst.SimpleString) -> bool:
    value = string.evaluated_value
    return not (value.strip() if isinstance(value, str) else value)


class _Inserter(cst.CSTTransformer):
    """Adds a docstring to each definition whose dotted name is a key of ``docstrings``."""

    def __init__(
        self, docstrings: Mapping[str, str], default_indent: str, newline: str = "\n"
    ) -> None:
        super().__init__()
        self.docstrings = docstrings
        self.default_indent = default_indent
        self.newline = newline
        self.names: list[str] = []
        self.indents: list[str] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.indents.append(node.indent if node.indent is not None else self.default_indent)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        self.indents.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.append(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.append(node.name.value)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        result = self._with_docstring(updated_node)
        assert isinstance(result, cst.FunctionDef)
        return result

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        result = self._with_docstring(updated_node)
        assert isinstance(result, cst.ClassDef)
        return result

    def _with_docstring(self, node: _Def) -> _Def:
        symbol = ".".join(self.names)
        self.names.pop()
        text = self.docstrings.get(symbol)
        if text is None:
            return node
        body = node.body
        # The body's own block was already left, so `indents` holds the enclosing ones only.
        own = body.indent if isinstance(body, cst.IndentedBlock) else None
        indent = "".join(self.indents) + (own if own is not None else self.default_indent)
        doc = cst.SimpleStatementLine(
            body=[cst.Expr(cst.SimpleString(docstring_literal(text, indent, self.newline)))]
        )
        if isinstance(body, cst.IndentedBlock):
            stmts = list(body.body)
            if stmts:
                existing = _docstring_of(stmts[0])
                if existing is not None:
                    if not _is_empty(existing):
                        return node
                    first = stmts[0]
                    if isinstance(first, cst.SimpleStatementLine):
                        doc = doc.with_changes(leading_lines=first.leading_lines)
                    stmts = stmts[1:]
            if isinstance(node, cst.ClassDef) and stmts:
                # PEP 257: a blank line after a class docstring, before the first method.
                first = stmts[0]
                if isinstance(first, cst.FunctionDef | cst.ClassDef) and not first.leading_lines:
                    stmts[0] = first.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
            return node.with_changes(body=body.with_changes(body=[doc, *stmts]))
        # `def f(): return 1` on one line: a docstring needs an indented block.
        assert isinstance(body, cst.SimpleStatementSuite)
        small = list(body.body)
        if small:
            existing = _docstring_of(small[0])
            if existing is not None:
                if not _is_empty(existing):
                    return node
                small = small[1:]
        lines = [cst.SimpleStatementLine(body=[s]) for s in small]
        return node.with_changes(
            body=cst.IndentedBlock(body=[doc, *lines], header=body.trailing_whitespace)
        )
