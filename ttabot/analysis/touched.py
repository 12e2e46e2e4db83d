"""Which definitions a change touches, and which of its added lines are code.

Every lookup goes through a per-line table of the innermost definition, so a
change is mapped in time linear in the file, not in definitions x lines.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from ttabot.analysis.definitions import Definition
from ttabot.analysis.statements import StatementIndex

NO_OWNER = -1


class Touches(NamedTuple):
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


def find_touches(
    defs: Sequence[Definition],
    lines: Sequence[str],
    added: Collection[int],
    statements: StatementIndex,
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
            is_code = statements.in_string(number)
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
