"""Contract v2's docs-missing exemption: a method whose docstring Python would inherit.

``inspect.getdoc()``, ``help()`` and Sphinx autodoc take a method's docstring
from the classes it overrides; a second copy is noise. Only what the module
itself shows is followed: bases written as a name or an attribute whose last
name is a class defined in the same module, through those classes' own bases.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ttabot.analysis.definitions import Definition, dotted_name

#: How many levels of bases are followed (a method's own class's bases are level 1).
MAX_DEPTH = 10


def is_override(definition: Definition) -> bool:
    """Decorated ``@override`` in any spelling whose last name is ``override``."""
    return any(
        dotted_name(decorator).split(".")[-1] == "override"
        for decorator in definition.node.decorator_list
    )


def _base_name(expr: ast.expr) -> str | None:
    """The last name of a base written as a name or attribute (not ``Base[T]``, not a call)."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


class InheritedDocs:
    """Which methods of one module inherit a docstring (lookups built once per file)."""

    def __init__(self, defs: Sequence[Definition]) -> None:
        self.defs = defs
        self._classes: dict[tuple[int | None, str], list[int]] = {}
        self._methods: dict[tuple[int, str], list[Definition]] = {}
        for index, definition in enumerate(defs):
            if not definition.is_function:
                self._classes.setdefault((definition.parent, definition.name), []).append(index)
            elif definition.is_method and definition.parent is not None:
                self._methods.setdefault((definition.parent, definition.name), []).append(
                    definition
                )

    def bases(self, class_index: int) -> list[int]:
        """The same-module classes that the bases of class ``class_index`` name.

        A name resolves in the class's own enclosing scope first, then at module
        level; every class of that name there counts (e.g. one per ``if`` branch).
        """
        definition = self.defs[class_index]
        node = definition.node
        assert isinstance(node, ast.ClassDef)
        found: list[int] = []
        for base in node.bases:
            name = _base_name(base)
            if name is None:
                continue
            matches = self._classes.get((definition.parent, name), [])
            if not matches and definition.parent is not None:
                matches = self._classes.get((None, name), [])
            found.extend(matches)
        return found

    def documents(self, class_index: int, method: str) -> bool:
        """True when class ``class_index`` defines method ``method`` with a non-empty docstring."""
        return any(
            m.docstring is not None and bool(m.docstring.strip())
            for m in self._methods.get((class_index, method), [])
        )

    def inherits_docstring(self, index: int) -> bool:
        """True when method ``defs[index]`` inherits a docstring from a same-module base class.

        Breadth-first through the bases, at most :data:`MAX_DEPTH` levels; a
        class already seen is not searched again (cycles stop). The search goes
        on past a base whose method of that name has no docstring, as
        ``inspect.getdoc`` does.
        """
        definition = self.defs[index]
        if not definition.is_method or definition.parent is None:
            return False
        seen = {definition.parent}
        level = [definition.parent]
        for _ in range(MAX_DEPTH):
            following: list[int] = []
            for class_index in level:
                for base in self.bases(class_index):
                    if base in seen:
                        continue
                    seen.add(base)
                    if self.documents(base, definition.name):
                        return True
                    following.append(base)
            if not following:
                return False
            level = following
        return False

    def exempt(self, index: int) -> bool:
        """Contract v2: the method at ``defs[index]`` needs no docstring of its own."""
        definition = self.defs[index]
        if not definition.is_method:
            return False  # only methods inherit: functions and classes are never exempt
        return is_override(definition) or self.inherits_docstring(index)
