"""Suggestion blocks: which lines a review may touch, fences, placement, drafts to suggestions."""

from __future__ import annotations

import pytest

from ttabot.records import Category, Draft, Finding, TaskKind
from ttabot.review.suggestions import (
    Suggestion,
    commentable_lines,
    fence_for,
    place,
    render_suggestion,
    review_payload,
    suggestions_from_draft,
)

PATCH = """@@ -1,3 +1,4 @@
 import os
-x = 1
+x = 2
+y = 3
 z = 4
@@ -10,2 +11,3 @@ def f():
 a
+b
 c
\\ No newline at end of file"""


def test_commentable_lines_are_new_side_added_and_context() -> None:
    assert commentable_lines(PATCH) == frozenset({1, 2, 3, 4, 11, 12, 13})


def test_a_form_feed_or_line_separator_inside_a_line_is_no_line_end() -> None:
    # git and GitHub end lines at \n only; str.splitlines would count " y" as a line
    patch = "@@ -1,2 +1,3 @@\n x\x0c y\n+z\n w\u2028 v\n"
    assert commentable_lines(patch) == frozenset({1, 2, 3})


def test_no_patch_no_lines() -> None:
    assert commentable_lines("") == frozenset()


@pytest.mark.parametrize(
    ("text", "fence"),
    [("plain", "```"), ("a `b` c", "```"), ("has ``` inside", "````"), ("````` five", "``````")],
)
def test_fence_longer_than_any_backtick_run(text: str, fence: str) -> None:
    assert fence_for(text) == fence


def test_suggestion_body_is_fenced_and_ends_with_newline() -> None:
    body = render_suggestion("note", 'x = """```"""')
    assert body == 'note\n\n````suggestion\nx = """```"""\n````'


def finding(symbol: str = "f", line: int = 1) -> Finding:
    return Finding(
        Category.DOCS_MISSING,
        "m.py",
        symbol,
        line,
        line + 1,
        TaskKind.DOCUMENTATION,
        "missing docstring",
    )


def draft(original: str, proposed: str, accepted: bool = True) -> Draft:
    return Draft(
        TaskKind.DOCUMENTATION, (finding(),), "m.py", original, proposed, accepted, (), "m", 1
    )


def test_inserted_docstring_anchors_on_the_line_above() -> None:
    original = "def f():\n    return 1\n"
    proposed = 'def f():\n    """Return one."""\n    return 1\n'
    (s,) = suggestions_from_draft(draft(original, proposed))
    assert (s.path, s.start_line, s.line) == ("m.py", 1, 1)
    assert s.replacement == 'def f():\n    """Return one."""\n'
    assert "`f`" in s.note


def test_replaced_lines_become_a_range() -> None:
    original = "a\nb\nc\nd\n"
    proposed = "a\nB\nC\nd\n"
    (s,) = suggestions_from_draft(draft(original, proposed))
    assert (s.start_line, s.line, s.replacement) == (2, 3, "B\nC\n")


@pytest.mark.parametrize("separator", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\u2029"])
def test_a_line_holding_a_separator_shifts_no_suggestion(separator: str) -> None:
    # The second line is line 2 on GitHub; counting the separator as a line end would
    # place the suggestion on line 3, and committing it would replace the wrong line.
    original = f"a{separator}b\nc\nd\n"
    proposed = f"a{separator}b\nC\nd\n"
    (s,) = suggestions_from_draft(draft(original, proposed))
    assert (s.start_line, s.line, s.replacement) == (2, 2, "C\n")


def test_rejected_new_file_or_unchanged_drafts_give_nothing() -> None:
    assert suggestions_from_draft(draft("a\n", "b\n", accepted=False)) == []
    assert suggestions_from_draft(draft("", "b\n")) == []
    assert suggestions_from_draft(draft("a\n", "a\n")) == []


def sug(line: int, start: int | None = None, path: str = "m.py", text: str = "x\n") -> Suggestion:
    return Suggestion(path, start or line, line, text, "n")


def test_place_limits_inline_and_keeps_outside_lines_over() -> None:
    commentable = {"m.py": frozenset({1, 2, 3, 4})}
    suggestions = [sug(1), sug(2), sug(3), sug(9), sug(4, 3), sug(5, 4), sug(1, path="other.py")]
    placement = place(suggestions, commentable, [], limit=2)
    assert [s.line for s in placement.inline] == [1, 2]
    assert [(s.path, s.line) for s in placement.leftover] == [
        ("m.py", 3),
        ("m.py", 9),
        ("m.py", 4),
        ("m.py", 5),
        ("other.py", 1),
    ]


def test_place_never_posts_twice() -> None:
    existing = [("m.py", 1, sug(1).body)]
    placement = place([sug(1), sug(2), sug(2)], {"m.py": frozenset({1, 2})}, existing, limit=30)
    assert [s.line for s in placement.inline] == [2]
    assert placement.already_posted == 2
    assert placement.leftover == ()


def test_review_payload_shape() -> None:
    payload = review_payload("abc", [sug(3), sug(5, 4)], "<!-- m -->")
    assert payload["commit_id"] == "abc" and payload["event"] == "COMMENT"
    comments = payload["comments"]
    assert isinstance(comments, list)
    assert comments[0] == {"path": "m.py", "line": 3, "side": "RIGHT", "body": sug(3).body}
    assert comments[1]["start_line"] == 4 and comments[1]["start_side"] == "RIGHT"


BIG = (
    "import os\n\n\n"
    "def big(x):\n"
    "    if x == 1:\n        a = 1\n    else:\n        a = 2\n"
    "    if x == 3:\n        b = 3\n    else:\n        b = 4\n"
    "    return a + b\n\n\n"
    "def other():\n    return 0\n"
)
REFACTORED = BIG.replace(
    "        a = 1\n    else:\n        a = 2\n", "    a = 1 if x == 1 else 2\n"
)
REFACTORED = REFACTORED.replace(
    "    if x == 3:\n        b = 3\n    else:\n        b = 4\n", "    b = 3 if x == 3 else 4\n"
).replace("    if x == 1:\n    a = 1", "    a = 1")


def test_a_refactor_is_one_suggestion_over_the_whole_function() -> None:
    refactor = Finding(Category.REFACTOR, "m.py", "big", 4, 13, TaskKind.REFACTORING, "complex")
    d = Draft(TaskKind.REFACTORING, (refactor,), "m.py", BIG, REFACTORED, True, (), "m", 1)
    (s,) = suggestions_from_draft(d)
    assert (s.start_line, s.line) == (4, 13)
    assert s.replacement == "".join(REFACTORED.splitlines(keepends=True)[3:7])
    # Applying the one suggestion yields exactly the refactored file.
    lines = BIG.splitlines(keepends=True)
    assert "".join([*lines[:3], s.replacement, *lines[13:]]) == REFACTORED


def test_a_note_naming_the_file_keeps_it_in_code() -> None:
    # A draft with no finding is named by its path, which the PR chose: a backtick in
    # it closed the span, and the rest of the name pinged, linked and embedded.
    path = "pkg/a`@admin ![x](https://evil.example/b.png) Fixes #1`.py"
    d = draft("a = 1\n", "a = 2\n")._replace(findings=(), path=path)
    (s,) = suggestions_from_draft(d)
    assert s.note == f"ttabot (documentation) for ``{path}``"
