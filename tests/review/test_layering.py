"""The review core is forge-neutral: nothing in ttabot/review imports ttabot.github."""

from __future__ import annotations

import ast
from pathlib import Path

import ttabot

PACKAGE = Path(ttabot.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file (function-local imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_review_imports_nothing_from_github() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in sorted((PACKAGE / "review").rglob("*.py"))
        for module in imported_modules(path)
        if module == "ttabot.github" or module.startswith(("ttabot.github.", "github"))
    }
    assert offenders == set()


def test_the_import_finder_sees_a_github_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ttabot.github.api import GitHubApi\n")
    assert "ttabot.github.api" in imported_modules(module)
