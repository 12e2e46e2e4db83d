"""Drafting: findings -> tasks -> validated drafts.

:func:`plan` shows what would be asked (``ttabot draft --dry-run``);
:func:`draft_findings` asks the models and validates every answer. Refactors
and then docstrings of one module are drafted in turn, each on the text the
previous accepted draft left, so all accepted drafts of a file apply together
and a docstring is drafted against the final code (re-planned when a refactor
changed the module); modules and test tasks run concurrently.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot.config import Settings
from ttabot.drafting.plan import Project, Task, documentation_tasks, plan_tasks
from ttabot.drafting.sandbox import SKIP_DIRS
from ttabot.records import CheckResult, Draft, FileStatus, TaskKind

if TYPE_CHECKING:
    from ttabot.llm import RotatingClient
    from ttabot.sources import Selection

__all__ = ["Task", "draft_findings", "plan"]

Progress = Callable[[str], None]


def project_files(root: Path) -> tuple[str, ...]:
    """Repo-relative paths of the project's files, skipping environments and caches."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        rel = Path(folder).relative_to(root).as_posix()
        out += [name if rel == "." else f"{rel}/{name}" for name in sorted(files)]
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
        target = root / path
        try:
            # Bytes, not read_text: newline translation would turn CRLF files into LF.
            return target.read_bytes().decode("utf-8") if target.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None

    listed = set(project_files(root)) | {p for p, text in files.items() if text is not None}
    listed -= {p for p, text in files.items() if text is None}
    added = {f.path: f.added_lines for f in selection.change.files}
    return Project(read=read, files=tuple(sorted(listed)), added=added)


def plan(selection: Selection, result: CheckResult, settings: Settings) -> list[Task]:
    """The tasks ``draft_findings`` would run for ``result``, with their exact prompts."""
    return plan_tasks(result.findings, project_for(selection), settings)


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
    from ttabot.drafting.refactordraft import draft_refactor
    from ttabot.drafting.testdraft import draft_tests
    from ttabot.drafting.work import Workspace, draft_docstrings

    changed = overlay(selection)
    project = project_for(selection, changed)
    tasks = plan_tasks(result.findings, project, settings)
    ws = Workspace(
        root=selection.root,
        overlay=changed,
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

    async def module_chain(module: str, chain: list[Task]) -> list[Draft]:
        # Refactors then docstrings of one module, each on the text the last accepted left:
        # a docstring drafted before a refactor of its function would document the old code.
        start = text = ws.read(module) or ""
        out: list[Draft] = []
        refactors = [t for t in chain if t.kind is TaskKind.REFACTORING]
        docs = [t for t in chain if t.kind is TaskKind.DOCUMENTATION]
        for task in refactors:
            draft = await draft_refactor(ws, task, text)
            if draft.accepted and draft.applicable:
                text = draft.proposed
            report(task, [draft])
            out.append(draft)
        if text != start and docs:
            findings = [f for t in docs for f in t.findings]
            replanned = documentation_tasks(module, text, findings, project, settings)
            for task in docs[len(replanned) :]:
                report(task, [])
            docs = replanned
        for task in docs:
            drafts = await draft_docstrings(ws, task, text)
            for draft in drafts:
                if draft.accepted and draft.applicable:
                    text = draft.proposed
            report(task, drafts)
            out += drafts
        return out

    async def tests(task: Task) -> list[Draft]:
        drafts = await draft_tests(ws, task)
        report(task, drafts)
        return drafts

    chains: dict[str, list[Task]] = {}
    for task in tasks:
        if task.kind is not TaskKind.UNIT_TESTS:
            chains.setdefault(task.module, []).append(task)
    jobs = [module_chain(m, c) for m, c in chains.items()]
    jobs += [tests(t) for t in tasks if t.kind is TaskKind.UNIT_TESTS]
    try:
        results = await asyncio.gather(*jobs)
    finally:
        await ws.close()
    return [draft for group in results for draft in group]


def _verdict(draft: Draft) -> str:
    from ttabot.drafting.output import verdict

    status = verdict(draft)
    return "suggestion only" if status == "suggestion" else status
