"""``ttabot draft --dry-run``: the plan, each task with its chain and messages, as text or JSON."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ttabot.config import Settings
from ttabot.records import TaskKind
from ttabot.report import printable

if TYPE_CHECKING:
    from ttabot.drafting import Task


#: One line telling a user with no model how to get one; ``--help`` has the long version.
HOW_TO_CONFIGURE = (
    "no model is configured: set OPENROUTER_API_KEY (a free key from https://openrouter.ai/keys), "
    "or add an OpenAI-compatible provider as [tool.ttabot.providers.NAME] in pyproject.toml "
    "or [providers.NAME] in .ttabot.toml and name it in [chains] (see 'ttabot draft --help')"
)


def render_plan(
    tasks: list[Task], settings: Settings, environ: Mapping[str, str] | None = None
) -> str:
    """The ``--dry-run`` text: each task, its kind and chain, and the exact messages sent."""
    if not tasks:
        return "Nothing to draft.\n"
    out = [f"{len(tasks)} task(s).\n"]
    usable = usable_by_kind(tasks, settings, environ)
    for number, task in enumerate(tasks, 1):
        chain = ", ".join(
            ref + ("" if ref in usable[task.kind] else " (no key)") for ref in task.chain
        )
        findings = ", ".join(
            f"{f.category.value} {f.path}:{f.line} {f.symbol}" for f in task.findings
        )
        out.append(
            f"\n=== task {number}: {task.kind.value} -> {task.path}\n"
            f"findings: {findings}\n"
            f"chain: {chain or '(empty)'}\n"
        )
        for message in task.messages:
            out.append(f"--- {message['role']}\n{message['content'].rstrip()}\n")
    if not any(usable.values()):
        out.append(f"\n{HOW_TO_CONFIGURE}\n")
    # File names and the prompts (which quote the source) are the repository's text:
    # its escape sequences are shown, not sent to the terminal.
    return printable("".join(out), lines=True)


def plan_json(
    tasks: list[Task], settings: Settings, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``--dry-run --format json`` document: the same plan as the text, as data."""
    usable = usable_by_kind(tasks, settings, environ)
    return {
        "tasks": [
            {
                "kind": task.kind.value,
                "module": task.module,
                "path": task.path,
                "findings": [
                    {
                        "category": f.category.value,
                        "path": f.path,
                        "symbol": f.symbol,
                        "line": f.line,
                    }
                    for f in task.findings
                ],
                "chain": [{"model": ref, "usable": ref in usable[task.kind]} for ref in task.chain],
                "messages": [{"role": m["role"], "content": m["content"]} for m in task.messages],
            }
            for task in tasks
        ],
        "model_configured": any(usable.values()),
    }


def usable_by_kind(
    tasks: list[Task], settings: Settings, environ: Mapping[str, str] | None = None
) -> dict[TaskKind, tuple[str, ...]]:
    """The models with their key, per task kind of ``tasks``."""
    from ttabot.llm import usable_models

    kinds = dict.fromkeys(t.kind for t in tasks)
    env = os.environ if environ is None else environ
    return {kind: usable_models(settings, kind, env) for kind in kinds}
