"""The task-kind registry: every kind has an entry, every drafted kind plans and drafts.

Each coverage test iterates over :class:`TaskKind` or :class:`Category`, so a
kind added without its entry (prompt, schema, drafter, ``runs_code``) fails
here and at import, instead of being drafted as something else or run on a fork.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ttabot.categories import CATEGORIES, TASK_FOR_CATEGORY
from ttabot.config import Settings
from ttabot.drafting import DraftPlan, draft_plan, prompts
from ttabot.drafting.kinds import (
    CODE_FREE_CATEGORIES,
    KINDS,
    KindInfo,
    code_free_categories,
    drafter_for,
)
from ttabot.drafting.plan import Project, Task, plan_tasks
from ttabot.llm.json_prompt import json_instruction
from ttabot.records import Category, Finding, TaskKind

SOURCE = "def big(a):\n" + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(12))
SOURCE += "    return a\n"


def finding(category: Category) -> Finding:
    return Finding(category, "m.py", "big", 1, SOURCE.count("\n"), TASK_FOR_CATEGORY[category], "")


@pytest.mark.parametrize("kind", list(TaskKind))
def test_every_kind_has_an_entry_with_a_prompt_template(kind: TaskKind) -> None:
    info = KINDS[kind]
    assert isinstance(info.runs_code, bool)
    assert prompts.load_template(info.template).strip()


@pytest.mark.parametrize("category", list(Category))
def test_every_category_plans_tasks_of_its_kind_with_the_registry_schema(
    category: Category,
) -> None:
    kind = TASK_FOR_CATEGORY[category]
    drafter_for(kind)  # drafted, not dropped
    project = Project(read={"m.py": SOURCE}.get, files=("m.py",))
    (task,) = plan_tasks([finding(category)], project, Settings())
    assert task.kind is kind
    assert task.schema is KINDS[kind].schema
    # The exact messages sent: the JSON instruction is in the plan, once.
    instruction = json_instruction(task.schema)
    assert instruction in task.messages[0]["content"]
    assert sum(m["content"].count(instruction) for m in task.messages) == 1


@pytest.mark.parametrize("kind", [k for k in TaskKind if KINDS[k].drafter is None])
def test_a_kind_without_a_drafter_is_a_key_error_never_a_default(kind: TaskKind) -> None:
    with pytest.raises(KeyError, match=f"task kind {kind.value} has no drafter"):
        drafter_for(kind)


class NeverAsked:
    """A client that fails the test if anything is asked."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the client was used: {name}")


def test_drafting_a_task_of_an_undraftable_kind_fails_before_any_request(tmp_path: Any) -> None:
    project = Project(read={"m.py": SOURCE}.get, files=("m.py",))
    (task,) = plan_tasks([finding(Category.DOCS_MISSING)], project, Settings())
    task = Task(**{**task.__dict__, "kind": TaskKind.SIMPLE_CODE})
    planned = DraftPlan((task,), tmp_path, {}, project, Settings())
    with pytest.raises(KeyError, match="simple-code has no drafter"):
        asyncio.run(draft_plan(planned, NeverAsked()))  # type: ignore[arg-type]


def test_only_kinds_that_run_no_code_may_be_drafted_on_a_fork() -> None:
    assert (
        frozenset(c for c, info in CATEGORIES.items() if not KINDS[info.task].runs_code)
        == CODE_FREE_CATEGORIES
    )
    assert {Category.DOCS_MISSING} == CODE_FREE_CATEGORIES


def test_the_fork_allowlist_denies_a_kind_it_knows_nothing_about() -> None:
    categories = {
        Category.DOCS_MISSING: CATEGORIES[Category.DOCS_MISSING],
        Category.TESTS_NEEDED: CATEGORIES[Category.TESTS_NEEDED],
    }
    free = KindInfo(runs_code=False, template="documentation", schema=None)
    # The tests kind is missing from this table: default deny.
    assert code_free_categories(categories, {TaskKind.DOCUMENTATION: free}) == {
        Category.DOCS_MISSING
    }
    # A category whose kind runs code is never on the list.
    runs = free._replace(runs_code=True)
    assert code_free_categories(categories, {k: runs for k in TaskKind}) == frozenset()
