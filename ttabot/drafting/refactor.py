"""Refactors: the measures that trigger one, and putting a rewritten function in place.

Pure functions over source text. The measures are ``ttabot check``'s own
(:mod:`ttabot.analysis.complexity`), so a refactor is judged as it was found.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from ttabot.analysis.complexity import mccabe_complexity, parameter_count
from ttabot.analysis.source import lines_with_ends, parse_python
from ttabot.config import CheckSettings
from ttabot.drafting.docstrings import NotExact, find_definition, insert_docstrings
from ttabot.drafting.statements import first_change, first_line, scope_bindings


@dataclass(frozen=True)
class Measures:
    """What makes a function a refactor candidate."""

    complexity: int
    parameters: int


def measures(source: str, symbol: str) -> Measures | None:
    """The measures of ``symbol`` in ``source``; None if it does not parse or is not a function."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return None
    node = find_definition(tree, symbol)
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    parent = find_definition(tree, symbol.rpartition(".")[0]) if "." in symbol else None
    is_method = isinstance(parent, ast.ClassDef)
    return Measures(mccabe_complexity(node), parameter_count(node, is_method=is_method))


def triggered(before: Measures, settings: CheckSettings) -> list[str]:
    """Which measures exceed their thresholds (``complexity``, ``parameters``)."""
    out = []
    if before.complexity > settings.max_complexity:
        out.append("complexity")
    if before.parameters > settings.max_params:
        out.append("parameters")
    return out


def measure_text(before: Measures, settings: CheckSettings) -> str:
    """Words for the prompt: what to lower, from what, to what."""
    parts = []
    if before.complexity > settings.max_complexity:
        parts.append(
            f"McCabe complexity (now {before.complexity}, "
            f"aim for {settings.max_complexity} or less)"
        )
    if before.parameters > settings.max_params:
        parts.append(
            f"number of parameters (now {before.parameters}, aim for {settings.max_params} or less)"
        )
    return " and ".join(parts) or "complexity"


def lowered(before: Measures, after: Measures, settings: CheckSettings) -> str | None:
    """Why ``after`` does not lower every measure that triggered the refactor, or None."""
    problems = []
    for name in triggered(before, settings) or ["complexity"]:
        old, new = getattr(before, name), getattr(after, name)
        if new >= old:
            problems.append(f"{name} {old} -> {new}")
    return "does not lower " + ", ".join(problems) if problems else None


def interface_change(original: ast.Module, proposed: ast.Module, symbol: str) -> str | None:
    """How a rewrite of ``symbol`` changes what its scope offers callers, or None.

    The rewrite may add new names (helpers, tables) but not bind again a name its
    scope (the module, or the class or function holding the symbol) already binds:
    a second ``def`` of the symbol or ``symbol = wrap(symbol)`` would replace the
    checked definition at run time, and a redefined neighbour changes another
    function's signature. Nor may a new name shadow a builtin for the whole scope,
    or the symbol's decorators change (``@staticmethod``, ``@property``, a cache),
    or a new name be special (``__init__`` beside a dataclass's generated one,
    ``__eq__``, a module's ``__getattr__`` or ``__all__``), a new field of a record
    class or a new member of an ``Enum``.
    """
    old = find_definition(original, symbol)
    new = find_definition(proposed, symbol)
    if old is None or new is None:
        return None  # the callers say so
    if [ast.dump(d) for d in old.decorator_list] != [ast.dump(d) for d in new.decorator_list]:
        return f"the decorators of {symbol} changed"
    parent = symbol.rpartition(".")[0]
    old_scope = find_definition(original, parent) if parent else original
    new_scope = find_definition(proposed, parent) if parent else proposed
    if old_scope is None or new_scope is None:
        return None
    if (old in old_scope.body) != (new in new_scope.body):
        return (
            f"the rewrite moves {symbol} into or out of an if, try or with statement: "
            "write the definition at the top level of the answer, where it was"
        )
    added = Counter(ast.dump(n) for n in new_scope.body) - Counter(
        ast.dump(n) for n in old_scope.body
    )
    for stmt in new_scope.body:
        found = first_change(stmt) if ast.dump(stmt) in added else None
        if found is not None:
            return f"the rewrite adds a statement that runs at import: {first_line(found)!r}"
    before, after = scope_bindings(old_scope.body), scope_bindings(new_scope.body)
    again = sorted(name for name in after if after[name] > before.get(name, 0) and name in before)
    if again:
        return "the rewrite defines again what the code around it defines: " + ", ".join(again)
    rebound = sorted((_globals(proposed) - _globals(original)) & set(scope_bindings(original.body)))
    if rebound:
        return (
            f"the rewrite declares {', '.join(rebound)} global, names the module defines: "
            "a call would rebind them, and other code would run after it"
        )
    new_names = [name for name in after if name not in before]
    special = sorted(name for name in new_names if name.startswith("__") and name.endswith("__"))
    if special:
        return (
            "the rewrite defines special names that Python looks up by itself, so they change "
            "the module or class around it: " + ", ".join(special)
        )
    if isinstance(new_scope, ast.ClassDef):
        generated = _generated_change(new_scope, new_names, added) or _overridden(
            proposed, new_scope, new_names
        )
        if generated:
            return generated
    shadowed = sorted(name for name in after if name not in before and name in _BUILTINS)
    if isinstance(new_scope, ast.ClassDef):
        # A class's names are not seen by its methods' code, only by the class body's own
        # statements: a new method ``format`` shadows the builtin only for those.
        shadowed = [name for name in shadowed if name in _class_level_loads(new_scope)]
    if shadowed:
        return "the rewrite defines names that shadow builtins: " + ", ".join(shadowed)
    return None


_BUILTINS = frozenset(dir(builtins))

# What tells code that tests run it: the runner (loaded, its variables), a tracer such as
# coverage's. A rewrite that asks could keep the old behaviour for the tests alone.
_RUNNER = re.compile(r"pytest|unittest|gettrace|getprofile|settrace|setprofile", re.I)
#: ``sys.modules`` (which modules are loaded), ``sys.argv`` (how Python was started)…
_RUNNER_STATE = frozenset({"modules", "argv", "orig_argv", "_getframe", "monitoring"})


def runner_mentions(source: str) -> frozenset[str]:
    """The names and strings in ``source`` that can tell whether tests run it
    (``"pytest" in sys.modules``, ``PYTEST_CURRENT_TEST``, ``sys.gettrace()``).

    A name ``source`` binds itself (a function, class, parameter or variable such as
    ``_pytest_command``, or ``self.pytest_args``) tells nothing by its name: a tool
    that runs tests names its helpers after them. What such a name is bound to is read
    through the names, attributes, strings and imports that do count.
    """
    try:
        tree = parse_python(source)
    except SyntaxError:
        return frozenset()
    own = _own_names(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in own.names:
                continue
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
            value = node.value
            if text in _RUNNER_STATE and isinstance(value, ast.Name) and value.id == "sys":
                found.add(f"sys.{text}")
            if _on_self(node) and text in own.attributes:
                continue
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.alias):
            text = node.name
        else:
            continue
        if _RUNNER.search(text):
            found.add(text[:40])
    return frozenset(found)


class _OwnNames(NamedTuple):
    """What a module binds itself: names (not imports), and attributes of ``self``/``cls``."""

    names: frozenset[str]
    attributes: frozenset[str]


def _own_names(tree: ast.Module) -> _OwnNames:
    names: set[str] = set()
    attributes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _on_self(node):
            attributes.add(node.attr)
    return _OwnNames(frozenset(names), frozenset(attributes))


def _on_self(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")


def _generated_change(scope: ast.ClassDef, new_names: list[str], added: Counter[str]) -> str | None:
    """How new class-level names change what the class generates from its body, or None.

    An annotated attribute is a field of a dataclass, ``NamedTuple``, ``TypedDict``,
    attrs or pydantic model (a new parameter of its constructor); any new attribute of
    an ``Enum`` that is not a method is a new member. New methods change neither.
    """
    fields = [s for s in scope.body if isinstance(s, ast.AnnAssign) and ast.dump(s) in added]
    if fields:
        return (
            "the rewrite adds an annotated class attribute, a field of a dataclass or "
            f"record class (a new constructor parameter): {first_line(fields[0])!r}"
        )
    methods = {s.name for s in scope.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    members = sorted(name for name in new_names if name not in methods)
    if members and any(_last_name(base).endswith(("Enum", "Flag")) for base in scope.bases):
        return f"the rewrite adds a class attribute to an Enum, a new member: {', '.join(members)}"
    return None


def _overridden(module: ast.Module, scope: ast.ClassDef, new_names: list[str]) -> str | None:
    """Which new name of a class a related class in the module defines too, or None.

    A base's other methods call ``self.name``: they would run the rewrite's helper;
    a subclass's own ``name`` would replace the helper for its instances. Classes are
    related by their bases' last names among the module's classes (depth 10).
    """
    classes = [node for node in ast.walk(module) if isinstance(node, ast.ClassDef)]
    for cls, how in _related(scope, classes):
        clash = sorted(set(new_names) & set(scope_bindings(cls.body)))
        if clash:
            return (
                f"the rewrite adds {', '.join(clash)}, which {how} {cls.name} defines too: "
                "one would run where the other was meant"
            )
    return None


def _related(
    scope: ast.ClassDef, classes: list[ast.ClassDef]
) -> Iterator[tuple[ast.ClassDef, str]]:
    """The module's classes ``scope`` inherits from and those inheriting from it."""
    bases_of = {id(c): {_last_name(b) for b in c.bases} for c in classes}

    def bases(node: ast.ClassDef) -> list[ast.ClassDef]:
        return [c for c in classes if c.name in bases_of[id(node)]]

    def subclasses(node: ast.ClassDef) -> list[ast.ClassDef]:
        return [c for c in classes if node.name in bases_of[id(c)]]

    for how, step in (("its base", bases), ("its subclass", subclasses)):
        todo, seen = [(scope, 0)], {id(scope)}
        while todo:
            node, depth = todo.pop()
            for cls in step(node) if depth < 10 else []:
                if id(cls) not in seen:
                    seen.add(id(cls))
                    yield cls, how
                    todo.append((cls, depth + 1))


def _globals(module: ast.Module) -> set[str]:
    """The names ``global`` statements anywhere in ``module`` declare."""
    return {name for n in ast.walk(module) if isinstance(n, ast.Global) for name in n.names}


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _class_level_loads(node: ast.ClassDef) -> frozenset[str]:
    """The names a class body's own statements read when the class is created:
    decorators, defaults, class attributes; not the code inside its methods."""
    names: set[str] = set()
    todo: list[ast.AST] = list(node.body)
    while todo:
        sub = todo.pop()
        if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(sub.args.defaults)
            todo.extend(d for d in sub.args.kw_defaults if d is not None)
            if not isinstance(sub, ast.Lambda):
                todo.extend(sub.decorator_list)
            continue
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            names.add(sub.id)
        todo.extend(ast.iter_child_nodes(sub))
    return frozenset(names)


def replace_definition(source: str, symbol: str, code: str) -> str:
    """``source`` with ``symbol``'s definition (decorators included) replaced by ``code``.

    ``code`` is re-indented to the definition's column; every other line stays as it was.

    Raises:
        ValueError: If ``symbol`` is not defined in ``source``.
    """
    node = find_definition(ast.parse(source), symbol)
    if node is None:
        raise ValueError(f"{symbol} is not defined")
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    end = node.end_lineno or node.lineno
    lines = lines_with_ends(source)  # as the AST numbers them (not at form feeds)
    first = lines[start - 1]
    indent = first[: len(first) - len(first.lstrip())]
    newline = "\r\n" if first.endswith("\r\n") else "\n"
    code = _without_docstring(textwrap.dedent(code).strip("\n"), symbol.rpartition(".")[2])
    body = textwrap.indent(code, indent)
    replacement = newline.join(body.splitlines()) + newline
    out = "".join(lines[: start - 1]) + replacement + "".join(lines[end:])
    return _keep_docstring(out, symbol, ast.get_docstring(node, clean=False))


def _without_docstring(code: str, name: str) -> str:
    """``code`` without the docstring of its definition ``name``: a rewrite is code, and
    its docstring never passed the docstring gate (the old one is put back instead).

    Left as it is where the docstring shares a line with other code; the signature
    stage then sees the docstring changed.
    """
    try:
        tree = parse_python(code)
    except SyntaxError:
        return code  # the parses stage reports it
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    node = next((n for n in tree.body if isinstance(n, kinds) and n.name == name), None)
    if node is None or ast.get_docstring(node, clean=False) is None or len(node.body) < 2:
        return code
    doc, after = node.body[0], node.body[1]
    end = doc.end_lineno or doc.lineno
    if doc.lineno == node.lineno or end >= after.lineno:
        return code  # on the def line, or on one with the code after it
    lines = lines_with_ends(code)
    return "".join(lines[: doc.lineno - 1] + lines[end:])


def _keep_docstring(source: str, symbol: str, docstring: str | None) -> str:
    """Put the old docstring back if the rewrite dropped it (e.g. one drafted just before)."""
    if docstring is None:
        return source
    try:
        node = find_definition(parse_python(source), symbol)
    except SyntaxError:
        return source  # the parses stage reports it
    if node is None or ast.get_docstring(node) is not None:
        return source
    try:
        return insert_docstrings(source, {symbol: inspect.cleandoc(docstring)})
    except NotExact:  # the rewrite stays as written; the refactor's checks judge it
        return source
