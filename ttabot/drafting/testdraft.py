"""Drafting tests for one module's tests-needed findings, judged one function at a time."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import TYPE_CHECKING

from ttabot.analysis.source import parse_python
from ttabot.drafting import answers
from ttabot.drafting.answer_parts import AnswerParts, split_answer
from ttabot.drafting.baseline import Baseline, baseline
from ttabot.drafting.docstrings import find_definition
from ttabot.drafting.formatting import Tools, format_and_lint, project_tools
from ttabot.drafting.judge import TestsCheck
from ttabot.drafting.module_scope import module_names
from ttabot.drafting.refine import Refined, Verdict, refine
from ttabot.drafting.sandbox import Sandbox, UnsafeFile
from ttabot.drafting.task import Task
from ttabot.drafting.testrun import check_each_test
from ttabot.drafting.work import Workspace, asker, make_draft, no_sandbox, not_asked
from ttabot.records import Draft, Finding, ValidationStage, failed_stage

if TYPE_CHECKING:
    from ttabot.llm import Completion


def code_lines(source: str) -> frozenset[int]:
    """Lines of ``source`` that hold code: the lines a line tracer (coverage) can see run.

    Blank lines, comments, ``else:`` and the continuation of a string carry no
    code: no test can run them, so a changed body is "run" when these are.
    Compiled, never run.
    """
    lines: set[int] = set()
    todo = [compile(source, "<changed>", "exec", dont_inherit=True)]
    while todo:
        code = todo.pop()
        lines.update(line for _start, _end, line in code.co_lines() if line is not None)
        todo.extend(c for c in code.co_consts if isinstance(c, CodeType))
    return frozenset(lines)


def _changed_lines(ws: Workspace, task: Task) -> frozenset[int]:
    """:func:`changed_lines` of the task's module and findings, as the change leaves them."""
    added = ws.project.added.get(task.module, frozenset())
    return changed_lines(ws.read(task.module) or "", added, task.findings)


def changed_lines(source: str, added: Iterable[int], findings: Iterable[Finding]) -> frozenset[int]:
    """Added code lines of the findings' function bodies: what generated tests should run.

    ``added``: the lines of ``source`` the change added. The ``def`` line,
    decorators and docstring run when the module is imported, so they would make
    any test that merely imports the module look useful.
    """
    tree = ast.parse(source)
    code = frozenset(added) & code_lines(source)
    lines: set[int] = set()
    for finding in findings:
        # At the finding's line: an overloaded function's first definition is a stub.
        node = find_definition(tree, finding.symbol, finding.line)
        if node is None or not node.body:
            continue
        body = node.body
        if ast.get_docstring(node) is not None:
            body = body[1:]
        if body:
            lines.update(range(body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(code & lines)


def changed_functions(source: str, changed: frozenset[int]) -> frozenset[int]:
    """The ``def`` lines of the functions (at any depth) whose bodies hold a changed line."""
    out: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            body = range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1)
            if any(line in body for line in changed):
                out.add(node.lineno)
    return frozenset(out)


def _tests_reason(result: TestsCheck) -> str:
    return "; ".join(f"{name}: {why}" for name, why in result.dropped.items())


def _tests_feedback(result: TestsCheck) -> str:
    """What a retry is told: each dropped test and why, then pytest's own words."""
    lines = [f"- {name}: {why}" for name, why in result.dropped.items()]
    if result.failures:
        lines += ["", "pytest output:", result.failures]
    return "\n".join(lines)


@dataclass
class _Judging:
    """What judging one task's answers needs, and the outcome of each judged answer."""

    ws: Workspace
    task: Task
    sandbox: Sandbox
    lock: asyncio.Lock
    existing: str
    changed: frozenset[int]
    baseline: Baseline
    taken: frozenset[str]  # names the test module binds already (tests get fresh ones)
    tools: Tools
    outcome: list[TestsCheck] = field(default_factory=list)

    async def check(self, completion: Completion) -> Verdict:
        """The refine loop's check: parse the answer, judge each test, format and lint."""
        try:
            code = answers.parse_code(completion.data, completion.content)
            parts: AnswerParts = split_answer(code, self.taken)
        except answers.AnswerError as exc:
            return Verdict(False, "answer", False, str(exc))
        except SyntaxError as exc:
            where = f"line {exc.lineno}: " if exc.lineno else ""
            return Verdict(False, "parses", False, f"{where}{exc.msg}")
        async with self.lock, self.ws.sandboxes:
            result = await asyncio.to_thread(
                check_each_test,
                self.sandbox,
                self.task.path,
                self.existing,
                parts,
                module=self.task.module,
                changed=self.changed,
                baseline=self.baseline.lines,
                reruns=self.ws.settings.draft.reruns,
                existing_passed=self.baseline.passed,
            )
        if result.tainted:
            # A dropped test may have left a conftest.py or edited a module in the shared
            # copy: later rounds and tasks of this module are judged on a fresh copy.
            fresh = await self.ws.renew_copy(self.task.module)
            self.sandbox, self.lock = fresh.sandbox, fresh.lock
        tools = self.tools
        if result.kept and (tools.formatter or tools.lint):
            async with self.lock, self.ws.sandboxes:
                text, extra = await asyncio.to_thread(
                    format_and_lint, self.sandbox, self.task.path, result.text, self.existing, tools
                )
            result = result._replace(text=text, stages=(*result.stages, *extra))
            bad = failed_stage(extra)
            if bad is not None:
                self.outcome.append(result._replace(kept=()))
                return Verdict(False, bad.name, False, bad.detail)
        self.outcome.append(result)
        if result.kept:
            return Verdict(True, "tests", True, _tests_reason(result))
        bad = failed_stage(result.stages)
        name = bad.name if bad else "tests"
        return Verdict(False, name, False, _tests_feedback(result) or (bad.detail if bad else ""))


async def _refusal(ws: Workspace, task: Task, existing: str) -> Draft | None:
    """A draft that asks no model, when none could succeed (no sandbox, no pytest, no parse)."""
    refused = no_sandbox(ws)
    if refused is not None:
        return not_asked(task, existing, refused.name, refused.detail)
    try:
        parse_python(existing)
    except SyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else f": {exc.msg}"
        why = f"the test module {task.path} does not parse{line}: nothing can merge"
        return not_asked(task, existing, "environment", why)
    missing = await ws.unavailable(task.module)
    return None if not missing else not_asked(task, existing, "environment", missing)


async def draft_tests(ws: Workspace, task: Task) -> list[Draft]:
    """Tests for one module's tests-needed findings, merged into its test module.

    No model is asked when the interpreter cannot run the tests, or when the
    placed test module already runs every changed line (its baseline run).
    """
    existing = ws.read(task.path) or ""
    refused = await _refusal(ws, task, existing)
    if refused is not None:
        return [refused]
    changed = _changed_lines(ws, task)
    copy = await ws.copy_for(task.module)
    async with copy.lock, ws.sandboxes:
        try:
            before = await asyncio.to_thread(
                baseline,
                copy.sandbox,
                task.path,
                task.module,
                changed_functions(ws.read(task.module) or "", changed),
            )
        except UnsafeFile as exc:  # an earlier draft's code left a link in the shared copy
            return [not_asked(task, existing, "clean", f"the copy was tampered with: {exc}")]
    if changed and changed <= before.lines:
        return []  # existing tests already run every changed line: nothing a test could add
    taken, tools = module_names(existing), project_tools(ws.read)
    judging = _Judging(ws, task, copy.sandbox, copy.lock, existing, changed, before, taken, tools)
    outcome = judging.outcome
    check = judging.check
    refined = await refine(asker(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    last = refined.attempts[-1] if refined.attempts else None
    if outcome and outcome[-1].kept and last is not None and last.ok:
        result = outcome[-1]
        dropped = _tests_reason(result)
        kept = ValidationStage("tests", True, "kept " + ", ".join(result.kept))
        reason = f"dropped {dropped}" if dropped else ""
        draft = make_draft(
            task,
            refined,
            existing,
            result.text,
            (*result.stages, kept),
            accepted=True,
            reason=reason,
        )
        return [draft]
    stages = _failed_tests(refined, outcome)
    bad = failed_stage(stages)
    reason = f"{bad.name}: {bad.detail}" if bad else "rejected"
    return [make_draft(task, refined, existing, existing, stages, accepted=False, reason=reason)]


def _failed_tests(refined: Refined, outcome: Sequence[TestsCheck]) -> tuple[ValidationStage, ...]:
    """The stages a rejected tests draft shows: those of its last round."""
    last = refined.attempts[-1] if refined.attempts else None
    if refined.unanswered is not None and not outcome:
        return (refined.unanswered,)
    if (last is not None and last.stage in ("answer", "parses")) or not outcome:
        stage = last.stage if last else "answer"
        return (ValidationStage(stage, False, last.reason if last else "no answer"),)
    return outcome[-1].stages
