"""Tests tasks: one task per module and test module the findings are placed in.

Each finding goes where the project tests it (:func:`place_tests`); the findings of
one module that go to one test module are drafted together.
"""

from __future__ import annotations

from collections.abc import Sequence

from ttabot.config import Settings
from ttabot.drafting import prompts
from ttabot.drafting.changed_code import changed_code
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.module_scope import defined_names
from ttabot.drafting.prompt_context import definition_source, module_context
from ttabot.drafting.task import Project, Task, make_task
from ttabot.drafting.tests import import_name, placement_for
from ttabot.records import Finding, TaskKind


def place_tests(
    module: str, source: str, group: Sequence[Finding], project: Project
) -> list[tuple[str, tuple[Finding, ...]]]:
    """Where the tests for ``group`` (tests-needed findings of ``module``) go, by test module.

    Each finding is placed on its own, from its symbol and the names its changed
    lines use (:func:`placement_for`); findings placed in one test module share
    an entry, in the order they came.
    """
    marks = project.added.get(module, frozenset())
    by_path: dict[str, list[Finding]] = {}
    for f in group:
        changed = changed_code(source, f.line, f.end_line, marks)
        test_path = placement_for(
            module,
            project.files,
            [f.symbol],
            project.read,
            changed,
            project.test_modules,
            new_module=module in project.new_modules,
        )
        by_path.setdefault(test_path, []).append(f)
    return [(path, tuple(found)) for path, found in by_path.items()]


def plan_unit_tests(
    module: str, source: str, group: list[Finding], project: Project, settings: Settings
) -> list[Task]:
    """One tests task per test module the findings of ``group`` are placed in."""
    return [
        _unit_test_task(module, source, placed, project, settings)
        for placed in place_tests(module, source, group, project)
    ]


def _unit_test_task(
    module: str,
    source: str,
    placed: tuple[str, tuple[Finding, ...]],
    project: Project,
    settings: Settings,
) -> Task:
    """The tests task for one test module and the findings placed in it."""
    test_path, group = placed
    marks = project.added.get(module, frozenset())
    existing = project.read(test_path) or ""
    targets = "\n\n".join(
        f"### {f.symbol} (line {f.line})\n```python\n{definition_source(source, f, marks)}\n```"
        for f in group
    )
    names = defined_names(existing)
    shown = (
        f"\nThe existing test module `{test_path}` (your code is appended to it):\n"
        f"```python\n{module_context(existing)}\n```"
        if existing.strip()
        else ""
    )
    messages = prompts.messages(
        KINDS[TaskKind.UNIT_TESTS].template,
        path=module,
        import_name=import_name(module),
        targets=targets,
        test_path=test_path,
        existing_names=", ".join(names) or "(none)",
        module=module_context(source),
        existing_tests=shown,
    )
    return make_task(TaskKind.UNIT_TESTS, module, test_path, group, settings, messages)
