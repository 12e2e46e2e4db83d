"""Docstrings: the module's style, what a docstring documents, and insertion with libcst.

Insertion goes through libcst (imported lazily, it costs ~0.2 s) so that every
byte of the file outside the new docstrings stays as it was.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence

from ttabot.analysis.resolve import find_definition as resolve_definition
from ttabot.analysis.source import parse_python
from ttabot.config import DraftSettings

STYLES = ("google", "numpy", "sphinx")

STYLE_NAMES: Mapping[str, str] = {
    "google": "Google (sections such as Args:, Returns:, Raises:)",
    "numpy": "NumPy (sections underlined with dashes: Parameters, Returns)",
    "sphinx": "Sphinx / reStructuredText (:param name:, :returns:, :raises Error:)",
}

STYLE_EXAMPLES: Mapping[str, str] = {
    "google": (
        "Return the total price of an order.\n\n"
        "Args:\n    items: The (name, price) pairs to add up.\n"
        "    discount: Fraction taken off the sum, from 0 to 1.\n\n"
        "Returns:\n    The price after the discount.\n\n"
        "Raises:\n    ValueError: If the discount is outside 0..1."
    ),
    "numpy": (
        "Return the total price of an order.\n\n"
        "Parameters\n----------\nitems : list of tuple\n    The (name, price) pairs to add up.\n"
        "discount : float\n    Fraction taken off the sum, from 0 to 1.\n\n"
        "Returns\n-------\nfloat\n    The price after the discount."
    ),
    "sphinx": (
        "Return the total price of an order.\n\n"
        ":param items: The (name, price) pairs to add up.\n"
        ":param discount: Fraction taken off the sum, from 0 to 1.\n"
        ":returns: The price after the discount.\n"
        ":raises ValueError: If the discount is outside 0..1."
    ),
}

_STYLE_MARKS: Mapping[str, re.Pattern[str]] = {
    # Spaces and tabs, never "\s", around the marks: "^\s*" ran on through every blank
    # line after each line start, time quadratic in the blank lines of a docstring.
    "google": re.compile(
        r"^[ \t]*(Args|Arguments|Returns|Raises|Yields|Attributes|Examples?|Note):[ \t]*$", re.M
    ),
    "numpy": re.compile(
        r"^[ \t]*(Parameters|Returns|Raises|Yields|Attributes)[ \t]*\n[ \t]*-{3,}[ \t]*$", re.M
    ),
    "sphinx": re.compile(r":(param|returns?|raises?|rtype|type)\b"),
}

# The sections that document parameters, returns and raises: what tells one style from another.
_PARAMETER_MARKS: Mapping[str, re.Pattern[str]] = {
    "google": re.compile(r"^[ \t]*(Args|Arguments|Returns|Raises|Yields):[ \t]*$", re.M),
    "numpy": _STYLE_MARKS["numpy"],
    # A field opening a line (":param x:", ":returns:"), not "name:type" inside prose.
    "sphinx": re.compile(r"^[ \t]*:(param|returns?|raises?|rtype|type)\b[^:\n]*:", re.M),
}

_GOOGLE_SECTION = re.compile(
    r"^(\s*)(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Other Parameters):\s*$"
)
_GOOGLE_ITEM = re.compile(r"^\s*(\*{0,2}\w+)\s*(\([^)]*\))?\s*:")
_NUMPY_SECTIONS = ("Parameters", "Other Parameters", "Keyword Arguments")
_NUMPY_ITEM = re.compile(r"^(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(:.*)?$")
_SPHINX_PARAM = re.compile(r":param\s+(?:[^:]*\s)?(\*{0,2}\w+)\s*:")


def module_docstrings(tree: ast.Module) -> list[str]:
    """Every docstring in a parsed module (module, classes, functions)."""
    nodes = [tree, *ast.walk(tree)]
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docs = [ast.get_docstring(n, clean=True) for n in nodes if isinstance(n, kinds)]
    return [d for d in dict.fromkeys(docs) if d]


def style_counts(source: str) -> dict[str, int]:
    """How many of a module's docstrings show each style (0s when it does not parse)."""
    try:
        docs = module_docstrings(parse_python(source))
    except SyntaxError:
        docs = []
    return {s: sum(bool(mark.search(d)) for d in docs) for s, mark in _STYLE_MARKS.items()}


def styles_shown(docstring: str) -> frozenset[str]:
    """The styles whose parameter, return or raise sections ``docstring`` uses."""
    return frozenset(s for s, mark in _PARAMETER_MARKS.items() if mark.search(docstring))


def dominant_style(counts: Mapping[str, int]) -> str | None:
    """The style most docstrings show, or None when none shows any."""
    best = max(STYLES, key=lambda s: counts.get(s, 0))
    return best if counts.get(best, 0) else None


def detect_style(
    source: str, settings: DraftSettings, *wider: Callable[[], Mapping[str, int]]
) -> str:
    """The docstring style to write in this module.

    A style set in ``settings.docstring_style`` wins; with ``"auto"`` the style
    the module's own docstrings show most, else each of ``wider`` in turn (the
    package's counts, then the repository's: callables, so they are only
    computed when needed), else the configured default.
    """
    if settings.docstring_style in STYLES:
        return settings.docstring_style
    found = dominant_style(style_counts(source))
    for counts in wider:
        if found is not None:
            break
        found = dominant_style(counts())
    if found is not None:
        return found
    default = settings.default_docstring_style
    return default if default in STYLES else "google"


def documented_params(docstring: str) -> list[str]:
    """Parameter names a docstring documents, in any of the three styles (``*`` stripped)."""
    names: list[str] = []
    lines = docstring.expandtabs().splitlines()
    for i, line in enumerate(lines):
        google = _GOOGLE_SECTION.match(line)
        if google:
            names += _google_items(lines[i + 1 :], len(google.group(1)))
        elif (
            line.strip() in _NUMPY_SECTIONS
            and i + 1 < len(lines)
            and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1])
        ):
            names += _numpy_items(lines[i + 2 :], len(line) - len(line.lstrip()))
    names += _SPHINX_PARAM.findall(docstring)
    return list(dict.fromkeys(n.lstrip("*") for n in names))


def _google_items(lines: Sequence[str], header_indent: int) -> list[str]:
    names: list[str] = []
    item_indent: int | None = None
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= header_indent:
            break
        if item_indent is None:
            item_indent = indent
        if indent == item_indent:
            match = _GOOGLE_ITEM.match(line)
            if match:
                names.append(match.group(1))
    return names


def _numpy_items(lines: Sequence[str], header_indent: int) -> list[str]:
    names: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent < header_indent:
            break
        if indent > header_indent:
            continue  # a description line
        if i + 1 < len(lines) and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            break  # the next section's header
        match = _NUMPY_ITEM.match(line.strip())
        if match:
            names += [n.strip() for n in match.group(1).split(",")]
    return names


def signature_params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Parameter names a docstring should document: all but a leading ``self``/``cls``."""
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    names = positional + [a.arg for a in args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def find_definition(
    tree: ast.Module, symbol: str, line: int | None = None
) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
    """The definition named by a dotted ``symbol``, found as ``ttabot check`` finds it.

    One resolver for check and drafting (:mod:`ttabot.analysis.resolve`): also
    under ``if``/``try``/``with``, and among redefinitions the one at ``line``
    (a finding's line), else the first.
    """
    return resolve_definition(tree, symbol, line)


def params_mismatch(tree: ast.Module, symbol: str, docstring: str) -> str | None:
    """Why ``docstring``'s documented parameters do not match ``symbol``'s signature, or None."""
    node = find_definition(tree, symbol)
    if node is None:
        return f"{symbol} is not defined in the module"
    documented = documented_params(docstring)
    if isinstance(node, ast.ClassDef):
        init = find_definition(ast.Module(body=node.body, type_ignores=[]), "__init__")
        if not documented or not isinstance(init, ast.FunctionDef | ast.AsyncFunctionDef):
            return None if not documented else f"{symbol} has no __init__ parameters to document"
        node = init
    expected = signature_params(node)
    missing = [n for n in expected if n not in documented]
    extra = [n for n in documented if n not in expected]
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append("does not document " + ", ".join(missing))
    if extra:
        parts.append("documents parameters the signature lacks: " + ", ".join(extra))
    return f"{symbol}: " + "; ".join(parts)


def strip_docstrings(tree: ast.AST) -> str:
    """A dump of ``tree`` with every docstring removed, to compare code apart from docs."""
    tree = ast.parse(ast.unparse(tree))  # a copy we may mutate
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def docstring_literal(text: str, indent: str, newline: str = "\n") -> str:
    """``text`` as a triple-quoted literal whose continuation lines sit at ``indent``.

    Its lines end with ``newline``, the file's own (a CRLF file gets no LF line).
    """
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    lines = text.splitlines() or [""]
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    rest = newline.join(indent + line if line.strip() else "" for line in lines[1:])
    return f'"""{lines[0]}{newline}{rest}{newline}{indent}"""'


class NotExact(ValueError):
    """libcst cannot write a module back byte for byte, so no docstring goes into it."""


#: Why a module gets no docstring task (see :func:`exact`).
NOT_EXACT = (
    "libcst cannot write this module back byte for byte (a form feed opening a "
    "statement's line, or code nested or chained too deeply): no docstring can be inserted"
)


def exact(source: str) -> bool:
    """Whether docstrings can go into ``source`` leaving every other byte as it is."""
    from ttabot.drafting.insert import round_trips

    return round_trips(source)


def insert_docstrings(source: str, docstrings: Mapping[str, str]) -> str:
    """Insert ``symbol -> text`` docstrings into ``source``; everything else is left as it is.

    A definition that already has a non-empty docstring keeps it; an empty one is replaced.
    Symbols not found are ignored (the caller validates which ones landed). A module
    libcst would not write back exactly (it drops a form feed that opens a statement's
    line) raises :class:`NotExact` rather than lose those bytes.
    """
    # libcst costs ~0.2 s to import: only drafting pays for it, never `ttabot check`.
    from ttabot.drafting.insert import insert_docstrings as insert

    return insert(source, docstrings)
