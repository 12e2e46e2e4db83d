"""Findings -> tasks: the drafts to ask for: kind, model chain and exact prompt.

Pure: everything read from the project arrives in a :class:`Project` value,
so ``ttabot draft --dry-run`` shows exactly the prompts a run would send.
Each task kind has its planner (:mod:`ttabot.drafting.docstring_tasks`,
:mod:`ttabot.drafting.unit_test_tasks`, :mod:`ttabot.drafting.refactor_tasks`);
this module hands each module's findings to it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from itertools import groupby

from ttabot.categories import TASK_FOR_CATEGORY
from ttabot.config import Settings
from ttabot.drafting.docstring_tasks import plan_documentation
from ttabot.drafting.refactor_tasks import plan_refactoring
from ttabot.drafting.task import Project, Task
from ttabot.drafting.unit_test_tasks import plan_unit_tests
from ttabot.records import Category, Finding, TaskKind

# Project and Task are the records a plan is made of; they live in drafting/task.py and
# are named here too, for the modules that import them with the planner.
__all__ = ["NOT_UTF8", "Project", "Task", "plan_tasks", "undraftable"]


def plan_tasks(findings: Sequence[Finding], project: Project, settings: Settings) -> list[Task]:
    """The tasks for ``findings``: docstrings first, then tests, then refactors.

    Findings whose module cannot be read or parsed are skipped (``check``
    already warned about them).
    """
    tasks: list[Task] = []
    ordered = sorted(findings, key=lambda f: (f.path, f.line))
    for category in Category:
        planner = _PLANNERS[TASK_FOR_CATEGORY[category]]
        chosen = [f for f in ordered if f.category is category]
        for module, group in groupby(chosen, key=lambda f: f.path):
            source = project.read(module)
            if source is None or not _parses(source):
                continue
            tasks += planner(module, source, list(group), project, settings)
    return tasks


#: Why a module ``check`` reads gets no task (see :func:`undraftable`).
NOT_UTF8 = (
    "drafting reads and writes plain UTF-8 Python only "
    "(this file has a byte order mark, another coding, or does not parse)"
)


def undraftable(findings: Sequence[Finding], project: Project) -> tuple[tuple[str, str], ...]:
    """``(path, why)`` for the modules with findings that :func:`plan_tasks` skips.

    ``check`` decodes a module as Python does (a byte order mark, a coding
    declaration) and found something there; drafting reads and writes UTF-8
    only, so these get no task, and the user should hear which ones.
    """
    paths = dict.fromkeys(f.path for f in findings)
    return tuple(
        (p, NOT_UTF8) for p in paths if (text := project.read(p)) is None or not _parses(text)
    )


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


_Planner = Callable[[str, str, list[Finding], Project, Settings], list[Task]]
#: The planner of each kind a finding category is drafted with (checked at import).
_PLANNERS: Mapping[TaskKind, _Planner] = {
    TaskKind.DOCUMENTATION: plan_documentation,
    TaskKind.UNIT_TESTS: plan_unit_tests,
    TaskKind.REFACTORING: plan_refactoring,
}
for _kind in TASK_FOR_CATEGORY.values():
    if _kind not in _PLANNERS:
        raise KeyError(f"no planner for task kind {_kind.value}")
