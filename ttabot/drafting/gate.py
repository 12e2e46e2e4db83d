"""The docstring gate: a drafted docstring is text, or it is rejected.

Free models wrap a docstring in the whole function, in a Markdown fence, in
chat prose ("Sure! Here is ..."), or leave ``<think>`` blocks in it; inserted
verbatim, such an answer still passes a parameter check because the wrapped
text holds a correct ``Args:`` section. The gate rejects all of that with a
reason a retry prompt can quote, and cleans an answer only when the inner
docstring can be extracted exactly: a definition whose only change is its
docstring, a fence (or quotes) around nothing but the docstring.
"""

from __future__ import annotations

import ast
import re
import textwrap
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from ttabot.analysis.source import parse_python
from ttabot.drafting.active_html import active_html, reads_files
from ttabot.drafting.chat_wrapping import REASONING, TAG_PAIR, chat_problem
from ttabot.drafting.docstrings import strip_docstrings, styles_shown

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

#: Cleanings the gate may record.
CLEANED_DEFINITION = "definition"
CLEANED_FENCE = "fence"
CLEANED_QUOTES = "quotes"

# Used with fullmatch, its inside stripped. Each run of spaces can be read one way only:
# "(.*?)" before "[ \t]*", or two "[ \t]*" around an empty language, were quadratic.
_WHOLE_FENCE = re.compile(r"```[ \t]*(?:[\w+-]+[ \t]*)?\n(.*)```", re.DOTALL)
# A paragraph ending in "::" or a code directive: reStructuredText's literal (code) block.
_LITERAL_OPENER = re.compile(
    r"(::|^[ \t]*\.\.[ \t]+(code-block|code|sourcecode|testcode|testsetup)::.*)[ \t]*$"
)
# A section header line ("Args:", "Examples:", "For example:"); the example sections'
# import and assignment lines are example code, as in a doctest (httpx writes them bare).
_SECTION = re.compile(r"^[A-Z][A-Za-z]*( [a-z]+)?:$")
_EXAMPLE_SECTION = re.compile(r"^(Examples?|Usage|For example|Example usage):$")
_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)", re.M)
#: Characters per allowed line: a docstring of one endless line is over-long too.
_CHARS_PER_LINE = 100
_DEF_LINE = re.compile(r"^(async\s+def|def|class)\s+\w+\s*[(:]")
_CODE_STATEMENTS = (ast.Import, ast.ImportFrom, ast.Assign, ast.AugAssign)
# A one-line compound statement ("if True: import os") is code whatever its body holds.
_COMPOUND_STATEMENTS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)


class GateResult(NamedTuple):
    """The docstring to use (None: rejected), why it was rejected, what was cleaned."""

    text: str | None
    reason: str = ""
    cleaned: str = ""


def _visible(char: str) -> bool:
    """Whether ``char`` shows as what it is: printable, a line break or tab, or a space.

    ``str.isprintable`` counts every space but U+0020 as unprintable, yet a no-break
    space (French "l'aire\u00a0:") or an ideographic space (U+3000) is visible text;
    format characters (bidi overrides, zero-width spaces) and controls are not.
    """
    return char.isprintable() or char in "\n\r\t" or unicodedata.category(char) == "Zs"


def _reject(reason: str) -> GateResult:
    return GateResult(None, reason)


def gate_docstring(
    raw: str, definition: Definition | None, max_lines: int, style: str | None = None
) -> GateResult:
    """Judge a drafted docstring ``raw`` for ``definition`` (the node it will go on).

    Returns the text to insert (cleaned only when exactly extractable) or a
    reason to reject it; ``max_lines`` bounds the docstring's length, and a
    ``style`` (google, numpy, sphinx) is the one its sections must be written in.
    """
    text = raw.strip()
    cleaned = ""
    if not text:
        return _reject("the docstring is empty")
    if REASONING.search(text):
        return _reject("the docstring holds a <think> reasoning block")
    tag = TAG_PAIR.search(text)
    if tag is not None:
        return _reject(f"the docstring is wrapped in a markup tag (<{tag.group(1)}>), not text")
    hidden = next((c for c in text if not _visible(c)), None)
    if hidden is not None:
        return _reject(
            f"the docstring holds an invisible or control character (U+{ord(hidden):04X})"
        )
    fence = _WHOLE_FENCE.fullmatch(text)
    if fence is not None:
        text, cleaned = fence.group(1).strip(), CLEANED_FENCE
    extracted = _from_code(text, definition)
    if isinstance(extracted, GateResult):
        return extracted
    if extracted is not None:
        text, how = extracted
        cleaned = f"{cleaned}+{how}" if cleaned else how
        if not text.strip():
            return _reject("the docstring is empty")
    problem = _problem(text, max_lines) or _other_style(text, style)
    if problem:
        return _reject(problem)
    return GateResult(_dedent(text), "", cleaned)


def _other_style(text: str, style: str | None) -> str | None:
    """Why ``text``'s sections are not written in ``style``, or None."""
    others = sorted(styles_shown(text) - {style}) if style else []
    if not others:
        return None
    return (
        f"the docstring is written in {' and '.join(others)} style; this module's style is {style}"
    )


def _from_code(text: str, definition: Definition | None) -> tuple[str, str] | GateResult | None:
    """The docstring inside ``text`` and how it was wrapped, when ``text`` is code holding one.

    None when ``text`` is not a Python statement at all (so it is prose);
    a rejection when it is code that changes more than the docstring.
    """
    try:
        tree = parse_python(textwrap.dedent(text))
    except SyntaxError:
        return None
    if len(tree.body) != 1:
        return None if not any(_is_code(s) for s in tree.body) else _reject(_CODE)
    (stmt,) = tree.body
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            # A bare string literal: quotes around the docstring, nothing else.
            inner = value.value
            if re.search(r"\"\"\"|'''", inner):
                return _reject(_NESTED)
            return inner, CLEANED_QUOTES
        if isinstance(value, ast.Dict | ast.List):  # {"docstring": "..."} sent as the text
            return _reject("the docstring is a JSON object or list, not text")
        return None  # terse docstrings parse as expressions: "Area", "self + other"
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        if definition is None or stmt.name != definition.name:
            return _reject(_CODE)
        docstring = ast.get_docstring(stmt, clean=True)
        if not docstring:
            return _reject(_CODE)
        if strip_docstrings(_without_nested_docs(stmt)) != strip_docstrings(
            _without_nested_docs(definition)
        ):
            return _reject(
                "the answer is the whole definition with its code changed, not a docstring"
            )
        return docstring, CLEANED_DEFINITION
    return _reject(_CODE) if _is_code(stmt) else None


def _without_nested_docs(node: Definition) -> ast.Module:
    return ast.Module(body=[node], type_ignores=[])


_CODE = "the docstring is code (a definition, import or assignment), not text"
_NESTED = "the docstring holds triple quotes"


def _is_code(stmt: ast.stmt) -> bool:
    if isinstance(stmt, _CODE_STATEMENTS + _COMPOUND_STATEMENTS):
        return True
    if isinstance(stmt, ast.Expr):
        return any(isinstance(node, ast.NamedExpr) for node in ast.walk(stmt))  # (x := 1)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None  # "width : float" is a NumPy parameter line
    return isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _problem(text: str, max_lines: int) -> str | None:
    """Why ``text`` is not plain docstring text, or None."""
    chat = chat_problem(text)
    if chat is not None:
        return chat
    if "```" in text or _FENCE_LINE.search(text):
        return "the docstring holds a Markdown fence"
    if '"""' in text or "'''" in text:
        return _NESTED
    active = active_html(text)
    if active is not None:
        return (
            f"the docstring holds active HTML ({active.group()[:40]!r}): documentation "
            "tools would pass it into the rendered pages"
        )
    reads = reads_files(text)
    if reads is not None:
        return (
            f"the docstring holds a directive that reads a file or URL ({reads.group()[:40]!r}) "
            "into the rendered pages"
        )
    example = False  # in an "Examples:" / "Usage:" section
    for line, shown in _outside_literal_blocks(text):
        stripped = line.strip()
        if _SECTION.match(stripped):
            example = bool(_EXAMPLE_SECTION.match(stripped))
            continue
        if _DEF_LINE.match(stripped) or (not (example or shown) and _line_is_code(stripped)):
            return f"{_CODE}: {stripped[:60]!r}"
    count = len(text.splitlines())
    if count > max_lines:
        return f"the docstring has {count} lines, more than draft.max-docstring-lines ({max_lines})"
    if len(text) > max_lines * _CHARS_PER_LINE:
        return (
            f"the docstring has {len(text)} characters, more than {_CHARS_PER_LINE} per line "
            f"of draft.max-docstring-lines ({max_lines})"
        )
    return None


def _outside_literal_blocks(text: str) -> Iterator[tuple[str, bool]]:
    """``text``'s lines but those of reStructuredText literal blocks, each with whether
    it belongs to an indented example block.

    A literal block is opened by a line ending in ``::`` ("Example::") or by a code
    directive (``.. code-block:: python``) and holds the lines indented deeper
    than the opener: example code the docstring shows, like a doctest. An example
    block is a paragraph indented deeper than the prose paragraph before it
    ("The statement\n\n    task = create_task(f())\n\nis equivalent to"), as the
    standard library shows code; under a section header ("Args:") an indented
    paragraph is the section's body, not an example.
    """
    opener: int | None = None  # indentation of the line that opened a literal block
    prose: int | None = None  # indentation of the prose paragraph an example block follows
    blank = False
    previous = ""
    for line in text.expandtabs().splitlines():
        indent = len(line) - len(line.lstrip())
        if opener is not None and (not line.strip() or indent > opener):
            continue
        opener = None
        if not line.strip():
            blank = True
            continue
        if prose is not None and indent <= prose:
            prose = None
        if prose is None and blank and previous and not _SECTION.match(previous.strip()):
            previous_indent = len(previous) - len(previous.lstrip())
            if indent > previous_indent:
                prose = previous_indent
        blank = False
        yield line, prose is not None
        if prose is None:
            previous = line
        if _LITERAL_OPENER.search(line):
            opener = indent


def _line_is_code(line: str) -> bool:
    if not line or line.startswith((">>>", "...")):
        return False  # doctest examples are docstring text
    try:
        tree = parse_python(line)
    except SyntaxError:
        return False
    return len(tree.body) == 1 and _is_code(tree.body[0])


def _dedent(text: str) -> str:
    """Docstring text without common indentation of the lines after the first."""
    lines = text.splitlines()
    rest = [line for line in lines[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    out = [lines[0].strip()] + [line[indent:].rstrip() for line in lines[1:]]
    return "\n".join(out).strip()
