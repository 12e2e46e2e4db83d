"""Bytes of a new file version -> text and syntax tree, or one clear reason why not."""

from __future__ import annotations

import ast
import codecs
import io
import re
import warnings
from typing import NamedTuple

# Python's tokenizer ends lines only at \r\n, \r and \n; str.splitlines() also
# splits at \x0c, \x1c, \u2028... and would shift line numbers against the AST.
_NEWLINE = re.compile(r"\r\n|\r|\n")
_NEWLINE_KEPT = re.compile(r"(\r\n|\r|\n)")
_LONE_CR = re.compile(r"\r(?!\n)")


class SourceError(Exception):
    """The file could not be decoded or parsed; the message is one line for the user."""


class Source(NamedTuple):
    """A decoded, parsed Python file.

    ``lines[0]`` is an empty placeholder so that ``lines[n]`` is line ``n``.
    """

    text: str
    lines: tuple[str, ...]
    tree: ast.Module


def decode(data: bytes) -> str:
    """Decode Python source bytes, honouring a BOM and a PEP 263 coding cookie."""
    head = data.split(b"\n", 2)[:2]
    if not data.startswith(codecs.BOM_UTF8) and not any(b"coding" in line for line in head):
        # No BOM and no cookie: UTF-8, as tokenize would say. tokenize (and its
        # import, which the pre-commit hook pays for) is needed only for the rest.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # tokenize's own words for it, below
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"cannot decode: {_plain(exc.msg)}") from None
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise SourceError(f"cannot decode as {encoding}: {reason}") from None


def _plain(message: str) -> str:
    """tokenize's encoding errors, said in the user's terms."""
    if message.startswith("invalid or missing encoding declaration"):
        return "not UTF-8, and no coding declaration says what it is"
    if message.startswith("encoding problem"):
        return "a UTF-8 BOM and a coding declaration disagree"
    return message


def split_lines(text: str) -> tuple[str, ...]:
    """The lines of ``text`` numbered as Python numbers them, with a placeholder at 0."""
    return ("", *_NEWLINE.split(text))


def python_numbers(text: str, git_lines: frozenset[int]) -> frozenset[int]:
    """``git_lines`` (numbered as git numbers them: lines end at ``\\n``) as Python's numbers.

    A lone ``\\r`` ends a line for Python but not for git: a module written with
    them is one line to a diff and many to the parser. Each git line is every
    Python line it holds. Text without a lone ``\\r`` is numbered alike by both.
    """
    if "\r" not in text or not _LONE_CR.search(text):
        return git_lines
    out: set[int] = set()
    first = 1  # the Python number of the current git line's first line
    for number, line in enumerate(text.split("\n"), 1):
        spans = 1 + len(_LONE_CR.findall(line.removesuffix("\r")))
        if number in git_lines:
            out.update(range(first, first + spans))
        first += spans
    return frozenset(out)


def git_numbered_lines(text: str) -> list[str]:
    """``text``'s lines as git counts them: each ends at ``\\n`` (kept), the last maybe not.

    Not ``str.splitlines``: it also breaks at a form feed, ``\\x0b``, ``\\x1c``-``\\x1e``,
    ``\\x85`` and ``\\u2028``/``\\u2029``, which cut a line git sees as one.
    """
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def lines_with_ends(text: str) -> list[str]:
    """The lines of ``text`` as Python numbers them, each with its own line end."""
    parts = _NEWLINE_KEPT.split(text)  # text, end, text, end, ..., text
    lines = [
        parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
    ]
    return lines[:-1] if lines and not lines[-1] else lines


def parse_python(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source)``; whatever the parser refuses raises :class:`SyntaxError`.

    Nesting past the parser's limits raises MemoryError (its stack, 3.11) or
    RecursionError (building the tree) from ``ast.parse``: callers that expect
    only SyntaxError from code a model or a pull request wrote get that instead.
    """
    try:
        return ast.parse(source, filename=filename)
    except (RecursionError, MemoryError):
        raise SyntaxError("nested too deeply for the parser") from None


def parse(data: bytes, path: str) -> Source:
    """Decode and parse ``data``; raise :class:`SourceError` with a one-line reason."""
    return parse_text(decode(data), path)


def parse_text(text: str, path: str) -> Source:
    """Parse decoded source ``text``; raise :class:`SourceError` with a one-line reason."""
    try:
        with warnings.catch_warnings():
            # "invalid escape sequence" and friends are the file's business, not a
            # parse failure; under -W error they would even become SyntaxErrors.
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        raise SourceError(f"does not parse: {exc.msg}{where}") from None
    except (ValueError, RecursionError) as exc:
        # ValueError: NUL bytes (3.11); RecursionError: absurdly deep nesting.
        raise SourceError(f"does not parse: {exc}") from None
    except MemoryError:
        # The parser's stack overflowed (3.11: a long run of unary operators or "not"s).
        raise SourceError("does not parse: nested too deeply for the parser") from None
    return Source(text=text, lines=split_lines(text), tree=tree)
