"""Prompt templates: package data in ``ttabot/prompts/``, filled with ``string.Template``.

Templates are files, not strings in code, so users can read and tune them and
``ttabot draft --dry-run`` shows exactly what a model would be sent.
``$name`` placeholders are used (not ``{name}``) because the filled-in values
are Python source full of braces.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from ttabot.errors import TtabotError

#: Template file for each task kind's first message (the system message is ``system.txt``).
TEMPLATE_FILES: Mapping[str, str] = {
    "system": "system.txt",
    "documentation": "documentation.md",
    "unit-tests": "unit-tests.md",
    "refactoring": "refactoring.md",
    "refactoring-parameters": "refactoring-parameters.md",
    "feedback": "feedback.md",
    "implement": "implement.md",
}


@functools.cache
def load_template(name: str) -> str:
    """Return the text of template ``name`` (a key of :data:`TEMPLATE_FILES`)."""
    try:
        filename = TEMPLATE_FILES[name]
    except KeyError:
        raise TtabotError(f"no prompt template named {name!r}") from None
    return resources.files("ttabot").joinpath("prompts", filename).read_text(encoding="utf-8")


def render(name: str, **values: Any) -> str:
    """Fill template ``name`` with ``values``; a missing value is an error that names it.

    Mappings and lists (such as a JSON schema) are written as indented JSON.
    """
    filled = {
        key: json.dumps(value, indent=2) if isinstance(value, Mapping | list) else str(value)
        for key, value in values.items()
    }
    try:
        return string.Template(load_template(name)).substitute(filled).strip() + "\n"
    except KeyError as exc:
        raise TtabotError(f"prompt template {name!r} needs a value for {exc.args[0]!r}") from None


def messages(name: str, **values: Any) -> tuple[dict[str, str], ...]:
    """The system message plus the filled template ``name`` as the user message."""
    return (
        {"role": "system", "content": load_template("system").strip()},
        {"role": "user", "content": render(name, **values)},
    )


def feedback_messages(
    previous: Sequence[Mapping[str, str]], answer: str, stage: str, detail: str
) -> tuple[Mapping[str, str], ...]:
    """Extend a conversation with the model's failed answer and what failed, for a retry."""
    # Long pytest output would crowd out the prompt; the end holds the assertion.
    detail = detail if len(detail) <= 3000 else "...\n" + detail[-3000:]
    return (
        *previous,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": render("feedback", stage=stage, detail=detail)},
    )
