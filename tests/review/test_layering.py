"""Imports run one way (docs/architecture.md): a package never imports a layer above it.

``ttabot/review`` is forge-neutral (nothing from ``ttabot/github``), and
``ttabot/drafting`` sits below both: implementing an issue is drafting, the
forge only maps its event into a job and publishes the result. Every import
counts here, also those inside functions and under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ttabot

PACKAGE = Path(ttabot.__file__).parent

#: The layers above, top first: what each package may not import.
_TOP = ("ttabot.cli", "ttabot.commands", "ttabot.github")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "review": _TOP,
    "drafting": (*_TOP, "ttabot.review"),
    "llm": (*_TOP, "ttabot.review", "ttabot.drafting"),
    "analysis": (*_TOP, "ttabot.review", "ttabot.drafting", "ttabot.llm"),
}


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


def upward_imports(folder: Path, forbidden: tuple[str, ...]) -> set[str]:
    """``file: module`` for each import under ``folder`` of a ``forbidden`` package."""
    return {
        f"{path.relative_to(folder.parent)}: {module}"
        for path in sorted(folder.rglob("*.py"))
        for module in imported_modules(path)
        if any(module == bad or module.startswith(bad + ".") for bad in forbidden)
        or module == "github"  # PyGithub: the forge's own business
        or module.startswith("github.")
    }


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    assert upward_imports(PACKAGE / package, FORBIDDEN[package]) == set()


def test_the_import_finder_sees_a_github_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ttabot.github.api import GitHubApi\n")
    assert "ttabot.github.api" in imported_modules(module)


@pytest.mark.parametrize(
    "line",
    [
        "from ttabot.github.event import Issue",
        "from ttabot.review.paths import safe_relative_path",
        "import ttabot.review.inert",
        "from ttabot.github import context",
    ],
)
def test_drafting_importing_the_forge_or_the_review_is_caught(tmp_path: Path, line: str) -> None:
    folder = tmp_path / "drafting"
    folder.mkdir()
    (folder / "m.py").write_text(f"def f():\n    {line}\n")
    assert upward_imports(folder, FORBIDDEN["drafting"]) != set()
    assert upward_imports(folder, ("ttabot.llm",)) == set()  # only what is forbidden counts
