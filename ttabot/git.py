"""Every git subprocess call ttabot makes, behind one wrapper.

Output is read as bytes: diffs may hold text in any encoding, and paths may
not be UTF-8. Callers decode where they know what they hold. Failures that the
user caused (not a repository, unknown revision) become :class:`TtabotError`
with one line naming the problem.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from ttabot.errors import TtabotError

# quotepath=off keeps non-ASCII paths as UTF-8 instead of "\303\251" escapes.
_GIT = ("git", "-c", "core.quotepath=off")

#: Options for every diff ttabot reads: no context, renames found, and none of
#: the user's configuration (colour, external diff tools, textconv, prefixes,
#: diff.relative) that would change the format.
DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--no-relative",
    "-M",
    "-U0",
)


#: Seconds any one git command may take (a hung credential helper, a stuck NFS mount).
GIT_TIMEOUT = 600.0


def run(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``root`` and return the finished process, whatever its exit code."""
    try:
        return subprocess.run(
            [*_GIT, *args],
            cwd=root,
            input=stdin,
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise TtabotError(f"git {args[0]} did not finish in {GIT_TIMEOUT:g} s") from None
    except (FileNotFoundError, NotADirectoryError):
        # subprocess says the same for a missing cwd and a missing git binary.
        if not root.is_dir():
            raise TtabotError(f"{root} is not a directory") from None
        raise TtabotError("git is not installed (or not on PATH)") from None


def output(root: Path, *args: str) -> bytes:
    """Run ``git ARGS`` and return stdout; a failure becomes a one-line :class:`TtabotError`."""
    done = run(root, *args)
    if done.returncode != 0:
        raise TtabotError(f"git {args[0]} failed: {first_line(done.stderr)}")
    return done.stdout


def first_line(stderr: bytes) -> str:
    """The first non-empty line of git's stderr, without git's ``fatal:`` prefix."""
    for raw in stderr.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "no message"


def locate(cwd: Path) -> tuple[Path, str | None]:
    """The repository root holding ``cwd`` and the SHA of HEAD (``None`` before the first commit).

    One git call answers both, which matters on the pre-commit path.
    """
    done = run(cwd, "rev-parse", "--show-toplevel", "--verify", "-q", "HEAD")
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if not lines or done.returncode not in (0, 1):
        reason = first_line(done.stderr)
        if "not a git repository" in reason.lower() or not done.stderr.strip():
            raise TtabotError(f"not a git repository: {cwd} (or pass --diff with --root)")
        # e.g. "detected dubious ownership": git's own words say what to do.
        raise TtabotError(f"git cannot use {cwd}: {reason}")
    head = lines[1].strip() if done.returncode == 0 and len(lines) > 1 else None
    return Path(lines[0]), head


def plainly_toplevel(path: Path) -> bool:
    """Whether ``path`` is plainly the top of a work tree, so ``git rev-parse`` can be skipped.

    The pre-commit hook runs there on every commit, and asking git for the top
    costs a process. Plain means a ``.git`` file, or a ``.git`` folder holding
    ``HEAD``, in ``path``, and none of the environment variables that move the
    repository or the work tree; a repository whose ``core.worktree`` points
    elsewhere is not told apart.
    """
    if any(name in os.environ for name in _MOVERS):
        return False
    entry = os.path.join(path, ".git")
    # A folder git would not take for a repository (no HEAD: an empty `.git`) sends git
    # looking further up, to another top: then ask it.
    return os.path.isfile(entry) or os.path.isfile(os.path.join(entry, "HEAD"))


#: Environment variables with which git's work tree or repository is not found from the cwd.
_MOVERS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


def try_diff_staged(top: Path) -> bytes | None:
    """The staged change, as :func:`diff_staged`; None when git fails (the caller asks again)."""
    done = run(top, "diff", "--cached", *DIFF_OPTIONS)
    return done.stdout if done.returncode == 0 else None


def resolve_commit(root: Path, rev: str) -> str:
    """The full SHA of commit ``rev``, or a :class:`TtabotError` naming it."""
    done = run(root, "rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}")
    if done.returncode != 0 or not done.stdout.strip():
        raise TtabotError(f"unknown revision {rev!r}")
    return done.stdout.decode().strip()


def merge_base(root: Path, left: str, right: str) -> str:
    """The best common ancestor of two commits (``A...B`` starts there)."""
    done = run(root, "merge-base", left, right)
    if done.returncode != 0 or not done.stdout.strip():
        raise TtabotError(f"{left[:12]} and {right[:12]} have no common ancestor")
    return done.stdout.decode().split()[0]


def range_is_empty(root: Path, base: str, head: str) -> bool:
    """True when ``base..head`` holds no commit."""
    return not output(root, "rev-list", "-1", f"{base}..{head}").strip()


#: Characters of path names past which a diff is asked for whole rather than per path:
#: the command line has a limit (ARG_MAX), and a change may name every file there is.
PATHSPEC_LIMIT = 100_000


def as_text(paths: Sequence[str]) -> tuple[str, ...]:
    """Diff options that limit a diff to ``paths`` (named literally) and show them as text.

    For files git called binary only because the repository's ``.gitattributes``
    says so (``*.py -diff``): ``--text`` overrides that. No paths: no options.
    Too many to name (:data:`PATHSPEC_LIMIT`): the whole diff, as text.
    """
    if not paths:
        return ()
    if sum(len(path) + 12 for path in paths) > PATHSPEC_LIMIT:
        return ("--text", "--")
    return ("--text", "--", *(f":(literal){path}" for path in paths))


def diff_staged(root: Path, paths: Sequence[str] = ()) -> bytes:
    """The staged change (index against HEAD, or against nothing before the first commit).

    ``paths``: only these files, as text (:func:`as_text`); the same for the diffs below.
    """
    return output(root, "diff", "--cached", *DIFF_OPTIONS, *as_text(paths))


def diff_commits(root: Path, base: str, head: str, paths: Sequence[str] = ()) -> bytes:
    """The change from commit ``base`` to commit ``head``."""
    return output(root, "diff", *DIFF_OPTIONS, base, head, *(as_text(paths) or ("--",)))


def diff_commit(root: Path, sha: str, paths: Sequence[str] = ()) -> bytes:
    """What commit ``sha`` changed: against its first parent, or nothing for a root commit."""
    return output(
        root,
        "diff-tree",
        "-r",
        "-p",
        "--root",
        "--diff-merges=first-parent",
        "--no-commit-id",
        *DIFF_OPTIONS,
        sha,
        *as_text(paths),
    )


def read_blobs(root: Path, specs: Sequence[str]) -> dict[str, bytes | None]:
    """Contents of many ``REV:path`` (or ``:path`` for the index) objects in one git call.

    A spec that names nothing (or not a file) maps to ``None``. ``git cat-file
    --batch`` answers every spec in order, which keeps a many-file change to
    one process.
    """
    wanted = list(dict.fromkeys(specs))
    found: dict[str, bytes | None] = dict.fromkeys(specs)
    if not wanted:
        return found
    # A path may hold a newline: then the specs go NUL-terminated (``-z``, git 2.38+).
    nul = any("\n" in spec for spec in wanted)
    end = "\0" if nul else "\n"
    stdin = "".join(f"{spec}{end}" for spec in wanted).encode("utf-8", "surrogateescape")
    done = run(root, "cat-file", "--batch", *(["-z"] if nul else []), stdin=stdin)
    if done.returncode != 0:
        raise TtabotError(f"git cat-file failed: {first_line(done.stderr)}")
    found.update(_parse_batch(done.stdout, wanted))
    return found


_NOT_FOUND = (b" missing\n", b" ambiguous\n")


def unmerged_paths(root: Path) -> list[str]:
    """Paths with unmerged entries in the index (a merge, rebase or cherry-pick in progress)."""
    data = output(root, "ls-files", "-u", "-z")
    names = (entry.partition(b"\t")[2] for entry in data.split(b"\0") if entry)
    return list(dict.fromkeys(n.decode("utf-8", "surrogateescape") for n in names))


def _parse_batch(data: bytes, specs: Iterable[str]) -> dict[str, bytes | None]:
    """Split ``cat-file --batch`` output: a header and content per object, or ``<spec> missing``."""
    out: dict[str, bytes | None] = {}
    pos = 0
    for spec in specs:
        # "<spec> missing": matched whole, since a spec may hold a newline itself.
        raw = spec.encode("utf-8", "surrogateescape")
        word = next((w for w in _NOT_FOUND if data.startswith(raw + w, pos)), None)
        if word is not None:
            out[spec] = None
            pos += len(raw) + len(word)
            continue
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
            size = int(header[2])
            out[spec] = data[pos : pos + size] if header[1] == b"blob" else None
            pos += size + 1
        else:  # "<spec> missing" or "<spec> ambiguous"
            out[spec] = None
    return out


def diff_worktree(root: Path, paths: Sequence[str] = ()) -> bytes:
    """The unstaged edits: the working tree against the index (untracked files not included)."""
    return output(root, "diff", *DIFF_OPTIONS, *as_text(paths))


def git_path(root: Path, name: str) -> Path:
    """Where ``name`` lives inside the repository's git folder (worktrees included)."""
    text = output(root, "rev-parse", "--git-path", name).decode("utf-8", "surrogateescape")
    path = Path(text.strip())
    return path if path.is_absolute() else root / path


def tracked_files(root: Path) -> list[str]:
    """Every path git tracks under ``root``, relative to it, with ``/``."""
    data = output(root, "ls-files", "-z")
    return [p for p in data.decode("utf-8", "surrogateescape").split("\0") if p]


def checkout_attributes(
    root: Path, paths: Sequence[str], names: Sequence[str]
) -> dict[str, dict[str, str]] | None:
    """The attributes ``names`` of each path, as ``git check-attr`` gives them.

    Each value is ``set``, ``unset``, ``unspecified`` or the attribute's value. None
    when ``root`` is in no git repository.
    """
    stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
    done = run(root, "check-attr", "-z", "--stdin", *names, stdin=stdin)
    if done.returncode != 0:
        return None
    fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: dict[str, dict[str, str]] = {}
    for at in range(0, len(fields) - 2, 3):
        path, name, value = fields[at : at + 3]
        out.setdefault(path, {})[name] = value
    return out


def line_end_config(root: Path) -> dict[str, str | None]:
    """``core.autocrlf`` and ``core.eol`` as git's configuration sets them (the last wins).

    None is a key written with no value (which git reads as true).
    """
    done = run(root, "config", "-z", "--get-regexp", r"^core\.(autocrlf|eol)$")
    out: dict[str, str | None] = {}
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if entry:
            key, newline, value = entry.partition("\n")
            out[key.lower()] = value if newline else None
    return out
