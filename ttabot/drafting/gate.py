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
from typing import NamedTuple

from ttabot.analysis.source import parse_python
from ttabot.drafting.docstrings import strip_docstrings

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

#: Cleanings the gate may record.
CLEANED_DEFINITION = "definition"
CLEANED_FENCE = "fence"
CLEANED_QUOTES = "quotes"

_WHOLE_FENCE = re.compile(r"```[ \t]*[\w+-]*[ \t]*\n(.*?)\n?[ \t]*```", re.DOTALL)
_PREAMBLE = re.compile(
    r"^(sure|certainly|of course|absolutely|okay|ok|here is|here's|here are|below is|"
    r"i have|i've|i will|i'll|as requested|great)\b",
    re.IGNORECASE,
)
_DEF_LINE = re.compile(r"^(async\s+def|def|class)\s+\w+\s*[(:]")
_CODE_STATEMENTS = (ast.Import, ast.ImportFrom, ast.Assign, ast.AugAssign)


class GateResult(NamedTuple):
    """The docstring to use (None: rejected), why it was rejected, what was cleaned."""

    text: str | None
    reason: str = ""
    cleaned: str = ""


def _reject(reason: str) -> GateResult:
    return GateResult(None, reason)


def gate_docstring(raw: str, definition: Definition | None, max_lines: int) -> GateResult:
    """Judge a drafted docstring ``raw`` for ``definition`` (the node it will go on).

    Returns the text to insert (cleaned only when exactly extractable) or a
    reason to reject it; ``max_lines`` bounds the docstring's length.
    """
    text = raw.strip()
    cleaned = ""
    if not text:
        return _reject("the docstring is empty")
    if re.search(r"</?think\b", text, re.IGNORECASE):
        return _reject("the docstring holds a <think> reasoning block")
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
    problem = _problem(text, max_lines)
    if problem:
        return _reject(problem)
    return GateResult(_dedent(text), "", cleaned)


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
        return None  # a one-word docstring ("Area.") parses as an expression: prose
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
    if isinstance(stmt, _CODE_STATEMENTS):
        return True
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None  # "width : float" is a NumPy parameter line
    return isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _problem(text: str, max_lines: int) -> str | None:
    """Why ``text`` is not plain docstring text, or None."""
    first = text.splitlines()[0].strip()
    if _PREAMBLE.match(first):
        return f"the docstring starts with chat prose ({first[:60]!r}), not the summary line"
    if "```" in text:
        return "the docstring holds a Markdown fence"
    if '"""' in text or "'''" in text:
        return _NESTED
    for line in text.splitlines():
        stripped = line.strip()
        if _DEF_LINE.match(stripped) or _line_is_code(stripped):
            return f"{_CODE}: {stripped[:60]!r}"
    count = len(text.splitlines())
    if count > max_lines:
        return f"the docstring has {count} lines, more than draft.max-docstring-lines ({max_lines})"
    return None


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
