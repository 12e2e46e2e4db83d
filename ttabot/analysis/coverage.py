"""Reading coverage data: which lines of which repo files tests executed.

Two formats: Cobertura XML (``coverage xml``, and most other tools) and
coverage.py's own ``.coverage`` SQLite file. ``coverage`` itself is imported
only for the latter, so ``ttabot check`` without coverage never pays for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from ttabot.errors import TtabotError

_SQLITE_MAGIC = b"SQLite format 3\x00"


def load_covered_lines(path: Path, root: Path) -> Mapping[str, frozenset[int]]:
    """Executed line numbers per repo-relative path (``/`` separators) from a coverage file.

    Files measured outside ``root`` are left out. Raises :class:`TtabotError`
    with a one-line message for a missing or unreadable file or an unknown format.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise TtabotError(f"cannot read coverage file {path}: {exc.strerror}") from None
    if head.startswith(_SQLITE_MAGIC):
        return _from_coverage_data(path, root)
    if b"<coverage" in head or head.lstrip().startswith(b"<?xml"):
        return _from_cobertura(path, root)
    raise TtabotError(
        f"coverage file {path} is neither Cobertura XML (`coverage xml`) "
        "nor a coverage.py data file (.coverage)"
    )


def _relative(absolute: str, root: str) -> str | None:
    """``absolute`` relative to ``root`` with ``/``, or None when it lies outside."""
    try:
        real = os.path.realpath(absolute)
        rel = os.path.relpath(real, root)
    except ValueError:  # another drive on Windows; a NUL byte in a hostile report's name
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return PurePosixPath(*Path(rel).parts).as_posix()


def _merge(pairs: Iterable[tuple[str, Iterable[int]]]) -> dict[str, frozenset[int]]:
    merged: dict[str, set[int]] = {}
    for rel, lines in pairs:
        merged.setdefault(rel, set()).update(lines)
    return {rel: frozenset(lines) for rel, lines in merged.items()}


def _from_coverage_data(path: Path, root: Path) -> Mapping[str, frozenset[int]]:
    import coverage  # deferred: ~50 ms of imports the common path never needs
    from coverage.exceptions import CoverageException

    problem = _not_coverage_data(path)
    if problem is not None:
        raise TtabotError(f"cannot read coverage data {path}: {problem}")
    data = coverage.CoverageData(basename=str(path))
    try:
        data.read()
        measured = [(name, data.lines(name) or []) for name in data.measured_files()]
    except CoverageException as exc:
        raise TtabotError(f"cannot read coverage data {path}: {exc}") from None
    real_root = os.path.realpath(root)
    pairs = []
    for name, lines in measured:
        rel = _relative(name, real_root)
        if rel is not None:
            pairs.append((rel, lines))
    return _merge(pairs)


def _not_coverage_data(path: Path) -> str | None:
    """Why the SQLite file ``path`` holds no coverage.py data; None when it does. Read-only.

    coverage.py *creates* its tables in a database that lacks them: handed another
    program's database, its read wrote into it (or, where a table of the same name
    was there, ended in an sqlite3 traceback). So ask first, without writing.
    """
    import sqlite3

    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'coverage_schema'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None if found else "a SQLite file, but not coverage.py's (no coverage_schema table)"


def _from_cobertura(path: Path, root: Path) -> Mapping[str, frozenset[int]]:
    import xml.etree.ElementTree as ET  # deferred like coverage: off the hook's import path

    try:
        tree = ET.parse(path)
    except ET.ParseError as exc:
        raise TtabotError(f"coverage file {path} is not valid XML: {exc}") from None
    except OSError as exc:
        raise TtabotError(f"cannot read coverage file {path}: {exc.strerror}") from None
    top = tree.getroot()
    if top.tag != "coverage":
        raise TtabotError(f"coverage file {path} is XML but not Cobertura (<{top.tag}>)")
    real_root = os.path.realpath(root)
    sources = [s.text.strip() for s in top.iter("source") if s.text and s.text.strip()]
    pairs = []
    for cls in top.iter("class"):
        filename = cls.get("filename")
        if not filename:
            continue
        executed = [
            number
            for line in cls.iter("line")
            if _hits(line.get("hits")) > 0 and (number := _hits(line.get("number"))) > 0
        ]
        rel = _locate(filename, sources, real_root)
        if rel is not None:
            pairs.append((rel, executed))
    return _merge(pairs)


def _hits(value: str | None) -> int:
    """A count or line number from the report; 0 for anything that is not an integer."""
    try:
        return int(value or "0")
    except ValueError:
        return 0


def _locate(filename: str, sources: list[str], real_root: str) -> str | None:
    """Resolve a Cobertura ``filename`` (relative to one of ``sources``) to a repo path.

    Relative sources (and names with no source at all) are taken from the root,
    where a report is normally written. With several sources, the one under
    which the file exists wins; a report written in another checkout (CI) still
    maps when the name exists under the root.
    """
    bases = [os.path.join(real_root, source) for source in sources] or [real_root]
    candidates = [os.path.join(base, filename) for base in bases]
    existing = [c for c in [*candidates, os.path.join(real_root, filename)] if os.path.exists(c)]
    for candidate in existing or candidates:
        rel = _relative(candidate, real_root)
        if rel is not None:
            return rel
    return None
