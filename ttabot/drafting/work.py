"""Turning one task into drafts through the one refine loop (:mod:`ttabot.drafting.refine`).

Each ``draft_*`` coroutine gives the loop a ``check`` for its kind; what still
fails after ``settings.draft.feedback_rounds`` retries is kept as a rejected
draft with the reason. CPU-heavy checks (libcst, sandboxed runs) go to worker
threads; sandboxed runs are bounded by a semaphore so a 2-core laptop is not
swamped. A project copy is made only when an answer needs one, and shared by
the tasks of one module (one at a time).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot.config import Settings
from ttabot.drafting import answers, validate
from ttabot.drafting.docstrings import find_definition, insert_docstrings
from ttabot.drafting.formatting import format_and_lint, project_tools
from ttabot.drafting.plan import Project, Task
from ttabot.drafting.precheck import missing_modules
from ttabot.drafting.refactor import replace_definition
from ttabot.drafting.refine import Refined, Verdict, refine
from ttabot.drafting.sandbox import Sandbox, choose_python, project_copy
from ttabot.drafting.testmerge import AnswerParts, defined_names, split_answer
from ttabot.drafting.testrun import TestsCheck, check_each_test
from ttabot.drafting.tests import existing_test_modules, import_name, ranked_test_modules
from ttabot.records import Attempt, Draft, Finding, ValidationStage

if TYPE_CHECKING:
    from ttabot.llm import Completion, RotatingClient

Messages = tuple[Mapping[str, str], ...]


@dataclass
class _Copy:
    sandbox: Sandbox
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


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
    _copies: dict[str, _Copy] = field(default_factory=dict)
    _making: asyncio.Lock = field(default_factory=asyncio.Lock)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _unavailable: dict[str, str | None] = field(default_factory=dict)

    def read(self, path: str) -> str | None:
        """A project file as the change leaves it (None: absent or not text)."""
        return self.project.read(path)

    @property
    def python(self) -> str:
        """The interpreter generated code runs with."""
        return choose_python(self.root, self.settings.draft.python, self.environ)

    async def copy_for(self, module: str) -> _Copy:
        """The project copy shared by ``module``'s tasks, made on first use."""
        async with self._making:
            if module not in self._copies:
                manager = project_copy(
                    self.root,
                    self.overlay,
                    environ=self.environ,
                    timeout=self.settings.draft.test_timeout,
                    python=self.python,
                )
                sandbox = await asyncio.to_thread(self._stack.enter_context, manager)
                self._copies[module] = _Copy(sandbox)
            return self._copies[module]

    async def unavailable(self, module: str) -> str | None:
        """Why no test could run for ``module`` (no pytest, package not found), or None."""
        top = import_name(module).split(".")[0]
        if top not in self._unavailable:
            self._unavailable[top] = await asyncio.to_thread(
                missing_modules,
                self.python,
                self.root,
                ["pytest", top],
                self.environ,
                self.settings.draft.test_timeout,
            )
        return self._unavailable[top]

    async def close(self) -> None:
        """Remove every project copy."""
        await asyncio.to_thread(self._stack.close)


def _ask(ws: Workspace, task: Task) -> Callable[[Messages], Awaitable[Completion]]:
    async def ask(messages: Messages) -> Completion:
        return await ws.client.complete(task.kind, messages, schema=task.schema)

    return ask


def _draft(
    task: Task,
    refined: Refined | None,
    original: str,
    proposed: str,
    stages: tuple[ValidationStage, ...],
    *,
    accepted: bool,
    reason: str = "",
    applicable: bool = True,
    findings: tuple[Finding, ...] | None = None,
    counted: bool = True,
    cleaned: tuple[str, ...] = (),
) -> Draft:
    """A draft with its attempt history; ``counted`` False: the batch's requests are on another."""
    history: tuple[Attempt, ...] = ()
    if refined is not None:
        history = tuple(a if counted else a._replace(requests=0) for a in refined.attempts)
    return Draft(
        kind=task.kind,
        findings=task.findings if findings is None else findings,
        path=task.path,
        original=original,
        proposed=proposed,
        accepted=accepted,
        stages=stages,
        model=refined.model if refined else None,
        attempts=refined.requests if refined and counted else 0,
        prompt_tokens=refined.prompt_tokens if refined and counted else 0,
        completion_tokens=refined.completion_tokens if refined and counted else 0,
        reason=reason,
        applicable=applicable and accepted,
        history=history,
        cleaned=cleaned,
    )


def _not_asked(task: Task, original: str, stage: str, reason: str) -> Draft:
    """A draft no model was asked for, because no answer could have passed."""
    return _draft(
        task,
        None,
        original,
        original,
        (ValidationStage(stage, False, reason),),
        accepted=False,
        reason=reason,
    )


# --- docstrings --------------------------------------------------------------


async def draft_docstrings(ws: Workspace, task: Task, original: str) -> list[Draft]:
    """Docstrings for a batch of one module's definitions: one accepted draft, rejects apart."""
    max_lines = ws.settings.draft.max_docstring_lines
    wanted = list(task.symbols)
    good: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    texts: dict[str, str] = {}  # the last docstring drafted per symbol, to show rejects
    rejected: dict[str, ValidationStage] = {}

    async def check(completion: Completion) -> Verdict:
        nonlocal wanted
        try:
            drafted = answers.parse_docstrings(completion.data, completion.content)
        except answers.AnswerError as exc:
            rejected.update(dict.fromkeys(wanted, ValidationStage("answer", False, str(exc))))
            return Verdict(False, "answer", False, str(exc))
        texts.update(drafted)
        result = await asyncio.to_thread(
            validate.check_docstrings, original, drafted, wanted, max_lines
        )
        good.update({s: result.texts[s] for s in result.accepted})
        cleaned.update({s: result.cleaned[s] for s in result.accepted if s in result.cleaned})
        for symbol in result.accepted:
            rejected.pop(symbol, None)
        for symbol, reason in result.rejected.items():
            name = result.failed_stage.get(symbol, "params-match")
            rejected[symbol] = ValidationStage(name, False, reason)
        wanted = [s for s in wanted if s not in good]
        if not wanted:
            return Verdict(True, "inserted", True)
        detail = "\n".join(rejected[s].detail for s in wanted if s in rejected)
        detail += "\nAnswer again for these symbols only: " + ", ".join(wanted)
        first = next((rejected[s].name for s in wanted if s in rejected), "params-match")
        return Verdict(False, first, False, detail)

    refined = await refine(_ask(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    if refined.unanswered is not None:
        # A retry that got no answer keeps the check failure that prompted it.
        for symbol in wanted:
            rejected.setdefault(symbol, refined.unanswered)
    drafts: list[Draft] = []
    if good:
        # Checked together once more: each passed in its round, the file must pass as a whole.
        final = await asyncio.to_thread(
            validate.check_docstrings, original, good, list(good), max_lines
        )
        for symbol, reason in final.rejected.items():
            name = final.failed_stage.get(symbol, "docstrings")
            rejected[symbol] = ValidationStage(name, False, reason)
        findings = tuple(f for f in task.findings if f.symbol in final.accepted)
        if findings:
            drafts.append(
                _draft(
                    task,
                    refined,
                    original,
                    final.proposed,
                    final.stages,
                    accepted=True,
                    findings=findings,
                    cleaned=tuple(f"{s}: {cleaned[s]}" for s in final.accepted if s in cleaned),
                )
            )
    for finding in task.findings:
        stage = rejected.get(finding.symbol)
        if stage is None:
            continue
        shown = await asyncio.to_thread(_shown, original, finding.symbol, texts)
        drafts.append(
            _draft(
                task,
                refined,
                original,
                shown,
                (stage,),
                accepted=False,
                reason=stage.detail,
                findings=(finding,),
                counted=not drafts,  # the batch's requests are counted once, on its first draft
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
        node = find_definition(tree, finding.symbol)
        if node is None or not node.body:
            continue
        body = node.body
        if ast.get_docstring(node) is not None:
            body = body[1:]
        if body:
            lines.update(range(body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(added & lines)


def _tests_reason(result: TestsCheck) -> str:
    return "; ".join(f"{name}: {why}" for name, why in result.dropped.items())


def _tests_feedback(result: TestsCheck) -> str:
    """What a retry is told: each dropped test and why, then pytest's own words."""
    lines = [f"- {name}: {why}" for name, why in result.dropped.items()]
    if result.failures:
        lines += ["", "pytest output:", result.failures]
    return "\n".join(lines)


async def draft_tests(ws: Workspace, task: Task) -> list[Draft]:
    """Tests for one module's tests-needed findings, merged into its test module.

    No model is asked when the interpreter cannot run the tests, or when the
    placed test module already runs every changed line (its baseline run).
    """
    existing = ws.read(task.path) or ""
    try:
        ast.parse(existing)
    except SyntaxError as exc:
        why = f"the test module {task.path} does not parse (line {exc.lineno}): nothing can merge"
        return [_not_asked(task, existing, "environment", why)]
    missing = await ws.unavailable(task.module)
    if missing:
        return [_not_asked(task, existing, "environment", missing)]
    changed = _changed_lines(ws, task)
    copy = await ws.copy_for(task.module)
    async with copy.lock, ws.sandboxes:
        baseline = await asyncio.to_thread(
            validate.baseline_coverage, copy.sandbox, task.path, task.module
        )
    if changed and changed <= baseline:
        return []  # existing tests already run every changed line: nothing a test could add
    taken = defined_names(existing)
    tools = project_tools(ws.read)
    outcome: list[TestsCheck] = []

    async def check(completion: Completion) -> Verdict:
        try:
            code = answers.parse_code(completion.data, completion.content)
            parts: AnswerParts = split_answer(code, taken)
        except answers.AnswerError as exc:
            return Verdict(False, "answer", False, str(exc))
        except SyntaxError as exc:
            return Verdict(False, "parses", False, f"line {exc.lineno}: {exc.msg}")
        async with copy.lock, ws.sandboxes:
            result = await asyncio.to_thread(
                check_each_test,
                copy.sandbox,
                task.path,
                existing,
                parts,
                task.module,
                changed,
                baseline,
                ws.settings.draft.reruns,
            )
        if result.kept and (tools.formatter or tools.lint):
            async with copy.lock, ws.sandboxes:
                text, extra = await asyncio.to_thread(
                    format_and_lint, copy.sandbox, task.path, result.text, existing, tools
                )
            result = result._replace(text=text, stages=(*result.stages, *extra))
            bad = validate.failed(extra)
            if bad is not None:
                outcome.append(result._replace(kept=()))
                return Verdict(False, bad.name, False, bad.detail)
        outcome.append(result)
        if result.kept:
            return Verdict(True, "tests", True, _tests_reason(result))
        bad = validate.failed(result.stages)
        name = bad.name if bad else "tests"
        return Verdict(False, name, False, _tests_feedback(result) or (bad.detail if bad else ""))

    refined = await refine(_ask(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    last = refined.attempts[-1] if refined.attempts else None
    if outcome and outcome[-1].kept and last is not None and last.ok:
        result = outcome[-1]
        dropped = _tests_reason(result)
        kept = ValidationStage("tests", True, "kept " + ", ".join(result.kept))
        reason = f"dropped {dropped}" if dropped else ""
        draft = _draft(
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
    bad = validate.failed(stages)
    reason = f"{bad.name}: {bad.detail}" if bad else "rejected"
    return [_draft(task, refined, existing, existing, stages, accepted=False, reason=reason)]


def _failed_tests(refined: Refined, outcome: Sequence[TestsCheck]) -> tuple[ValidationStage, ...]:
    """The stages a rejected tests draft shows: those of its last round."""
    last = refined.attempts[-1] if refined.attempts else None
    if refined.unanswered is not None and not outcome:
        return (refined.unanswered,)
    if (last is not None and last.stage in ("answer", "parses")) or not outcome:
        stage = last.stage if last else "answer"
        return (ValidationStage(stage, False, last.reason if last else "no answer"),)
    return outcome[-1].stages


# --- refactors ---------------------------------------------------------------


def refactor_tests(ws: Workspace, task: Task) -> list[str]:
    """The existing test modules a refactor of ``task``'s function is checked with."""
    by_name = ranked_test_modules(task.module, task.symbols, ws.project.files, ws.read)[:3]
    return list(dict.fromkeys([*by_name, *existing_test_modules(task.module, ws.project.files)]))


async def draft_refactor(ws: Workspace, task: Task, original: str) -> Draft:
    """A rewrite of one function; applicable only if existing tests run it before and after."""
    if task.suggest_only:
        return await _draft_sketch(ws, task, original)
    (finding,) = task.findings
    missing = await ws.unavailable(task.module)
    if missing:
        return _not_asked(task, original, "environment", missing)
    tests = refactor_tests(ws, task)
    results: list[tuple[str, validate.RefactorCheck]] = []

    async def check(completion: Completion) -> Verdict:
        try:
            code = answers.parse_code(completion.data, completion.content)
            proposed = await asyncio.to_thread(replace_definition, original, finding.symbol, code)
        except (answers.AnswerError, ValueError, SyntaxError) as exc:
            result = validate.RefactorCheck(
                (ValidationStage("answer", False, str(exc)),), False, False, str(exc)
            )
            results.append((original, result))
            return Verdict(False, "answer", False, str(exc))
        result = validate.check_refactor_code(original, proposed, finding.symbol, ws.settings.check)
        if result.accepted:
            # Only an answer that passed every check without running code needs a copy.
            copy = await ws.copy_for(task.module)
            async with copy.lock, ws.sandboxes:
                result = await asyncio.to_thread(
                    validate.check_refactor_tests,
                    copy.sandbox,
                    task.module,
                    original,
                    proposed,
                    finding.symbol,
                    tests,
                    result.stages,
                )
        results.append((proposed, result))
        bad = validate.failed(result.stages)
        if result.accepted or bad is None:
            return Verdict(True, bad.name if bad else "tests-after", True, result.reason)
        return Verdict(False, bad.name, False, bad.detail)

    refined = await refine(_ask(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    if not results:
        stage = refined.unanswered or ValidationStage("answer", False, "no answer")
        return _draft(
            task, refined, original, original, (stage,), accepted=False, reason=stage.detail
        )
    proposed, result = results[-1]
    return _draft(
        task,
        refined,
        original,
        proposed,
        result.stages,
        accepted=result.accepted,
        reason=result.reason,
        applicable=result.applicable,
    )


async def _draft_sketch(ws: Workspace, task: Task, original: str) -> Draft:
    """An explanation and a sketch for a function with too many parameters: never applied."""
    sketch: list[str] = []

    async def check(completion: Completion) -> Verdict:
        explanation = answers.parse_explanation(completion.data, completion.content)
        try:
            code = answers.parse_code(completion.data, completion.content)
        except answers.AnswerError:
            code = ""
        if not explanation and not code:
            return Verdict(False, "answer", False, 'the answer has no "explanation" and no "code"')
        sketch.append(f"{explanation}\n\n{code}".strip())
        return Verdict(True, "sketch", True)

    refined = await refine(_ask(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    if not sketch:
        last = refined.attempts[-1] if refined.attempts else None
        stage = refined.unanswered or ValidationStage("answer", False, last.reason if last else "")
        return _draft(
            task, refined, original, original, (stage,), accepted=False, reason=stage.detail
        )
    reason = "suggestion only: a public signature is never changed; see the sketch"
    stage = ValidationStage("sketch", True, sketch[-1])
    return _draft(
        task, refined, original, original, (stage,), accepted=True, reason=reason, applicable=False
    )


__all__: Sequence[str] = ("Workspace", "draft_docstrings", "draft_refactor", "draft_tests")
