"""Checking a docstring draft: the gate per symbol, then the module with them inserted.

Pure: nothing runs. The check stops at the first failing stage and returns the
stages it went through, the last one failing.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ttabot.drafting import docstrings
from ttabot.drafting.gate import gate_docstring
from ttabot.records import Stages, ValidationStage, failed_stage


@dataclass(frozen=True)
class DocstringCheck:
    """The outcome of checking a batch of docstrings for one module."""

    proposed: str
    accepted: tuple[str, ...]
    rejected: Mapping[str, str]  # symbol -> reason
    stages: Stages
    cleaned: Mapping[str, str] = field(
        default_factory=dict
    )  # symbol -> what the gate cleaned out of its answer
    failed_stage: Mapping[str, str] = field(
        default_factory=dict
    )  # symbol -> the stage it failed, for rejected ones
    texts: Mapping[str, str] = field(
        default_factory=dict
    )  # symbol -> the docstring inserted, for accepted ones


def check_docstrings(
    original: str,
    drafted: Mapping[str, str],
    wanted: Sequence[str],
    max_lines: int = 60,
    style: str | None = None,
) -> DocstringCheck:
    """Check drafted ``symbol -> docstring`` for ``wanted`` symbols and insert the good ones.

    Per symbol: it was answered, it is docstring text (:mod:`~ttabot.drafting.gate`:
    no code, fences, nested quotes, chat prose or reasoning, at most ``max_lines``
    lines, written in ``style`` when one is given) and its documented parameters
    match the signature. For the file: it
    parses, its AST is unchanged apart from docstrings, and each accepted
    docstring landed where it belongs.
    """
    tree = ast.parse(original)
    rejected: dict[str, str] = {}
    stage_of: dict[str, str] = {}
    good: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for symbol in wanted:
        raw = drafted.get(symbol)
        if raw is None:
            rejected[symbol] = f"{symbol}: the answer has no docstring for it"
            stage_of[symbol] = "params-match"
            continue
        gated = gate_docstring(raw, docstrings.find_definition(tree, symbol), max_lines, style)
        if gated.text is None:
            rejected[symbol], stage_of[symbol] = f"{symbol}: {gated.reason}", "docstring-text"
            continue
        problem = docstrings.params_mismatch(tree, symbol, gated.text)
        if problem:
            rejected[symbol], stage_of[symbol] = problem, "params-match"
            continue
        good[symbol] = gated.text
        if gated.cleaned:
            cleaned[symbol] = gated.cleaned

    def summed(name: str, ok: str) -> ValidationStage:
        bad = [rejected[s] for s in rejected if stage_of[s] == name]
        return ValidationStage(name, not bad, "; ".join(bad) or ok)

    text_stage = summed("docstring-text", f"{len(good)} docstring(s) are plain text")
    params = summed("params-match", f"{len(good)} docstring(s) match their signatures")
    if not good:
        return DocstringCheck(original, (), rejected, (text_stage, params), cleaned, stage_of)
    gate_and_params: Stages = (text_stage, params)
    try:
        proposed = docstrings.insert_docstrings(original, good)
    except docstrings.NotExact as exc:
        stage = ValidationStage("inserted", False, str(exc))
        return _all_rejected(original, good, rejected, (*gate_and_params, stage))
    try:
        new_tree = ast.parse(proposed)
    except SyntaxError as exc:
        stage = ValidationStage("parses", False, f"line {exc.lineno}: {exc.msg}")
        return _all_rejected(original, good, rejected, (*gate_and_params, stage))
    stages: Stages = (*gate_and_params, ValidationStage("parses", True))
    if docstrings.strip_docstrings(new_tree) != docstrings.strip_docstrings(tree):
        stage = ValidationStage("ast-unchanged", False, "the code changed, not only docstrings")
        return _all_rejected(original, good, rejected, (*stages, stage))
    stages += (ValidationStage("ast-unchanged", True),)
    missing = [s for s in good if not _has_docstring(new_tree, s)]
    if missing:
        stage = ValidationStage("inserted", False, "no docstring landed on " + ", ".join(missing))
        return _all_rejected(original, good, rejected, (*stages, stage))
    stages += (ValidationStage("inserted", True, ", ".join(good)),)
    return DocstringCheck(proposed, tuple(good), rejected, stages, cleaned, stage_of, good)


def _has_docstring(tree: ast.Module, symbol: str) -> bool:
    node = docstrings.find_definition(tree, symbol)
    return node is not None and bool(ast.get_docstring(node))


def _all_rejected(
    original: str, good: Mapping[str, str], rejected: Mapping[str, str], stages: Stages
) -> DocstringCheck:
    bad = failed_stage(stages)
    reason = bad.detail if bad else "rejected"
    name = bad.name if bad else "docstrings"
    return DocstringCheck(
        original,
        (),
        {**rejected, **dict.fromkeys(good, reason)},
        stages,
        failed_stage=dict.fromkeys(good, name),
    )
