"""Decoding and parsing the new version of a file: encodings, line endings, broken files."""

from __future__ import annotations

import pytest

from ttabot.analysis import analyze
from ttabot.analysis.source import SourceError, parse, python_numbers, split_lines
from ttabot.config import CheckSettings
from ttabot.records import Change, CheckResult, FileChange, FileStatus

BODY = "def load():\n    return 1\n"


def run(data: bytes, added: frozenset[int], path: str = "pkg/mod.py") -> CheckResult:
    change = Change((FileChange(path, FileStatus.MODIFIED, added),))
    return analyze(change, {path: data}.get, CheckSettings())


def symbols_and_lines(result: CheckResult) -> set[tuple[str, str, int]]:
    return {(f.category.value, f.symbol, f.line) for f in result.findings}


def test_crlf_gives_the_same_lines_as_lf() -> None:
    text = "import os\n\n\ndef load():\n    return 1\n\n\ndef keep():\n    return 2\n"
    lf = run(text.encode(), frozenset({5}))
    crlf = run(text.replace("\n", "\r\n").encode(), frozenset({5}))
    assert symbols_and_lines(lf) == {("docs-missing", "load", 4), ("tests-needed", "load", 4)}
    assert symbols_and_lines(crlf) == symbols_and_lines(lf)


def test_old_mac_line_endings() -> None:
    # A diff numbers lines at \n only: this whole file is its line 1.
    result = run(b"x = 1\rdef load():\r    return 1\r", frozenset({1}))
    assert symbols_and_lines(result) == {
        ("docs-missing", "load", 2),
        ("tests-needed", "load", 2),
    }


def test_form_feed_does_not_shift_lines() -> None:
    # str.splitlines() would split at \x0c; Python's tokenizer does not.
    text = "x = 1  # \x0c page\ndef load():\n    return 1\n"
    assert split_lines(text)[2] == "def load():"
    assert symbols_and_lines(run(text.encode(), frozenset({3}))) == {
        ("docs-missing", "load", 2),
        ("tests-needed", "load", 2),
    }


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf" + BODY.encode(), id="utf-8 BOM"),
        pytest.param(
            "# -*- coding: latin-1 -*-\nNAME = 'café'\n".encode("latin-1") + BODY.encode(),
            id="latin-1 cookie",
        ),
        pytest.param(
            "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nS = '€'\n".encode("cp1252")
            + BODY.encode(),
            id="cp1252 cookie on line 2",
        ),
        pytest.param(
            b"\xef\xbb\xbf# coding: utf-8\nS = '\xc3\xa9'\n" + BODY.encode(),
            id="BOM and matching cookie",
        ),
    ],
)
def test_encodings_are_honoured(data: bytes) -> None:
    last = data.count(b"\n")
    result = run(data, frozenset({last}))
    assert result.warnings == ()
    assert {(f.category.value, f.symbol, f.line) for f in result.findings} == {
        ("docs-missing", "load", last - 1),
        ("tests-needed", "load", last - 1),
    }


def test_latin_1_text_decodes_to_the_right_characters() -> None:
    source = parse("# coding: latin-1\nS = 'café'\n".encode("latin-1"), "m.py")
    assert source.lines[2] == "S = 'café'"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"S = '\xff\xfe'\n" + BODY.encode(), "cannot decode", id="invalid utf-8"),
        pytest.param(
            b"# coding: klingon\n" + BODY.encode(), "cannot decode", id="unknown encoding"
        ),
        pytest.param(
            b"\xef\xbb\xbf# coding: latin-1\n" + BODY.encode(), "cannot decode", id="BOM vs cookie"
        ),
        pytest.param(b"def load(:\n    return 1\n", "does not parse", id="syntax error"),
        pytest.param(b"def load():\n\x00    return 1\n", "does not parse", id="NUL byte"),
        pytest.param(b"def load():\nreturn 1\n", "does not parse", id="indentation"),
        # Attack: 3.11's parser answers these with MemoryError (its stack overflowed), not
        # SyntaxError or RecursionError: 'ttabot check' on such a file ended in a traceback.
        pytest.param(b"X = " + b"-" * 100_000 + b"1\n", "does not parse", id="deep unary"),
        pytest.param(b"X = " + b"not " * 100_000 + b"1\n", "does not parse", id="deep not"),
    ],
)
def test_broken_files_give_one_warning_and_no_findings(data: bytes, message: str) -> None:
    result = run(data, frozenset({1, 2}))
    assert result.findings == ()
    (warning,) = result.warnings
    assert warning.path == "pkg/mod.py"
    assert warning.message.startswith(message)
    assert "\n" not in warning.message
    assert result.files_checked == 0


def test_syntax_error_message_names_the_line() -> None:
    with pytest.raises(SourceError, match=r"line 3"):
        parse(b"x = 1\ny = 2\nz = (\n", "m.py")


def test_a_broken_file_does_not_stop_the_others() -> None:
    change = Change(
        (
            FileChange("a.py", FileStatus.MODIFIED, frozenset({1})),
            FileChange("b.py", FileStatus.MODIFIED, frozenset({2})),
        )
    )
    contents = {"a.py": b"def (\n", "b.py": BODY.encode()}
    result = analyze(change, contents.get, CheckSettings())
    assert [w.path for w in result.warnings] == ["a.py"]
    assert {f.path for f in result.findings} == {"b.py"}
    assert result.files_checked == 1


def test_compiler_warnings_are_not_parse_failures() -> None:
    # pytest runs with filterwarnings=error, which would turn the DeprecationWarning /
    # SyntaxWarning for "\\d" into a SyntaxError if parse did not silence it.
    data = b'import re\n\n\ndef load():\n    return re.compile("\\d+"), 1 is 1\n'
    result = run(data, frozenset({5}))
    assert result.warnings == ()
    assert symbols_and_lines(result) == {("docs-missing", "load", 4), ("tests-needed", "load", 4)}


def _by_tokenize(data: bytes) -> str | SourceError:
    """What decoding said before its UTF-8 shortcut: tokenize for every file."""
    import io
    import tokenize

    from ttabot.analysis.source import _plain

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return SourceError(f"cannot decode: {_plain(exc.msg)}")
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        return SourceError(f"cannot decode as {encoding}: {reason}")


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\n",
        b"",
        "s = 'caf\xe9'\n".encode(),
        b"\xef\xbb\xbfx = 1\n",
        b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
        b"# coding: latin-1\ns = '\xe9'\n",
        b"#!/bin/python\n# -*- coding: cp1252 -*-\ns = '\x80'\n",
        b"x = 1\n# coding: latin-1\ns = '\xe9'\n",  # a cookie on line 3 counts for nothing
        b"s = '\xe9'\n",  # not UTF-8 on line 1, no cookie
        b"x = 1\ny = 2\ns = '\xe9'\n",  # not UTF-8 further down
        b"# coding: nonsense\n",
        b"x = 1\rs = 'caf\xc3\xa9'\r# coding: latin-1\r",  # \r only: one "line" for tokenize
        b"# a comment about encoding\nx = '\xff'\n",
        b"x = '\x00'\n",
    ],
)
def test_decoding_says_what_tokenize_says(data: bytes) -> None:
    from ttabot.analysis.source import decode

    expected = _by_tokenize(data)
    if isinstance(expected, str):
        assert decode(data) == expected
    else:
        with pytest.raises(SourceError) as info:
            decode(data)
        assert str(info.value) == str(expected)


@pytest.mark.parametrize(
    ("text", "git_lines", "python_lines"),
    [
        ("a\nb\nc\n", {2}, {2}),  # no lone CR: the same numbers, the same set
        ("a\r\nb\r\nc\r\n", {1, 3}, {1, 3}),  # CRLF ends one line for both
        ("a\rb\rc\r", {1}, {1, 2, 3}),  # one line to git, three to Python
        ("a\nb\rc\nd\n", {2, 3}, {2, 3, 4}),
        ("a\nb\rc\nd\n", {3}, {4}),
        ("a\rb\r\nc", {2}, {3}),
    ],
)
def test_python_numbers_of_git_lines(
    text: str, git_lines: set[int], python_lines: set[int]
) -> None:
    assert python_numbers(text, frozenset(git_lines)) == python_lines
    assert python_numbers(text, frozenset(git_lines)) <= set(range(1, len(split_lines(text))))
