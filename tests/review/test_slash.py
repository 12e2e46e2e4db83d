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


# GitHub Flavored Markdown: a line indented 4+ columns (a tab is a stop every 4) is an
# indented code block where no paragraph is open (after a blank line, a heading, a fence,
# at the start); it cannot interrupt a paragraph, and inside a list item the 4 columns
# count from the item's content column.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("    /ttabot docs", False, id="4-spaces-at-the-start"),
        pytest.param("\t/ttabot docs", False, id="tab-at-the-start"),
        pytest.param("  \t/ttabot docs", False, id="spaces-then-tab-reach-column-4"),
        pytest.param("thanks\n\n    /ttabot docs", False, id="after-a-blank-line"),
        pytest.param("thanks\n \t\n        /ttabot docs", False, id="8-spaces-after-blank"),
        pytest.param("# Log\n    /ttabot docs", False, id="after-a-heading"),
        pytest.param("```\nx\n```\n    /ttabot docs", False, id="after-a-closed-fence"),
        pytest.param("---\n    /ttabot docs", False, id="after-a-thematic-break"),
        pytest.param("    log line\n\n    /ttabot docs", False, id="code-runs-over-blank-lines"),
        pytest.param("    log line\n    /ttabot docs", False, id="second-code-line"),
        pytest.param("<!-- note -->\n    /ttabot docs", False, id="after-an-html-block"),
        pytest.param("- item\n\n      /ttabot docs", False, id="code-in-a-list-item"),
        pytest.param("1. item\n\n       /ttabot docs", False, id="code-in-an-ordered-item"),
        pytest.param("- a\n  - b\n\n        /ttabot docs", False, id="code-in-a-nested-item"),
        pytest.param("- item\n\n  ```\n  /ttabot docs\n  ```", False, id="fence-in-a-list-item"),
        pytest.param(
            "- a\n  - b\n\n      ```\n      /ttabot docs\n      ```",
            False,
            id="fence-in-a-nested-item",
        ),
        pytest.param("-     /ttabot docs", False, id="item-opening-with-code"),
        pytest.param("/ttabot docs", True, id="plain"),
        pytest.param("   /ttabot docs", True, id="3-spaces"),
        pytest.param("thanks\n\n   /ttabot docs", True, id="3-spaces-after-blank"),
        pytest.param("thanks\n    /ttabot docs", True, id="paragraph-continuation"),
        pytest.param("thanks\n        /ttabot docs", True, id="deep-paragraph-continuation"),
        pytest.param("    log line\n/ttabot docs", True, id="right-after-code"),
        pytest.param("    log line\n\n/ttabot docs", True, id="after-code-and-blank"),
        pytest.param("- item\n\n  /ttabot docs", True, id="list-continuation"),
        pytest.param("- item\n\n    /ttabot docs", True, id="list-continuation-4-spaces"),
        pytest.param("1. item\n\n   /ttabot docs", True, id="ordered-continuation"),
        pytest.param("10. item\n\n     /ttabot docs", True, id="wide-marker-continuation"),
        pytest.param("- a\n  - b\n\n      /ttabot docs", True, id="nested-item-continuation"),
        pytest.param("- item\n    /ttabot docs", True, id="lazy-list-paragraph"),
        pytest.param("- item\n\n      x\n\n/ttabot docs", True, id="after-code-in-an-item"),
        pytest.param("- item\n\n  ```\n  x\n  ```\n  /ttabot docs", True, id="after-item-fence"),
        pytest.param("- ```\n/ttabot docs\n```", True, id="item-ended-its-fence-ends"),
        # An indented line under a quote's paragraph is a lazy line of that quote, not code.
        pytest.param("> quote\n    /ttabot docs", False, id="lazy-quote-line-is-quoted"),
        pytest.param("text\n<!-- note -->\n    /ttabot docs", False, id="html-block-ends-text"),
        pytest.param("thanks\n2. two\n\n     /ttabot docs", False, id="2-cannot-open-a-list"),
        pytest.param("```\n    ```\n/ttabot docs\n```", False, id="4-space-fence-closes-not"),
        pytest.param("Log\n===\n    /ttabot docs", False, id="after-a-setext-heading"),
        pytest.param("Log\n--\n    /ttabot docs", False, id="after-a-setext-h2"),
        pytest.param("-\n\n    /ttabot docs", False, id="an-empty-item-ends-at-a-blank"),
        # Not a heading: both lines go on lazily in the quote (so quoted, not code).
        pytest.param("> a\n===\n    /ttabot docs", False, id="no-setext-for-a-lazy-quote"),
        pytest.param("- a\n===\n    /ttabot docs", True, id="no-setext-for-a-lazy-item"),
        pytest.param("- item\nlazy\n\n    /ttabot docs", True, id="item-goes-on-after-lazy"),
        pytest.param("-    a\n\n        /ttabot docs", True, id="content-column-after-gap"),
        pytest.param("-\ta\n\n    /ttabot docs", True, id="tab-after-marker-to-column-4"),
        pytest.param("1.\ta\n\n    /ttabot docs", True, id="tab-after-ordered-marker"),
    ],
)
def test_indented_code_is_code_and_indented_text_is_text(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# Markdown ends a line at LF, CRLF or CR only. Python's str.splitlines also splits at a
# form feed, U+0085, U+2028 and more, which GitHub shows inside one line: a /ttabot after
# one is mid-line text, or still inside the code block that line belongs to.
@pytest.mark.parametrize(
    "body",
    [
        pytest.param("    log line\x0c/ttabot docs", id="form-feed-in-indented-code"),
        pytest.param("    log line\u2028/ttabot docs", id="line-separator-in-indented-code"),
        pytest.param("```\n/ttabot docs\x0c```\n/ttabot tests\n```", id="no-closing-fence"),
        pytest.param("thanks\x85/ttabot docs", id="next-line-char-mid-paragraph"),
        pytest.param("thanks\u2029/ttabot docs", id="paragraph-separator-mid-line"),
    ],
)
def test_only_markdown_line_ends_start_a_line(body: str) -> None:
    assert parse_command(body) is None


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_each_markdown_line_end_starts_a_line(end: str) -> None:
    assert parse_command(f"thanks{end}{end}/ttabot docs{end}") == Command("docs")
    assert parse_command(f"```{end}/ttabot docs{end}```{end}") is None
    assert parse_command(f"thanks{end}{end}    /ttabot docs{end}") is None


# GitHub Flavored Markdown, block quotes: a line without ``>`` that would continue a
# paragraph open in a quote is a lazy continuation line, shown inside the quote, so it
# is quoted like the rest. A blank line, or a line that interrupts a paragraph (heading,
# fence, thematic break, list item that may interrupt one), ends the quote first.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("> some quote\n/ttabot docs", False, id="lazy-line"),
        pytest.param("> a\n> b\n/ttabot docs", False, id="lazy-after-two-lines"),
        pytest.param("> a\nlazy\n/ttabot docs", False, id="second-lazy-line"),
        pytest.param("> > nested\n/ttabot docs", False, id="lazy-in-nested-quote"),
        pytest.param("   > a\n/ttabot docs", False, id="indented-quote-marker"),
        pytest.param(">a\n   /ttabot docs", False, id="no-space-after-marker"),
        pytest.param("> - item\n/ttabot docs", False, id="lazy-in-a-quoted-item"),
        pytest.param("- > quote\n/ttabot docs", False, id="lazy-in-a-quote-in-an-item"),
        pytest.param("- item\n  > quote\n  /ttabot docs", False, id="item-quote-goes-on"),
        pytest.param("> a\n===\n/ttabot docs", False, id="setext-line-is-lazy-too"),
        pytest.param("> quote\n\n/ttabot docs", True, id="blank-line-ends-quote"),
        pytest.param("> quote\n \t\n/ttabot docs", True, id="whitespace-line-ends-quote"),
        pytest.param(">\n/ttabot docs", True, id="empty-quote-has-no-paragraph"),
        pytest.param("> # title\n/ttabot docs", True, id="quoted-heading-is-no-paragraph"),
        pytest.param("> ---\n/ttabot docs", True, id="quoted-break-is-no-paragraph"),
        pytest.param("> ```\n/ttabot docs", True, id="quoted-fence-ends-with-quote"),
        pytest.param("> a\n# h\n/ttabot docs", True, id="heading-interrupts"),
        pytest.param("> a\n---\n/ttabot docs", True, id="thematic-break-interrupts"),
        pytest.param("> a\n***\n/ttabot docs", True, id="star-break-interrupts"),
        pytest.param("> a\n```\n```\n/ttabot docs", True, id="fence-interrupts"),
        pytest.param("> a\n- item\n/ttabot docs", True, id="item-interrupts"),
        pytest.param("> a\n- /ttabot docs", False, id="item-text-is-not-line-start"),
        pytest.param("> a\n2. two\n\n/ttabot docs", True, id="blank-after-lazy-2"),
        pytest.param("quote\n> a\n\nx\n/ttabot docs", True, id="new-paragraph-after-quote"),
    ],
)
def test_lazy_quote_lines_are_quoted(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# Only a paragraph runs on lazily: under indented code in a quote (">" and five spaces),
# a line without ">" ends the quote, and a command there is typed.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param(">     code\n/ttabot docs", True, id="after-code-in-a-quote"),
        pytest.param("> >     code\n/ttabot docs", True, id="after-code-in-a-nested-quote"),
        pytest.param(">    text\n/ttabot docs", False, id="four-columns-are-still-text"),
        pytest.param(">\ttext\n/ttabot docs", False, id="a-tab-after-the-marker-is-text"),
    ],
)
def test_indented_code_in_a_quote_runs_on_no_line(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# GitHub Flavored Markdown, HTML blocks. Kind 1 (a line opening with <pre, <script,
# <style or <textarea) runs to a line holding a closing tag of one of them, over blank
# lines: what it holds is code (<pre>), a form field's text, or not shown. Kinds 3-5
# (<?, <!X, <![CDATA[) are not shown either. Kinds 6 and 7 (<details>, <div>, a tag
# alone on its line) end at a blank line and hold raw HTML, shown rendered: text in them
# is text, unless an element GitHub draws as code (<pre>, <code>, <samp>, <kbd>, <tt>)
# or hides (<script>, <style>, <textarea>) holds it, wherever that element opens.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("<pre>\n/ttabot docs\n</pre>", False, id="pre"),
        pytest.param("<pre>\n\n/ttabot docs\n\n</pre>", False, id="pre-over-blank-lines"),
        pytest.param('<PRE class="x">\n/ttabot docs\n</PRE>', False, id="pre-upper-case"),
        pytest.param("<pre>\n/ttabot docs", False, id="pre-never-closed"),
        pytest.param("text\n<pre>\n/ttabot docs\n</pre>", False, id="pre-interrupts-text"),
        pytest.param("<pre>log</pre>\n    /ttabot docs", False, id="pre-line-ends-paragraph"),
        pytest.param("text\n<pre>\nlog\n</pre>\n    /ttabot docs", False, id="code-after-pre"),
        pytest.param("> a\n<pre>\n/ttabot docs\n</pre>", False, id="pre-after-quote"),
        pytest.param("- a\n  <pre>\n  /ttabot docs\n  </pre>", False, id="pre-in-an-item"),
        pytest.param("<script>\n/ttabot docs\n</script>", False, id="script"),
        pytest.param("<style>\n\n/ttabot docs\n</style>", False, id="style"),
        pytest.param("<textarea>\n/ttabot docs\n</textarea>", False, id="textarea"),
        pytest.param("<script>\nx</style>\n/ttabot docs\n</script>", False, id="script-runs-on"),
        pytest.param("<code>\n/ttabot docs\n</code>", False, id="code-element"),
        pytest.param("thanks <code>\n/ttabot docs\n</code>", False, id="code-opened-mid-line"),
        pytest.param("<div>\n<code>\n/ttabot docs\n</code>\n</div>", False, id="code-in-div"),
        pytest.param("<samp>\n/ttabot docs\n</samp>", False, id="samp"),
        pytest.param("<kbd>x</kbd>/ttabot docs", False, id="after-a-kbd-on-its-line"),
        pytest.param("<tt>x</tt>/ttabot docs", False, id="after-a-short-tt-on-its-line"),
        pytest.param("<?php\n/ttabot docs\n?>", False, id="processing-instruction"),
        pytest.param("<![CDATA[\n/ttabot docs\n]]>", False, id="cdata"),
        pytest.param("<!DOCTYPE x\n/ttabot docs\n>", False, id="declaration"),
        pytest.param(
            "<details>\n<summary>Log</summary>\n\n```\n/ttabot docs\n```\n</details>",
            False,
            id="fence-in-details",
        ),
        pytest.param("<details>\n/ttabot docs\n</details>", True, id="text-in-details"),
        pytest.param(
            "<details>\n<summary>Run</summary>\n\n/ttabot docs\n\n</details>",
            True,
            id="paragraph-in-details",
        ),
        pytest.param("<div>\n/ttabot docs\n</div>", True, id="text-in-div"),
        pytest.param("<pre>\nlog\n</pre>\n/ttabot docs", True, id="after-a-pre-block"),
        pytest.param("<pre>x</pre>\n/ttabot docs", True, id="after-a-one-line-pre"),
        pytest.param("<code>x</code>\n/ttabot docs", True, id="after-a-closed-code"),
        pytest.param("<prefix>\n/ttabot docs", True, id="not-a-pre-tag"),
        pytest.param("<script>\nx\n</script>\n\n/ttabot docs", True, id="after-a-script"),
    ],
)
def test_html_blocks_and_elements(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# A code span shows what it holds as it is: "`<code>`" in a sentence about HTML opens no
# element, nor does "`<!--`" a comment, so the command below it is typed. A tag that
# opens before any backtick, or beside a backtick that opens no span, still counts.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("the `<code>` element\n\n/ttabot docs", True, id="code-in-a-span"),
        pytest.param("use `<pre>` here\n/ttabot docs", True, id="pre-in-a-span"),
        pytest.param("``a ` <script>`` b\n\n/ttabot docs", True, id="script-in-a-long-span"),
        pytest.param("write `<!--` to hide\n\n/ttabot docs", True, id="comment-in-a-span"),
        pytest.param("`x` then <pre>\n/ttabot docs", False, id="pre-after-a-span"),
        pytest.param("\\`<pre>\\`\n/ttabot docs", False, id="escaped-backticks"),
        pytest.param("a ` <pre>\n/ttabot docs", False, id="backtick-opening-no-span"),
        pytest.param("<pre>`\n/ttabot docs\n`</pre>", False, id="backticks-inside-pre"),
        pytest.param("<!-- `\n/ttabot docs\n` -->", False, id="backticks-inside-comment"),
    ],
)
def test_html_in_code_spans_is_shown_as_text(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# Pinned as they are (GFM tables and hard line breaks). A table row's cell is text: a row
# opening with ``/ttabot`` (no leading pipe) reads as a command, one opening with ``|``
# does not start with it. A hard line break (a trailing backslash or two spaces) starts a
# new shown line inside the paragraph, like a soft one. What only renders as ``/ttabot``
# (an escaped or entity slash) is not typed as one.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("a | b\n--- | ---\n/ttabot docs", True, id="table-row-without-pipes"),
        pytest.param("| a |\n| - |\n| /ttabot docs |", False, id="table-cell-after-a-pipe"),
        pytest.param("| /ttabot docs |\n| - |", False, id="table-header-cell"),
        pytest.param("thanks\\\n/ttabot docs", True, id="after-a-backslash-break"),
        pytest.param("thanks  \n/ttabot docs", True, id="after-a-two-space-break"),
        pytest.param("thanks\\\n    /ttabot docs", True, id="indented-after-backslash-break"),
        pytest.param("\\/ttabot docs", False, id="escaped-slash"),
        pytest.param("&#47;ttabot docs", False, id="entity-slash"),
    ],
)
def test_tables_and_hard_breaks(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# A quote whose content opens an HTML block (kind 6: <details>, <div>, </div>; or a
# comment, kind 2) holds no paragraph, and only a paragraph runs on lazily: the next line
# without ">" ends the quote (CommonMark, block quotes: laziness applies to paragraph
# continuation text only). A command there is typed, not quoted.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("> <details>\n/ttabot docs", True, id="after-quoted-details"),
        pytest.param("> <div>\n/ttabot docs", True, id="after-quoted-div"),
        pytest.param("> </div>\n/ttabot docs", True, id="after-quoted-closing-div"),
        pytest.param('> <DIV class="x">\n/ttabot docs', True, id="after-quoted-div-attrs"),
        pytest.param("> <details><summary>s</summary>\n/ttabot docs", True, id="details-summary"),
        pytest.param("> <!-- note -->\n/ttabot docs", True, id="after-quoted-comment"),
        pytest.param("> > <details>\n/ttabot docs", True, id="after-nested-quoted-details"),
        pytest.param("> - <div>\n/ttabot docs", True, id="after-quoted-item-div"),
        pytest.param("> <details>\n> /ttabot docs", False, id="quoted-line-in-details"),
        pytest.param("> <divx>\n/ttabot docs", False, id="not-a-block-tag-is-a-paragraph"),
        pytest.param("> see <div>\n/ttabot docs", False, id="tag-inside-a-paragraph"),
        pytest.param("> <details>\n    /ttabot docs", False, id="indented-code-after-it"),
        pytest.param("> <details>\n```\n/ttabot docs\n```", False, id="fence-after-it"),
    ],
)
def test_an_html_block_in_a_quote_holds_no_paragraph(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# HTML inside a fenced code block is code: "<pre>" there is shown as the text "<pre>" and
# opens no element, so it hides nothing after the fence. Where GitHub may not take the
# fence (inside an HTML block: "<div>" or a lone tag above it with no blank line between,
# or a fence line hidden by HTML), the HTML in it still counts.
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("```\n<pre>\n```\n/ttabot docs", True, id="pre-in-a-fence"),
        pytest.param("~~~\n<code>\n~~~\n\n/ttabot docs", True, id="code-in-a-tilde-fence"),
        pytest.param("```html\n<textarea>\n```\n/ttabot docs", True, id="textarea-in-a-fence"),
        pytest.param("```\n<!--\n```\n/ttabot docs", True, id="comment-in-a-fence"),
        pytest.param("```\na <pre> b\n\n```\n/ttabot docs", True, id="pre-mid-line-in-a-fence"),
        pytest.param("````\n```\n<pre>\n```\n````\n/ttabot docs", True, id="longer-fence"),
        pytest.param("- a\n  ```\n  <pre>\n  ```\n/ttabot docs", True, id="fence-in-an-item"),
        pytest.param("text\n```\n<pre>\n```\n/ttabot docs", True, id="fence-after-text"),
        pytest.param("```\n<pre>\n/ttabot docs", False, id="still-in-the-fence"),
        pytest.param("```\n<pre>\n```\n    /ttabot docs", False, id="indented-code-after-it"),
        pytest.param("x <pre>\n```\ny\n```\n/ttabot docs", False, id="pre-opened-before-it"),
        pytest.param("<pre>\n```\n</pre>\n```\n/ttabot docs", False, id="fence-in-a-pre-block"),
        pytest.param("<div>\n```\n<pre>\n```\n/ttabot docs", False, id="fence-in-a-div-block"),
        pytest.param("<span>\n```\n<pre>\n```\n/ttabot docs", False, id="fence-in-a-tag-block"),
        pytest.param("- <div>\n  ```\n  <pre>\n  ```\n  /ttabot docs", False, id="div-in-an-item"),
        pytest.param("<div>\n> a\n```\n<pre>\n```\n/ttabot docs", False, id="div-then-quote"),
        pytest.param("<!--\n```\n-->\n<pre>\n```\n/ttabot docs", False, id="fence-in-a-comment"),
    ],
)
def test_html_in_a_fence_is_code(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


# A code span may run over several lines of one paragraph (CommonMark, code spans: line
# endings in it are shown as spaces): HTML in it opens nothing. Where the backticks make
# no span over those lines (a blank line, a heading, a block that interrupts, an escaped
# or tag-held backtick), the HTML counts. (A line of the span opening with a tag is not
# read as one: it may open an HTML block. That can only cost a command.)
@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        pytest.param("Use `x <pre>\ny` to wrap.\n/ttabot docs", True, id="pre-in-a-span"),
        pytest.param("Use `x <!--\ny` to hide.\n/ttabot docs", True, id="comment-in-a-span"),
        pytest.param("`a\nb <pre> c\nd`\n/ttabot docs", True, id="span-over-three-lines"),
        pytest.param("``a\n` <pre>\nb``\n/ttabot docs", True, id="double-backtick-span"),
        pytest.param("- i `a <pre>\n  b` c\n\n/ttabot docs", True, id="span-in-an-item"),
        pytest.param("`x\n    y <pre> z`\n/ttabot docs", True, id="indented-continuation"),
        pytest.param("`a` and `b\nx <code> c`\n\n/ttabot docs", True, id="after-a-one-line-span"),
        pytest.param("Use `x <pre>\ny` to wrap.\n    /ttabot docs", True, id="lazy-indented-text"),
        pytest.param("Use `x\n\n<pre>\ny`\n/ttabot docs", False, id="blank-line-ends-it"),
        pytest.param("# t `x\nb <pre> c`\n/ttabot docs", False, id="heading-is-one-line"),
        pytest.param("a `x\n<div>\nb <pre> c`\n/ttabot docs", False, id="div-interrupts"),
        pytest.param('a <a title="`">\nb <pre> c`\n/ttabot docs', False, id="backtick-in-a-tag"),
        pytest.param("<b>`</b>\nb <pre> c`\n/ttabot docs", False, id="tag-before-backtick"),
        pytest.param("\\`x\ny <pre> z`\n/ttabot docs", False, id="escaped-backtick"),
        pytest.param("a\n\n    `x\ny <pre> z`\n/ttabot docs", False, id="backtick-in-code"),
        pytest.param("`x\ny` <pre>\n/ttabot docs", False, id="pre-after-the-span"),
        pytest.param("`x\ny` then <pre> and `z`\n/ttabot docs", False, id="closer-pairs-no-more"),
        pytest.param("`a\n/ttabot docs\nb`", False, id="command-inside-the-span"),
        pytest.param("a | b\n- | -\n`x\ny <pre> z`\n/ttabot docs", False, id="table-rows"),
    ],
)
def test_html_in_a_code_span_over_lines_is_text(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        # An element's start tag runs to its ">", as HTML reads it: a "</pre>" before that
        # is an attribute of the tag, not its end, and what follows shows inside <pre>.
        pytest.param("<pre\n</pre>\n/ttabot docs", False, id="closing-tag-in-the-start-tag"),
        pytest.param('<pre title="</pre>">\n/ttabot docs', False, id="closing-tag-in-a-value"),
        pytest.param(
            'text <code title="</code>">\n/ttabot docs', False, id="inline-code-start-tag"
        ),
        pytest.param("<pre>\nlog\n</pre>\n/ttabot docs", True, id="closed-pre"),
        pytest.param('<pre title="a">x</pre>\n/ttabot docs', True, id="closed-pre-with-title"),
    ],
)
def test_an_element_opens_after_its_whole_start_tag(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        # A line less indented than a list item's content is no lazy line of its paragraph
        # when it opens a list item: "2)" or an empty "-" may not interrupt a paragraph of
        # their own container, but here they start a new list (CommonMark's reference
        # parser and GitHub's), and a fence in that item holds the command as code.
        pytest.param("- a\n2) ~~~\n   /ttabot docs", False, id="ordered-item-opens-a-fence"),
        pytest.param("- a\n-\n  ~~~\n  /ttabot docs", False, id="empty-item-then-fence"),
        pytest.param("- a\n2) b\n/ttabot docs", True, id="text-after-the-new-list"),
        pytest.param("- a\n2) b\n   /ttabot docs", True, id="text-in-the-new-item"),
        pytest.param("a\n2) b\n/ttabot docs", True, id="no-item-no-list"),
    ],
)
def test_a_list_item_below_an_items_column_starts_a_new_list(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed


@pytest.mark.parametrize(
    ("body", "obeyed"),
    [
        # A backslash escapes one backtick, and not another backslash: after "\\\\" or
        # "\\``" a code span still opens, over the command's line.
        pytest.param("a \\\\`x\n/ttabot docs\n`", False, id="escaped-backslash"),
        pytest.param("a \\``x\n/ttabot docs\n`", False, id="one-backtick-escaped"),
        pytest.param("a \\`x\n/ttabot docs\n`", True, id="escaped-backtick"),
    ],
)
def test_a_backslash_escapes_one_character(body: str, obeyed: bool) -> None:
    assert (parse_command(body) == Command("docs")) is obeyed
