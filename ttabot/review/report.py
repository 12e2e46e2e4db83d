"""The review report: the sticky PR comment's body, one per pull request, edited in place.

Rendering is pure (a :class:`ReviewReport` in, Markdown out); the forge finds the
comment to edit by the marker. The same Markdown, without the marker, is the
job summary.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ttabot.categories import CATEGORIES, COMMENT_ORDER
from ttabot.records import CheckResult, Draft
from ttabot.review.inert import cap, cap_lines, code_span, show_bidi, strip_html_comments
from ttabot.review.suggestions import Suggestion, fence_for

#: Hidden marker that identifies ttabot's sticky comment on a PR.
STICKY_MARKER = "<!-- ttabot:sticky -->"
#: GitHub rejects comment bodies above 65,536 characters; stay clear of it.
MAX_BODY = 60_000
#: The job summary's share of GitHub's 1 MiB a step (it also holds the run's own lines).
MAX_SUMMARY = 900_000
#: Findings listed per category before the rest fold away.
FOLD_AFTER = 15

_TITLES = {category: info.label for category, info in CATEGORIES.items()}


@dataclass(frozen=True)
class ReviewReport:
    """Everything one run has to say about a PR (or a commit range)."""

    head_sha: str
    result: CheckResult | None
    drafts: tuple[Draft, ...] = ()
    notes: tuple[str, ...] = ()
    leftover: tuple[Suggestion, ...] = ()
    metrics: Mapping[str, Any] | None = None
    inline_posted: int = 0
    scope: str = ""
    done: tuple[str, ...] = ()
    #: ``https://github.com/OWNER/REPO/blob/HEAD_SHA``: findings link to their lines there.
    blob_url: str = ""


def render_body(report: ReviewReport, *, marker: bool = True) -> str:
    """The comment's Markdown; ``marker=False`` gives the job summary's version."""
    parts = [STICKY_MARKER] if marker else []
    parts.append(_heading(report))
    if report.scope:
        parts.append(f"_Scope: {report.scope}_")
    if report.result is not None:
        parts.extend(_findings(report.result, report.blob_url))
    if report.drafts:
        parts.append(_drafts(report.drafts))
    if report.inline_posted:
        parts.append(f"Posted {report.inline_posted} inline suggestion(s) in a review.")
    if report.leftover:
        parts.append(_leftover(report.leftover))
    if report.done:
        parts.append("**Done**\n\n" + "\n".join(f"- {item}" for item in report.done))
    if report.notes:
        parts.append("**Skipped / not done**\n\n" + "\n".join(f"- {note}" for note in report.notes))
    if report.metrics:
        parts.append(render_metrics(report.metrics))
    body = "\n\n".join(parts) + "\n"
    # The job summary may be much longer than a comment (GitHub takes 1 MiB a step).
    return cap_lines(body, MAX_BODY if marker else MAX_SUMMARY)


def _heading(report: ReviewReport) -> str:
    sha = report.head_sha[:7] if report.head_sha else "the change"
    if report.result is None:
        return f"### ttabot @ {sha}"
    count = len(report.result.findings)
    if count == 0:
        return f"### ttabot @ {sha}: nothing left undone"
    return f"### ttabot @ {sha}: {count} finding{'s' if count != 1 else ''}"


def html_text(text: str, limit: int = 300) -> str:
    """One line of untrusted text for an HTML context (``<summary>``, ``<code>``): inert.

    Every character HTML gives a meaning (``<``, ``>``, ``&``, quotes) is escaped, and
    newlines fold to spaces so a blank line cannot end the HTML block and start Markdown.
    """
    line = " ".join(show_bidi(strip_html_comments(text)).split())
    return html.escape(cap(line, limit), quote=True)


def _where(path: str, line: int, base: str) -> str:
    shown = code_span(f"{path}:{line}")
    if not base or not link_safe(path):
        return shown
    return f"[{shown}]({base}/{quote(path)}#L{line})"


def link_safe(path: str) -> bool:
    """Whether ``path`` may be appended to a blob URL and stay inside it.

    A relative path of plain components only: no ``..``/``.``/empty component (a
    browser resolves dot segments, leaving the repository), no leading ``/``, no
    backslash (some browsers read it as ``/``), no control characters.
    """
    if not path or path.startswith("/") or "\\" in path:
        return False
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _findings(result: CheckResult, base: str = "") -> list[str]:
    parts: list[str] = []
    for category in COMMENT_ORDER:
        items = [f for f in result.findings if f.category == category]
        if not items:
            continue
        rows = [
            f"- {_where(f.path, f.line, base)} {code_span(f.symbol)}: {_one_line(f.message)}"
            for f in items
        ]
        shown = "\n".join(rows[:FOLD_AFTER])
        if len(rows) > FOLD_AFTER:
            # Long lists fold, so the other categories stay in view.
            rest = "\n".join(rows[FOLD_AFTER:])
            more = len(rows) - FOLD_AFTER
            shown += f"\n\n<details><summary>{more} more</summary>\n\n{rest}\n\n</details>"
        parts.append(f"**{_TITLES[category]}** ({len(items)})\n\n{shown}")
    if result.warnings:
        # A warning may quote the change's own text (an unknown name in a PR's
        # `# ttabot: ignore[...]`): one code span, so nothing in it pings, links or embeds.
        listed = "\n".join(
            f"- {code_span(w.path)}: {code_span(w.message)}" for w in result.warnings
        )
        parts.append(f"**Warnings**\n\n{listed}")
    return parts


def _drafts(drafts: Sequence[Draft]) -> str:
    blocks = ["**Drafts**"]
    for d in drafts:
        status = d.status.value
        symbols = ", ".join(code_span(f.symbol) for f in d.findings) or "-"
        stages = "; ".join(
            f"{'pass' if s.passed else 'FAIL'} {s.name}"
            + (f" ({code_span(s.detail)})" if s.detail else "")
            for s in d.stages
        )
        line = f"- {d.kind.value} for {symbols} in {code_span(d.path)}: **{status}**"
        line += f" by {code_span(d.model)}" if d.model else ""
        line += f" after {d.attempts} attempt(s)"
        if stages:
            line += f"; checks: {stages}"
        if d.reason:
            line += f"; {code_span(d.reason)}"
        blocks.append(line)
        if d.accepted and not d.original:
            # A new file cannot be a review suggestion: show it here so it can be copied.
            blocks.append(_code_block(f"new file <code>{html_text(d.path)}</code>", d.proposed))
    return "\n".join(blocks)


def _code_block(summary: str, code: str, max_lines: int = 300) -> str:
    """``summary`` is HTML: every untrusted part of it must be :func:`html_text` already."""
    lines = code.rstrip().splitlines()
    shown = "\n".join(lines[:max_lines]) + ("\n# ... (truncated)" if len(lines) > max_lines else "")
    fence = fence_for(shown)
    return (
        f"\n<details><summary>{summary}</summary>\n\n"
        f"{fence}python\n{shown}\n{fence}\n\n</details>\n"
    )


def _leftover(suggestions: Sequence[Suggestion]) -> str:
    blocks = [f"**Suggestions not placed inline** ({len(suggestions)})"]
    for s in suggestions:
        fence = fence_for(s.replacement)
        where = f"{s.path}:{s.start_line}" + (f"-{s.line}" if s.line != s.start_line else "")
        blocks.append(
            f"<details><summary><code>{html_text(where)}</code></summary>\n\n"
            f"{fence}python\n{s.replacement.rstrip()}\n{fence}\n\n</details>"
        )
    return "\n\n".join(blocks)


def render_metrics(metrics: Mapping[str, Any]) -> str:
    """Model metrics as a table when they are per-model numbers, else as JSON."""
    nested = metrics.get("models")
    models: Mapping[str, Any] = nested if isinstance(nested, Mapping) else metrics
    rows = {name: v for name, v in models.items() if isinstance(v, Mapping)}
    if rows:
        columns = sorted({k for v in rows.values() for k, x in v.items() if _scalar(x)})
        head = (
            "| model | "
            + " | ".join(_table_text(html.escape(c)) for c in columns)
            + " |\n|---|"
            + "---|" * len(columns)
        )
        lines = [
            f"| {_table_text(code_span(name))} | "
            + " | ".join(_cell(v.get(c)) for c in columns)
            + " |"
            for name, v in rows.items()
        ]
        table = head + "\n" + "\n".join(lines)
    else:
        table = "```json\n" + json.dumps(metrics, indent=2, sort_keys=True, default=str) + "\n```"
    return f"<details><summary>Model metrics</summary>\n\n{table}\n\n</details>"


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str | bool) or value is None


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return str(value)
    return _table_text(code_span(str(value)))


def _table_text(text: str) -> str:
    # A "|" would end the table cell, even inside a code span.
    return text.replace("|", "\\|")


def _one_line(text: str) -> str:
    return " ".join(strip_html_comments(text).split())[:300]
