"""The rlimits a bounded child runs under: which are set, and the process limit for real.

``RLIMIT_NPROC`` counts every process and thread of the real user (and the kernel
ignores it for root), so it is checked for real as an ordinary user: as ``nobody``
through ``setpriv`` when the tests run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.sandbox import needs_bwrap
from ttabot import children
from ttabot.rlimits import MEMORY_RLIMIT, Limits, limit_specs, user_tasks

ENV = {"PATH": os.environ["PATH"]}
REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("limits", "uid", "tasks", "expected"),
    [
        (Limits(), 1000, 7, ["RLIMIT_CORE=0"]),
        (
            Limits(file_size=1024, memory=2048, processes=10),
            1000,
            7,
            ["RLIMIT_CORE=0", "RLIMIT_FSIZE=1024", f"{MEMORY_RLIMIT}=2048", "RLIMIT_NPROC=17"],
        ),
        # root: the kernel ignores RLIMIT_NPROC; an unknown count: not set rather than guessed
        (Limits(processes=10), 0, 7, ["RLIMIT_CORE=0"]),
        (Limits(processes=10), 1000, None, ["RLIMIT_CORE=0"]),
        # the user's other processes never use up the allowance
        (Limits(processes=10), 1000, 5000, ["RLIMIT_CORE=0", "RLIMIT_NPROC=5010"]),
    ],
)
def test_limit_specs(limits: Limits, uid: int, tasks: int | None, expected: list[str]) -> None:
    assert limit_specs(limits, uid, tasks) == expected


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc here")
def test_user_tasks_counts_threads_of_the_real_user() -> None:
    before = user_tasks(os.getuid())
    assert before is not None and before >= 1
    stop = threading.Event()
    extra = [threading.Thread(target=stop.wait) for _ in range(5)]
    for thread in extra:
        thread.start()
    try:
        during = user_tasks(os.getuid())
        # other processes of this user may come and go meanwhile: at least ours are counted
        assert during is not None and during >= 6
    finally:
        stop.set()
        for thread in extra:
            thread.join()
    assert user_tasks(os.getuid() + 12345, Path("/nonexistent-proc")) is None


def test_user_tasks_reads_the_real_uid_and_threads(tmp_path: Path) -> None:
    def status(pid: str, text: str) -> None:
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "status").write_text(text)

    status("10", "Name:\tx\nUid:\t1000\t0\t0\t0\nThreads:\t4\n")
    status("11", "Name:\ty\nUid:\t0\t1000\t1000\t1000\nThreads:\t9\n")  # real uid 0
    status("12", "Name:\tz\nUid:\t1000\t1000\t1000\t1000\n")  # no Threads line: one
    status("13", "Uid:\tgarbage\n")
    (tmp_path / "self").mkdir()
    assert user_tasks(1000, tmp_path) == 5


def test_the_limits_reach_the_child_and_cannot_be_raised(tmp_path: Path) -> None:
    code = (
        "import resource as r\n"
        "print(r.getrlimit(r.RLIMIT_CORE), r.getrlimit(r.RLIMIT_FSIZE),"
        f" r.getrlimit(r.{MEMORY_RLIMIT}))\n"
        "try:\n"
        "    r.setrlimit(r.RLIMIT_FSIZE, (r.RLIM_INFINITY, r.RLIM_INFINITY))\n"
        "except (ValueError, OSError) as exc:\n"
        "    print('raise refused')\n"
    )
    done = children.run_bounded(
        [sys.executable, "-c", code], tmp_path, ENV, 30, Limits(1 << 20, 1 << 30)
    )
    lines = done.output.splitlines()
    assert lines[0] == f"(0, 0) ({1 << 20}, {1 << 20}) ({1 << 30}, {1 << 30})"
    # Root outside bwrap holds CAP_SYS_RESOURCE and may raise a hard limit; in the
    # sandbox (--cap-drop ALL) it may not: tests/drafting/test_limits.py.
    if os.getuid() != 0:
        assert lines[1:] == ["raise refused"]


def test_a_missing_program_is_one_line_and_127(tmp_path: Path) -> None:
    done = children.run_bounded(["/nonexistent/python"], tmp_path, ENV, 30, Limits())
    assert done.returncode == 127
    assert done.output == "ttabot: cannot run /nonexistent/python: No such file or directory\n"


#: Runs as an ordinary user: starts ``OTHERS`` processes of its own (the user's other
#: work), then a fork bomb in a real sandbox under ``Limits(processes=ALLOWED)``.
_DRIVER = """
import os, subprocess, sys, tempfile
from pathlib import Path
from ttabot import children, rlimits
from ttabot.drafting import bwrap

ALLOWED, OTHERS = int(sys.argv[1]), int(sys.argv[2])
bomb = '''
import os, signal
made = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            signal.pause()
        made += 1
    print("made", made)
except OSError as exc:
    print("refused after", made, exc.errno)
'''
copy = Path(tempfile.mkdtemp())
# The system's interpreter, bound with /usr, where there is one: ttabot's own may live
# in a folder the ordinary user cannot read (a root-owned pyenv).
python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
argv = bwrap.command(bwrap.find_bwrap(os.environ), [python, "-c", bomb], copy, python, None)
limits = rlimits.Limits(processes=ALLOWED) if ALLOWED else None
others = []
try:
    others += [subprocess.Popen(["sleep", "60"]) for _ in range(OTHERS)]
    done = children.run_bounded(argv, copy, {"PATH": os.environ["PATH"]}, 30, limits)
    print(done.returncode, done.output.strip())
finally:
    for other in others:
        other.kill()
        other.wait()
    copy.rmdir()
"""


def _as_ordinary_user() -> list[str]:
    """The command that runs Python as an ordinary user (skips when none can).

    As root: ``nobody`` through ``setpriv``, with the system's interpreter where there
    is one (ttabot's, e.g. in a root-owned pyenv, may be out of nobody's reach; the
    driver needs only the standard library).
    """
    if os.getuid() != 0:
        return [sys.executable]
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: RLIMIT_NPROC cannot be tried")
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", python]
    probe = subprocess.run(
        [*prefix, "-c", "import ttabot.drafting.bwrap"],
        env={**ENV, "PYTHONPATH": str(REPO)},
        cwd="/",
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run this checkout: {probe.stderr.decode()[-200:]}")
    return prefix


def _as_user(script: str, *args: str) -> str:
    """What ``script`` prints, run by an ordinary user with this checkout importable."""
    done = subprocess.run(
        [*_as_ordinary_user(), "-c", script, *args],
        env={**ENV, "PYTHONPATH": str(REPO)},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _bomb(allowed: int, others: int) -> str:
    return _as_user(_DRIVER, str(allowed), str(others))


@needs_bwrap
def test_a_fork_bomb_stops_at_the_process_allowance_whatever_else_the_user_runs() -> None:
    # 40 other processes of the user: more than the allowance of 24, so a plain
    # RLIMIT_NPROC of 24 would refuse the sandbox itself (measured: bwrap then fails
    # "Creating new namespace failed"). The allowance is on top of what runs now.
    out = _bomb(24, 40)
    words = out.split()
    assert words[:3] == ["0", "refused", "after"], out
    assert 0 < int(words[3]) < 24, out  # bwrap and the interpreter count too
    assert words[4] == "11", out  # EAGAIN


@needs_bwrap
def test_without_a_process_limit_the_same_bomb_runs_on() -> None:
    # The control: the driver and probe are sound, it is the limit that stops them.
    assert _bomb(0, 0) == "0 made 200"


#: Run as an ordinary user: a scratch folder whose code made a folder in it read-only.
_UNWRITABLE = """
import os
from ttabot import children
scratch = children.make_scratch("ttabot-test-")
inner = scratch / "project" / "locked"
inner.mkdir(parents=True)
(inner / "f").write_text("x")
os.chmod(inner, 0o500)  # what a generated test may do to a folder in the copy
children.remove_scratch(scratch)
print("left" if scratch.exists() else "gone")
"""


def test_a_folder_made_read_only_is_still_removed() -> None:
    # Only an ordinary user is bound by a folder's mode (root is not): as one, the
    # file in a folder the code made read-only could not be unlinked, and every such
    # run left its scratch folder in the host's temporary folder.
    assert _as_user(_UNWRITABLE) == "gone"
