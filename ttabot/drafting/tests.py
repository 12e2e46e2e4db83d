"""Where generated tests go, how a module is imported, and merging into a test module.

All pure: callers pass the list of files the project has.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable

from ttabot.analysis.paths import is_test_file

_TEST_DIRS = ("tests", "test")


def import_name(module_path: str) -> str:
    """The dotted import name of a module file (``src/`` layouts and packages handled)."""
    path = module_path[len("src/") :] if module_path.startswith("src/") else module_path
    path = path[: -len(".py")] if path.endswith(".py") else path
    parts = path.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _stem(module_path: str) -> str:
    name = import_name(module_path)
    return name.rsplit(".", 1)[-1]


def existing_test_modules(module_path: str, project_files: Iterable[str]) -> list[str]:
    """Test modules the project already has for ``module_path``, best match first.

    ``test_<module>.py`` or ``<module>_test.py``; one mirroring the module's
    package path under ``tests/`` ranks first, then one directly in ``tests/``.
    """
    stem = _stem(module_path)
    names = {f"test_{stem}.py", f"{stem}_test.py"}
    found = [p for p in project_files if posixpath.basename(p) in names and is_test_file(p)]
    package = posixpath.dirname(import_name(module_path).replace(".", "/"))

    def rank(path: str) -> tuple[int, int, str]:
        folder = posixpath.dirname(path)
        mirrors = bool(package) and folder.endswith(package)
        return (0 if mirrors else 1 if folder in _TEST_DIRS else 2, len(path), path)

    return sorted(found, key=rank)


def placement_for(module_path: str, project_files: Iterable[str]) -> str:
    """Where tests for ``module_path`` go: its existing test module, else ``tests/test_<m>.py``."""
    existing = existing_test_modules(module_path, project_files)
    return existing[0] if existing else f"tests/test_{_stem(module_path)}.py"


def defined_names(source: str) -> list[str]:
    """Top-level test function names and test classes in a test module's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [n.name for n in tree.body if isinstance(n, kinds)]


def merge_tests(existing: str, new: str) -> str:
    """Append ``new`` tests to an existing test module, renaming any that would shadow one."""
    if not existing.strip():
        return new
    taken = set(defined_names(existing))
    for name in defined_names(new):
        if name in taken:
            fresh = _fresh_name(name, taken | set(defined_names(new)))
            new = re.sub(
                rf"^((?:async\s+)?(?:def|class)\s+){name}\b", rf"\g<1>{fresh}", new, flags=re.M
            )
            taken.add(fresh)
    return existing.rstrip("\n") + "\n\n\n" + new.lstrip("\n")


def _fresh_name(name: str, taken: set[str]) -> str:
    n = 2
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"
