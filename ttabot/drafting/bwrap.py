"""The bubblewrap command line that contains generated code, and whether bwrap works here.

Inside: new pid, ipc, uts and network namespaces (no network at all), no
capability (even when ttabot runs as root), a fresh ``/proc`` that shows only
the sandbox's processes with its ``/proc/sys`` read-only, the system folders and the
interpreter's installation read-only, tmpfs ``/tmp`` and HOME, and the project
copy as the only writable bind. The tmpfs folders are capped in size where bwrap
has ``--size`` (:func:`supports_size`), and bwrap's own ``/dev`` tmpfs is read-only:
a tmpfs is memory, and an uncapped one holds as much as the code writes there.
``--die-with-parent`` and ``--new-session``
tie the sandbox to ttabot and keep it off the terminal; killing bwrap's
process group kills the sandbox's pid 1, and the kernel then kills every
process in the namespace.
"""

from __future__ import annotations

import filecmp
import functools
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Read-only system folders (a missing one is skipped; a symlink, as on merged-/usr
#: systems, is recreated as the same symlink).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")

#: HOME inside the sandbox: on the tmpfs ``/tmp``, empty at every run.
HOME = "/tmp/home"
TMP = "/tmp"

_NAMESPACES = (
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-net",
    "--unshare-cgroup-try",
    # Run as root (a CI container), bwrap would keep every capability: mount the host's
    # disk, load a module. For any other user this changes nothing.
    "--cap-drop",
    "ALL",
)


def find_bwrap(environ: Mapping[str, str]) -> str | None:
    """The bwrap executable on ``environ``'s PATH, or None."""
    return shutil.which("bwrap", path=environ.get("PATH", os.defpath))


@functools.cache
def refusal(bwrap: str) -> str | None:
    """Why ``bwrap`` cannot make a sandbox here (e.g. the kernel refuses namespaces), or None.

    Asked once per process: a trivial command in the same namespaces.
    """
    argv = [bwrap, *_NAMESPACES, "--ro-bind", "/", "/", "--proc", "/proc", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{bwrap} cannot run: {exc}"
    if done.returncode != 0:
        text = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return text[0] if text else f"{bwrap} exited with {done.returncode}"
    return None


@functools.cache
def supports_size(bwrap: str) -> bool:
    """Whether ``bwrap`` caps a tmpfs with ``--size`` (0.8.0 has it; older releases may not).

    Read from ``bwrap --help`` once per process.
    """
    try:
        done = subprocess.run([bwrap, "--help"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.split()[:1] == [b"--size"] for line in done.stdout.splitlines())


def _tmpfs(folder: str, size: int) -> list[str]:
    """``--tmpfs folder``, capped at ``size`` bytes (0: uncapped)."""
    return [*(["--size", str(size)] if size else []), "--tmpfs", folder]


def _under(path: Path, folders: Sequence[str]) -> bool:
    return any(path == Path(f) or Path(f) in path.parents for f in folders)


def interpreter_roots(python: str, home: str | None) -> list[Path]:
    """Folders the interpreter needs: its installation and, for a venv, the base one.

    ``/`` and folders holding the user's HOME are never bound whole (that would
    show the home folder); the executable's own folder is bound instead.
    """
    exe = Path(python)
    found: list[Path] = []
    candidates = [exe.parent.parent, exe.resolve().parent.parent]
    cfg = exe.parent.parent / "pyvenv.cfg"
    if cfg.is_file():
        for line in cfg.read_text("utf-8", "replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip() and _copied_from(exe, Path(value.strip())):
                base = Path(value.strip())
                candidates += [base.parent, base.resolve().parent]
    for prefix in candidates:
        if prefix == Path("/") or (home and (Path(home) == prefix or prefix in Path(home).parents)):
            prefix = exe.parent
        if _holds_checkout(prefix):
            # A checkout (the tree's own link ../../bin/python leads here), or the folder
            # above one: its .git holds remotes' credentials and actions/checkout's token.
            continue
        if not _under(prefix, SYSTEM_DIRS) and prefix not in found and prefix.is_dir():
            found.append(prefix)
    return found


def _holds_checkout(folder: Path) -> bool:
    """Whether ``folder`` or one of its sub-folders is a git checkout (has a ``.git``)."""
    try:
        if (folder / ".git").exists():
            return True
        return any((child / ".git").exists() for child in folder.iterdir() if child.is_dir())
    except OSError:
        return True  # unreadable (``exists`` raises on EACCES): not known to be safe


def _copied_from(exe: Path, bindir: Path) -> bool:
    """Whether ``bindir`` holds the interpreter ``exe`` was copied from (``venv --copies``).

    ``pyvenv.cfg`` is the tree's file when the tree holds the venv: its ``home`` is
    believed only where the interpreter really came from, never as any folder it names.
    """
    if exe.is_symlink():
        return False  # a linked venv's installation is found through the link
    try:
        return any(
            candidate.is_file() and filecmp.cmp(exe, candidate, shallow=False)
            for candidate in bindir.glob("python*")
        )
    except OSError:
        return False


def command(
    bwrap: str,
    argv: Sequence[str],
    copy: Path,
    python: str,
    home: str | None,
    tmp_size: int = 0,
) -> list[str]:
    """``bwrap ... -- argv``: run ``argv`` in ``copy`` with only the copy writable.

    ``tmp_size`` caps each tmpfs (``/tmp`` with HOME, ``/dev/shm``) in bytes; 0, or
    a bwrap without ``--size``, leaves them uncapped (see :func:`supports_size`).
    """
    size = tmp_size if tmp_size and supports_size(bwrap) else 0
    out = [bwrap, *_NAMESPACES]
    for folder in SYSTEM_DIRS:
        if os.path.islink(folder):
            out += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            out += ["--ro-bind", folder, folder]
    # bwrap leaves /proc/sys writable (its check of the folder itself says read-only), and
    # root, even with no capability, may write most of the host's kernel settings there:
    # kernel.core_pattern names a program the kernel runs as root on the host.
    out += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]
    # bwrap's /dev is a tmpfs of its own, writable and uncapped: once /dev/shm is mounted
    # in it, it is made read-only (its device nodes, /dev/null included, stay writable).
    out += ["--dev", "/dev", *_tmpfs("/dev/shm", size), "--remount-ro", "/dev"]
    out += [*_tmpfs(TMP, size), "--dir", HOME]
    for root in interpreter_roots(python, home):
        out += ["--ro-bind", str(root), str(root)]
    out += ["--bind", str(copy), str(copy), "--chdir", str(copy), "--", *argv]
    return out
