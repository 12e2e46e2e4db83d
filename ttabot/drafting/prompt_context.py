"""The code a prompt shows: the module as context (cut when long), a definition whole."""

from __future__ import annotations

import ast
import textwrap

from ttabot.analysis.source import split_lines
from ttabot.drafting.docstrings import (
    find_definition,
)
from ttabot.records import Finding

#: Longest module (in lines) sent whole as context; longer ones are cut to this.
MODULE_CONTEXT_LINES = 400


def module_context(source: str) -> str:
    """``source`` as a prompt shows it: whole to :data:`MODULE_CONTEXT_LINES` lines, else cut."""
    lines = source.splitlines()
    if len(lines) <= MODULE_CONTEXT_LINES:
        return source.rstrip("\n")
    kept = "\n".join(lines[:MODULE_CONTEXT_LINES])
    return f"{kept}\n# ... ({len(lines) - MODULE_CONTEXT_LINES} more lines)"


def definition_source(source: str, finding: Finding, marks: frozenset[int] = frozenset()) -> str:
    """The source of ``finding``'s definition, lines in ``marks`` tagged ``# changed``."""
    node = find_definition(ast.parse(source), finding.symbol, finding.line)
    if node is not None:
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = node.end_lineno or node.lineno
    else:
        start, end = finding.line, finding.end_line
    lines = split_lines(source)[start : end + 1]  # as the AST numbers them
    out = [
        f"{line}  # changed" if number in marks and line.strip() else line
        for number, line in enumerate(lines, start)
    ]
    # Never cut: an answer to a definition shown in part cannot pass (context may be cut).
    return textwrap.dedent("\n".join(out))
