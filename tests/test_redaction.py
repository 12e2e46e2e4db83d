"""The one redaction module both the model client and the review build on.

Each behaviour either side relies on is pinned here: known values (whole, the
longest first), credential shapes, a value cut where a text ends, a value
wrapped across a line break; and what is left alone (short values, ordinary
text, a value's first letters in a whole text).
"""

from __future__ import annotations

import pytest

from ttabot.redaction import (
    MIN_CUT,
    MIN_SECRET,
    REDACTED,
    KnownSecrets,
    redact_credentials,
    redact_cut_credential,
)

KEY = "sk-fake-SECRET-3f9a1c77"
TOKEN = "ghs_SuperSecretToken0123456789"


def test_known_values_are_replaced_wherever_they_stand() -> None:
    secrets = KnownSecrets([KEY, TOKEN])
    assert secrets.redact(f"a {KEY} b {TOKEN}{KEY}") == f"a {REDACTED} b {REDACTED}{REDACTED}"


def test_a_value_that_contains_another_is_replaced_whole() -> None:
    inner = KEY[:10]
    # Given shortest first: replacing it first would leave the longer value's tail.
    assert KnownSecrets([inner, KEY]).redact(f"x {KEY} y {inner}") == "x *** y ***"


def test_values_are_stripped_and_short_or_empty_ones_are_not_looked_for() -> None:
    secrets = KnownSecrets([f"  {KEY}\n", "none", "", "   "])
    assert secrets.values == (KEY,)
    assert secrets.redact(f"returns none of {KEY}") == "returns none of ***"
    assert len("none") < MIN_SECRET


def test_a_short_value_is_found_only_as_it_is_when_asked_for() -> None:
    secrets = KnownSecrets(["none", KEY], shortest=1)
    assert secrets.redact("none and n o n e") == "*** and n o n e"


@pytest.mark.parametrize(
    "text",
    [
        f"{KEY[:8]}\n{KEY[8:]}",
        f"{TOKEN[:10]}\n        {TOKEN[10:20]}\n        {TOKEN[20:]}",
        f"{KEY[:5]} {KEY[5:]}",
    ],
)
def test_a_value_wrapped_across_a_line_break_is_found(text: str) -> None:
    redacted = KnownSecrets([KEY, TOKEN]).redact(text)
    assert redacted == REDACTED
    assert KEY[:8] not in redacted and TOKEN[10:20] not in redacted


@pytest.mark.parametrize("cut", range(MIN_CUT, len(KEY)))
def test_a_value_cut_where_the_text_ends_is_masked(cut: int) -> None:
    text = "x" * 20 + KEY[:cut]
    assert KnownSecrets([KEY]).redact_cut_end(text) == "x" * 20 + REDACTED


@pytest.mark.parametrize(
    "text",
    [
        "ends in " + KEY[: MIN_CUT - 1],  # too short a start to say anything
        f"{KEY[:8]} in the middle, not at the end",
        "no secret here",
    ],
)
def test_a_text_not_ending_in_a_cut_value_is_left_alone(text: str) -> None:
    assert KnownSecrets([KEY]).redact_cut_end(text) == text


def test_whole_values_are_redact_s_job_not_the_cut_ends() -> None:
    # redact_cut_end masks only a value's start; the whole value is redact's.
    secrets = KnownSecrets([KEY])
    assert secrets.redact_cut_end(secrets.redact(f"sent {KEY}")) == "sent ***"


PAT = "ghp_" + "A1b2C3d4E5" * 3 + "xYz012"
FINE_GRAINED = "github_pat_11ABCDEFG0123456789_" + "abcdefghij" * 5 + "ABCDEFGHIJ"
OPENROUTER = "sk-or-v1-" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "credential",
    [PAT, FINE_GRAINED, OPENROUTER, "ghs_" + "Zz9" * 12, "gho_" + "q" * 36, "ghu_" + "r" * 36],
)
def test_credentials_of_a_known_shape_are_replaced_whoever_they_belong_to(
    credential: str,
) -> None:
    assert redact_credentials(f"token={credential}\n") == f"token={REDACTED}\n"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # httpx logs every request's URL at INFO ("ttabot action --verbose"), user part too.
        (
            'HTTP Request: POST http://me:s3cret-pass@proxy:8080/v1/chat "HTTP/1.1 200 OK"',
            f'HTTP Request: POST http://{REDACTED}@proxy:8080/v1/chat "HTTP/1.1 200 OK"',
        ),
        (
            "https://tok3n@host/v1 and redis://:pw@r:6379/0",
            f"https://{REDACTED}@host/v1 and redis://{REDACTED}@r:6379/0",
        ),
        ("https://a@b:p@ss@host/x?q=@y", f"https://{REDACTED}@host/x?q=@y"),
        ("mail me@example.com; git@github.com:o/r; https://host/a@b", None),
    ],
)
def test_a_password_in_a_url_is_replaced(text: str, masked: str | None) -> None:
    assert redact_credentials(text) == (text if masked is None else masked)


@pytest.mark.parametrize(
    "text",
    [
        "ghp_short and ghs_ alone",
        "sk-or-v1- is OpenRouter's key prefix",
        "my_ghp_" + "a" * 36,  # part of a longer name: not a token's start
        "commit 0123456789abcdef0123456789abcdef01234567",
    ],
)
def test_text_of_no_credential_shape_is_left_alone(text: str) -> None:
    assert redact_credentials(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("token=" + PAT[:12], "token=" + REDACTED),
        ('"key":"' + OPENROUTER[:20], '"key":"' + REDACTED),
        ("ghs_", REDACTED),
        ("ghp_ in the middle, not at the end", None),
        ("my_ghp_abc", None),  # part of a longer name: not a token's start
        ("sk-or", None),  # too little to be the start of one
    ],
)
def test_a_credential_cut_where_the_text_ends_is_masked(text: str, masked: str | None) -> None:
    assert redact_cut_credential(text) == (text if masked is None else masked)
