"""A drafted test answer split into imports, support code and tests, each judged alone.

Pure. Each top-level statement of the answer becomes a :class:`Piece` with the names it
binds and uses, so the support code a kept test needs can be found (:func:`needed`).
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ttabot.analysis.source import lines_with_ends, parse_python
from ttabot.drafting.statements import scope_bindings


class Piece(NamedTuple):
    """One top-level statement of an answer: its source, the names it binds and uses."""

    source: str
    binds: frozenset[str]
    uses: frozenset[str]
    always: bool = False  # autouse fixtures and ``pytestmark``: kept whenever a test is


class Alias(NamedTuple):
    """One imported name: ``from module import name as asname`` (``module`` None: ``import``)."""

    module: str | None
    name: str
    asname: str | None
    level: int = 0

    @property
    def bound(self) -> str:
        """The name the import binds in the module."""
        if self.asname:
            return self.asname
        return self.name if self.module is not None else self.name.split(".")[0]


class AnswerParts(NamedTuple):
    """An answer's imports, support code and tests (``name -> piece``, in order)."""

    imports: tuple[Alias, ...]
    support: tuple[Piece, ...]
    tests: dict[str, Piece]


def is_test_name(node: ast.stmt) -> bool:
    """Whether a top-level statement is a test pytest collects by default.

    A class counts when its name starts with ``Test`` or when it defines test methods:
    pytest collects a ``unittest.TestCase`` subclass whatever its name.
    """
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name.startswith("test")
    if not isinstance(node, ast.ClassDef):
        return False
    return node.name.startswith("Test") or any(is_test_method(s) for s in node.body)


def is_main_block(node: ast.stmt) -> bool:
    """Whether ``node`` is an ``if __name__ == "__main__":`` block (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    names = [node.test.left, *node.test.comparators]
    texts = {ast.unparse(n).strip("'\"") for n in names}
    return texts == {"__name__", "__main__"}


def names_used(node: ast.AST) -> frozenset[str]:
    """Every name ``node`` may use: names read, parameters (fixtures arrive by name) and
    identifier strings (``usefixtures("name")``)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)  # pytest fixtures arrive by parameter name
        elif (
            isinstance(sub, ast.Constant)
            and isinstance(sub.value, str)
            and sub.value.isidentifier()
        ):
            names.add(sub.value)  # @pytest.mark.usefixtures("name")
    return frozenset(names)


def _binds(node: ast.stmt) -> frozenset[str]:
    # Definitions under an if or try bind too; a fixture is requested by the name it
    # serves: @pytest.fixture(name="client").
    return frozenset({*scope_bindings([node]), served_fixture(node)} - {""})


def _autouse(node: ast.stmt) -> bool:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return any(
        isinstance(d, ast.Call)
        and any(
            k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in d.keywords
        )
        for d in node.decorator_list
    )


def python_lines(source: str) -> list[str]:
    """``source``'s lines as Python numbers them: ended by ``\n``, ``\r\n`` or ``\r`` only.

    ``str.splitlines`` also breaks at form feeds, ``\x1c``-``\x1e``, ``\x85`` and
    ``\u2028``/``\u2029``, which would shift every AST line number after them.
    """
    return [line.rstrip("\r\n") for line in lines_with_ends(source)]


def _segment(source: str, node: ast.stmt) -> str:
    lines = python_lines(source)
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    return "\n".join(lines[start - 1 : node.end_lineno or node.lineno])


def aliases_of(node: ast.Import | ast.ImportFrom) -> list[Alias]:
    """One :class:`Alias` per name an import statement binds."""
    if isinstance(node, ast.Import):
        return [Alias(None, a.name, a.asname) for a in node.names]
    return [Alias(node.module or "", a.name, a.asname, node.level) for a in node.names]


def split_answer(code: str, taken: Iterable[str] = ()) -> AnswerParts:
    """Split drafted test ``code``; tests whose names are in ``taken`` get fresh names.

    Raises:
        SyntaxError: If ``code`` does not parse.
    """
    tree = parse_python(code)
    taken = set(taken)
    renames: dict[str, str] = {}
    for node in tree.body:
        if is_test_name(node):
            name = node.name  # type: ignore[attr-defined]
            if name in taken:
                renames[name] = _fresh_name(name, taken)
            taken.add(renames.get(name, name))
    imports: list[Alias] = []
    support: list[Piece] = []
    tests: dict[str, Piece] = {}
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports += aliases_of(node)
        elif is_main_block(node) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            continue  # a main block or a module docstring has no place in a merged module
        elif is_test_name(node):
            old = node.name  # type: ignore[attr-defined]
            name = renames.get(old, old)
            text = _segment(code, node)
            if name != old:
                text = _renamed(text, old, name)
            tests[name] = Piece(text, frozenset({name}), names_used(node))
        else:
            always = _autouse(node) or "pytestmark" in _binds(node)
            support.append(Piece(_segment(code, node), _binds(node), names_used(node), always))
    return AnswerParts(tuple(imports), tuple(support), tests)


def _renamed(text: str, old: str, name: str) -> str:
    """A test's ``text`` (its segment) with the name its ``def``/``class`` keyword
    introduces changed: read as tokens, so never a name in a decorator's string, and
    also past a line continuation (``def \\`` then the name on the next line)."""
    lines = text.split("\n")
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string == old and previous in ("def", "class"):
            row, col = token.start
            line = lines[row - 1]
            lines[row - 1] = line[:col] + name + line[col + len(old) :]
            return "\n".join(lines)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string if token.type == tokenize.NAME else ""
    raise SyntaxError(f"the definition of {old} cannot be renamed")


def _fresh_name(name: str, taken: set[str]) -> str:
    n = 2
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"


def needed(parts: AnswerParts, kept: Sequence[str]) -> tuple[list[Piece], set[str]]:
    """The support pieces the ``kept`` tests use (transitively), and every name used."""
    if not kept:
        return [], set()
    used: set[str] = set()
    for name in kept:
        used |= parts.tests[name].uses
    chosen: list[Piece] = []
    changed = True
    while changed:
        changed = False
        for piece in parts.support:
            if piece in chosen or not (piece.always or piece.binds & used):
                continue
            chosen.append(piece)
            used |= piece.uses
            changed = True
    return [p for p in parts.support if p in chosen], used


def callee(node: ast.expr) -> ast.expr:
    """What a decorator calls (``pytest.fixture`` of ``pytest.fixture(name=...)``), or itself."""
    return node.func if isinstance(node, ast.Call) else node


def served_fixture(node: ast.stmt) -> str:
    """The name of the fixture a definition serves (its ``name=``, else its own), or ""."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return ""
    for decorator in node.decorator_list:
        if last_name(callee(decorator)) != "fixture":
            continue
        keywords = decorator.keywords if isinstance(decorator, ast.Call) else []
        for keyword in keywords:
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
        return node.name
    return ""


def is_test_method(node: ast.stmt) -> bool:
    """Whether ``node`` is a function pytest collects by its name (``test*``)."""
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")


def last_name(node: ast.expr) -> str:
    """The last name of a dotted reference (``fixture`` of ``pytest.fixture``), or ""."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""
