"""Code that can tell whether tests run it: a rewrite that asks could cheat its checks.

Pure: the names, attributes, strings and imports of a source that name the test runner
or a tracer, leaving out what the source binds itself.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from ttabot.analysis.source import parse_python

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
