"""POSIX resource limits for a child and everything it starts, set before it runs.

:func:`limited` wraps a command so that it runs under :class:`Limits`;
:func:`limit_specs` says what each bounds, and :data:`_APPLY_LIMITS` why a tiny
exec wrapper sets them rather than ``preexec_fn``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

#: The rlimit that bounds a process's memory. On Linux (4.7+) ``RLIMIT_DATA`` counts
#: private writable memory (heap, anonymous maps, thread stacks), which is what an
#: allocation takes, but not address space only reserved (glibc's per-thread arenas,
#: guard pages, a JIT's reservations) as ``RLIMIT_AS`` would: real projects that
#: reserve much and touch little still run. It does not count shared mappings (an
#: anonymous ``MAP_SHARED`` map): docs/draft.md lists that as not contained.
#: Elsewhere only ``RLIMIT_AS`` covers mmap.
MEMORY_RLIMIT = "RLIMIT_DATA" if sys.platform.startswith("linux") else "RLIMIT_AS"


class Limits(NamedTuple):
    """Resource limits for a child and every process it starts (0: not limited).

    ``file_size``: bytes of the largest file a process may write (``RLIMIT_FSIZE``);
    ``memory``: bytes of memory per process (:data:`MEMORY_RLIMIT`); ``processes``:
    processes and threads the child may add to those its user already runs
    (``RLIMIT_NPROC``, which the kernel counts per real user and ignores for root).
    Core dumps are always off (``RLIMIT_CORE`` 0).
    """

    file_size: int = 0
    memory: int = 0
    processes: int = 0


def limit_specs(limits: Limits, uid: int, user_tasks: int | None) -> list[str]:
    """``NAME=VALUE`` rlimits that carry ``limits`` for a user ``uid`` running ``user_tasks`` now.

    Each is set as both the soft and the hard limit, so no descendant can raise it.
    ``RLIMIT_NPROC`` counts every process and thread of the real user, the child's
    and the user's others alike, in bubblewrap's user namespace as well (measured:
    the count is checked at each level up to the host's). So it is set to what the
    user runs now plus ``limits.processes``: the user's other work never makes a run
    fail, and a fork bomb stops there. It is left out for root (the kernel ignores
    it for uid 0, user namespace or not) and when the count is unknown (no ``/proc``).
    """
    specs = ["RLIMIT_CORE=0"]
    if limits.file_size:
        specs.append(f"RLIMIT_FSIZE={limits.file_size}")
    if limits.memory:
        specs.append(f"{MEMORY_RLIMIT}={limits.memory}")
    if limits.processes and uid != 0 and user_tasks is not None:
        specs.append(f"RLIMIT_NPROC={user_tasks + limits.processes}")
    return specs


def user_tasks(uid: int, proc: Path = Path("/proc")) -> int | None:
    """Processes and threads whose real user is ``uid`` (what ``RLIMIT_NPROC`` counts).

    None when ``proc`` cannot be listed (not Linux). A process that exits while
    it is read is skipped.
    """
    try:
        pids = [entry.name for entry in os.scandir(proc) if entry.name.isdigit()]
    except OSError:
        return None
    total = 0
    for pid in pids:
        real_uid, threads = None, 1
        try:
            with open(proc / pid / "status", encoding="utf-8", errors="replace") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        real_uid = int(line.split()[1])
                    elif line.startswith("Threads:"):
                        threads = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if real_uid == uid:
            total += threads
    return total


#: Sets the rlimits given as ``NAME=VALUE`` arguments up to ``--``, then execs the rest.
#: Run by ttabot's own interpreter (``-I -S``: nothing of the copy, ``PYTHONPATH`` or
#: site-packages is imported). Why a wrapper: subprocess has no rlimit option;
#: ``preexec_fn`` may deadlock in a child forked from a threaded process (ttabot runs
#: sandboxes from worker threads, and the child of ``fork`` holds only the forking
#: thread while other threads may hold locks); ``prlimit`` on the pid after start races
#: the child's first fork. Limits set before ``exec`` are inherited by bwrap, the
#: sandbox and every process in it. A limit above the inherited hard limit is lowered
#: to it (only root may raise a hard limit).
_APPLY_LIMITS = """import os, resource, sys
args = sys.argv[1:]
cut = args.index("--")
for spec in args[:cut]:
    name, _, value = spec.partition("=")
    which = getattr(resource, name)
    hard = resource.getrlimit(which)[1]
    value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
    resource.setrlimit(which, (value, value))
try:
    os.execvp(args[cut + 1], args[cut + 1 :])
except OSError as exc:
    sys.stderr.write(f"ttabot: cannot run {args[cut + 1]}: {exc.strerror or exc}\\n")
    sys.exit(127)
"""


def limited(argv: Sequence[str], limits: Limits) -> list[str]:
    """``argv`` run under ``limits``: behind the exec wrapper, or as is off POSIX."""
    if os.name != "posix" or not sys.executable:
        # No rlimits on Windows, and no interpreter to run the wrapper with where Python
        # is embedded: there the timeout alone bounds the child (docs/draft.md says so).
        return list(argv)
    uid = os.getuid()
    tasks = user_tasks(uid) if limits.processes and uid != 0 else None
    specs = limit_specs(limits, uid, tasks)
    return [sys.executable, "-I", "-S", "-c", _APPLY_LIMITS, *specs, "--", *argv]
