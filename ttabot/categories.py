"""The registry of finding categories: everything each category means to every stage.

One entry per :class:`~ttabot.records.Category` holds the task kind that drafts
its fix and every text a renderer shows for it (terminal colour, SARIF rule,
PR comment heading, slash-command verb, relayed message). A category added to
the enum without an entry here fails at import with a ``KeyError`` naming it,
so no renderer can fall back to a silent default. Light on purpose: the
``ttabot check`` hook path imports it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from ttabot.records import Category, TaskKind

_Key = TypeVar("_Key", bound=enum.Enum)
_Value = TypeVar("_Value")


def complete(members: type[_Key], table: Mapping[_Key, _Value], name: str) -> Mapping[_Key, _Value]:
    """``table`` as a read-only mapping, or ``KeyError`` naming the members it lacks.

    Every registry goes through this at import, so a member added to an enum
    without its entry is a loud error, never a silent default.
    """
    missing = [member.value for member in members if member not in table]
    if missing:
        raise KeyError(f"{name} has no entry for {', '.join(map(str, missing))}")
    return MappingProxyType({member: table[member] for member in members})


class SarifRule(NamedTuple):
    """A SARIF ``reportingDescriptor``'s texts: rule name, short and full description."""

    name: str
    short: str
    full: str


class CategoryInfo(NamedTuple):
    """What one finding category means to each stage."""

    #: The task kind that drafts the fix.
    task: TaskKind
    #: Heading of the category's list in the PR comment.
    label: str
    #: The ``/ttabot VERB`` that drafts this category on a PR.
    verb: str
    #: Terminal colour of the category in the text report.
    color: str
    #: The message the relay publisher shows (an artifact's own text is never shown).
    relayed_message: str
    #: The SARIF rule (Findings contract 2).
    sarif: SarifRule
    #: The SARIF rule of Findings contract 1 (``--contract 1``).
    sarif_v1: SarifRule


CATEGORIES: Mapping[Category, CategoryInfo] = complete(
    Category,
    {
        Category.DOCS_MISSING: CategoryInfo(
            task=TaskKind.DOCUMENTATION,
            label="Docs missing",
            verb="docs",
            color="magenta",
            relayed_message="has no docstring",
            sarif=SarifRule(
                "DocsMissing",
                "A public definition the change touched has no docstring.",
                "A public function, method or class that the change adds or edits has no "
                "docstring (or an empty one). A method that inherits one (decorated @override, "
                "or overriding a documented method of a base class defined in the same module) "
                "is exempt.",
            ),
            sarif_v1=SarifRule(
                "DocsMissing",
                "A public definition the change touched has no docstring.",
                "A public function, method or class that the change adds or edits has no "
                "docstring (or an empty one).",
            ),
        ),
        Category.TESTS_NEEDED: CategoryInfo(
            task=TaskKind.UNIT_TESTS,
            label="Tests needed",
            verb="tests",
            color="cyan",
            relayed_message="changed without a test that names it",
            sarif=SarifRule(
                "TestsNeeded",
                "New or changed behaviour that no test in the change mentions.",
                "A public function or method is new, or its behaviour changed (its code apart "
                "from annotations, docstrings and type comments differs from the old version), "
                "and no test file changed in the same change names it (nor does coverage data "
                "show the changed lines run).",
            ),
            sarif_v1=SarifRule(
                "TestsNeeded",
                "Changed code that no test in the change mentions.",
                "A public function or method gained code lines, and no test file changed in "
                "the same change names it (nor does coverage data show those lines run).",
            ),
        ),
        Category.REFACTOR: CategoryInfo(
            task=TaskKind.REFACTORING,
            label="Refactor",
            verb="refactor",
            color="yellow",
            relayed_message="is complex enough to refactor",
            sarif=SarifRule(
                "Refactor",
                "A touched function is too complex or takes too many positional parameters.",
                "A function the change touches has a McCabe complexity or a count of positional "
                "parameters (keyword-only ones, *args and **kwargs are not counted) above the "
                "configured thresholds.",
            ),
            sarif_v1=SarifRule(
                "Refactor",
                "A touched function is too complex or takes too many parameters.",
                "A function the change touches has a McCabe complexity or a parameter count "
                "above the configured thresholds.",
            ),
        ),
    },
    "CATEGORIES",
)

#: The task kind that drafts the fix for each category of finding.
TASK_FOR_CATEGORY: Mapping[Category, TaskKind] = MappingProxyType(
    {category: info.task for category, info in CATEGORIES.items()}
)

#: Which category each ``/ttabot VERB`` drafts on a pull request.
VERB_CATEGORY: Mapping[str, Category] = MappingProxyType(
    {info.verb: category for category, info in CATEGORIES.items()}
)

#: How early each category's list comes in the PR comment (0 first).
_COMMENT_RANK = complete(
    Category,
    {Category.TESTS_NEEDED: 0, Category.DOCS_MISSING: 1, Category.REFACTOR: 2},
    "_COMMENT_RANK",
)
#: The order of the categories' lists in the PR comment: what to write first.
COMMENT_ORDER: tuple[Category, ...] = tuple(sorted(Category, key=_COMMENT_RANK.__getitem__))
