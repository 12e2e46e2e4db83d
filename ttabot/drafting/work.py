"""What drafting tasks share, and docstring drafts, through the one refine loop.

:class:`Workspace` holds the project, settings, client and the project copies;
:func:`make_draft` builds a draft with its attempt history. Each ``draft_*``
coroutine (docstrings here, tests in :mod:`~ttabot.drafting.testdraft`,
refactors in :mod:`~ttabot.drafting.refactordraft`) gives
:func:`~ttabot.drafting.refine.refine` a ``check`` for its kind; what still
fails after ``settings.draft.feedback_rounds`` retries is kept as a rejected
draft with the reason. CPU-heavy checks (libcst, sandboxed runs) go to worker
threads; sandboxed runs are bounded by a semaphore so a 2-core laptop is not
swamped. A project copy is made only when an answer needs one, and shared by
the tasks of one module (one at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot.config import Settings
from ttabot.drafting import answers, docstring_check
from ttabot.drafting.docstrings import NotExact, insert_docstrings
from ttabot.drafting.environment import choose_python
from ttabot.drafting.isolation import project_copy, sandbox_refusal
from ttabot.drafting.limits import limits_of
from ttabot.drafting.plan import Project, Task
from ttabot.drafting.precheck import missing_modules
from ttabot.drafting.refine import Refined, Verdict, refine
from ttabot.drafting.sandbox import Sandbox
from ttabot.drafting.tests import import_name
from ttabot.records import Attempt, Draft, Finding, ValidationStage

if TYPE_CHECKING:
    from ttabot.llm import Completion, RotatingClient

Messages = tuple[Mapping[str, str], ...]


@dataclass
class _Copy:
    sandbox: Sandbox
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class Workspace:
    """What the coroutines share: the project, the settings, the client, the limits."""

    root: Path
    overlay: Mapping[str, str | None]  # the change's new version of the files it touches
    project: Project
    settings: Settings
    client: RotatingClient
    environ: Mapping[str, str]
    sandboxes: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    _copies: dict[str, _Copy] = field(default_factory=dict)
    _making: asyncio.Lock = field(default_factory=asyncio.Lock)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _unavailable: dict[str, str | None] = field(default_factory=dict)

    def read(self, path: str) -> str | None:
        """A project file as the change leaves it (None: absent or not text)."""
        return self.project.read(path)

    @property
    def python(self) -> str:
        """The interpreter generated code runs with."""
        return choose_python(self.root, self.settings.draft.python, self.environ)

    async def copy_for(self, module: str) -> _Copy:
        """The project copy shared by ``module``'s tasks, made on first use."""
        async with self._making:
            if module not in self._copies:
                limits, tmp_size = limits_of(self.settings.draft)
                manager = project_copy(
                    self.root,
                    self.overlay,
                    environ=self.environ,
                    timeout=self.settings.draft.test_timeout,
                    python=self.python,
                    isolation=self.settings.draft.sandbox,
                    limits=limits,
                    tmp_size=tmp_size,
                )
                sandbox = await asyncio.to_thread(self._stack.enter_context, manager)
                self._copies[module] = _Copy(sandbox)
            return self._copies[module]

    async def renew_copy(self, module: str) -> _Copy:
        """A fresh copy for ``module``: generated code changed the shared one.

        The old copy is removed with the others when drafting ends; a task still
        holding it finishes on it.
        """
        async with self._making:
            self._copies.pop(module, None)
        return await self.copy_for(module)

    async def unavailable(self, module: str) -> str | None:
        """Why no test could run for ``module`` (no pytest, package not found), or None."""
        top = import_name(module).split(".")[0]
        if top not in self._unavailable:
            python, root, runner = self.python, self.root, None
            if _in_tree(python, self.root):
                # The tree's own `.venv/bin/python` (or its site-packages' .pth files) is
                # the tree's code like any other: asked in the copy, through its sandbox.
                box = (await self.copy_for(module)).sandbox
                python, root, runner = box.interpreter, box.path, box.run
            self._unavailable[top] = await asyncio.to_thread(
                functools.partial(missing_modules, runner=runner),
                python,
                root,
                ["pytest", top],
                self.environ,
                self.settings.draft.test_timeout,
            )
        return self._unavailable[top]

    async def close(self) -> None:
        """Remove every project copy."""
        await asyncio.to_thread(self._stack.close)


def _in_tree(python: str, root: Path) -> bool:
    """Whether the interpreter ``python`` lives in the project tree (as given or resolved)."""
    given, top = Path(python).absolute(), root.absolute()
    try:
        resolved, real_top = given.resolve(), top.resolve()
    except (OSError, RuntimeError):  # a link loop: the tree's doing, so the tree's
        return True
    return any(
        inner == outer or outer in inner.parents
        for inner, outer in ((given, top), (resolved, real_top), (given, real_top))
    )


def asker(ws: Workspace, task: Task) -> Callable[[Messages], Awaitable[Completion]]:
    """The refine loop's ``ask`` for ``task``: its chain, its schema, learning told."""

    async def ask(messages: Messages) -> Completion:
        # complete_draft: complete() that also reports each round to the learning chains.
        return await ws.client.complete_draft(task, task.kind, messages, schema=task.schema)

    return ask


def make_draft(
    task: Task,
    refined: Refined | None,
    original: str,
    proposed: str,
    stages: tuple[ValidationStage, ...],
    *,
    accepted: bool,
    reason: str = "",
    applicable: bool = True,
    findings: tuple[Finding, ...] | None = None,
    counted: bool = True,
    cleaned: tuple[str, ...] = (),
) -> Draft:
    """A draft with its attempt history; ``counted`` False: the batch's requests are on another."""
    history: tuple[Attempt, ...] = ()
    if refined is not None:
        history = tuple(a if counted else a._replace(requests=0) for a in refined.attempts)
    return Draft(
        kind=task.kind,
        findings=task.findings if findings is None else findings,
        path=task.path,
        original=original,
        proposed=proposed,
        accepted=accepted,
        stages=stages,
        model=refined.model if refined else None,
        attempts=refined.requests if refined and counted else 0,
        prompt_tokens=refined.prompt_tokens if refined and counted else 0,
        completion_tokens=refined.completion_tokens if refined and counted else 0,
        reason=reason,
        applicable=applicable and accepted,
        history=history,
        cleaned=cleaned,
    )


def not_asked(task: Task, original: str, stage: str, reason: str) -> Draft:
    """A draft no model was asked for, because no answer could have passed."""
    return make_draft(
        task,
        None,
        original,
        original,
        (ValidationStage(stage, False, reason),),
        accepted=False,
        reason=reason,
    )


# --- docstrings --------------------------------------------------------------


async def draft_docstrings(ws: Workspace, task: Task, original: str) -> list[Draft]:
    """Docstrings for a batch of one module's definitions: one accepted draft, rejects apart."""
    max_lines = ws.settings.draft.max_docstring_lines
    wanted = list(task.symbols)
    good: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    texts: dict[str, str] = {}  # the last docstring drafted per symbol, to show rejects
    rejected: dict[str, ValidationStage] = {}

    async def check(completion: Completion) -> Verdict:
        nonlocal wanted
        try:
            drafted = answers.parse_docstrings(completion.data, completion.content)
        except answers.AnswerError as exc:
            rejected.update(dict.fromkeys(wanted, ValidationStage("answer", False, str(exc))))
            return Verdict(False, "answer", False, str(exc))
        texts.update(drafted)
        result = await asyncio.to_thread(
            docstring_check.check_docstrings, original, drafted, wanted, max_lines, task.style
        )
        good.update({s: result.texts[s] for s in result.accepted})
        cleaned.update({s: result.cleaned[s] for s in result.accepted if s in result.cleaned})
        for symbol in result.accepted:
            rejected.pop(symbol, None)
        for symbol, reason in result.rejected.items():
            name = result.failed_stage.get(symbol, "params-match")
            rejected[symbol] = ValidationStage(name, False, reason)
        wanted = [s for s in wanted if s not in good]
        if not wanted:
            return Verdict(True, "inserted", True)
        detail = "\n".join(rejected[s].detail for s in wanted if s in rejected)
        detail += "\nAnswer again for these symbols only: " + ", ".join(wanted)
        first = next((rejected[s].name for s in wanted if s in rejected), "params-match")
        return Verdict(False, first, False, detail)

    refined = await refine(asker(ws, task), task.messages, check, ws.settings.draft.feedback_rounds)
    if refined.unanswered is not None:
        # A retry that got no answer keeps the check failure that prompted it.
        for symbol in wanted:
            rejected.setdefault(symbol, refined.unanswered)
    drafts: list[Draft] = []
    if good:
        # Checked together once more: each passed in its round, the file must pass as a whole.
        final = await asyncio.to_thread(
            docstring_check.check_docstrings, original, good, list(good), max_lines, task.style
        )
        for symbol, reason in final.rejected.items():
            name = final.failed_stage.get(symbol, "docstrings")
            rejected[symbol] = ValidationStage(name, False, reason)
        findings = tuple(f for f in task.findings if f.symbol in final.accepted)
        if findings:
            drafts.append(
                make_draft(
                    task,
                    refined,
                    original,
                    final.proposed,
                    final.stages,
                    accepted=True,
                    findings=findings,
                    cleaned=tuple(f"{s}: {cleaned[s]}" for s in final.accepted if s in cleaned),
                )
            )
    for finding in task.findings:
        stage = rejected.get(finding.symbol)
        if stage is None:
            continue
        shown = await asyncio.to_thread(_shown, original, finding.symbol, texts)
        drafts.append(
            make_draft(
                task,
                refined,
                original,
                shown,
                (stage,),
                accepted=False,
                reason=stage.detail,
                findings=(finding,),
                counted=not drafts,  # the batch's requests are counted once, on its first draft
            )
        )
    return drafts


def _shown(original: str, symbol: str, texts: Mapping[str, str]) -> str:
    """The module with a rejected docstring in place, so reports can show what was refused."""
    text = texts.get(symbol)
    if text is None:
        return original
    try:
        return insert_docstrings(original, {symbol: text})
    except NotExact:  # the draft says why; the module is shown as it is
        return original


def no_sandbox(ws: Workspace) -> ValidationStage | None:
    """The failed ``sandbox`` stage when generated code may not run here (no model is asked)."""
    why = sandbox_refusal(ws.settings.draft.sandbox, ws.environ)
    return None if why is None else ValidationStage("sandbox", False, why)


__all__: Sequence[str] = (
    "Workspace",
    "asker",
    "draft_docstrings",
    "make_draft",
    "no_sandbox",
    "not_asked",
)
