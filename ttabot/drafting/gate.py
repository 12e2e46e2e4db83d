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
import html
import re
import textwrap
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from ttabot.analysis.source import parse_python
from ttabot.drafting.docstrings import strip_docstrings, styles_shown

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

#: Cleanings the gate may record.
CLEANED_DEFINITION = "definition"
CLEANED_FENCE = "fence"
CLEANED_QUOTES = "quotes"

# Used with fullmatch, its inside stripped. Each run of spaces can be read one way only:
# "(.*?)" before "[ \t]*", or two "[ \t]*" around an empty language, were quadratic.
_WHOLE_FENCE = re.compile(r"```[ \t]*(?:[\w+-]+[ \t]*)?\n(.*)```", re.DOTALL)
_OFFER = (
    r"here is|here's|here are|here you go|below is|of course|got it|no problem|"
    r"thank you|let me|let's|i'm|i've|i'll|i'd|as requested"
)
# An answer opening with an offer ("Here is", "Let me") or with an interjection set off
# by punctuation or followed by an offer ("Sure!", "OK, here", "Great. ", "Sure here is").
# Bare, those words start summaries too: "Great-circle distance", "OK responses are cached".
_PREAMBLE = re.compile(
    rf"^(({_OFFER})\b|(sure|certainly|absolutely|okay|ok|alright|hello|hi|thanks|great)"
    rf"([ \t]*([,!.:;?]|$)|[ \t]+({_OFFER}|this|the following|question|idea)\b))",
    re.IGNORECASE,
)
# The model speaking to whoever asked, anywhere in the text: a docstring never does.
_CHAT_VOICE = re.compile(
    r"\b(let me know|feel free to|hope (this|that|it) helps|happy to help|"
    r"I(?:'ve| have) (added|written|updated|included|kept)|I (added|wrote|updated)|"
    # talk about the answer itself: "This docstring follows ...", "a Google-style docstring"
    r"(this|the above|above|the updated|updated) docstring|"
    r"(google|numpy|sphinx|rest)[- ]style docstring)\b",
    re.IGNORECASE,
)
# Markdown a chat answer starts with: a heading or a bold label ("## Docstring", "**Docstring:**").
_MARKDOWN_START = re.compile(r"^(#{1,6}\s|\*\*[^*]+(:\*\*|\*\*:)$)")
# A reasoning block's tags: <think>, </thinking>, <reasoning>, </reason>. (A placeholder
# such as "<reason_phrase>" or "<reason>" in an HTTP status line is docstring text.) A tag's
# attributes stop at the next "<": "[^>]*" alone searched to the end of the text from every
# "<think" no ">" followed (quadratic on a hostile answer).
_REASONING = re.compile(r"<(/?(think|thinking|reasoning)|/reason)\b[^<>]*>", re.IGNORECASE)
# A tag that opens the answer and is closed later: <thinking>…</thinking>, <docstring>…</docstring>.
# (A placeholder such as "<body>", a repr such as "<enum 'Color'>" or an HTML example further
# down is docstring text.)
_TAG_PAIR = re.compile(r"\A[ \t]*<([A-Za-z][\w-]*)>.*?</\1>", re.S)
# A paragraph ending in "::" or a code directive: reStructuredText's literal (code) block.
_LITERAL_OPENER = re.compile(
    r"(::|^[ \t]*\.\.[ \t]+(code-block|code|sourcecode|testcode|testsetup)::.*)[ \t]*$"
)
# A section header line ("Args:", "Examples:", "For example:"); the example sections'
# import and assignment lines are example code, as in a doctest (httpx writes them bare).
_SECTION = re.compile(r"^[A-Z][A-Za-z]*( [a-z]+)?:$")
_EXAMPLE_SECTION = re.compile(r"^(Examples?|Usage|For example|Example usage):$")
_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)", re.M)
# What documentation tools pass into the rendered page as it is: HTML in a Markdown docstring
# (mkdocstrings), Sphinx's raw directive. A script there runs for every reader of the docs;
# a frame, object or embed loads a page or plug-in through an attribute's value (after a
# space, a line break or a "/", as HTML reads a start tag): bare, as in rich's
# "inspect(<OBJECT>)" placeholder, a closing tag, or with attributes that have no value,
# as in Python's "<object object at 0x7f…>" repr, it loads nothing.
# Each "<" scans at most to the next "<" or ">": linear on a hostile answer.
_ACTIVE_HTML = re.compile(
    r"<[ \t]*/?[ \t]*script\b"
    r"|<[ \t]*(iframe|object|embed)[ \t\r\n\f/]+[^<>]*="
    r"|^[ \t]*\.\.[ \t]+raw[ \t]*::",
    re.IGNORECASE | re.MULTILINE,
)
# A start tag as HTML reads it: the name, then attributes to the ">" (a quoted value may
# hold ">", "<", a line break or a backtick). The alternatives start with different
# characters and nothing follows the loop that could fail, so a match never backtracks
# and each quote is scanned once: linear on a hostile answer.
_TAG = r"<[A-Za-z][^\s/>]*(?:\"[^\"]*\"|'[^']*'|[^\"'>])*>?"
_START_TAG = re.compile(_TAG)
# Attributes that run or load code in a tag: an event handler (after a space, a line
# break, a "/" or a quoted value, as HTML separates attributes), and a <base href>,
# which moves every relative URL after it (the theme's scripts too) to its host.
_HANDLER = re.compile(r"[\s/\"']on[a-z]+\s*=", re.IGNORECASE)
_LOADER = re.compile(r"<(?:iframe|object|embed)[\s/][^=]*=", re.IGNORECASE)
_BASE_URL = re.compile(r"<base(?=[\s/]).*?[\s/\"']href\s*=", re.IGNORECASE | re.DOTALL)
# A ``javascript:`` URL is active where a link takes it: after "(" (a Markdown link), "=" (an
# HTML attribute), "]:" (a Markdown reference), "<" (an autolink, a reStructuredText link)
# or in a reStructuredText target; the word before a colon in prose or an Args entry
# (``javascript: whether…``) is text. One start per context character, so still linear.
# Browsers read a URL's scheme after decoding character references in the attribute
# ("&#106;avascript:", "java&#x73;cript:", "javascript&colon;"; Markdown decodes them in a
# link destination too) and after dropping tabs and line breaks anywhere in it and
# controls and spaces before it: the search runs on text decoded that way (see
# :func:`_as_browsers_read`), where a control character may sit between the letters.
_IGNORED_IN_URL = "[\x00-\x1f]*"
_SCHEME = _IGNORED_IN_URL.join("javascript") + "[\x00-\x20]*:"
_JAVASCRIPT_URL = re.compile(
    rf"(?:\(|\]:|=)[\x00-\x20\"'<]*{_SCHEME}|<{_SCHEME}"
    rf"|^[ \t]*\.\.[ \t]+_[^:\n]*:[ \t]*{_SCHEME}"
    # reStructuredText links a URI of a scheme it knows ("javascript" is one) standing
    # alone in prose, and in an anonymous target ("__ javascript:…"); not "javascript:"
    # before a space, as in an Args entry.
    r"|(?<![A-Za-z0-9])javascript:(?=[^\s:])",
    re.IGNORECASE | re.MULTILINE,
)
# Directives that read a file of the machine building the docs into the page (its
# /proc/self/environ holds that build's secrets) or fetch one from a URL: include,
# Sphinx's literalinclude, raw, also in a substitution definition (".. |x| include::"),
# and any directive's ":file:" or ":url:" option (raw, csv-table; not Sphinx's
# ":file:`path`" role, which only names one).
_READS_FILES = re.compile(
    r"^[ \t]*\.\.[ \t]+(?:\|[^|\n]*\|[ \t]+)?(?:raw|include|literalinclude)[ \t]*::"
    r"|^[ \t]*:(?:file|url):[ \t]+[^\s`]"
    r"|^[ \t]*:{3,}[ \t]*\{(?:raw|include|literalinclude)\}",  # MyST's colon fence
    re.IGNORECASE | re.MULTILINE,
)
# docutils drops the line breaks and indentation inside a URI that runs on over lines (a
# target, a directive's ":target:" option): searched in the text with each line joined
# to the one before it, where an Args entry ("Args:" + "javascript: whether…") stays text.
_JOINED_LINES = re.compile(r"\n[ \t]*(?=\S)")
_JOINED_URL = re.compile(
    rf"(?:\(|\]:|=|<)[\x00-\x20\"'<]*{_SCHEME}|:[ \t]*javascript:(?=[^\s:])", re.IGNORECASE
)
# Inline code (``<script>``, `x`) is shown escaped by reStructuredText and Markdown alike;
# but `text <url>`_ is a reStructuredText link, its URL live. A tag that opens before a
# code span is read first (CommonMark reads raw HTML and code spans left to right):
# backticks in its quoted values are text, so they hide nothing of it.
# A backtick outside quotes is in no CommonMark tag: there the code span is read.
_INLINE_CODE = re.compile(
    r"(?P<tag><[A-Za-z][^\s/>`]*(?:\"[^\"]*\"|'[^']*'|[^\"'>`])*>?)|``[^`\n]*``|`[^`\n]*`(?!_)"
)
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
    if _REASONING.search(text):
        return _reject("the docstring holds a <think> reasoning block")
    tag = _TAG_PAIR.search(text)
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
    first = text.splitlines()[0].strip()
    paragraphs = re.split(r"\n[ \t]*\n", text.strip())
    if _PREAMBLE.match(first.replace("\u2019", "'")) or (
        # "The updated docstring:", "Docstring for `area`:" - a line introducing the rest
        len(paragraphs) > 1
        and "\n" not in paragraphs[0]
        and first.endswith(":")
        and "docstring" in first.lower()
    ):
        return f"the docstring starts with chat prose ({first[:60]!r}), not the summary line"
    if _MARKDOWN_START.match(first):
        return f"the docstring starts with Markdown ({first[:60]!r}), not the summary line"
    voice = _CHAT_VOICE.search(text.replace("\u2019", "'"))
    if voice is not None:
        return f"the docstring holds chat prose ({voice.group()!r}), not documentation"
    if "```" in text or _FENCE_LINE.search(text):
        return "the docstring holds a Markdown fence"
    if '"""' in text or "'''" in text:
        return _NESTED
    rendered = _INLINE_CODE.sub(lambda m: m.group("tag") or "", text)
    active = (
        _ACTIVE_HTML.search(rendered)
        or _active_tag(rendered)
        or _JAVASCRIPT_URL.search(_as_browsers_read(rendered))
        or _JOINED_URL.search(_as_browsers_read(_JOINED_LINES.sub("", rendered)))
    )
    if active is not None:
        return (
            f"the docstring holds active HTML ({active.group()[:40]!r}): documentation "
            "tools would pass it into the rendered pages"
        )
    reads = _READS_FILES.search(text)
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


def _active_tag(text: str) -> re.Match[str] | None:
    """The first start tag in ``text`` with an event handler, a base URL or a frame,
    object or embed with an attribute's value to load, if any."""
    for tag in _START_TAG.finditer(text):
        found = tag.group()
        if _HANDLER.search(found) or _BASE_URL.match(found) or _LOADER.match(found):
            return tag
    return None


def _as_browsers_read(text: str) -> str:
    """``text`` with character references decoded once, as a browser does in an attribute.

    Only the ``javascript:`` search reads it: ``&lt;script&gt;`` is the text "<script>",
    never a tag, but ``href="&#106;avascript:…"`` is a link. A reference to NUL or a
    surrogate decodes to U+FFFD, which no scheme holds.
    """
    return html.unescape(text) if "&" in text else text


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
