"""Text that reaches GitHub must be inert (issue 8 point 4, docs/github.md "Security notes").

A PR's file names are chosen by the PR's author (a fork's, too: `/ttabot docs` drafts
docstrings on forks). A suggestion GitHub will not place inline (more than
`max_review_comments`, or refused) is listed in the sticky comment under
`<summary><code>PATH:LINE</code></summary>`: the path is pasted raw into HTML, so a file
named `pkg/<img src="https:&#47;&#47;attacker.example&#47;t.png">.py` (a valid git
path) puts a live image (a tracking pixel for every reader) or a link into ttabot's
comment.
"""

from __future__ import annotations

import re

from ttabot.records import Draft, TaskKind, ValidationStage
from ttabot.review.report import ReviewReport, render_body, render_metrics
from ttabot.review.suggestions import Suggestion

# A valid git path: no "//" (entities stand for the slashes inside the tag).
PATH = (
    'pkg/<img src="https:&#47;&#47;attacker.example&#47;t.png">'
    '<a href="https:&#47;&#47;attacker.example">x<&#47;a>.py'
)


def test_a_file_name_cannot_put_html_into_the_sticky_comment() -> None:
    body = render_body(
        ReviewReport("a" * 40, None, leftover=(Suggestion(PATH, 1, 1, '    """Doc."""\n'),))
    )
    print(body)
    outside_fences = re.sub(r"(`{3,})python\n.*?\n\1", "", body, flags=re.S)
    assert "<img" not in outside_fences and "<a href" not in outside_fences


def _live_html(body: str) -> list[str]:
    """Tags outside fenced blocks and inline code spans (where Markdown shows them as text)."""
    outside_fences = re.sub(r"(`{3,})python\n.*?\n\1", "", body, flags=re.S)
    outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", outside_fences)
    return re.findall(r"<(?:img|a)\b", outside_code)


def test_a_new_files_name_cannot_put_html_into_the_sticky_comment() -> None:
    draft = Draft(
        TaskKind.UNIT_TESTS,
        (),
        PATH,
        "",
        "def test_x():\n    pass\n",
        True,
        (ValidationStage("parses", True),),
        'm"><img src=x>',
        1,
    )
    body = render_body(ReviewReport("a" * 40, None, drafts=(draft,)))
    print(body)
    assert _live_html(body) == []
    assert "new file <code>pkg/&lt;img src=&quot;https:&amp;#47;" in body


def test_a_multiline_path_cannot_end_the_html_block() -> None:
    # A blank line ends an HTML block: what follows would be Markdown (a live link).
    path = "pkg/x.py\n\n[click](https:&#47;&#47;attacker.example) ![p](x.png)"
    body = render_body(ReviewReport("a" * 40, None, leftover=(Suggestion(path, 1, 1, "x\n"),)))
    summary = body[body.index("<summary>") : body.index("</summary>")]
    assert "\n" not in summary and "[click]" in summary  # one line, inside <code>


def test_metrics_cells_stay_in_their_column() -> None:
    table = render_metrics({"models": {"m|<img src=x>": {"requests": 2, "note": "a|b"}}})
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    (row,) = rows
    cells = re.split(r"(?<!\\)\|", row)[1:-1]  # an unescaped "|" starts a new cell
    assert _live_html(table) == [] and len(cells) == 3, cells


def test_a_suppression_comment_in_the_prs_code_cannot_ping_or_embed() -> None:
    # `# ttabot: ignore[...]` takes any text between the brackets; an unknown name is
    # quoted back in a warning, and warnings went into the sticky comment as raw
    # Markdown: a PR's source line pinged people and embedded a remote image.
    from ttabot.analysis import analyze
    from ttabot.analysis.suppression import apply_suppressions
    from ttabot.change import parse_diff
    from ttabot.config import CheckSettings

    hostile = "@octocat <img src=https://attacker.example/t.png> <https://attacker.example>"
    source = f"def f():  # ttabot: ignore[{hostile}]\n    return 1\n".encode()
    diff = "--- a/m.py\n+++ b/m.py\n@@ -0,0 +1,2 @@\n+def f():  # x\n+    return 1\n"
    result = apply_suppressions(
        analyze(parse_diff(diff), lambda path: source, CheckSettings()), lambda path: source
    )
    assert any(hostile in w.message for w in result.warnings)
    body = render_body(ReviewReport("a" * 40, result))
    warning = next(line for line in body.splitlines() if "ignore" in line)
    # The whole message is one code span: nothing in it is a mention, link or tag.
    message = warning.split(": ", 1)[1]
    ticks = re.match(r"`+", message)
    assert ticks is not None and message.endswith(ticks.group())
    assert message.count(ticks.group()) == 2
