"""Which definitions a change touches, and which of its added lines are code.

Every lookup goes through a per-line table of the innermost definition, so a
change is mapped in time linear in the file, not in definitions x lines.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ttabot.analysis.definitions import Definition

NO_OWNER = -1


@dataclass(frozen=True)
class Touches:
    """What the added lines of one file touch.

    ``touched`` holds indexes of touched definitions; ``code_lines`` maps each
    function that has added *code* lines in its span to those lines, in order.
    """

    touched: frozenset[int]
    code_lines: Mapping[int, tuple[int, ...]]


def innermost_owners(defs: Sequence[Definition], line_count: int) -> list[int]:
    """For each line ``0..line_count``, the index of the innermost definition spanning it."""
    owners = [NO_OWNER] * (line_count + 1)
    # Parents come before children, so inner spans overwrite outer ones.
    for index, definition in enumerate(defs):
        end = min(definition.end, line_count)
        owners[definition.start : end + 1] = [index] * (end - definition.start + 1)
    return owners


def lines_inside_strings(tree: ast.Module) -> frozenset[int]:
    """Lines that continue a multi-line string: a ``#`` there is text, not a comment."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)
        ):
            end = node.end_lineno or node.lineno
            if end > node.lineno:
                inside.update(range(node.lineno + 1, end + 1))
    return frozenset(inside)


def find_touches(
    defs: Sequence[Definition],
    lines: Sequence[str],
    added: Collection[int],
    tree: ast.Module,
) -> Touches:
    """Map the ``added`` line numbers of a file onto its definitions.

    A definition is touched by a non-blank added line in its span; a class is
    not touched by lines inside its nested definitions. An added line is *code*
    unless it is blank, a comment line or part of a docstring.
    """
    line_count = len(lines) - 1
    owners = innermost_owners(defs, line_count)
    docstring_lines: set[int] = set()
    for definition in defs:
        docstring_lines.update(definition.docstring_lines)
    string_lines: frozenset[int] | None = None

    touched: set[int] = set()
    code_lines: dict[int, list[int]] = {}
    for number in sorted(added):
        if not 0 < number <= line_count:
            continue
        stripped = lines[number].strip()
        owner = owners[number]
        if not stripped or owner == NO_OWNER:
            continue
        is_code = number not in docstring_lines
        if is_code and stripped.startswith("#"):
            if string_lines is None:
                string_lines = lines_inside_strings(tree)
            is_code = number in string_lines
        touched.add(owner)
        index: int | None = owner
        while index is not None:
            definition = defs[index]
            if definition.is_function:
                touched.add(index)
                if is_code:
                    code_lines.setdefault(index, []).append(number)
            index = definition.parent
    return Touches(
        touched=frozenset(touched),
        code_lines={index: tuple(found) for index, found in code_lines.items()},
    )


def statement_starts(tree: ast.Module, line_count: int) -> list[int]:
    """For each line, the first line of the innermost statement (or ``except``) holding it.

    Coverage tools record a multi-line statement under its first line; this
    maps a continuation line to that line. Lines outside any statement map to 0.
    """
    starts = [0] * (line_count + 1)
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.stmt | ast.ExceptHandler):
            end = min(node.end_lineno or node.lineno, line_count)
            starts[node.lineno : end + 1] = [node.lineno] * (end - node.lineno + 1)
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            value = getattr(node, field, None)
            if isinstance(value, list):
                pending.extend(value)
    return starts
