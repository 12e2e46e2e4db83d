"""Refactoring tasks: one per function over its limits; a suggestion only for parameters."""

from __future__ import annotations

from ttabot.config import Settings
from ttabot.drafting import prompts, refactor_measures
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.prompt_context import definition_source, module_context
from ttabot.drafting.task import Project, Task, make_task
from ttabot.records import Finding, TaskKind


def plan_refactoring(
    module: str, source: str, group: list[Finding], project: Project, settings: Settings
) -> list[Task]:
    """One refactoring task per finding whose function still measures over its limits."""
    tasks = []
    for finding in group:
        before = refactor_measures.measures(source, finding.symbol)
        if before is None:
            continue
        # A public signature is never changed: a function with too many parameters gets
        # an explanation and a sketch to read (or nothing), never a rewrite to apply.
        suggest_only = refactor_measures.triggered(before, settings.check) == ["parameters"]
        if suggest_only and settings.draft.parameter_refactors == "skip":
            continue
        messages = prompts.messages(
            "refactoring-parameters" if suggest_only else KINDS[TaskKind.REFACTORING].template,
            symbol=finding.symbol,
            path=module,
            measure_text=refactor_measures.measure_text(before, settings.check),
            definition=definition_source(source, finding),
            module=module_context(source),
        )
        tasks.append(
            make_task(
                TaskKind.REFACTORING,
                module,
                module,
                (finding,),
                settings,
                messages,
                suggest_only=suggest_only,
            )
        )
    return tasks
