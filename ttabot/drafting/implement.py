"""Draft code for an issue and validate it with the project's tests (``implement``).

Forge-neutral: the caller maps its event into an :class:`ImplementJob` (the
issue's number, title and body, the checkout, the settings and two environments)
and publishes the :class:`Implementation` it gets back; nothing here knows GitHub.

The task kind (simple-, moderate- or complex-code) follows the size of change the
issue implies, so small asks go to fast models and large ones to stronger chains;
its prompt and answer schema come from the kind registry. An answer is read with
the client's bounded JSON extractor, and every path it names is checked as text
(:mod:`ttabot.drafting.safepath`) and against the checkout (no symbolic link on the
way, no file where a folder is). A draft is accepted only if every Python file
parses and the project's test suite passes on a copy of the project with the draft
applied. Each failure goes back to the model through the one refine loop.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ttabot import git
from ttabot.drafting import prompts
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.safepath import safe_relative_path
from ttabot.fileio import read_inside
from ttabot.records import NO_ANSWER_STAGE, Attempt, DraftStatus, TaskKind, ValidationStage

if TYPE_CHECKING:
    from ttabot.config import Settings
    from ttabot.llm import Completion, RotatingClient

#: The task kinds an implementation is drafted with (:func:`expected_kind` picks one).
CODE_KINDS = (TaskKind.SIMPLE_CODE, TaskKind.MODERATE_CODE, TaskKind.COMPLEX_CODE)
#: Issue text limits: enough for a real issue, bounded for the prompt.
MAX_BODY, MAX_LISTING, MAX_CONTEXT = 8_000, 400, 40_000
#: Answer limits: an implementation is a change a maintainer can review, not a dump.
MAX_ANSWER, MAX_FILES = 1_000_000, 100
_CONTEXT_SUFFIXES = (".py", ".md", ".rst", ".toml", ".cfg", ".txt", ".ini")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)]|- \[[ xX]\])\s+\S")


class ImplementJob(NamedTuple):
    """What implementing one issue needs, whatever forge the issue came from."""

    number: int
    title: str
    body: str
    #: The checkout the change is based on (its tests are run, its tree is checked).
    root: Path
    settings: Settings
    #: The environment the project's tests start from (scrubbed again in the sandbox).
    environ: Mapping[str, str]
    #: The only environment the model client reads its keys from.
    model_environ: Mapping[str, str]


@dataclass(frozen=True)
class Implementation:
    """A drafted implementation and the record of how it was validated."""

    files: Mapping[str, str]
    summary: str
    accepted: bool
    stages: tuple[ValidationStage, ...]
    model: str | None
    attempts: int
    kind: TaskKind
    reason: str = ""
    #: Every round asked, in order (as a :class:`~ttabot.records.Draft`'s ``history``).
    history: tuple[Attempt, ...] = ()

    @property
    def status(self) -> DraftStatus:
        """``accepted``, ``rejected`` (failed a check) or ``no-answer`` (no model answered)."""
        if self.accepted:
            return DraftStatus.ACCEPTED
        if self.history and self.history[-1].stage == NO_ANSWER_STAGE:
            return DraftStatus.NO_ANSWER
        return DraftStatus.REJECTED


def expected_kind(title: str, body: str, listing: tuple[str, ...] = ()) -> TaskKind:
    """simple-, moderate- or complex-code from how much the issue asks for.

    Each bullet or checklist item, each project file it names (twice) and each
    hundred words add to the score: under 4 is < 50 lines, under 12 is 50-200.
    """
    text = f"{title}\n{body}"
    bullets = sum(1 for line in body.splitlines() if _BULLET.match(line))
    named = sum(1 for path in listing if path in text)
    score = bullets + 2 * named + len(text.split()) / 100
    if score < 4:
        return TaskKind.SIMPLE_CODE
    if score < 12:
        return TaskKind.MODERATE_CODE
    return TaskKind.COMPLEX_CODE


def parse_answer(content: str, data: Any = None) -> tuple[str, dict[str, str]]:
    """``(summary, {path: text})`` from a model's answer; ValueError says what is wrong.

    ``data`` is the answer as the client already parsed it against the schema;
    without it, ``content`` is read with the same bounded extractor.
    """
    data = _answer_object(content, data)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not files:
        raise ValueError('the answer has no "files" list')
    if len(files) > MAX_FILES:
        raise ValueError(f"the answer changes {len(files)} files; at most {MAX_FILES}")
    out: dict[str, str] = {}
    for item in files:
        path = item.get("path") if isinstance(item, dict) else None
        text = item.get("content") if isinstance(item, dict) else None
        if not isinstance(path, str) or not isinstance(text, str):
            raise ValueError('every file needs a "path" and a "content" string')
        safe = safe_relative_path(path.strip())
        if safe is None:
            raise ValueError(f"refusing to write {path.strip()!r}")
        if safe in out:
            raise ValueError(f"the answer gives {safe!r} twice")
        out[safe] = _file_text(safe, text)
    _refuse_file_and_folder(out)
    return str(data.get("summary") or "").strip(), out


def _answer_object(content: str, data: Any) -> Any:
    from ttabot.llm.structured import JSONExtractionError, extract_json

    if len(content) > MAX_ANSWER:
        raise ValueError(f"the answer is {len(content):,} characters; at most {MAX_ANSWER:,}")
    if isinstance(data, dict):
        return data
    # Reasoning stripped, fences and prose around the object handled, nesting
    # bounded (a deep answer is a reason, never a RecursionError).
    try:
        return extract_json(content)
    except JSONExtractionError as exc:
        raise ValueError(f"the answer has no JSON object: {exc}") from None


def _file_text(path: str, text: str) -> str:
    if "\0" in text:
        raise ValueError(f"{path!r}: the content holds a NUL byte (text files only)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{path!r}: the content is not valid UTF-8 text") from None
    return text if text.endswith("\n") else text + "\n"


def _refuse_file_and_folder(files: Mapping[str, str]) -> None:
    for path in files:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in files:
                raise ValueError(f"the answer writes {folder!r} as a file and a folder")


def check_tree(root: Path, paths: Iterable[str]) -> None:
    """Refuse (ValueError) a path the checkout cannot take as a plain file.

    A symbolic link anywhere on the way (a linked folder would take the file
    out of the project, or into another part of it), a file where a folder must
    be, or a folder where the file goes.
    """
    for rel in paths:
        parts = rel.split("/")
        target = root
        for depth, part in enumerate(parts, 1):
            target = target / part
            shown = "/".join(parts[:depth])
            try:
                if target.is_symlink():
                    raise ValueError(f"refusing to write {rel!r}: {shown} is a symbolic link")
                if depth < len(parts) and target.exists() and not target.is_dir():
                    raise ValueError(f"refusing to write {rel!r}: {shown} is a file, not a folder")
                if depth == len(parts) and target.is_dir():
                    raise ValueError(f"refusing to write {rel!r}: it is a folder")
            except OSError as exc:  # a name too long, say
                raise ValueError(f"refusing to write {rel!r}: {exc.strerror}") from None


def project_listing(root: Path) -> tuple[str, ...]:
    """The tracked files of the checkout (what the change will be based on)."""
    names = git.output(root, "ls-files", "-z").decode("utf-8", "replace").split("\0")
    return tuple(name for name in names if name)


def context_files(root: Path, listing: tuple[str, ...], text: str) -> dict[str, str]:
    """Files the issue names (by path or module name), up to :data:`MAX_CONTEXT` characters."""
    words = set(re.findall(r"[\w.]+", text))
    chosen = [
        p
        for p in listing
        if p.endswith(_CONTEXT_SUFFIXES)
        and (p in text or Path(p).stem in words or p.replace("/", ".").removesuffix(".py") in words)
    ]
    out: dict[str, str] = {}
    used = 0
    for path in chosen:
        data = read_inside(root, path)  # never through a link: no secret rides along
        try:
            body = data.decode("utf-8") if data is not None else None
        except UnicodeDecodeError:
            body = None
        if body is None:
            continue
        if used + len(body) > MAX_CONTEXT:
            break
        out[path], used = body, used + len(body)
    return out


def implement_messages(
    job: ImplementJob, kind: TaskKind, listing: tuple[str, ...], context: Mapping[str, str]
) -> list[dict[str, str]]:
    """The exact chat messages asking for an implementation of the job's issue."""
    from ttabot.llm.structured import with_json_instruction

    info = KINDS[kind]
    shown = "\n\n".join(f"`{p}`:\n```\n{t}\n```" for p, t in context.items()) or "(none found)"
    messages = prompts.messages(
        info.template,
        number=job.number,
        title=job.title,
        body=job.body[:MAX_BODY],
        listing="\n".join(listing[:MAX_LISTING]),
        context=shown,
    )
    return with_json_instruction(messages, info.schema) if info.schema else list(messages)


def validate(job: ImplementJob, files: Mapping[str, str]) -> tuple[ValidationStage, ...]:
    """Parse every Python file, then run the project's tests on a copy with ``files`` applied."""
    from ttabot.drafting.environment import choose_python
    from ttabot.drafting.isolation import NoSandbox, project_copy
    from ttabot.drafting.limits import limits_of
    from ttabot.drafting.readback import UnsafeFile

    for path, text in files.items():
        if path.endswith(".py"):
            try:
                ast.parse(text, filename=path)
            except SyntaxError as exc:
                return (ValidationStage("parses", False, f"{path}:{exc.lineno}: {exc.msg}"),)
            except (RecursionError, MemoryError):  # the parser's own limits: nested too deep
                return (ValidationStage("parses", False, f"{path}: nested too deeply to parse"),)
    stages = [ValidationStage("parses", True)]
    draft = job.settings.draft
    python = choose_python(job.root, draft.python, job.environ)
    limits, tmp_size = limits_of(draft)
    try:
        with project_copy(
            job.root,
            dict(files),
            environ=job.environ,
            timeout=draft.test_timeout * 5,
            python=python,
            isolation=draft.sandbox,
            limits=limits,
            tmp_size=tmp_size,
        ) as sandbox:
            result, left = sandbox.pytest([])
    except NoSandbox as exc:
        return (*stages, ValidationStage("sandbox", False, str(exc)))
    except UnsafeFile as exc:  # the copy holds a link the checkout check did not see
        return (*stages, ValidationStage("answer", False, str(exc)))
    stages.append(_test_stage(result.returncode, result.output))
    if left:
        stages.append(ValidationStage("clean", False, "tests left files: " + ", ".join(left[:5])))
    return tuple(stages)


def _test_stage(returncode: int | None, output: str) -> ValidationStage:
    if returncode == 5:
        return ValidationStage("passes", True, "the project has no tests to run")
    if returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        return ValidationStage("passes", False, tail or "the test run failed")
    return ValidationStage("passes", True, "the project's tests pass")


async def draft_implementation(job: ImplementJob, client: RotatingClient) -> Implementation:
    """Ask ``client`` for the issue's task kind; each failure is fed back (feedback rounds)."""
    from ttabot.drafting.isolation import sandbox_refusal
    from ttabot.drafting.refine import Verdict, refine

    listing = project_listing(job.root)
    kind = expected_kind(job.title, job.body, listing)
    refused = sandbox_refusal(job.settings.draft.sandbox, job.environ)
    if refused is not None:
        # The answer could never be validated: spend no model call on it.
        stage = ValidationStage("sandbox", False, refused)
        return Implementation({}, "", False, (stage,), None, 0, kind, refused)
    context = context_files(job.root, listing, f"{job.title}\n{job.body}")
    messages = implement_messages(job, kind, listing, context)
    schema = KINDS[kind].schema
    outcome: list[Implementation] = []
    token = object()  # this draft, to the learning chains

    async def ask(conversation: Sequence[Mapping[str, str]]) -> Completion:
        # Each round is reported to the learning chains, as every other draft's is.
        return await client.complete_draft(token, kind, conversation, schema=schema)

    async def check(done: Completion) -> Verdict:
        try:
            summary, files = parse_answer(done.content, done.data)
            check_tree(job.root, files)
        except ValueError as exc:
            stages: tuple[ValidationStage, ...] = (ValidationStage("answer", False, str(exc)),)
            files, summary = {}, ""
        else:
            stages = await asyncio.to_thread(validate, job, files)
        accepted = bool(files) and all(s.passed for s in stages)
        attempt = len(outcome) + 1
        outcome.append(Implementation(files, summary, accepted, stages, done.model, attempt, kind))
        failure = next((s for s in stages if not s.passed), None)
        if failure is None:
            return Verdict(True, stages[-1].name, True)
        return Verdict(False, failure.name, False, failure.detail)

    refined = await refine(ask, messages, check, job.settings.draft.feedback_rounds)
    history = tuple(refined.attempts)
    if not outcome:  # no model answered at all: nothing was checked
        reason = refined.unanswered.detail if refined.unanswered is not None else "no answer"
        return Implementation({}, "", False, (), refined.model, 1, kind, reason, history)
    client.report_verdict(token, accepted=outcome[-1].accepted)
    if refined.unanswered is not None:  # answered, rejected, then no answer to the feedback
        reason = refined.unanswered.detail
        attempt = len(outcome) + 1
        return Implementation({}, "", False, (), refined.model, attempt, kind, reason, history)
    return dataclasses.replace(outcome[-1], history=history)


def implement(job: ImplementJob) -> Implementation:
    """:func:`draft_implementation` with a model client of its own, run to the end."""
    from ttabot.llm import RotatingClient

    async def go() -> Implementation:
        async with RotatingClient(job.settings, environ=job.model_environ) as client:
            return await draft_implementation(job, client)

    return asyncio.run(go())
