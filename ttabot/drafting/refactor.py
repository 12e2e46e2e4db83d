"""A rewritten function put in place of the old one, its docstring kept.

Pure functions over source text. What triggers a refactor is
:mod:`ttabot.drafting.refactor_measures`; what a rewrite may not change,
:mod:`ttabot.drafting.refactor_interface` and :mod:`ttabot.drafting.runner_detection`.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from ttabot.analysis.source import lines_with_ends, parse_python
from ttabot.drafting.docstrings import NotExact, find_definition, insert_docstrings


def replace_definition(source: str, symbol: str, code: str) -> str:
    """``source`` with ``symbol``'s definition (decorators included) replaced by ``code``.

    ``code`` is re-indented to the definition's column; every other line stays as it was.

    Raises:
        ValueError: If ``symbol`` is not defined in ``source``.
    """
    node = find_definition(ast.parse(source), symbol)
    if node is None:
        raise ValueError(f"{symbol} is not defined")
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    end = node.end_lineno or node.lineno
    lines = lines_with_ends(source)  # as the AST numbers them (not at form feeds)
    first = lines[start - 1]
    indent = first[: len(first) - len(first.lstrip())]
    newline = "\r\n" if first.endswith("\r\n") else "\n"
    code = _without_docstring(textwrap.dedent(code).strip("\n"), symbol.rpartition(".")[2])
    body = textwrap.indent(code, indent)
    replacement = newline.join(body.splitlines()) + newline
    out = "".join(lines[: start - 1]) + replacement + "".join(lines[end:])
    return _keep_docstring(out, symbol, ast.get_docstring(node, clean=False))


def _without_docstring(code: str, name: str) -> str:
    """``code`` without the docstring of its definition ``name``: a rewrite is code, and
    its docstring never passed the docstring gate (the old one is put back instead).

    Left as it is where the docstring shares a line with other code; the signature
    stage then sees the docstring changed.
    """
    try:
        tree = parse_python(code)
    except SyntaxError:
        return code  # the parses stage reports it
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    node = next((n for n in tree.body if isinstance(n, kinds) and n.name == name), None)
    if node is None or ast.get_docstring(node, clean=False) is None or len(node.body) < 2:
        return code
    doc, after = node.body[0], node.body[1]
    end = doc.end_lineno or doc.lineno
    if doc.lineno == node.lineno or end >= after.lineno:
        return code  # on the def line, or on one with the code after it
    lines = lines_with_ends(code)
    return "".join(lines[: doc.lineno - 1] + lines[end:])


def _keep_docstring(source: str, symbol: str, docstring: str | None) -> str:
    """Put the old docstring back if the rewrite dropped it (e.g. one drafted just before)."""
    if docstring is None:
        return source
    try:
        node = find_definition(parse_python(source), symbol)
    except SyntaxError:
        return source  # the parses stage reports it
    if node is None or ast.get_docstring(node) is not None:
        return source
    try:
        return insert_docstrings(source, {symbol: inspect.cleandoc(docstring)})
    except NotExact:  # the rewrite stays as written; the refactor's checks judge it
        return source
