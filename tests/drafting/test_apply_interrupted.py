"""Ctrl-C during ``--apply``: every file stays as it was, or every file is written.

Pins what the writer promises: an interrupt while the temporaries are written
leaves no file changed and no temporary behind; one that arrives while they are
renamed into place waits until all are (it is held, not lost).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.drafting.test_apply import DRAFTS, _state
from tests.drafting.test_output import V0, V1
from ttabot import fileio
from ttabot.drafting import output


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.py").write_text(V0)
    (root / "b.py").write_text(V0)
    return root


def test_an_interrupt_while_writing_leaves_every_file_and_no_temporary(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(tree)
    real_fdopen = os.fdopen
    calls = 0

    def fdopen(fd: int, *args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:  # Ctrl-C while the second temporary is being written
            os.close(fd)
            raise KeyboardInterrupt
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(KeyboardInterrupt):
        output.apply(tree, DRAFTS)
    assert _state(tree) == before
    assert not (tree / "c").exists()


@pytest.fixture(params=[False, True], ids=["alone", "with-a-thread"])
def other_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Optionally another thread running meanwhile (a library's, a test runner's).

    A thread's signal mask held nothing back while one ran: the kernel gave it the
    signal and the main thread ran the handler between two renames.
    """
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    if request.param:
        thread.start()
    yield
    stop.set()
    if request.param:
        thread.join()


@pytest.mark.usefixtures("other_thread")
def test_an_interrupt_during_the_renames_waits_until_every_file_is_written(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    calls = 0

    def replace(src: str, dst: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # Ctrl-C right after the first file is in place
            real_replace(src, dst)
            os.kill(os.getpid(), signal.SIGINT)
            return
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        output.apply(tree, DRAFTS)
    # Held until the last rename: all three files are the new ones, none half-applied.
    assert _state(tree) == {"a.py": V1.encode(), "b.py": V1.encode(), "c/n.py": b"new\n"}


#: Run in a child: a hang-up or Ctrl-\ ends the process, which pytest must survive.
_CHILD = """
import os, signal, sys, threading
from pathlib import Path
from ttabot import fileio
root, signum, with_thread = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
if with_thread:  # the kernel may hand the signal to it: only a handler holds it back
    threading.Thread(target=threading.Event().wait, daemon=True).start()
real = os.replace
calls = 0
def replace(src, dst):
    global calls
    calls += 1
    real(src, dst)
    if calls == 1:  # the terminal closes right after the first file is in place
        os.kill(os.getpid(), signum)
fileio.os.replace = replace
fileio.write_all_atomic(root, {"a.py": "new a\\n", "b.py": "new b\\n"})
"""


@pytest.mark.parametrize("with_thread", [False, True], ids=["alone", "with-a-thread"])
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGQUIT])
def test_a_hang_up_during_the_renames_ends_the_run_only_after_the_last(
    signum: int, with_thread: bool, tree: Path
) -> None:
    # Held were SIGINT and SIGTERM only: closing the terminal (SIGHUP) or Ctrl-\
    # (SIGQUIT) between two renames left a.py new and b.py old.
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), str(int(signum)), str(int(with_thread))],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        check=False,
    )
    assert done.returncode == -signum, done.stderr.decode()[-1500:]
    assert _state(tree) == {"a.py": b"new a\n", "b.py": b"new b\n"}


_STAGING_CHILD = """
import os, signal, sys
from pathlib import Path
from ttabot import fileio
from ttabot.process import stop_on_signals
root = Path(sys.argv[1])
real = os.fdopen
calls = 0
def fdopen(fd, *args, **kwargs):
    global calls
    calls += 1
    if calls == 2:  # the terminal closes while the second temporary is written
        os.kill(os.getpid(), signal.SIGHUP)
    return real(fd, *args, **kwargs)
fileio.os.fdopen = fdopen
with stop_on_signals():
    try:
        fileio.write_all_atomic(root, {"a.py": "new a\\n", "b.py": "new b\\n"})
    except KeyboardInterrupt as exc:
        sys.exit(100 + exc.args[0])
"""


def test_a_hang_up_while_staging_leaves_no_temporary_in_the_tree(tree: Path) -> None:
    # SIGHUP's default action ended the process on the spot: the temporary
    # `.a.py.<hex>.ttabot` stayed in the user's tree. Now it stops ttabot like
    # Ctrl-C does, and the writer's cleanup runs.
    before = _state(tree)
    done = subprocess.run(
        [sys.executable, "-c", _STAGING_CHILD, str(tree)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 100 + signal.SIGHUP, done.stderr.decode()[-1500:]
    assert _state(tree) == before


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="no thread signal masks")
def test_a_thread_keeps_the_signals_it_held_itself_after_writing(tmp_path: Path) -> None:
    # Off the main thread the held signals were unblocked after the renames, whatever the
    # thread's mask had been: a worker that held SIGINT back (for its caller's main
    # thread to get it) had it unblocked by writing the drafts.
    masks: list[set[int]] = []

    def worker() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        fileio.write_all_atomic(tmp_path, {"a.py": "new a\n"})
        masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, set())))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert (tmp_path / "a.py").read_text() == "new a\n"
    assert signal.SIGINT in masks[0]
    assert signal.SIGTERM not in masks[0]  # what it held only for the renames is free again
