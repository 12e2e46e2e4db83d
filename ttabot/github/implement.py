"""``/ttabot implement``: draft code for an issue, validate it with the project's tests, open a PR.

The task kind (simple-, moderate- or complex-code) follows the size of change the
issue implies, so small asks go to fast models and large ones to stronger chains.
A draft becomes a pull request only if every Python file parses and the project's
test suite passes on a copy of the project with the draft applied.
"""

from __future__ import annotations

import ast
import asyncio
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot import git
from ttabot.fileio import read_inside
from ttabot.github.context import Context
from ttabot.github.event import Issue
from ttabot.records import TaskKind, ValidationStage
from ttabot.review.paths import safe_relative_path

if TYPE_CHECKING:
    from ttabot.llm import Completion

#: Issue text limits: enough for a real issue, bounded for the prompt.
MAX_BODY, MAX_LISTING, MAX_CONTEXT = 8_000, 400, 40_000
_CONTEXT_SUFFIXES = (".py", ".md", ".rst", ".toml", ".cfg", ".txt", ".ini")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)]|- \[[ xX]\])\s+\S")


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


def safe_path(path: str) -> bool:
    """True for a relative path inside the project that is not git's or CI's business."""
    return safe_relative_path(path) is not None


def parse_answer(content: str) -> tuple[str, dict[str, str]]:
    """``(summary, {path: text})`` from a model's answer; ValueError says what is wrong."""
    from ttabot.llm.structured import JSONExtractionError, extract_json

    # The client's extractor: reasoning stripped, fences and prose around the object
    # handled, nesting bounded (a deep answer is a reason, never a RecursionError).
    try:
        data = extract_json(content)
    except JSONExtractionError as exc:
        raise ValueError(f"the answer has no JSON object: {exc}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not files:
        raise ValueError('the answer has no "files" list')
    out: dict[str, str] = {}
    for item in files:
        path = item.get("path") if isinstance(item, dict) else None
        text = item.get("content") if isinstance(item, dict) else None
        if not isinstance(path, str) or not isinstance(text, str):
            raise ValueError('every file needs a "path" and a "content" string')
        safe = safe_relative_path(path.strip())
        if safe is None:
            raise ValueError(f"refusing to write {path.strip()!r}")
        out[safe] = text if text.endswith("\n") else text + "\n"
    return str(data.get("summary") or "").strip(), out


def project_listing(root: Path) -> tuple[str, ...]:
    """The tracked files of the checkout (what the PR will be based on)."""
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


def prompt(
    issue: Issue, listing: tuple[str, ...], context: Mapping[str, str]
) -> list[dict[str, str]]:
    """The chat messages asking for an implementation of ``issue``."""
    system = resources.files("ttabot").joinpath("prompts", "system.txt").read_text("utf-8")
    template = (
        resources.files("ttabot").joinpath("prompts", "github-implement.md").read_text("utf-8")
    )
    shown = "\n\n".join(f"`{p}`:\n```\n{t}\n```" for p, t in context.items()) or "(none found)"
    user = string.Template(template).substitute(
        number=issue.number,
        title=issue.title,
        body=issue.body[:MAX_BODY],
        listing="\n".join(listing[:MAX_LISTING]),
        context=shown,
    )
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user}]


def validate(ctx: Context, files: Mapping[str, str]) -> tuple[ValidationStage, ...]:
    """Parse every Python file, then run the project's tests on a copy with ``files`` applied."""
    from ttabot.drafting.sandbox import NoSandbox, choose_python, project_copy

    for path, text in files.items():
        if path.endswith(".py"):
            try:
                ast.parse(text, filename=path)
            except SyntaxError as exc:
                return (ValidationStage("parses", False, f"{path}:{exc.lineno}: {exc.msg}"),)
    stages = [ValidationStage("parses", True)]
    timeout = ctx.settings.draft.test_timeout * 5
    python = choose_python(ctx.root, ctx.settings.draft.python, ctx.environ)
    try:
        with project_copy(
            ctx.root,
            dict(files),
            environ=ctx.environ,
            timeout=timeout,
            python=python,
            isolation=ctx.settings.draft.sandbox,
        ) as sandbox:
            result, left = sandbox.pytest([])
    except NoSandbox as exc:
        return (*stages, ValidationStage("sandbox", False, str(exc)))
    if result.returncode == 5:
        stages.append(ValidationStage("passes", True, "the project has no tests to run"))
    elif result.returncode != 0:
        tail = "\n".join(result.output.strip().splitlines()[-15:])
        stages.append(ValidationStage("passes", False, tail or "the test run failed"))
    else:
        stages.append(ValidationStage("passes", True, "the project's tests pass"))
    if left:
        stages.append(ValidationStage("clean", False, "tests left files: " + ", ".join(left[:5])))
    return tuple(stages)


def draft_implementation(ctx: Context, issue: Issue) -> Implementation:
    """Ask the chain for the issue's task kind; on failure retry with it (feedback rounds)."""
    from ttabot.drafting.sandbox import sandbox_refusal
    from ttabot.llm import RotatingClient

    listing = project_listing(ctx.root)
    kind = expected_kind(issue.title, issue.body, listing)
    refused = sandbox_refusal(ctx.settings.draft.sandbox, ctx.environ)
    if refused is not None:
        # The answer could never be validated: spend no model call on it.
        return Implementation(
            {}, "", False, (ValidationStage("sandbox", False, refused),), None, 0, kind, refused
        )
    messages = prompt(
        issue, listing, context_files(ctx.root, listing, f"{issue.title}\n{issue.body}")
    )

    async def go() -> Implementation:
        # The one refine loop drafting uses: ask, parse, check, feed the failure back.
        from ttabot.drafting.refine import Verdict, refine

        outcome: list[Implementation] = []
        async with RotatingClient(ctx.settings, environ=ctx.model_environ) as client:

            async def ask(conversation: Sequence[Mapping[str, str]]) -> Completion:
                return await client.complete(kind, conversation)

            async def check(done: Completion) -> Verdict:
                try:
                    summary, files = parse_answer(done.content)
                except ValueError as exc:
                    stages: tuple[ValidationStage, ...] = (
                        ValidationStage("answer", False, str(exc)),
                    )
                    files, summary = {}, ""
                else:
                    stages = await asyncio.to_thread(validate, ctx, files)
                accepted = bool(files) and all(s.passed for s in stages)
                attempt = len(outcome) + 1
                outcome.append(
                    Implementation(files, summary, accepted, stages, done.model, attempt, kind)
                )
                failure = next((s for s in stages if not s.passed), None)
                if failure is None:
                    return Verdict(True, stages[-1].name, True)
                return Verdict(False, failure.name, False, failure.detail)

            refined = await refine(ask, messages, check, ctx.settings.draft.feedback_rounds)
        if refined.unanswered is not None:
            reason = refined.unanswered.detail
            return Implementation({}, "", False, (), refined.model, len(outcome) + 1, kind, reason)
        return outcome[-1]

    return asyncio.run(go())
