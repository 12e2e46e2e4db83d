"""One throwaway copy of the project, where generated code runs, never in the user's tree.

A :class:`Sandbox` (made by :func:`~ttabot.drafting.isolation.project_copy`)
reads and writes the copy's files through no link, and runs commands in it:
under bubblewrap when there is one, with an environment built from an
allowlist (:mod:`ttabot.drafting.environment`: no token or key of the parent
reaches the code), a timeout that kills the whole process group, and resource
limits (:class:`~ttabot.rlimits.Limits`: file size, memory and processes, no
core dumps; with bubblewrap the tmpfs folders are capped too). Files the code
leaves behind are reported, so a test that writes outside its temporary
folder can be rejected, and :func:`settle` says what it changed.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ttabot import children, rlimits
from ttabot.drafting import bwrap
from ttabot.drafting.environment import scrubbed_env
from ttabot.drafting.limits import DEFAULT_LIMITS, DEFAULT_TMP_SIZE
from ttabot.drafting.readback import UnsafeFile, copy_out, read_bytes
from ttabot.drafting.snapshot import SANDBOX_DIR, Stat, is_cache, leftovers, snapshot
from ttabot.fileio import inside

if TYPE_CHECKING:
    import coverage

__all__ = ["RunResult", "Sandbox", "UnsafeFile", "settle"]

#: Where coverage writes its data in the copy (read back through :meth:`Sandbox.coverage_data`).
DATA_FILE = ".coverage"
#: Larger source files are refused when read back from the copy (a planted sparse file).
MAX_READ_BYTES = 64 * 1024 * 1024
#: Larger coverage data is refused before it is copied out of the copy (a planted sparse file).
MAX_COVERAGE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class RunResult:
    """What one sandboxed command did. ``returncode`` is None when it timed out."""

    returncode: int | None
    output: str
    timed_out: bool = False


def run(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    limits: rlimits.Limits | None = None,
) -> RunResult:
    """Run ``argv`` in its own session; on timeout kill the group, not just the child.

    ``limits``: the resource limits of the child and all it starts (None: none).
    """
    done = children.run_bounded(argv, cwd, env, timeout, limits)
    return RunResult(done.returncode, done.output, timed_out=done.timed_out)


class Sandbox:
    """A copy of a project in a temporary folder, made by ``isolation.project_copy``."""

    def __init__(
        self,
        path: Path,
        environ: Mapping[str, str],
        timeout: float,
        python: str,
        bwrap_path: str | None = None,
        limits: rlimits.Limits = DEFAULT_LIMITS,
        tmp_size: int = DEFAULT_TMP_SIZE,
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.interpreter = python
        #: The bwrap executable that contains every run, or None (the bare copy).
        self.bwrap = bwrap_path
        #: The resource limits every run has, and the size cap of the sandbox's tmpfs.
        self.limits = limits
        self.tmp_size = tmp_size
        self._home = environ.get("HOME")
        self._modules: dict[str, bool] = {}
        self._measured = False  # whether the last pytest run ran under coverage
        paths = [str(path)] + ([str(path / "src")] if (path / "src").is_dir() else [])
        if bwrap_path is not None:
            home, tmp = Path(bwrap.HOME), Path(bwrap.TMP)
        else:
            home, tmp = path / SANDBOX_DIR / "home", path / SANDBOX_DIR / "tmp"
            home.mkdir(parents=True, exist_ok=True)
            tmp.mkdir(parents=True, exist_ok=True)
        self.env = scrubbed_env(environ, home, tmp, os.pathsep.join(paths))

    def read(self, rel: str) -> str | None:
        """The text of a regular file in the copy, or None when it is absent.

        Never through a symbolic link, at any depth: generated code may have put
        one there. A link, a non-regular file, one larger than :data:`MAX_READ_BYTES`
        or one that is not UTF-8 raises :class:`UnsafeFile`.
        """
        data = read_bytes(self.path, rel, limit=MAX_READ_BYTES)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:  # generated code rewrote it: the copy is not ttabot's
            raise UnsafeFile(f"{rel}: not UTF-8 text ({exc.reason})") from None

    def write(self, rel: str, text: str | None) -> None:
        """Write (or, with None, delete) a file in the copy, never through a symbolic link.

        A link or other non-regular file in the file's own place is replaced (or,
        with None, removed); a linked folder on the way, or a folder in the
        file's place, is refused with :class:`UnsafeFile`.
        """
        parent, _, name = rel.rpartition("/")
        try:
            folder = inside(self.path, parent) if parent else self.path
        except ValueError as exc:
            raise UnsafeFile(f"not written in the sandbox copy: {exc}") from None
        if name in ("", ".", ".."):
            raise UnsafeFile(f"not written in the sandbox copy: {rel}: not a file path")
        target = folder / name
        try:
            mode: int | None = target.lstat().st_mode
        except FileNotFoundError:
            mode = None
        except NotADirectoryError:
            raise UnsafeFile(f"not written in the sandbox copy: {rel}: not a folder") from None
        if mode is not None and stat.S_ISDIR(mode):
            raise UnsafeFile(f"not written in the sandbox copy: {rel} is a folder")
        if mode is not None and (text is None or not stat.S_ISREG(mode)):
            target.unlink()
        if text is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(target, flags, 0o644), "wb") as handle:
            handle.write(text.encode("utf-8"))

    def run(self, argv: Sequence[str]) -> RunResult:
        """Run ``argv`` in the copy: under bubblewrap when there is one, with the timeout."""
        if self.bwrap is not None:
            argv = bwrap.command(
                self.bwrap, argv, self.path, self.interpreter, self._home, self.tmp_size
            )
        return run(argv, self.path, self.env, self.timeout, self.limits)

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        """Run ``python ARGS`` in the copy; return the result and the files it left behind."""
        before = snapshot(self.path)
        result = self.run([self.interpreter, *args])
        return result, leftovers(before, snapshot(self.path))

    def tool(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        """Run ``python -I ARGS`` in the copy: a tool of ttabot's own (ruff, black, checks).

        Isolated mode puts neither the copy nor ``PYTHONPATH`` on ``sys.path``, so
        no module generated code planted in the copy is imported in its place.
        """
        return self.python(["-I", *args])

    def has_module(self, name: str) -> bool:
        """Whether the interpreter itself can import ``name`` (asked once per sandbox).

        Asked in isolated mode: a package planted in the copy does not count.
        """
        if name not in self._modules:
            result = self.run([self.interpreter, "-I", "-c", f"import {name}"])
            self._modules[name] = result.returncode == 0
        return self._modules[name]

    def pytest(
        self, tests: Sequence[str], *, coverage_of: str | None = None, report: str = "-rfE"
    ) -> tuple[RunResult, list[str]]:
        """Run pytest on ``tests`` (optionally under coverage, measuring ``coverage_of``).

        ``report`` is pytest's summary option: ``-rA`` lists the tests that passed too.
        """
        # Our flags win over the project's addopts (e.g. --cov, -n) so runs are comparable.
        pytest = ["-m", "pytest", "-q", report, "-p", "no:cacheprovider", "-o", "addopts=", *tests]
        self._measured = False
        if not self.has_module("pytest"):
            note = f"[ttabot] pytest is not installed for {self.interpreter} (set draft.python)"
            return RunResult(3, note), []
        data = self.clear_coverage_data()
        # Without coverage in that environment, coverage is simply not measured.
        if coverage_of is None or not self.has_module("coverage"):
            return self.python(pytest)
        self._measured = True
        return self.python(
            [
                "-m",
                "coverage",
                "run",
                f"--rcfile={os.devnull}",
                f"--data-file={data}",
                f"--include={self.path / coverage_of}",
                *pytest,
            ]
        )

    def coverage_missing(self) -> str | None:
        """Why coverage cannot be measured in this sandbox at all, or None when it can."""
        if self.has_module("coverage"):
            return None
        return f"coverage is not installed for {self.interpreter}"

    def clear_coverage_data(self) -> Path:
        """Remove the last run's coverage data (a link is removed, not followed); its path."""
        self.write(DATA_FILE, None)
        return self.path / DATA_FILE

    @contextmanager
    def coverage_data(self) -> Iterator[coverage.CoverageData | None]:
        """The last coverage run's data (None: it wrote none), read outside the copy.

        The data file must be a regular file reached through no link; it is
        copied to a private folder first, so coverage opens only that copy.
        A link, a non-regular file, or data coverage cannot read (its own
        exceptions, SQLite's) raise :class:`UnsafeFile` naming why.
        """
        import coverage
        from coverage.exceptions import CoverageException

        with tempfile.TemporaryDirectory(prefix="ttabot-coverage-") as private:
            target = Path(private, "data")
            if not copy_out(self.path, DATA_FILE, target, MAX_COVERAGE_BYTES):
                yield None
                return
            try:
                data = coverage.CoverageData(basename=str(target))
                data.read()
                yield data
            except (CoverageException, sqlite3.Error) as exc:
                raise UnsafeFile(f"the coverage data cannot be read: {exc}") from None

    def executed_lines(self, rel: str) -> frozenset[int] | None:
        """Lines of ``rel`` the last pytest run executed.

        None only when that run was not measured (no ``coverage_of``, or coverage
        is not installed). A measured run that never imported ``rel`` executed
        nothing of it: an empty set, not "unknown". Data ttabot will not read
        raises :class:`UnsafeFile` (see :meth:`coverage_data`).
        """
        if not self._measured:
            return None
        with self.coverage_data() as data:
            if data is None:
                return frozenset()  # coverage writes no data when nothing it measures ran
            wanted = os.path.realpath(self.path / rel)
            for measured in data.measured_files():
                if os.path.realpath(measured) == wanted:
                    return frozenset(data.lines(measured) or ())
        return frozenset()


def settle(sandbox: Sandbox, pristine: Mapping[str, Stat], ours: Iterable[str] = ()) -> list[str]:
    """What generated code changed in ``sandbox``'s copy since ``pristine`` (a snapshot
    with ``caches=True``), beyond the files ``ours`` ttabot wrote itself; caches aside.

    Bytecode written meanwhile is removed: generated code can plant a ``.pyc`` (of
    a project module, or pytest's rewrite of a test module) whose header matches
    the source, and Python would run it instead. Removed, it is compiled again
    from the source. A copy with any change listed here no longer stands for the
    project: judge later drafts on a fresh one.
    """
    after = snapshot(sandbox.path, caches=True)
    changed = set(leftovers(pristine, after)) - set(ours)
    for rel in sorted(changed):
        if rel in after and rel.endswith(".pyc") and is_cache(rel, after[rel][0]):
            sandbox.write(rel, None)
    return sorted(r for r in changed if not is_cache(r, (after.get(r) or pristine[r])[0]))
