"""docs/architecture.md names only modules that exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"

#: A file or folder under ttabot/ or tests/, as the doc writes it (``ttabot/review/pull.py``).
_PATH = re.compile(r"\b((?:ttabot|tests)/[\w./<>-]*\w/?)")
#: A dotted module or attribute (``ttabot.errors.TtabotError``).
_DOTTED = re.compile(r"\bttabot(?:\.\w+)+")


def missing_paths(text: str, root: Path) -> list[str]:
    """Paths named in ``text`` that do not exist under ``root`` (templates with ``<`` skipped)."""
    return sorted(
        {p for p in _PATH.findall(text) if "<" not in p and not (root / p.rstrip("/")).exists()}
    )


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def missing_dotted(text: str) -> list[str]:
    """Dotted names in ``text`` that are neither a module nor an attribute of one."""
    gone = []
    for name in sorted(set(_DOTTED.findall(text))):
        module, _, attr = name.rpartition(".")
        if _is_module(name):
            continue
        if _is_module(module) and hasattr(importlib.import_module(module), attr):
            continue
        gone.append(name)
    return gone


def test_every_module_path_the_architecture_doc_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert len(_PATH.findall(text)) > 30  # the doc really is read
    assert missing_paths(text, ROOT) == []


def test_every_dotted_name_the_architecture_doc_names_exists() -> None:
    assert missing_dotted(DOC.read_text(encoding="utf-8")) == []


def test_a_stale_name_is_caught() -> None:
    text = "moved from `ttabot/github/comment.py` to `ttabot.github.comment.Report`"
    assert missing_paths(text, ROOT) == ["ttabot/github/comment.py"]
    assert missing_dotted(text) == ["ttabot.github.comment.Report"]


README = ROOT / "README.md"
#: A package's first line in README's layout block (``drafting/    kinds · plan``)...
_LAYOUT_PACKAGE = re.compile(r"^ {10}(\w+)/ +(\S.*)$")
#: ... and the lines that continue it, indented to the names.
_LAYOUT_MORE = re.compile(r"^ {23}(\S.*)$")


def layout_modules(text: str) -> list[tuple[str, str]]:
    """``(package, name)`` for each module README's layout block lists under a package."""
    block = text.split("## Layout", 1)[1].split("```")[1]
    found: list[tuple[str, str]] = []
    package: str | None = None
    for line in block.splitlines():
        first, more = _LAYOUT_PACKAGE.match(line), _LAYOUT_MORE.match(line)
        if first is not None:
            package, names = first.group(1), first.group(2)
        elif more is not None and package is not None:
            names = more.group(1)
        else:
            package = None
            continue
        names = re.sub(r"\([^)]*\)", "", names)  # what a module does, in brackets
        for item in names.split(" · "):
            name = item.rsplit(":", 1)[-1].split()  # after "forge-neutral:" and the like
            if name and package != "prompts":  # prompts/ holds templates, not modules
                found.append((package, name[0]))
    return found


def test_every_module_the_readme_layout_lists_exists() -> None:
    listed = layout_modules(README.read_text(encoding="utf-8"))
    assert len(listed) > 60  # the block really is read
    package_dir = ROOT / "ttabot"
    gone = [
        f"{package}/{name}"
        for package, name in listed
        if not (package_dir / package / f"{name}.py").exists()
        and not (package_dir / package / name).is_dir()
    ]
    assert gone == []


def test_a_stale_layout_entry_is_caught() -> None:
    text = "## Layout\n\n```\nttabot/   x\n          review/      pull · paths (gone)\n```\n"
    assert layout_modules(text) == [("review", "pull"), ("review", "paths")]
