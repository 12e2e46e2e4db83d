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

from ttabot.review.report import ReviewReport, render_body
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
