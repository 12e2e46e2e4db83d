"""Which paths of a change the analysis looks at.

Only Python files count; test files get no findings of their own but their
added lines are the evidence that changed code is tested. ``include`` and
``exclude`` are glob patterns on the repo-relative path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

_TEST_DIRS = frozenset({"tests", "test"})


def is_python(path: str) -> bool:
    """True for a ``.py`` file."""
    return path.endswith(".py")


def is_test_file(path: str) -> bool:
    """True for a test file: under a ``tests``/``test`` folder, ``test_*.py``, ``*_test.py``
    or ``conftest.py``."""
    *folders, name = path.split("/")
    if any(folder in _TEST_DIRS for folder in folders):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a glob to a regex: ``**`` crosses folders, ``*`` and ``?`` do not."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[!", i) else i + 1)
            if end < 0:
                out.append(re.escape(char))
                i += 1
                continue
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return re.compile("".join(out))


def matches(path: str, pattern: str) -> bool:
    """True when ``pattern`` matches ``path``.

    A pattern without ``/`` matches a file or folder name at any depth (like
    ``.gitignore``); a pattern with ``/`` is anchored at the repository root.
    A pattern that matches a folder matches everything under it.
    """
    pattern = pattern.strip().lstrip("/").rstrip("/")
    if not pattern:
        return False
    regex = _compile(pattern)
    parts = path.split("/")
    if "/" not in pattern:
        return any(regex.fullmatch(part) for part in parts)
    return any(regex.fullmatch("/".join(parts[:k])) for k in range(1, len(parts) + 1))


def in_scope(path: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """True when ``path`` passes ``include`` (empty: everything) and no ``exclude`` matches."""
    if include and not any(matches(path, p) for p in include):
        return False
    return not any(matches(path, p) for p in exclude)
