"""Whether a rewrite of one definition changes what its scope offers callers.

Pure, over two parsed modules: a rewrite may add helpers, but not bind again a name its
scope binds, shadow a builtin, change decorators, or add special names, record fields
or enum members.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterator

from ttabot.drafting.docstrings import find_definition
from ttabot.drafting.statements import first_change, first_line, scope_bindings


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
