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
