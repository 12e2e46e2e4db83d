"""Kept drafted tests merged into a test module.

Pure. The answer was split into imports, support code (fixtures, helpers,
constants) and test functions by :mod:`ttabot.drafting.answer_parts`, so each test
could be judged on its own; the file written holds the existing module plus only
the kept tests and the imports and support code they use: new imports at the top
(deduplicated against the module's own, :mod:`ttabot.drafting.module_scope`), new
code before any ``if __name__ == "__main__":`` block.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ttabot.analysis.source import parse_python
from ttabot.drafting.answer_parts import (
    Alias,
    AnswerParts,
    is_main_block,
    needed,
    python_lines,
)
from ttabot.drafting.module_scope import module_level, statement_dump


def _render_imports(aliases: Sequence[Alias]) -> list[str]:
    plain = [a for a in aliases if a.module is None]
    lines = [f"import {a.name}" + (f" as {a.asname}" if a.asname else "") for a in plain]
    grouped: dict[tuple[int, str], list[Alias]] = {}
    for a in aliases:
        if a.module is not None:
            grouped.setdefault((a.level, a.module), []).append(a)
    for (level, module), items in grouped.items():
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in items)
        lines.append(f"from {'.' * level}{module} import {names}")
    return lines


def merge(existing: str, parts: AnswerParts, kept: Sequence[str]) -> str:
    """``existing`` plus the ``kept`` tests, with the imports and support code they use."""
    support, used = needed(parts, kept)
    tree = parse_python(existing) if existing.strip() else ast.Module(body=[], type_ignores=[])
    own = module_level(tree)
    support = [p for p in support if statement_dump(p) not in own.statements]  # copies of its own
    fresh: list[Alias] = []
    for alias in parts.imports:
        if alias.module == "__future__" and existing.strip():
            continue  # only valid at the very top; the existing module has its own
        if alias in own.aliases or alias in fresh:
            continue
        if alias.name == "*" or alias.bound in used or alias.module == "__future__":
            fresh.append(alias)
    imports = _render_imports(fresh)
    body = [p.source for p in support] + [parts.tests[n].source for n in kept]
    if not existing.strip():
        blocks = (["\n".join(imports)] if imports else []) + body
        return "\n\n\n".join(blocks) + "\n"
    lines = python_lines(existing)
    at_import = _import_line(tree)
    main = next((n for n in tree.body if is_main_block(n)), None)
    at_body = (main.lineno - 1) if main is not None else len(lines)
    before = lines[:at_body]
    while before and not before[-1].strip():
        before.pop()
    after = lines[at_body:]
    code = "\n\n\n".join(body)
    merged = before + ["", "", code] + ([""] * 2 + after if after else [])
    if imports:
        merged = merged[:at_import] + imports + merged[at_import:]
    # The module's own line ends: a CRLF test module stays CRLF through and through.
    newline = "\r\n" if existing.split("\n", 1)[0].endswith("\r") else "\n"
    return newline.join(python_lines("\n".join(merged))) + newline


def _import_line(tree: ast.Module) -> int:
    """The 0-based line after the module's leading imports (after its docstring if none)."""
    end = 0
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if docstring or isinstance(node, ast.Import | ast.ImportFrom):
            end = node.end_lineno or node.lineno
        else:
            break
    return end
