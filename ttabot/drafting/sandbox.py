"""Run generated code in a throwaway copy of the project, never in the user's tree.

The copy gets a scrubbed environment built from an allowlist (so no token or
key of the parent reaches the code), HOME and TMPDIR inside the copy, and a
timeout that kills the whole process group. Files the code leaves behind are
reported, so a test that writes outside its temporary folder can be rejected.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

#: Environment variables passed through; everything else (tokens, keys, proxies) is dropped.
ENV_ALLOWLIST = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "COMSPEC")

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

#: Where HOME and TMPDIR live inside the copy.
SANDBOX_DIR = ".ttabot-sandbox"


@dataclass(frozen=True)
class RunResult:
    """What one sandboxed command did. ``returncode`` is None when it timed out."""

    returncode: int | None
    output: str
    timed_out: bool = False


def scrubbed_env(
    environ: Mapping[str, str], home: Path, tmp: Path, pythonpath: str
) -> dict[str, str]:
    """The environment generated code runs with: allowlisted variables plus our own."""
    env = {key: environ[key] for key in ENV_ALLOWLIST if key in environ}
    env.setdefault("PATH", os.defpath)
    env.update(
        HOME=str(home),
        USERPROFILE=str(home),
        TMPDIR=str(tmp),
        TEMP=str(tmp),
        TMP=str(tmp),
        PYTHONPATH=pythonpath,
        PYTHONNOUSERSITE="1",
        PYTHONIOENCODING="utf-8",
        NO_COLOR="1",
    )
    return env


def _is_cache(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return (
        "__pycache__" in parts
        or ".pytest_cache" in parts
        or name == ".coverage"
        or name.startswith(".coverage.")
        or rel.startswith(f"{SANDBOX_DIR}/tmp/")
    )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """``relative path -> (size, mtime_ns)`` of every non-cache file under ``root``."""
    out: dict[str, tuple[int, int]] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if _is_cache(rel):
                continue
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue
            out[rel] = (stat.st_size, stat.st_mtime_ns)
    return out


def leftovers(
    before: Mapping[str, tuple[int, int]], after: Mapping[str, tuple[int, int]]
) -> list[str]:
    """Files created, changed or deleted between two snapshots."""
    return sorted(
        {rel for rel, stat in after.items() if before.get(rel) != stat}
        | {rel for rel in before if rel not in after}
    )


def run(argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float) -> RunResult:
    """Run ``argv`` in its own process group; on timeout kill the group, not just the child."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        text = out.decode("utf-8", "replace")
        note = f"[ttabot] killed after {timeout:g} s (timeout)"
        return RunResult(None, f"{note}\n{text}", timed_out=True)
    return RunResult(proc.returncode, out.decode("utf-8", "replace"))


def choose_python(root: Path, configured: str, environ: Mapping[str, str]) -> str:
    """The interpreter for generated tests: configured, else the project's environment.

    ttabot often runs from its own environment (pipx, pre-commit) that lacks the
    project's dependencies and pytest, so the project's ``.venv``/``venv`` and an
    active ``VIRTUAL_ENV`` come before ttabot's own interpreter.
    """
    if configured:
        return configured
    bindir = "Scripts" if os.name == "nt" else "bin"
    exe = "python.exe" if os.name == "nt" else "python"
    candidates = [root / name / bindir / exe for name in (".venv", "venv")]
    if environ.get("VIRTUAL_ENV"):
        candidates.append(Path(environ["VIRTUAL_ENV"], bindir, exe))
    found = next((c for c in candidates if c.is_file()), None)
    return str(found) if found is not None else sys.executable


class Sandbox:
    """A copy of a project in a temporary folder; see :func:`project_copy`."""

    def __init__(self, path: Path, environ: Mapping[str, str], timeout: float, python: str) -> None:
        self.path = path
        self.timeout = timeout
        self.interpreter = python
        self._modules: dict[str, bool] = {}
        self._measured = False  # whether the last pytest run ran under coverage
        home, tmp = path / SANDBOX_DIR / "home", path / SANDBOX_DIR / "tmp"
        home.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)
        paths = [str(path)] + ([str(path / "src")] if (path / "src").is_dir() else [])
        self.env = scrubbed_env(environ, home, tmp, os.pathsep.join(paths))

    def read(self, rel: str) -> str | None:
        """The text of a file in the copy, or None."""
        target = self.path / rel
        return target.read_bytes().decode("utf-8") if target.is_file() else None

    def write(self, rel: str, text: str | None) -> None:
        """Write (or, with None, delete) a file in the copy."""
        target = self.path / rel
        if text is None:
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")

    def python(self, args: Sequence[str]) -> tuple[RunResult, list[str]]:
        """Run ``python ARGS`` in the copy; return the result and the files it left behind."""
        before = snapshot(self.path)
        result = run([self.interpreter, *args], self.path, self.env, self.timeout)
        return result, leftovers(before, snapshot(self.path))

    def has_module(self, name: str) -> bool:
        """Whether the interpreter can import ``name`` (asked once per sandbox)."""
        if name not in self._modules:
            argv = [self.interpreter, "-c", f"import {name}"]
            result = run(argv, self.path, self.env, self.timeout)
            self._modules[name] = result.returncode == 0
        return self._modules[name]

    def pytest(
        self, tests: Sequence[str], *, coverage_of: str | None = None
    ) -> tuple[RunResult, list[str]]:
        """Run pytest on ``tests`` (optionally under coverage, measuring ``coverage_of``)."""
        # Our flags win over the project's addopts (e.g. --cov, -n) so runs are comparable.
        pytest = ["-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
        self._measured = False
        if not self.has_module("pytest"):
            note = f"[ttabot] pytest is not installed for {self.interpreter} (set draft.python)"
            return RunResult(3, note), []
        data = self.path / ".coverage"
        data.unlink(missing_ok=True)
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

    def executed_lines(self, rel: str) -> frozenset[int] | None:
        """Lines of ``rel`` the last pytest run executed.

        None only when that run was not measured (no ``coverage_of``, or coverage
        is not installed). A measured run that never imported ``rel`` executed
        nothing of it: an empty set, not "unknown".
        """
        if not self._measured:
            return None
        data_file = self.path / ".coverage"
        if not data_file.is_file():
            return frozenset()  # coverage writes no data when nothing it measures ran
        import coverage

        data = coverage.CoverageData(basename=str(data_file))
        data.read()
        for measured in data.measured_files():
            if Path(measured).resolve() == (self.path / rel).resolve():
                return frozenset(data.lines(measured) or ())
        return frozenset()


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")}


@contextmanager
def project_copy(
    root: Path,
    overlay: Mapping[str, str | None],
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    python: str | None = None,
) -> Iterator[Sandbox]:
    """A :class:`Sandbox` holding a copy of ``root`` with ``overlay`` files written over it.

    ``overlay`` maps repo-relative paths to the text a change gives them (None:
    deleted), so the copy is the change's new version whatever the working tree holds.
    ``python`` defaults to :func:`choose_python` with no configured interpreter.
    """
    env = os.environ if environ is None else environ
    interpreter = python or choose_python(root, "", env)
    with tempfile.TemporaryDirectory(prefix="ttabot-") as tmp:
        path = Path(tmp, "project").resolve()
        shutil.copytree(root, path, ignore=_ignore, symlinks=True)
        sandbox = Sandbox(path, env, timeout, interpreter)
        for rel, text in overlay.items():
            sandbox.write(rel, text)
        yield sandbox
