"""The measures that make a function a refactor candidate, and whether a rewrite lowers them.

Pure. The measures are ``ttabot check``'s own (:mod:`ttabot.analysis.complexity`), so
a refactor is judged as it was found.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ttabot.analysis.complexity import mccabe_complexity, parameter_count
from ttabot.analysis.source import parse_python
from ttabot.config import CheckSettings
from ttabot.drafting.docstrings import find_definition


@dataclass(frozen=True)
class Measures:
    """What makes a function a refactor candidate."""

    complexity: int
    parameters: int


def measures(source: str, symbol: str) -> Measures | None:
    """The measures of ``symbol`` in ``source``; None if it does not parse or is not a function."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return None
    node = find_definition(tree, symbol)
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    parent = find_definition(tree, symbol.rpartition(".")[0]) if "." in symbol else None
    is_method = isinstance(parent, ast.ClassDef)
    return Measures(mccabe_complexity(node), parameter_count(node, is_method=is_method))


def triggered(before: Measures, settings: CheckSettings) -> list[str]:
    """Which measures exceed their thresholds (``complexity``, ``parameters``)."""
    out = []
    if before.complexity > settings.max_complexity:
        out.append("complexity")
    if before.parameters > settings.max_params:
        out.append("parameters")
    return out


def measure_text(before: Measures, settings: CheckSettings) -> str:
    """Words for the prompt: what to lower, from what, to what."""
    parts = []
    if before.complexity > settings.max_complexity:
        parts.append(
            f"McCabe complexity (now {before.complexity}, "
            f"aim for {settings.max_complexity} or less)"
        )
    if before.parameters > settings.max_params:
        parts.append(
            f"number of parameters (now {before.parameters}, aim for {settings.max_params} or less)"
        )
    return " and ".join(parts) or "complexity"


def lowered(before: Measures, after: Measures, settings: CheckSettings) -> str | None:
    """Why ``after`` does not lower every measure that triggered the refactor, or None."""
    problems = []
    for name in triggered(before, settings) or ["complexity"]:
        old, new = getattr(before, name), getattr(after, name)
        if new >= old:
            problems.append(f"{name} {old} -> {new}")
    return "does not lower " + ", ".join(problems) if problems else None
