"""A draft task: one model request to make, with the exact messages it sends.

:class:`Project` is what planning reads of the project, at the edge; each kind's
planner builds its :class:`Task` values with :func:`make_task`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ttabot.config import Settings
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.tests import ScanCache
from ttabot.llm.json_prompt import with_json_instruction
from ttabot.records import Finding, TaskKind


@dataclass(frozen=True)
class Project:
    """What planning needs to know about the project, read at the edge.

    ``read`` gives the text of a project file as the change leaves it (None:
    absent); ``files`` lists the project's files (for test placement);
    ``added`` holds each changed file's added line numbers; ``new_modules``
    the files the change adds.
    """

    read: Callable[[str], str | None]
    files: tuple[str, ...] = ()
    added: Mapping[str, frozenset[int]] = field(default_factory=dict)
    new_modules: frozenset[str] = frozenset()
    #: Docstring style counts per file, filled while planning (not part of the value).
    style_cache: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    #: Test modules read for placement, filled while planning (not part of the value).
    test_modules: ScanCache = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Task:
    """One model request to make: ``path`` is the file its draft writes."""

    kind: TaskKind
    module: str
    path: str
    findings: tuple[Finding, ...]
    chain: tuple[str, ...]
    messages: tuple[Mapping[str, str], ...]
    schema: Mapping[str, Any]
    style: str | None = None
    #: Only a suggestion may come of it (a refactor raised by the parameter count alone).
    suggest_only: bool = False

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols this task drafts for."""
        return tuple(f.symbol for f in self.findings)


def make_task(
    kind: TaskKind,
    module: str,
    path: str,
    findings: tuple[Finding, ...],
    settings: Settings,
    prompt: Sequence[Mapping[str, str]],
    style: str | None = None,
    *,
    suggest_only: bool = False,
) -> Task:
    """A task of ``kind`` holding the exact messages sent: ``prompt`` and the JSON instruction."""
    schema = KINDS[kind].schema
    if schema is None:
        raise KeyError(f"task kind {kind.value} has no answer schema to plan with")
    return Task(
        kind,
        module,
        path,
        findings,
        tuple(settings.chains.get(kind, ())),
        tuple(with_json_instruction(prompt, schema)),
        schema,
        style,
        suggest_only=suggest_only,
    )
