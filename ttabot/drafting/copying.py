"""Copying a project for the sandbox: what git would track, and nothing outside the project.

In a git work tree the files are the ones ``git ls-files -co --exclude-standard``
names (tracked and untracked, ``.gitignore`` honoured); elsewhere the same
question asked of a throwaway empty repository whose work tree is the project,
so its ``.gitignore`` files still keep out the ``.env`` they name; without git at
all, a walk. Environments and caches are skipped either way. Files are copied
as bytes, whatever their encoding. A symbolic link that resolves inside the
project is copied as a (relative) link; one that resolves outside is neither
followed nor copied.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from ttabot import children, git
from ttabot.errors import TtabotError

#: Folders never copied: version control, environments, caches, build output.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        ".eggs",
    }
)


class CopyReport(NamedTuple):
    """What copying left out: symbolic links that point outside the project."""

    outside_links: tuple[str, ...]


def skipped(rel: str) -> bool:
    """Whether a repo-relative path lies in a folder that is never copied."""
    parts = PurePosixPath(rel).parts
    return any(p in SKIP_DIRS or p.endswith(".egg-info") for p in parts[:-1]) or (
        bool(parts) and parts[-1] in SKIP_DIRS
    )


def git_listing(root: Path) -> list[str] | None:
    """Tracked and untracked, not ignored, paths under ``root``; None outside a work tree."""
    try:
        done = git.run(root, "ls-files", "-z", "-co", "--exclude-standard")
    except TtabotError:  # no git at all: walk instead
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.split(b"\0")
    return list(dict.fromkeys(n.decode("utf-8", "surrogateescape") for n in names if n))


def walk_listing(root: Path) -> list[str]:
    """Every file and symbolic link under ``root``, skipping :data:`SKIP_DIRS`."""
    out = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = sorted(d for d in dirs if d not in links and not skipped(f"{prefix}{d}/x"))
        out += [f"{prefix}{name}" for name in sorted([*files, *links])]
    return out


def ignored_listing(root: Path) -> list[str] | None:
    """Outside a work tree: the files under ``root`` its ``.gitignore`` files do not
    ignore, asked of git through a throwaway empty repository; None without git."""
    with tempfile.TemporaryDirectory(prefix="ttabot-gitdir-") as gitdir:
        skip = [f"--exclude={name}/" for name in sorted(SKIP_DIRS)]
        try:
            if git.run(root, "init", "-q", "--bare", gitdir).returncode != 0:
                return None
            done = git.run(
                root,
                f"--git-dir={gitdir}",
                f"--work-tree={root}",
                "ls-files",
                "-z",
                "-o",
                "--exclude-standard",
                "--exclude=*.egg-info/",
                *skip,
            )
        except TtabotError:
            return None
    if done.returncode != 0:
        return None
    names = done.stdout.split(b"\0")
    return [n.decode("utf-8", "surrogateescape") for n in names if n]


def listing(root: Path) -> list[str]:
    """The project's files to copy (see the module docstring)."""
    listed = git_listing(root)
    if listed is None:
        listed = ignored_listing(root)
    names = walk_listing(root) if listed is None else listed
    return [n for n in names if not skipped(n)]


def _link_target(root: Path, rel: str, source: Path) -> str | None:
    """The link text to recreate ``rel`` in the copy, or None when it points outside."""
    try:
        resolved = source.resolve(strict=False)
        real_root = root.resolve()
    except (OSError, RuntimeError):  # a loop
        return None
    if resolved != real_root and real_root not in resolved.parents:
        return None
    inside = resolved.relative_to(real_root)
    return os.path.relpath(inside, PurePosixPath(rel).parent or ".")


def copy_project(root: Path, dest: Path, names: Iterable[str]) -> CopyReport:
    """Copy ``names`` (repo-relative) from ``root`` to ``dest``; see the module docstring."""
    outside: list[str] = []
    for rel in names:
        if children.stopping():  # SIGINT/SIGTERM: a big copy must not hold the exit up
            raise children.Interrupted
        source = root / rel
        if any(p.is_symlink() for p in _parents(root, rel)):
            continue  # under a linked folder: the link itself is handled on its own
        try:
            info = source.lstat()
        except OSError:
            continue  # listed by git but gone from the tree
        target = dest / rel
        if stat.S_ISLNK(info.st_mode):
            text = _link_target(root, rel, source)
            if text is None:
                outside.append(rel)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(text, target)
        elif stat.S_ISREG(info.st_mode):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target, follow_symlinks=False)
            os.chmod(target, stat.S_IMODE(info.st_mode))
    return CopyReport(tuple(outside))


def _parents(root: Path, rel: str) -> list[Path]:
    parts = PurePosixPath(rel).parts[:-1]
    return [root.joinpath(*parts[: i + 1]) for i in range(len(parts))]
