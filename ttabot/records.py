"""The records that flow through ttabot's pipeline.

``source -> Change -> Finding[] -> Task -> Draft -> publish``: each stage takes
and returns these frozen values, so every stage can be tested on its own and
none of them needs global state. They are ``NamedTuple``s rather than frozen
dataclasses because ``ttabot check`` runs on every commit: ``dataclasses``
imports ``inspect`` (~20 ms) and each class costs ~1 ms more to define.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple


class Category(str, enum.Enum):
    """What a change leaves undone."""

    DOCS_MISSING = "docs-missing"
    TESTS_NEEDED = "tests-needed"
    REFACTOR = "refactor"


class TaskKind(str, enum.Enum):
    """The six task kinds of the seed study; each has its own model chain."""

    SIMPLE_CODE = "simple-code"
    MODERATE_CODE = "moderate-code"
    COMPLEX_CODE = "complex-code"
    UNIT_TESTS = "unit-tests"
    REFACTORING = "refactoring"
    DOCUMENTATION = "documentation"


class FileStatus(str, enum.Enum):
    """How a change treats one file."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


class FileChange(NamedTuple):
    """One file of a change.

    ``path`` is repo-relative with ``/`` separators and names the *new* file
    (the old one for a deletion). ``added_lines`` are 1-based line numbers in
    the new version of the file.
    """

    path: str
    status: FileStatus
    added_lines: frozenset[int]
    old_path: str | None = None
    is_binary: bool = False
    #: The new version is a symbolic link (its "content" is the target's path).
    is_link: bool = False


class Change(NamedTuple):
    """A set of file changes, plus a human description of where it came from."""

    files: tuple[FileChange, ...]
    description: str = ""


class Finding(NamedTuple):
    """Something a change leaves undone, tied to one definition.

    ``line`` is the def/class line; ``end_line`` the last line of its span.
    ``details`` carries the measures behind the finding (``complexity``,
    ``parameters``, ``uncovered_lines``...) as plain JSON-able values.
    """

    category: Category
    path: str
    symbol: str
    line: int
    end_line: int
    task: TaskKind
    message: str
    details: Mapping[str, int | str | tuple[int, ...]] = MappingProxyType({})


class CheckWarning(NamedTuple):
    """A problem with the input that produced no finding (e.g. a file that does not parse)."""

    path: str
    message: str


class CheckResult(NamedTuple):
    """What ``ttabot check`` decided about a change."""

    findings: tuple[Finding, ...]
    warnings: tuple[CheckWarning, ...] = ()
    files_checked: int = 0


class ValidationStage(NamedTuple):
    """One check a draft went through (``parses``, ``passes``, ``reruns``, ``coverage``...)."""

    name: str
    passed: bool
    detail: str = ""


#: The stage a draft fails when no model answered its request at all.
NO_ANSWER_STAGE = "model"

#: The stages a draft went through, in order; a check stops at the first that fails.
Stages = tuple[ValidationStage, ...]


def failed_stage(stages: Iterable[ValidationStage]) -> ValidationStage | None:
    """The stage that failed, if any."""
    return next((s for s in stages if not s.passed), None)


class DraftStatus(str, enum.Enum):
    """What became of a draft; every report and the PR comment use these values."""

    ACCEPTED = "accepted"  # passed every check; applied by --apply, committable
    SUGGESTION = "suggestion"  # accepted as text to read, never applied or committed
    REJECTED = "rejected"  # failed a check
    NO_ANSWER = "no-answer"  # no model answered at all: nothing was checked


class Attempt(NamedTuple):
    """One round of a draft: who answered, how many requests it took, how far it got.

    ``stage`` is the last stage the answer reached (the failing one when ``ok``
    is False); ``reason`` says why it failed. A batch's requests are counted on
    its first draft only, so summing ``requests`` over drafts counts each request once.
    """

    model: str | None
    requests: int
    stage: str
    ok: bool
    reason: str = ""


class Draft(NamedTuple):
    """A drafted fix for one or more findings, with the record of how it was validated.

    ``original`` and ``proposed`` are the whole text of ``path`` before and after
    (``original`` is ``""`` for a new file). Only an ``accepted`` draft is ever
    applied or committed; ``applicable`` is False for drafts offered only as a
    suggestion (e.g. a refactor whose safety could not be shown).
    """

    kind: TaskKind
    findings: tuple[Finding, ...]
    path: str
    original: str
    proposed: str
    accepted: bool
    stages: tuple[ValidationStage, ...]
    model: str | None
    attempts: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reason: str = ""
    applicable: bool = True
    #: Every round asked for this draft, in order.
    history: tuple[Attempt, ...] = ()
    #: What was cleaned out of the answer to get the draft (``"Shape: fence"``); empty if nothing.
    cleaned: tuple[str, ...] = ()

    @property
    def status(self) -> DraftStatus:
        """``accepted``, ``suggestion``, ``rejected`` (failed a check) or ``no-answer``."""
        if self.accepted:
            return DraftStatus.ACCEPTED if self.applicable else DraftStatus.SUGGESTION
        bad = next((s for s in self.stages if not s.passed), None)
        if bad is not None and bad.name == NO_ANSWER_STAGE:
            return DraftStatus.NO_ANSWER
        return DraftStatus.REJECTED
