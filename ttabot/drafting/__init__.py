"""Drafting: findings -> tasks -> validated drafts.

:func:`make_plan` plans the tasks once, each holding the exact messages it
sends (``ttabot draft --dry-run`` prints them); :func:`draft_plan` asks the
models for those tasks and validates every answer (:func:`draft_findings`
does both). Each task kind's drafter comes from :mod:`ttabot.drafting.kinds`. Refactors
and then docstrings of one module are drafted in turn, each on the text the
previous accepted draft left, so all accepted drafts of a file apply together
and a docstring is drafted against the final code (re-planned when a refactor
changed the module); modules and test tasks run concurrently.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ttabot.analysis.source import python_numbers
from ttabot.config import Settings
from ttabot.drafting.copying import SKIP_DIRS
from ttabot.drafting.docstrings import NOT_EXACT, exact
from ttabot.drafting.kinds import KINDS, drafter_for
from ttabot.drafting.plan import plan_tasks, undraftable
from ttabot.drafting.task import Project, Task
from ttabot.fileio import read_inside
from ttabot.records import Category, CheckResult, Draft, FileStatus, Finding

if TYPE_CHECKING:
    from ttabot.drafting.kinds import Drafter
    from ttabot.drafting.work import Workspace
    from ttabot.llm import RotatingClient
    from ttabot.sources import Selection

__all__ = ["DraftPlan", "Task", "draft_findings", "draft_plan", "make_plan", "plan"]

Progress = Callable[[str], None]


def project_files(root: Path) -> tuple[str, ...]:
    """Repo-relative paths of the project's files, skipping environments and caches.

    Symbolic links are left out (linked folders are not entered): nothing is
    read or written through one, so a linked test module is no place for tests.
    """
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        rel = Path(folder).relative_to(root).as_posix()
        names = (n for n in sorted(files) if not os.path.islink(os.path.join(folder, n)))
        out += [name if rel == "." else f"{rel}/{name}" for name in names]
    return tuple(out)


def _decode(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def overlay(selection: Selection) -> dict[str, str | None]:
    """The change's new version of every file it touches (None: deleted or binary)."""
    out: dict[str, str | None] = {}
    for change in selection.change.files:
        if change.status is FileStatus.DELETED:
            out[change.path] = None
        elif not change.is_binary:
            out[change.path] = _decode(selection.read_new(change.path))
        if change.old_path and change.status is FileStatus.RENAMED:
            out[change.old_path] = None
    return out


def project_for(selection: Selection, files: Mapping[str, str | None] | None = None) -> Project:
    """What planning needs, read from ``selection`` and the files under its root.

    ``files`` is :func:`overlay` of the selection, if already read.
    """
    files = overlay(selection) if files is None else files
    root = selection.root

    def read(path: str) -> str | None:
        if path in files:
            return files[path]
        # Bytes, not read_text: newline translation would turn CRLF files into LF.
        # Never through a link: a tracked one to /proc/self/environ would carry secrets.
        data = read_inside(root, path)
        try:
            return data.decode("utf-8") if data is not None else None
        except UnicodeDecodeError:
            return None

    listed = set(project_files(root)) | {p for p, text in files.items() if text is not None}
    listed -= {p for p, text in files.items() if text is None}
    # Git's line numbers, as Python numbers the lines (they differ where lines end in a lone CR).
    added = {
        f.path: python_numbers(files.get(f.path) or "", f.added_lines)
        for f in selection.change.files
    }
    new = frozenset(f.path for f in selection.change.files if f.status is FileStatus.ADDED)
    return Project(read=read, files=tuple(sorted(listed)), added=added, new_modules=new)


class DraftPlan(NamedTuple):
    """Planned once, drafted as planned: the tasks and what drafting them reads.

    Each task holds the exact messages its first request sends, so
    ``ttabot draft --dry-run`` prints what a run would send.
    """

    tasks: tuple[Task, ...]
    root: Path
    #: The change's new version of every file it touches (see :func:`overlay`).
    overlay: Mapping[str, str | None]
    project: Project
    settings: Settings
    #: ``(path, why)`` of modules whose findings get no task: not UTF-8 Python
    #: (:func:`undraftable`), or, for docstrings, not written back exactly by libcst.
    undrafted: tuple[tuple[str, str], ...] = ()


def make_plan(selection: Selection, result: CheckResult, settings: Settings) -> DraftPlan:
    """Plan the drafts for ``result``: one walk of the project's files."""
    changed = overlay(selection)
    project = project_for(selection, changed)
    skipped = undraftable(result.findings, project)
    findings, inexact = _writable_docs(result.findings, project, {p for p, _ in skipped})
    tasks = tuple(plan_tasks(findings, project, settings))
    undrafted = skipped + tuple((path, NOT_EXACT) for path in inexact)
    return DraftPlan(tasks, selection.root, changed, project, settings, undrafted)


def _writable_docs(
    findings: Sequence[Finding], project: Project, unread: Collection[str]
) -> tuple[list[Finding], list[str]]:
    """``findings`` without docs-missing ones in modules libcst cannot write back exactly,
    and those modules: asking a model for a docstring that cannot land wastes requests."""
    docs = dict.fromkeys(
        f.path for f in findings if f.category is Category.DOCS_MISSING and f.path not in unread
    )
    inexact = [p for p in docs if not exact(project.read(p) or "")]
    kept = [f for f in findings if not (f.category is Category.DOCS_MISSING and f.path in inexact)]
    return kept, inexact


def plan(selection: Selection, result: CheckResult, settings: Settings) -> list[Task]:
    """The tasks ``draft_findings`` would run for ``result``, with their exact prompts."""
    return list(make_plan(selection, result, settings).tasks)


async def draft_findings(
    selection: Selection,
    result: CheckResult,
    settings: Settings,
    client: RotatingClient,
    *,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Draft]:
    """Draft and validate a fix for each finding; rejected drafts are kept with their reason.

    ``environ`` is the environment the sandbox allowlist draws from (default
    ``os.environ``); generated code never sees anything outside the allowlist.
    """
    planned = make_plan(selection, result, settings)
    return await draft_plan(planned, client, progress=progress, environ=environ)


async def draft_plan(
    planned: DraftPlan,
    client: RotatingClient,
    *,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Draft]:
    """Draft and validate the tasks of ``planned``, as planned; see :func:`draft_findings`.

    A task of a kind with no drafter is a ``KeyError`` before any model is asked.
    """
    from ttabot.drafting.work import Workspace

    tasks, settings, project = planned.tasks, planned.settings, planned.project
    drafters = {task.kind: drafter_for(task.kind) for task in tasks}
    ws = Workspace(
        root=planned.root,
        overlay=planned.overlay,
        project=project,
        settings=settings,
        client=client,
        environ=os.environ if environ is None else environ,
    )
    total, done = len(tasks), 0

    def report(task: Task, drafts: list[Draft]) -> None:
        nonlocal done
        done += 1
        # Learning chains: the verdict on the task's last answer.
        client.report_verdict(task, accepted=any(d.accepted for d in drafts))
        if progress is not None:
            verdict = ", ".join(_verdict(d) for d in drafts) or "nothing drafted"
            progress(f"[{done}/{total}] {task.kind.value} {task.path}: {verdict}")

    def rank(task: Task) -> int:
        return KINDS[task.kind].chain_rank or 0

    async def module_chain(module: str, chain: list[Task]) -> list[Draft]:
        # The module's edits in rank order (refactors, then docstrings), each on the text the
        # last accepted left: a docstring drafted before a refactor of its function would
        # document the old code.
        start = text = ws.read(module) or ""
        out: list[Draft] = []
        for kind, group in groupby(sorted(chain, key=rank), key=lambda t: t.kind):
            kind_tasks = list(group)
            replan = KINDS[kind].replan
            if text != start and replan is not None:
                findings = [f for t in kind_tasks for f in t.findings]
                replanned = replan(module, text, findings, project, settings)
                for task in kind_tasks[len(replanned) :]:
                    report(task, [])
                kind_tasks = replanned
            for task in kind_tasks:
                drafts = await _drafted(drafters[kind], ws, task, text)
                for draft in drafts:
                    if draft.accepted and draft.applicable:
                        text = draft.proposed
                report(task, drafts)
                out += drafts
        return out

    async def alone(task: Task) -> list[Draft]:
        drafts = await _drafted(drafters[task.kind], ws, task, "")
        report(task, drafts)
        return drafts

    chains: dict[str, list[Task]] = {}
    for task in tasks:
        if KINDS[task.kind].chain_rank is not None:
            chains.setdefault(task.module, []).append(task)
    jobs = [module_chain(m, c) for m, c in chains.items()]
    jobs += [alone(t) for t in tasks if KINDS[t.kind].chain_rank is None]
    try:
        results = await asyncio.gather(*jobs)
    finally:
        await ws.close()
    return [draft for group in results for draft in group]


async def _drafted(drafter: Drafter, ws: Workspace, task: Task, text: str) -> list[Draft]:
    """``drafter``'s drafts for ``task``; a rejected draft when the module nests too deeply.

    Python parses nesting far deeper than libcst's visitors and ``ast.unparse``
    can follow (they recurse once per level): one such module of a repository
    ended the whole run in a RecursionError. It is that task's rejected draft now.
    """
    try:
        return await drafter(ws, task, text)
    except RecursionError:
        from ttabot.drafting.work import not_asked

        return [not_asked(task, text, "editable", "the module nests too deeply to edit safely")]


def _verdict(draft: Draft) -> str:
    from ttabot.drafting.output import verdict

    status = verdict(draft)
    return "suggestion only" if status == "suggestion" else status
