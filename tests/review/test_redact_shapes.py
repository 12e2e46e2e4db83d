"""Secrets ttabot was not told about, and told secrets broken over lines, are redacted too.

Known values (the token, the push token, provider keys) are replaced wherever they
appear; but a generated test or a model can print a credential ttabot never saw
(a personal token in the project's git config, a key in a fixture), and a value
wrapped by a tool reaches a comment with a line break or indentation inside it.
"""

from __future__ import annotations

import pytest

from ttabot.redaction import REDACTED
from ttabot.review.inert import Redactor

KNOWN = "ghs_SuperSecretToken0123456789"
PAT = "ghp_" + "A1b2C3d4E5" * 3 + "xYz012"
FINE_GRAINED = "github_pat_11ABCDEFG0123456789_" + "abcdefghij" * 5 + "ABCDEFGHIJ"
OPENROUTER = "sk-or-v1-" + "0123456789abcdef" * 4
APP = "ghs_" + "Zz9" * 12


@pytest.mark.parametrize(
    "text",
    [
        f"token={PAT}",
        f"Authorization: token {FINE_GRAINED}",
        f"OPENROUTER_API_KEY={OPENROUTER}\n",
        f"https://x-access-token:{APP}@github.com/octo/proj.git",
        f"gho_{'q' * 36} ghu_{'r' * 36} ghr_{'s' * 36}",
        # The job's own token, wrapped at a column by whatever printed it.
        f"{KNOWN[:10]}\n{KNOWN[10:]}",
        f"{KNOWN[:10]}\n        {KNOWN[10:20]}\n        {KNOWN[20:]}",
    ],
)
def test_credentials_are_redacted(text: str) -> None:
    redacted = Redactor([KNOWN])(text)
    assert REDACTED in redacted
    for secret in (KNOWN, PAT, FINE_GRAINED, OPENROUTER, APP, "q" * 36, KNOWN[10:20]):
        assert secret not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "ghp_short and ghs_ alone",
        "sk-or-v1- is OpenRouter's key prefix",
        "commit 0123456789abcdef0123456789abcdef01234567",
        "my_ghp_" + "a" * 36,  # part of a longer name: not a token's start
        "SuperSecret and Token0123 are words",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor([KNOWN])(text) == text


def test_a_committed_file_keeps_its_own_token_shaped_text() -> None:
    # A git tree entry's content is the project's file with a draft in it: a fixture
    # like FAKE_PAT below is the project's, and "***" there would corrupt its code.
    # A value ttabot was given is a leak wherever it is, and goes.
    fixture = f'FAKE_PAT = "{PAT}"\nLEAK = "{KNOWN}"\n'
    body = {"tree": [{"path": "t.py", "content": fixture}], "message": f"uses {PAT}"}
    sent = Redactor([KNOWN]).data(body)
    assert sent["tree"][0]["content"] == f'FAKE_PAT = "{PAT}"\nLEAK = "***"\n'
    assert sent["message"] == "uses ***"


def test_a_suggestion_keeps_its_own_token_shaped_text() -> None:
    # A review comment's suggestion block is code to commit with one click: the same
    # as a committed file. The review's own text is not code and is redacted.
    block = f'```suggestion\nFAKE_PAT = "{PAT}"  # {KNOWN}\n```'
    review = {
        "body": f"ttabot review {PAT}",
        "comments": [{"path": "t.py", "line": 3, "side": "RIGHT", "body": block}],
    }
    sent = Redactor([KNOWN]).data(review)
    assert sent["body"] == "ttabot review ***"
    assert sent["comments"][0]["body"] == f'```suggestion\nFAKE_PAT = "{PAT}"  # ***\n```'


@pytest.mark.parametrize("cut", range(6, len(KNOWN) - 1, 3))
def test_a_cap_never_leaves_half_a_secret(cut: int) -> None:
    # Text is capped when rendered and redacted when sent: a cap that fell inside a
    # secret left its first half, which no redaction recognises any more.
    from ttabot.review.inert import code_span, fenced

    words = "output " * 50 + "GITHUB_TOKEN=" + KNOWN + " and more"
    limit = len(words) - len(KNOWN) - len(" and more") + cut + len(" …(truncated)")
    for shown in (fenced(words, limit=limit), code_span(words, limit)):
        assert KNOWN[:5] not in Redactor([KNOWN])(shown), shown[-60:]
