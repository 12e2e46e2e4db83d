"""Bounded children: a detached grandchild cannot hold ttabot, an interrupt stops them all."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from ttabot import children

ENV = {"PATH": os.environ["PATH"]}


@pytest.fixture(autouse=True)
def _fresh() -> None:
    children.reset_for_tests()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_a_setsid_grandchild_holding_the_output_does_not_block(tmp_path: Path) -> None:
    # The grandchild leaves the group (setsid) and inherits stdout; with a pipe,
    # reading the output would wait for it to exit. Here the run returns at once.
    marker = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
        " start_new_session=True)\n"
        f"open({str(marker)!r}, 'w').write(str(p.pid))\n"
        "print('parent done')\n"
    )
    done = children.run_bounded([sys.executable, "-c", code], tmp_path, ENV, timeout=30)
    pid = int(marker.read_text())
    try:
        assert done.returncode == 0 and not done.timed_out
        assert "parent done" in done.output
        assert _alive(pid)  # it escaped the group, and still we are not waiting for it
    finally:
        os.kill(pid, signal.SIGKILL)


def test_output_is_bounded_to_its_tail(tmp_path: Path) -> None:
    code = f"import sys; sys.stdout.write('x' * {children.MAX_OUTPUT + 10}); print('END')"
    done = children.run_bounded([sys.executable, "-c", code], tmp_path, ENV, timeout=30)
    assert len(done.output) <= children.MAX_OUTPUT and done.output.rstrip().endswith("END")


def test_output_takes_no_more_of_the_hosts_space_than_its_tail(tmp_path: Path) -> None:
    # Output went to a temporary file on the host (often a RAM-backed /tmp): code that
    # writes for the whole timeout filled it, whatever of it ttabot kept. The child
    # measures what its stdout holds after writing 16 times the kept tail.
    code = (
        "import os, stat\n"
        f"block = b'x' * {children.MAX_OUTPUT}\n"
        "for _ in range(16):\n"
        "    os.write(1, block)\n"
        "info = os.fstat(1)\n"
        "held = info.st_size if stat.S_ISREG(info.st_mode) else 0\n"
        "os.write(1, f'\\nHELD {held}\\n'.encode())\n"
    )
    done = children.run_bounded([sys.executable, "-c", code], tmp_path, ENV, timeout=30)
    assert done.returncode == 0, done.output[-300:]
    held = int(done.output.rsplit("HELD ", 1)[1])
    assert held <= children.MAX_OUTPUT


def test_stop_children_kills_a_running_child_and_refuses_new_ones(tmp_path: Path) -> None:
    started = tmp_path / "started"
    code = f"open({str(started)!r}, 'w').close(); import time; time.sleep(600)"
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            children.run_bounded([sys.executable, "-c", code], tmp_path, ENV, timeout=600)
        except children.Interrupted as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    while not started.exists():
        thread.join(0.05)
    children.stop_children()
    thread.join(30)
    assert not thread.is_alive()
    assert len(outcome) == 1
    with pytest.raises(children.Interrupted):
        children.run_bounded([sys.executable, "-c", "pass"], tmp_path, ENV, timeout=5)


def test_scratch_folders_are_removed_after_an_interrupt() -> None:
    scratch = children.make_scratch("ttabot-test-")
    (scratch / "f").write_text("x")
    children.remove_all_scratch()
    assert not scratch.exists()


def test_removing_a_scratch_folder_never_follows_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "keep.txt").write_text("x")
    scratch = children.make_scratch("ttabot-test-")
    (scratch / "a" / "b").mkdir(parents=True)
    (scratch / "a" / "b" / "f").write_text("x")
    (scratch / "a" / "linked").symlink_to(outside)
    (scratch / "file-link").symlink_to(outside / "sub" / "keep.txt")
    children.remove_scratch(scratch)
    assert not scratch.exists()
    assert (outside / "sub" / "keep.txt").read_text() == "x"
