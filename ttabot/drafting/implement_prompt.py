"""What an implementation is asked with: the task kind the issue's size implies, the files
it names, and the exact messages.

Small asks go to fast models and large ones to stronger chains; the prompt and answer
schema come from the kind registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot import git
from ttabot.drafting import prompts
from ttabot.drafting.kinds import KINDS
from ttabot.fileio import read_inside
from ttabot.records import TaskKind

if TYPE_CHECKING:
    from ttabot.drafting.implement import ImplementJob


#: Issue text limits: enough for a real issue, bounded for the prompt.
MAX_BODY, MAX_LISTING, MAX_CONTEXT = 8_000, 400, 40_000
_CONTEXT_SUFFIXES = (".py", ".md", ".rst", ".toml", ".cfg", ".txt", ".ini")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)]|- \[[ xX]\])\s+\S")


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
    from ttabot.llm.json_prompt import with_json_instruction

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
