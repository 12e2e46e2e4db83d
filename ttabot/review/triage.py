"""Issue triage: which labels (tests, docs, refactor, bug, feature) an issue gets.

The offline rules are keyword tables over the title and body; a model, when one
is configured, may add labels but only from the same fixed set, so a model's
answer can never invent or remove labels the project did not ask for.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping
from importlib import resources

#: The labels triage may apply, in the order they are reported.
LABELS = ("bug", "feature", "tests", "docs", "refactor")

#: Whole-word keywords (lower case, regex fragments) that suggest each label.
KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "bug": (
        r"bug",
        r"crash(?:es|ed|ing)?",
        r"traceback",
        r"exception",
        r"error",
        r"broken",
        r"regression",
        r"fails?",
        r"failing",
        r"doesn'?t work",
        r"does not work",
        r"wrong",
        r"incorrect",
    ),
    "feature": (
        r"feature",
        r"feature request",
        r"add support",
        r"support for",
        r"would be nice",
        r"it would be great",
        r"enhancement",
        r"proposal",
        r"please add",
        r"allow",
        r"new option",
    ),
    "tests": (
        r"tests?",
        r"unit tests?",
        r"test coverage",
        r"coverage",
        r"pytest",
        r"flaky",
        r"untested",
    ),
    "docs": (
        r"docs?",
        r"documentation",
        r"docstrings?",
        r"readme",
        r"typo",
        r"tutorial",
        r"example in the docs",
    ),
    "refactor": (
        r"refactor(?:ing)?",
        r"clean ?up",
        r"complexity",
        r"too complex",
        r"simplify",
        r"duplicat(?:ed|ion|e) code",
        r"technical debt",
        r"tech debt",
    ),
}

_PATTERNS = {
    label: re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)
    for label, words in KEYWORDS.items()
}


def keyword_labels(title: str, body: str) -> tuple[str, ...]:
    """Labels the keyword rules give an issue; the title counts, and so does the body.

    Quoted text and fenced code (pasted logs) are ignored except for ``bug``,
    where a pasted traceback is the evidence.
    """
    prose = _prose(body)
    found = []
    for label in LABELS:
        pattern = _PATTERNS[label]
        text = f"{title}\n{body if label == 'bug' else prose}"
        if pattern.search(text):
            found.append(label)
    return tuple(found)


def _prose(body: str) -> str:
    lines, in_fence = [], False
    for line in body.splitlines():
        if line.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if not in_fence and not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines)


def labels_from_model_answer(content: str) -> tuple[str, ...]:
    """Labels from a model's JSON answer ``{"labels": [...]}``, restricted to :data:`LABELS`.

    Anything unparsable yields no labels: the keyword rules still stand.
    """
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        return ()
    try:
        data = json.loads(content[start : end + 1])
    # RecursionError: absurdly deep nesting; ValueError: not JSON, or a number over
    # Python's 4,300-digit limit (which is not a JSONDecodeError).
    except (ValueError, RecursionError):
        return ()
    raw = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return ()
    wanted = {str(item).strip().lower() for item in raw}
    return tuple(label for label in LABELS if label in wanted)


def merge_labels(*groups: Iterable[str]) -> tuple[str, ...]:
    """The union of label groups, in :data:`LABELS` order."""
    chosen = {label for group in groups for label in group}
    return tuple(label for label in LABELS if label in chosen)


def triage_prompt(title: str, body: str) -> list[dict[str, str]]:
    """The chat messages that ask a model to label an issue (template ``github-triage.md``)."""
    prompts = resources.files("ttabot").joinpath("prompts")
    system = prompts.joinpath("system.txt").read_text(encoding="utf-8").strip()
    user = string.Template(prompts.joinpath("github-triage.md").read_text(encoding="utf-8"))
    text = user.substitute(labels=", ".join(LABELS), title=title, body=body[:6000])
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]
