"""Anyone's issue cannot make ttabot's pull request close other issues when merged.

GitHub closes an issue named after a closing keyword ("fixes #12", "Closes:
owner/repo#3", "resolves https://github.com/o/r/issues/4") in a commit message that
reaches the default branch; a squash merge's message starts with the PR's title.
ttabot's PR puts the issue's title (anyone's) and the model's summary (prompted by
the issue's body) into its title and commit message; its own "Closes #N" stays.
"""

from __future__ import annotations

import re

from tests.github.test_action_run import (
    Stage,
    implement_with_summary,
    stage,  # noqa: F401  (the fixture)
)

# GitHub's keywords, an optional colon, then a reference: #N, GH-N, owner/repo#N, a URL.
CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+"
    r"(?:#\d|gh-\d|[\w.-]+/[\w.-]+#\d|https?://)",
    re.IGNORECASE,
)
TITLE = "Crash on start, fixes #12"
SUMMARY = (
    "Adds sub. Closes: octo/proj#3 and RESOLVES https://github.com/octo/proj/issues/4; fixed GH-5"
)


def test_the_issue_and_the_model_cannot_close_other_issues(stage: Stage) -> None:  # noqa: F811
    pr, commit = implement_with_summary(stage, SUMMARY, 62, title=TITLE)
    for text in (pr["title"], commit["message"]):
        assert CLOSING.findall(text) == [], text
    # Still readable, and ttabot's own link to the issue is kept.
    assert "Crash on start" in pr["title"] and "octo/proj#3" in commit["message"]
    assert CLOSING.findall(pr["body"]) == ["Closes #6"]
