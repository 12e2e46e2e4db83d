"""Drafting a refactor of one function: a rewrite proven by existing tests, or a sketch."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ttabot.drafting import answers
from ttabot.drafting.refactor import replace_definition
from ttabot.drafting.refactor_check import (
    RefactorCheck,
    check_refactor_code,
    check_refactor_tests,
)
from ttabot.drafting.refine import Verdict, refine
from ttabot.drafting.task import Task
from ttabot.drafting.tests import existing_test_modules, ranked_test_modules
from ttabot.drafting.work import Workspace, asker, make_draft, no_sandbox, not_asked
from ttabot.records import Draft, ValidationStage, failed_stage

if TYPE_CHECKING:
    from ttabot.llm import Completion


def refactor_tests(ws: Workspace, task: Task) -> list[str]:
    """The existing test modules a refactor of ``task``'s function is checked with."""
    by_name = ranked_test_modules(task.module, task.symbols, ws.project.files, ws.read)[:3]
    return list(dict.fromkeys([*by_name, *existing_test_modules(task.module, ws.project.files)]))


async def draft_refactor(ws: Workspace, task: Task, original: str) -> Draft:
    """A rewrite of one function; applicable only if existing tests run it before and after."""
    if task.suggest_only:
        return await _draft_sketch(ws, task, original)
    (finding,) = task.findings
    refused = no_sandbox(ws)
    if refused is not None:
        return not_asked(task, original, refused.name, refused.detail)
    missing = await ws.unavailable(task.module)
    if missing:
        return not_asked(task, original, "environment", missing)
    tests = refactor_tests(ws, task)
    results: list[tuple[str, RefactorCheck]] = []

    async def check(completion: Completion) -> Verdict:
        try:
            code = answers.parse_code(completion.data, completion.content)
            proposed = await asyncio.to_thread(replace_definition, original, finding.symbol, code)
        except (answers.AnswerError, ValueError, SyntaxError) as exc:
            result = RefactorCheck(
                (ValidationStage("answer", False, str(exc)),), False, False, str(exc)
            )
            results.append((original, result))
            return Verdict(False, "answer", False, str(exc))
        result = check_refactor_code(original, proposed, finding.symbol, ws.settings.check)
        if result.accepted:
            # Only an answer that passed every check without running code needs a copy.
            copy = await ws.copy_for(task.module)
            async with copy.lock, ws.sandboxes:
                result = await asyncio.to_thread(
                    check_refactor_tests,
                    copy.sandbox,
                    task.module,
                    original,
                    proposed,
                    finding.symbol,
                    tests,
                    result.stages,
                )
            if result.tainted:
                # The rewrite's runs changed the shared copy (a conftest.py planted at
                # import): the module's later drafts are judged on a fresh copy.
                await ws.renew_copy(task.module)
        results.append((proposed, result))
        bad = failed_stage(result.stages)
        if result.accepted or bad is None:
            return Verdict(True, bad.name if bad else "tests-after", True, result.reason)
        return Verdict(False, bad.name, False, bad.detail)

    refined = await refine(asker(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    if not results:
        stage = refined.unanswered or ValidationStage("answer", False, "no answer")
        return make_draft(
            task, refined, original, original, (stage,), accepted=False, reason=stage.detail
        )
    proposed, result = results[-1]
    return make_draft(
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

    refined = await refine(asker(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    if not sketch:
        last = refined.attempts[-1] if refined.attempts else None
        stage = refined.unanswered or ValidationStage("answer", False, last.reason if last else "")
        return make_draft(
            task, refined, original, original, (stage,), accepted=False, reason=stage.detail
        )
    reason = "suggestion only: a public signature is never changed; see the sketch"
    stage = ValidationStage("sketch", True, sketch[-1])
    return make_draft(
        task, refined, original, original, (stage,), accepted=True, reason=reason, applicable=False
    )
