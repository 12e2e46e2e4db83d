"""The one policy for lines ttabot prints (ttabot.escaping): shown, never obeyed."""

from __future__ import annotations

import io
import json
import logging

import click
import pytest

from tests.support.workflow_commands import workflow_commands
from ttabot.escaping import HumanStream, json_for_logs, printable

#: Text -> what a person sees, on one line.
ONE_LINE = [
    ("plain.py", "plain.py"),
    ("a\x1b]52;c;SGk=\x07b", "a\\x1b]52;c;SGk=\\x07b"),  # OSC 52 writes the clipboard
    ("a\x1b]8;;https://evil\x1b\\x", "a\\x1b]8;;https://evil\\x1b\\x"),  # OSC 8 link
    ("ok\rFAKE", "ok\\rFAKE"),
    ("::error::x", "\\x3a:error::x"),
    ("  \t::add-mask::x", "  \\t::add-mask::x"),  # an escaped tab is no white space
    ("\u00a0\u3000::warning::x", "\u00a0\u3000\\x3a:warning::x"),  # Unicode white space
    ("x ##[set-output name=a]b", "x \\x23#[set-output name=a]b"),
    ("###[x", "#\\x23#[x"),
    ("a::b and #[x] and ## [y]", "a::b and #[x] and ## [y]"),  # no opener: as it is
    ("http://[::1]:8080", "http://[::1]:8080"),
]


@pytest.mark.parametrize(("text", "shown"), ONE_LINE)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(shown) == shown  # printing it again changes nothing


def test_printable_lines_breaks_an_opener_on_every_line() -> None:
    text = "first\n::error::one\n  ::warning::two\n+::x::y\n\t##[group]z"
    shown = printable(text, lines=True)
    assert shown == "first\n\\x3a:error::one\n  \\x3a:warning::two\n+::x::y\n\t\\x23#[group]z"
    assert workflow_commands(shown) == []


def test_json_for_logs_keeps_the_data_and_gives_no_command() -> None:
    value = {"path": "##[add-mask]x", "m": "\\##[y ###[z", "k##[": 1}
    text = json_for_logs(json.dumps(value, indent=2))
    assert json.loads(text) == value
    assert workflow_commands(text) == []


def test_human_stream_guards_whatever_writes_to_it() -> None:
    raw = io.StringIO()
    stream = HumanStream(raw)
    click.echo("ttabot: error: x\x1b]0;pwned\x07\n::add-mask::ttabot", file=stream)  # type: ignore[arg-type]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("ttabot: %(message)s"))
    record = {"msg": "no answer: %s", "args": ("a\n##[stop-commands]t",)}
    handler.emit(logging.makeLogRecord(record))
    out = raw.getvalue()
    assert "\x1b" not in out and workflow_commands(out) == []
    assert out == (
        "ttabot: error: x\\x1b]0;pwned\\x07\n\\x3a:add-mask::ttabot\n"
        "ttabot: no answer: a\n\\x23#[stop-commands]t\n"
    )


def test_human_stream_refuses_bytes_and_has_no_buffer_to_pass_by() -> None:
    stream = HumanStream(io.StringIO())
    with pytest.raises(TypeError):
        stream.write(b"x")  # type: ignore[arg-type]
    assert not hasattr(stream, "buffer")
    assert stream.isatty() is False and stream.write("abc") == 3
