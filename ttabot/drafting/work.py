"""Turning one task into drafts: ask the model, check the answer, feed failures back.

Each ``draft_*`` coroutine asks through the rotating client, validates, and on
a failed stage retries with the failure quoted (at most
``settings.draft.feedback_rounds`` times); what still fails is kept as a
rejected draft with the reason. Sandboxed runs go to worker threads, bounded
by a semaphore so a 2-core laptop is not swamped.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot.config import Settings
from ttabot.drafting import answers, prompts, validate
from ttabot.drafting.docstrings import find_definition, insert_docstrings
from ttabot.drafting.plan import Project, Task
from ttabot.drafting.refactor import replace_definition
from ttabot.drafting.sandbox import Sandbox, choose_python, project_copy, sandbox_refusal
from ttabot.drafting.tests import existing_test_modules, merge_tests
from ttabot.records import Draft, Finding, ValidationStage

if TYPE_CHECKING:
    from ttabot.llm import Completion, RotatingClient


@dataclass
class Workspace:
    """What the coroutines share: the project, the settings, the client, the limits."""

    root: Path
    overlay: Mapping[str, str | None]  # the change's new version of the files it touches
    project: Project
    settings: Settings
    client: RotatingClient
    environ: Mapping[str, str]
    sandboxes: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))

    def read(self, path: str) -> str | None:
        """A project file as the change leaves it (None: absent or not text)."""
        return self.project.read(path)


@dataclass
class _Tally:
    """Model usage summed over a task's rounds."""

    model: str | None = None
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, completion: Completion) -> None:
        self.model = completion.model or self.model
        self.attempts += completion.attempts
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens


async def _ask(ws: Workspace, task: Task, messages: Sequence[Mapping[str, str]]) -> Completion:
    # complete_draft: complete() that also reports each round to the learning chains.
    return await ws.client.complete_draft(task, task.kind, messages, schema=task.schema)


def _draft(
    task: Task,
    tally: _Tally,
    original: str,
    proposed: str,
    stages: tuple[ValidationStage, ...],
    *,
    accepted: bool,
    reason: str = "",
    applicable: bool = True,
    findings: tuple[Finding, ...] | None = None,
) -> Draft:
    return Draft(
        kind=task.kind,
        findings=task.findings if findings is None else findings,
        path=task.path,
        original=original,
        proposed=proposed,
        accepted=accepted,
        stages=stages,
        model=tally.model,
        attempts=tally.attempts,
        prompt_tokens=tally.prompt_tokens,
        completion_tokens=tally.completion_tokens,
        reason=reason,
        applicable=applicable and accepted,
    )


def _model_stage(completion: Completion) -> ValidationStage:
    """The failed stage for a request that got no usable answer.

    No model answering at all (unreachable, refusing, rate-limited past the
    deadline) is ``validate.NO_ANSWER``, reported as ``no-answer``. Otherwise a
    model did answer, just not usably: ``answer``.
    """
    name = "answer" if completion.answers else validate.NO_ANSWER
    return ValidationStage(name, False, completion.error or "the model gave no answer")


# --- docstrings --------------------------------------------------------------


async def draft_docstrings(ws: Workspace, task: Task, original: str) -> list[Draft]:
    """Docstrings for a batch of one module's definitions: one accepted draft, rejects apart."""
    tally = _Tally()
    messages: tuple[Mapping[str, str], ...] = task.messages
    wanted = list(task.symbols)
    good: dict[str, str] = {}
    texts: dict[str, str] = {}  # the last docstring drafted per symbol, to show rejects
    rejected: dict[str, tuple[ValidationStage, ...]] = {}
    for round_ in range(ws.settings.draft.feedback_rounds + 1):
        completion = await _ask(ws, task, messages)
        tally.add(completion)
        if not completion.ok:
            # A retry that got no answer keeps the check failure that prompted it.
            for symbol in wanted:
                rejected.setdefault(symbol, (_model_stage(completion),))
            break
        try:
            drafted = answers.parse_docstrings(completion.data, completion.content)
        except answers.AnswerError as exc:
            rejected.update(dict.fromkeys(wanted, (ValidationStage("answer", False, str(exc)),)))
        else:
            texts.update(drafted)
            check = validate.check_docstrings(original, drafted, wanted)
            good.update({s: drafted[s] for s in check.accepted})
            bad = validate.failed(check.stages) or ValidationStage("params-match", False)
            for symbol in check.accepted:
                rejected.pop(symbol, None)
            for symbol, reason in check.rejected.items():
                rejected[symbol] = (ValidationStage(bad.name, False, reason),)
            wanted = [s for s in wanted if s not in good]
        if not wanted or round_ == ws.settings.draft.feedback_rounds:
            break
        detail = "\n".join(rejected[s][-1].detail for s in wanted if s in rejected)
        detail += "\nAnswer again for these symbols only: " + ", ".join(wanted)
        messages = prompts.feedback_messages(messages, completion.content, "docstrings", detail)
    drafts: list[Draft] = []
    if good:
        # Checked together once more: each passed in its round, the file must pass as a whole.
        final = validate.check_docstrings(original, good, list(good))
        for symbol, reason in final.rejected.items():
            bad = validate.failed(final.stages) or ValidationStage("docstrings", False)
            rejected[symbol] = (ValidationStage(bad.name, False, reason),)
        findings = tuple(f for f in task.findings if f.symbol in final.accepted)
        if findings:
            drafts.append(
                _draft(
                    task,
                    tally,
                    original,
                    final.proposed,
                    final.stages,
                    accepted=True,
                    findings=findings,
                )
            )
    for finding in task.findings:
        stages = rejected.get(finding.symbol)
        if stages is None:
            continue
        drafts.append(
            _draft(
                task,
                tally,
                original,
                _shown(original, finding.symbol, texts),
                stages,
                accepted=False,
                reason=stages[-1].detail,
                findings=(finding,),
            )
        )
    return drafts


def _shown(original: str, symbol: str, texts: Mapping[str, str]) -> str:
    """The module with a rejected docstring in place, so reports can show what was refused."""
    text = texts.get(symbol)
    if text is None:
        return original
    return insert_docstrings(original, {symbol: text})


# --- tests -------------------------------------------------------------------


def _changed_lines(ws: Workspace, task: Task) -> frozenset[int]:
    """Added lines of the findings' function bodies: what generated tests should run.

    The ``def`` line, decorators and docstring run when the module is imported,
    so they would make any test that merely imports the module look useful.
    """
    added = ws.project.added.get(task.module, frozenset())
    source = ws.read(task.module) or ""
    tree = ast.parse(source)
    lines: set[int] = set()
    for finding in task.findings:
        node = find_definition(tree, finding.symbol, finding.line)
        if node is None or not node.body:
            continue
        body = node.body
        if ast.get_docstring(node) is not None:
            body = body[1:]
        if body:
            lines.update(range(body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(added & lines)


@contextlib.asynccontextmanager
async def _sandbox(ws: Workspace) -> AsyncIterator[Sandbox]:
    stack = contextlib.ExitStack()
    draft = ws.settings.draft
    python = choose_python(ws.root, draft.python, ws.environ)
    manager = project_copy(
        ws.root,
        ws.overlay,
        environ=ws.environ,
        timeout=draft.test_timeout,
        python=python,
        isolation=draft.sandbox,
    )
    sandbox = await asyncio.to_thread(stack.enter_context, manager)
    try:
        yield sandbox
    finally:
        await asyncio.to_thread(stack.close)


def _no_sandbox(ws: Workspace) -> ValidationStage | None:
    """The failed ``sandbox`` stage when generated code may not run here (no model is asked)."""
    why = sandbox_refusal(ws.settings.draft.sandbox, ws.environ)
    return None if why is None else ValidationStage("sandbox", False, why)


async def draft_tests(ws: Workspace, task: Task) -> Draft:
    """Tests for one module's tests-needed findings, appended to its test module."""
    tally = _Tally()
    existing = ws.read(task.path) or ""
    refused = _no_sandbox(ws)
    if refused is not None:
        return _draft(
            task, tally, existing, existing, (refused,), accepted=False, reason=refused.detail
        )
    changed = _changed_lines(ws, task)
    messages: tuple[Mapping[str, str], ...] = task.messages
    rounds = ws.settings.draft.feedback_rounds
    stages: tuple[ValidationStage, ...] = ()
    text = existing
    async with _sandbox(ws) as sandbox:
        async with ws.sandboxes:
            baseline = await asyncio.to_thread(
                validate.baseline_coverage, sandbox, task.path, task.module
            )
        for round_ in range(rounds + 1):
            completion = await _ask(ws, task, messages)
            tally.add(completion)
            if not completion.ok:
                # A retry that got no answer keeps the check failure that prompted it.
                stages = stages or (_model_stage(completion),)
                break
            try:
                code = answers.parse_code(completion.data, completion.content)
            except answers.AnswerError as exc:
                stages = (ValidationStage("answer", False, str(exc)),)
            else:
                text = merge_tests(existing, code)
                async with ws.sandboxes:
                    stages = await asyncio.to_thread(
                        validate.check_tests,
                        sandbox,
                        task.path,
                        text,
                        task.module,
                        changed,
                        baseline,
                        ws.settings.draft.reruns,
                    )
            bad = validate.failed(stages)
            if bad is None:
                return _draft(task, tally, existing, text, stages, accepted=True)
            if round_ < rounds:
                messages = prompts.feedback_messages(
                    messages, completion.content, bad.name, bad.detail
                )
    bad = validate.failed(stages)
    reason = f"{bad.name}: {bad.detail}" if bad else "rejected"
    return _draft(task, tally, existing, text, stages, accepted=False, reason=reason)


# --- refactors ---------------------------------------------------------------


async def draft_refactor(ws: Workspace, task: Task, original: str) -> Draft:
    """A rewrite of one function; applicable only if the module's tests show it safe."""
    tally = _Tally()
    (finding,) = task.findings
    refused = _no_sandbox(ws)
    if refused is not None:
        return _draft(
            task, tally, original, original, (refused,), accepted=False, reason=refused.detail
        )
    tests = existing_test_modules(task.module, ws.project.files)
    messages: tuple[Mapping[str, str], ...] = task.messages
    rounds = ws.settings.draft.feedback_rounds
    result = validate.RefactorCheck((), False, False, "no answer")
    proposed = original
    async with _sandbox(ws) as sandbox:
        for round_ in range(rounds + 1):
            completion = await _ask(ws, task, messages)
            tally.add(completion)
            if not completion.ok:
                if round_ == 0:  # a retry that got no answer keeps the failure before it
                    stage = _model_stage(completion)
                    result = validate.RefactorCheck((stage,), False, False, stage.detail)
                break
            try:
                code = answers.parse_code(completion.data, completion.content)
                proposed = replace_definition(original, finding.symbol, code)
            except (answers.AnswerError, ValueError, SyntaxError) as exc:
                stage = ValidationStage("answer", False, str(exc))
                result = validate.RefactorCheck((stage,), False, False, stage.detail)
            else:
                async with ws.sandboxes:
                    result = await asyncio.to_thread(
                        validate.check_refactor,
                        sandbox,
                        task.module,
                        original,
                        proposed,
                        finding.symbol,
                        tests,
                        ws.settings.check,
                    )
            bad = validate.failed(result.stages)
            if result.accepted or bad is None:
                break
            if round_ < rounds:
                messages = prompts.feedback_messages(
                    messages, completion.content, bad.name, bad.detail
                )
    return _draft(
        task,
        tally,
        original,
        proposed,
        result.stages,
        accepted=result.accepted,
        reason=result.reason,
        applicable=result.applicable,
    )
