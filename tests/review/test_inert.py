"""Text that reaches GitHub is inert (ttabot/review/inert.py), unit and end to end."""

from __future__ import annotations

import pytest

from tests.github.test_action_run import (
    PROVIDER_KEY,
    TOKEN,
    Stage,
    implement_with_summary,
    stage,  # noqa: F401  (the fixture)
)
from ttabot.review.inert import (
    Redactor,
    action_redactor,
    cap,
    code_span,
    fenced,
    strip_html_comments,
)


@pytest.mark.parametrize(
    ("text", "fence"),
    [("plain", "```"), ("a ``` b", "````"), ("````` five", "``````"), ("`x`", "```")],
)
def test_fence_outruns_every_backtick_run(text: str, fence: str) -> None:
    block = fenced(text)
    assert block.startswith(fence + "\n") and block.endswith("\n" + fence)
    assert block.count(fence) == 2 or fence * 2 in block


def test_fenced_text_loses_html_comments_and_is_capped() -> None:
    block = fenced("ok <!-- ttabot:sticky --> done <!-- never closed", limit=1_000)
    assert "<!--" not in block and "ok  done" in block
    assert len(fenced("x" * 50_000, limit=100)) < 120


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("pkg/m.py:3", "`pkg/m.py:3`"),
        ("a`b", "``a`b``"),
        ("`edge`", "`` `edge` ``"),
        ("two\nlines <!-- x -->", "`two lines`"),
        ("", ""),
    ],
)
def test_code_span(text: str, span: str) -> None:
    assert code_span(text) == span


def test_cap_and_strip() -> None:
    assert cap("abc", 5) == "abc" and len(cap("a" * 100, 40)) <= 40
    assert strip_html_comments("a<!--\nb\n-->c") == "ac"


def test_redactor_replaces_every_secret_in_text_and_data() -> None:
    redact = Redactor(["ghs_token_value_1", "short", "sk-or-key-value"])
    assert redact("x ghs_token_value_1 y sk-or-key-value short") == "x *** y *** short"
    body = {"body": "ghs_token_value_1", "tree": [{"content": "k=sk-or-key-value"}], "n": 1}
    assert redact.data(body) == {"body": "***", "tree": [{"content": "k=***"}], "n": 1}


def test_action_redactor_knows_every_input_secret() -> None:
    redact = action_redactor(
        {
            "GITHUB_TOKEN": "ghs_AAAAAAAAAAAA",
            "OPENROUTER_API_KEY": "sk-or-BBBBBBBBBB",
            "TTABOT_PUSH_TOKEN": "ghp_CCCCCCCCCCCC",
            "TTABOT_PROVIDER_KEYS": "fake=sk-DDDDDDDDDD\nmalformed-EEEEEEEE",
        }
    )
    text = "ghs_AAAAAAAAAAAA sk-or-BBBBBBBBBB ghp_CCCCCCCCCCCC sk-DDDDDDDDDD malformed-EEEEEEEE"
    assert redact(text) == "*** *** *** *** ***"


# --- end to end: a model answer that tries everything --------------------------------

HOSTILE_SUMMARY = (
    f"Adds sub. <!-- ttabot:sticky --> token {TOKEN} key {PROVIDER_KEY}\n"
    "````\n</details> @octo/everyone ![x](https://evil.example/t.png)"
)


def test_a_hostile_model_summary_is_inert_in_the_pr_and_the_commit(stage: Stage) -> None:  # noqa: F811
    pr, commit = implement_with_summary(stage, HOSTILE_SUMMARY, 60, OPENROUTER_API_KEY=PROVIDER_KEY)
    for text in (pr["body"], commit["message"]):
        assert TOKEN not in text and PROVIDER_KEY not in text and "***" in text
        assert "ttabot:sticky" not in text
    # The summary sits in a fence longer than the answer's own backtick run.
    assert "`````text\nAdds sub." in pr["body"]


def test_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from ttabot.github.runner import _RedactingFilter

    handler_filter = _RedactingFilter(Redactor(["ghs_secret_in_a_log"]))
    caplog.handler.addFilter(handler_filter)
    try:
        logging.getLogger("ttabot.test").warning("request failed: %s", "ghs_secret_in_a_log")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert "ghs_secret_in_a_log" not in caplog.text and "request failed: ***" in caplog.text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("fixes #12", False),
        ("Closes: owner/repo#3", False),
        ("resolved https://github.com/o/r/issues/4", False),
        ("FIX GH-5", False),
        ("fixes#7", False),
        ("Fix the parser (#12 has the details)", True),
        ("prefixes #3 and suffixed #4", True),
        ("the fix: see below", True),
    ],
)
def test_disarm_closing(text: str, kept: bool) -> None:
    from ttabot.review.inert import disarm_closing

    out = disarm_closing(text)
    assert (out == text) is kept
    assert out.replace("\u200b", "") == text


SECRET = "sk-fake-SECRET-3f9a1c77"
PAT = "ghp_" + "A1b2C3d4E5" * 3 + "xYz012"


@pytest.mark.parametrize("shown", [4, 10, len(SECRET) - 1])
def test_a_secret_cut_by_the_cap_inside_a_long_word_is_not_half_shown(shown: int) -> None:
    # cap backs up to a word's start only within 400 characters: past that (minified
    # JSON, a long URL) it cuts where it falls, and the start of a value ttabot was
    # given, or of a credential of a known shape, stood before the truncation mark.
    for value, given in ((SECRET, [SECRET]), (PAT, [])):
        text = "x" * 419 + "=" + value + " and more" * 50
        limit = 420 + shown + 14  # cap keeps limit - 14 characters, then its mark
        capped = cap(text, limit)
        assert capped.endswith(value[:shown] + " …(truncated)")  # the cut this is about
        redacted = Redactor(given)(capped)
        assert value[:shown] not in redacted and redacted.endswith("*** …(truncated)")


def test_a_word_before_the_truncation_mark_that_is_no_secret_stays() -> None:
    capped = cap("y" * 500 + " end", 300)
    assert Redactor([SECRET])(capped) == capped
