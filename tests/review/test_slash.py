"""Slash-command parsing and who may give commands."""

from __future__ import annotations

import pytest

from ttabot.github.event import Comment
from ttabot.review.slash import Command, help_text, judge, parse_command, valid_verbs


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/ttabot help", Command("help")),
        ("/ttabot", Command("help")),
        ("  /ttabot DOCS", Command("docs")),
        ("/ttabot tests src/pkg/mod.py", Command("tests", "src/pkg/mod.py")),
        ("/ttabot refactor ./a.py::Cls.meth", Command("refactor", "a.py", "Cls.meth")),
        ("/ttabot docs .github/x.py", Command("docs", ".github/x.py")),
        ("thanks!\n/ttabot check\nmore text", Command("check")),
        ("/ttabot triage", Command("triage")),
        ("/ttabot\nsomething else", Command("help")),
        # Visible: only the HTML comment in front of it is hidden.
        ("<!-- hi -->/ttabot check", Command("check")),
        ("<!--\nnote\n-->\n/ttabot check", Command("check")),
    ],
)
def test_parses(body: str, expected: Command) -> None:
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "",
        "please run ttabot",
        "see /ttabot docs",  # not at the start of a line
        "> /ttabot docs",  # quoted
        "```\n/ttabot docs\n```",  # in a code block
        # Hidden: an HTML comment opened mid-line runs on over the next lines (a pasted
        # text can carry one; nobody reading the rendered comment sees the command).
        "Thanks, merging soon <!--\n/ttabot implement\n-->",
        "see below <!-- x --> <!--\n/ttabot docs\n-->",
        # Markdown takes the fence, not the comment: the command is in a code block.
        "text <!--\n```\n-->\n/ttabot docs\n```",
        "GitHub sends CRLF <!--\r\n/ttabot docs\r\n\x85-->",
        "/ttabotdocs",
    ],
)
def test_leaves_alone(body: str) -> None:
    assert parse_command(body) is None


def comment(
    association: str = "MEMBER",
    login: str = "alice",
    user_type: str = "User",
    body: str = "/ttabot docs",
) -> Comment:
    return Comment(1, body, login, user_type, association)


ALLOWED = ("OWNER", "MEMBER", "COLLABORATOR")


@pytest.mark.parametrize("association", ["OWNER", "MEMBER", "COLLABORATOR", "member"])
def test_allowed_associations_obeyed(association: str) -> None:
    assert judge(comment(association), ALLOWED).obey


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"association": "CONTRIBUTOR"}, "CONTRIBUTOR"),
        ({"association": "NONE"}, "NONE"),
        ({"association": "FIRST_TIME_CONTRIBUTOR"}, "FIRST_TIME"),
        ({"login": "github-actions[bot]", "association": "OWNER"}, "bot"),
        ({"user_type": "Bot", "login": "ttabot-app", "association": "OWNER"}, "bot"),
        ({"body": "<!-- ttabot:reply 3 -->\n/ttabot help", "association": "OWNER"}, "ttabot"),
    ],
)
def test_refused(kwargs: dict[str, str], reason: str) -> None:
    verdict = judge(comment(**kwargs), ALLOWED)
    assert not verdict.obey
    assert reason in verdict.reason


def test_configurable_associations() -> None:
    assert judge(comment("CONTRIBUTOR"), ("CONTRIBUTOR",)).obey
    assert not judge(comment("OWNER"), ("CONTRIBUTOR",)).obey


def test_verbs_and_help_depend_on_where() -> None:
    assert "docs" in valid_verbs(True) and "docs" not in valid_verbs(False)
    assert "implement" in valid_verbs(False) and "implement" not in valid_verbs(True)
    assert "/ttabot tests" in help_text(True)
    assert "/ttabot triage" in help_text(False)


@pytest.mark.parametrize(
    "body",
    [
        # A fence of four backticks is closed only by four or more: the ``` line inside
        # is text, and so is the command after it (a pasted log, a quoted reply).
        "````\n```\n/ttabot implement\n````",
        # A ~~~ fence is not closed by ```.
        "~~~\n```\n/ttabot implement\n~~~",
        # A fence that is never closed runs to the end of the comment.
        "```text\nlog:\n```python\n/ttabot implement",
        # Hidden in an HTML comment: GitHub shows nothing, no one sees a command.
        "thanks!\n<!--\n/ttabot implement\n-->",
    ],
)
def test_commands_in_code_or_hidden_are_not_commands(body: str) -> None:
    assert parse_command(body) is None


def test_a_command_after_a_closed_fence_or_comment_still_counts() -> None:
    assert parse_command("````\n```\n````\n/ttabot docs") == Command("docs")
    assert parse_command("<!-- note -->\n/ttabot docs") == Command("docs")
    assert parse_command("~~~\nx\n~~~~\n/ttabot tests") == Command("tests")
