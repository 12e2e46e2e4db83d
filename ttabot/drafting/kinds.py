"""The registry of task kinds: what each kind asks, expects, drafts with, and runs.

One entry per :class:`~ttabot.records.TaskKind`: its prompt template, the
schema its answer must match, the drafter that turns a planned task into
validated drafts, and whether validating a draft runs the project's code. A
kind added to the enum without an entry fails at import with a ``KeyError``;
so does a kind that a finding category drafts with but that has no drafter.

Which categories a fork's pull request may have drafted is derived from here
as an allowlist (:data:`CODE_FREE_CATEGORIES`): only a category whose kind is
known never to run code is on it, so a new kind is kept away from forks until
its entry says otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ttabot.categories import CATEGORIES, CategoryInfo, complete
from ttabot.drafting import answers
from ttabot.records import Category, Draft, Finding, TaskKind

if TYPE_CHECKING:
    from ttabot.config import Settings
    from ttabot.drafting.task import Project, Task
    from ttabot.drafting.work import Workspace

#: Drafts one planned task: the workspace, the task, and the text of its module as
#: the drafts before it in the module's chain left it (ignored by kinds drafted apart).
Drafter = Callable[["Workspace", "Task", str], Awaitable[list[Draft]]]
#: Plans a module's tasks of one kind again on new text (``module, text, findings, project,
#: settings``), for kinds whose prompt shows code an earlier draft in the chain changed.
Replanner = Callable[[str, str, Sequence[Finding], "Project", "Settings"], list["Task"]]


class KindInfo(NamedTuple):
    """What one task kind means to planning, drafting and the GitHub flow."""

    #: Whether validating a draft runs the project's code (pytest imports it).
    runs_code: bool
    #: The prompt template (a name in :data:`ttabot.drafting.prompts.TEMPLATE_FILES`).
    template: str
    #: The JSON schema the answer must match; None: the flow reads its own answer.
    schema: Mapping[str, Any] | None
    #: Drafts a planned task of this kind; None: never planned from a finding.
    drafter: Drafter | None = None
    #: Position in a module's chain of edits (0 first), each drafted on the text the
    #: last accepted one left; None: drafted on its own, concurrently.
    chain_rank: int | None = None
    #: Re-plans the kind's tasks when an earlier draft in the chain changed the module.
    replan: Replanner | None = None


async def _draft_documentation(ws: Workspace, task: Task, text: str) -> list[Draft]:
    from ttabot.drafting.work import draft_docstrings

    return await draft_docstrings(ws, task, text)


async def _draft_refactoring(ws: Workspace, task: Task, text: str) -> list[Draft]:
    from ttabot.drafting.refactordraft import draft_refactor

    return [await draft_refactor(ws, task, text)]


async def _draft_unit_tests(ws: Workspace, task: Task, text: str) -> list[Draft]:
    from ttabot.drafting.testdraft import draft_tests

    return await draft_tests(ws, task)


def _replan_documentation(
    module: str, text: str, findings: Sequence[Finding], project: Project, settings: Settings
) -> list[Task]:
    from ttabot.drafting.docstring_tasks import documentation_tasks

    return documentation_tasks(module, text, findings, project, settings)


# Code kinds: implementing an issue (drafting/implement.py) writes whole files and runs
# the project's tests on them; never planned from a finding, so no drafter.
_IMPLEMENT = KindInfo(runs_code=True, template="implement", schema=answers.IMPLEMENT_SCHEMA)

KINDS: Mapping[TaskKind, KindInfo] = complete(
    TaskKind,
    {
        TaskKind.SIMPLE_CODE: _IMPLEMENT,
        TaskKind.MODERATE_CODE: _IMPLEMENT,
        TaskKind.COMPLEX_CODE: _IMPLEMENT,
        TaskKind.UNIT_TESTS: KindInfo(
            runs_code=True,
            template="unit-tests",
            schema=answers.TESTS_SCHEMA,
            drafter=_draft_unit_tests,
        ),
        TaskKind.REFACTORING: KindInfo(
            runs_code=True,
            template="refactoring",
            schema=answers.REFACTOR_SCHEMA,
            drafter=_draft_refactoring,
            chain_rank=0,
        ),
        TaskKind.DOCUMENTATION: KindInfo(
            # Docstring drafts are checked by parsing and comparing code only: nothing runs.
            runs_code=False,
            template="documentation",
            schema=answers.DOCSTRINGS_SCHEMA,
            drafter=_draft_documentation,
            chain_rank=1,
            replan=_replan_documentation,
        ),
    },
    "KINDS",
)


def drafter_for(kind: TaskKind) -> Drafter:
    """The drafter of ``kind``; ``KeyError`` for a kind that is never drafted from a finding."""
    drafter = KINDS[kind].drafter
    if drafter is None:
        raise KeyError(f"task kind {kind.value} has no drafter")
    return drafter


def code_free_categories(
    categories: Mapping[Category, CategoryInfo], kinds: Mapping[TaskKind, KindInfo]
) -> frozenset[Category]:
    """The categories whose drafting never runs the project's code.

    Default deny: a category whose kind has no entry in ``kinds`` is left out.
    """
    return frozenset(
        category
        for category, info in categories.items()
        if info.task in kinds and not kinds[info.task].runs_code
    )


#: Categories a fork's pull request may have drafted: drafting them runs none of its code.
CODE_FREE_CATEGORIES: frozenset[Category] = code_free_categories(CATEGORIES, KINDS)

for _category, _info in CATEGORIES.items():
    # A category whose kind cannot be drafted would be planned and then dropped.
    drafter_for(_info.task)
