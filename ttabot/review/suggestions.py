"""Inline ``suggestion`` blocks for a pull request review.

GitHub accepts a review comment only on a line the PR's diff shows (an added or
context line on the new side), so suggestions are placed against the PR's own
patch hunks; the rest go to the sticky comment. All of this is pure: the
runner fetches the patches and existing comments, and posts what comes out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ttabot.analysis.source import git_numbered_lines
from ttabot.records import Draft, TaskKind
from ttabot.review.inert import code_span

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,\d+)? @@")
_BACKTICKS = re.compile(r"`+")


def commentable_lines(patch: str) -> frozenset[int]:
    """New-side line numbers a review comment may target in one file's ``patch``."""
    lines: set[int] = set()
    new = 0
    in_hunk = False
    # Lines end at \n only, as git and GitHub count them (not str.splitlines).
    for line in git_numbered_lines(patch):
        raw = line.removesuffix("\n")
        match = _HUNK.match(raw)
        if match:
            new = int(match.group("start"))
            in_hunk = True
            continue
        if not in_hunk or raw.startswith(("-", "\\")):
            continue
        if raw.startswith(("+", " ")) or raw == "":
            lines.add(new)
            new += 1
    return frozenset(lines)


@dataclass(frozen=True)
class Suggestion:
    """Replace new-side lines ``start_line..line`` of ``path`` with ``replacement``."""

    path: str
    start_line: int
    line: int
    replacement: str
    note: str = ""

    @property
    def body(self) -> str:
        """The review comment body: the note, then a fenced ``suggestion`` block."""
        return render_suggestion(self.note, self.replacement)


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text`` (at least three)."""
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    return "`" * max(3, longest + 1)


def render_suggestion(note: str, replacement: str) -> str:
    """Markdown for one suggestion; an empty replacement deletes the lines."""
    fence = fence_for(replacement)
    block = replacement if replacement.endswith("\n") or not replacement else replacement + "\n"
    head = f"{note}\n\n" if note else ""
    return f"{head}{fence}suggestion\n{block}{fence}"


def suggestions_from_draft(draft: Draft) -> list[Suggestion]:
    """Turn an accepted draft of an existing file into line-range suggestions.

    An insertion (a new docstring) is anchored on the line above it, whose text
    the suggestion repeats, because GitHub can only replace lines it shows.
    """
    if not draft.accepted or not draft.original or draft.original == draft.proposed:
        return []
    # Numbered as GitHub numbers them: a form feed inside a line must not shift the rest.
    old = git_numbered_lines(draft.original)
    new = git_numbered_lines(draft.proposed)
    # Spans that outrun any backtick inside: the path is the PR's text.
    symbols = ", ".join(code_span(f.symbol) for f in draft.findings) or code_span(draft.path)
    note = f"ttabot ({draft.kind.value}) for {symbols}"
    out: list[Suggestion] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        added = "".join(new[j1:j2])
        if i1 < i2:
            out.append(Suggestion(draft.path, i1 + 1, i2, added, note))
        elif i1 > 0:
            out.append(Suggestion(draft.path, i1, i1, old[i1 - 1] + added, note))
        else:
            out.append(Suggestion(draft.path, 1, 1, added + old[0], note))
    if draft.kind == TaskKind.REFACTORING and out:
        return [whole_function(draft, old, new, out, note)]
    return out


def whole_function(
    draft: Draft, old: list[str], new: list[str], parts: list[Suggestion], note: str
) -> Suggestion:
    """One suggestion over the whole refactored function (and every line the draft changed).

    Committed one by one, fragments of a refactor leave the function broken in
    between; one suggestion is taken whole or not at all (outside the diff it
    stays in the sticky comment, whole as well).
    """
    start = min([p.start_line for p in parts] + [f.line for f in draft.findings])
    end = max([p.line for p in parts] + [f.end_line for f in draft.findings])
    end = min(end, len(old))
    # Lines after ``end`` are unchanged, so the new text of the span ends as many lines
    # before the end of ``new`` as the old span did before the end of ``old``.
    replacement = "".join(new[start - 1 : len(new) - (len(old) - end)])
    return Suggestion(draft.path, start, end, replacement, note)


@dataclass(frozen=True)
class Placement:
    """Where each suggestion goes: inline in the review, or listed in the sticky comment."""

    inline: tuple[Suggestion, ...]
    leftover: tuple[Suggestion, ...]
    already_posted: int


def place(
    suggestions: Iterable[Suggestion],
    commentable: Mapping[str, frozenset[int]],
    existing: Iterable[tuple[str, int, str]],
    limit: int,
) -> Placement:
    """Split suggestions into at most ``limit`` inline ones and the leftovers.

    A suggestion already posted (same path, line and body) is dropped, so a
    re-run never posts it twice; one touching a line outside the diff is left over.
    """
    seen = {(path, line, body.strip()) for path, line, body in existing}
    inline: list[Suggestion] = []
    leftover: list[Suggestion] = []
    duplicates = 0
    for s in suggestions:
        if (s.path, s.line, s.body.strip()) in seen:
            duplicates += 1
            continue
        seen.add((s.path, s.line, s.body.strip()))
        lines = commentable.get(s.path, frozenset())
        in_diff = all(n in lines for n in range(s.start_line, s.line + 1))
        if in_diff and len(inline) < limit:
            inline.append(s)
        else:
            leftover.append(s)
    return Placement(tuple(inline), tuple(leftover), duplicates)


def review_payload(
    head_sha: str, suggestions: Sequence[Suggestion], marker: str
) -> dict[str, object]:
    """The body of ``POST /repos/{o}/{r}/pulls/{n}/reviews`` for these suggestions."""
    comments: list[dict[str, object]] = []
    for s in suggestions:
        comment: dict[str, object] = {
            "path": s.path,
            "line": s.line,
            "side": "RIGHT",
            "body": s.body,
        }
        if s.start_line != s.line:
            comment.update(start_line=s.start_line, start_side="RIGHT")
        comments.append(comment)
    count = len(suggestions)
    return {
        "commit_id": head_sha,
        "event": "COMMENT",
        "body": f"{marker}\nttabot suggests {count} change{'s' if count != 1 else ''}.",
        "comments": comments,
    }
