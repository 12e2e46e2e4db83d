"""The sandbox: a copy of the project, a scrubbed environment, a timeout, leftovers."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from ttabot.drafting.isolation import project_copy
from ttabot.drafting.sandbox import UnsafeFile

PARENT = {
    "PATH": os.environ["PATH"],
    "LANG": "C.UTF-8",
    "OPENROUTER_API_KEY": "sk-or-v1-secret",
    "GITHUB_TOKEN": "ghp_secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "SOME_NEW_VENDOR_KEY": "unknown-name-secret",  # an allowlist drops names nobody listed
    "HOME": "/home/someone",
}
#: The same without bwrap on PATH: the bare-copy fallback, whose own behaviour these tests pin.
NO_BWRAP = {**PARENT, "PATH": "/nonexistent-no-bwrap"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "m.py").write_text("X = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("secret remote\n")
    return root


def test_code_in_the_sandbox_sees_no_secret_and_lives_in_the_copy(project: Path) -> None:
    code = "import json, os, pkg.m; print(json.dumps(dict(os.environ)))"
    with project_copy(project, {"pkg/m.py": "X = 2\n"}, environ=PARENT, timeout=30) as box:
        result, left = box.python(["-c", code])
        assert box.read("pkg/m.py") == "X = 2\n"  # the overlay, not the tree
        assert not (box.path / ".git").exists()
    assert result.returncode == 0, result.output
    seen = json.loads(result.output)
    assert not any("secret" in value for value in seen.values())
    # Under bubblewrap HOME and TMPDIR are on its tmpfs; without it, inside the copy.
    inner = "/tmp" if box.bwrap else str(box.path)
    assert seen["HOME"].startswith(inner) and seen["TMPDIR"].startswith(inner)
    assert left == []
    assert (project / "pkg" / "m.py").read_text() == "X = 1\n"  # the user's file untouched


def test_timeout_kills_the_whole_process_group(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(marker)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(600)\n"
    )
    with project_copy(project, {}, environ=NO_BWRAP, timeout=2) as box:
        result, _ = box.python(["-c", code])
    assert result.timed_out and result.returncode is None
    assert "killed after 2 s" in result.output
    pid = int(marker.read_text())
    # The grandchild got SIGKILL with its group: gone, or a zombie awaiting its new parent.
    assert _exits(pid)


def _exits(pid: int) -> bool:
    """True once ``pid`` is gone or a zombie, within 10 s: a process killed with its group
    finishes exiting after killpg returns (seen late on a loaded machine, tests in parallel)."""
    for _ in range(100):
        try:
            _alive_or_zombie(pid)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _alive_or_zombie(pid: int) -> None:
    """Raise ProcessLookupError unless ``pid`` is running (zombies count as gone)."""
    os.kill(pid, 0)
    status = Path(f"/proc/{pid}/status")
    if status.exists() and "\nState:\tZ" in status.read_text():
        raise ProcessLookupError(pid)


def test_leftovers_are_reported_but_caches_and_tmp_are_not(project: Path) -> None:
    code = (
        "import os, tempfile, pathlib\n"
        "pathlib.Path('written.txt').write_text('x')\n"
        "pathlib.Path('__pycache__').mkdir(exist_ok=True)\n"
        "pathlib.Path('__pycache__/c.pyc').write_text('x')\n"
        "pathlib.Path('.coverage').write_text('x')\n"
        "tempfile.NamedTemporaryFile(delete=False).write(b'x')\n"
        "pathlib.Path(os.environ['HOME'], '.config').write_text('x')\n"
        "os.remove('pkg/m.py')\n"
    )
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30) as box:
        result, left = box.python(["-c", code])
    assert result.returncode == 0, result.output
    assert left == [".ttabot-sandbox/home/.config", "pkg/m.py", "written.txt"]


def test_an_interpreter_without_pytest_is_named_in_the_failure(
    project: Path, tmp_path: Path
) -> None:
    # -S drops site-packages: this interpreter cannot import pytest.
    bare = tmp_path / "bare-python"
    bare.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    bare.chmod(0o755)
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30, python=str(bare)) as box:
        result, _ = box.pytest(["tests/test_x.py"], coverage_of="pkg/m.py")
    assert result.returncode == 3
    assert f"pytest is not installed for {bare}" in result.output


def test_a_measured_run_that_never_imports_the_module_executed_nothing(project: Path) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_other.py").write_text("def test_x():\n    assert 1\n")
    with project_copy(project, {}, environ=PARENT, timeout=30, python=sys.executable) as box:
        result, _ = box.pytest(["tests/test_other.py"], coverage_of="pkg/m.py")
        assert result.returncode == 0, result.output
        assert box.executed_lines("pkg/m.py") == frozenset()  # ran nothing; not "unknown"
        box.pytest(["tests/test_other.py"])  # not measured: unknown
        assert box.executed_lines("pkg/m.py") is None
        assert box.coverage_missing() is None


def test_without_coverage_in_the_test_interpreter_it_is_not_measurable(
    project: Path, tmp_path: Path
) -> None:
    # An interpreter that has pytest but cannot import coverage: it is asked in isolated
    # mode (no PYTHONPATH), so the stand-in answers that question itself, and blocks the
    # module for every other run.
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "coverage.py").write_text("raise ImportError('blocked for the test')\n")
    python = tmp_path / "python-without-coverage"
    script = (
        '#!/bin/sh\nfor a in "$@"; do [ "$a" = "import coverage" ] && exit 1; done\n'
        f'PYTHONPATH="{blocked}:$PYTHONPATH" exec "{sys.executable}" "$@"\n'
    )
    python.write_text(script)
    python.chmod(0o755)
    (project / "tests").mkdir()
    (project / "tests" / "test_m.py").write_text("import pkg.m\n\n\ndef test_x():\n    assert 1\n")
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30, python=str(python)) as box:
        result, _ = box.pytest(["tests/test_m.py"], coverage_of="pkg/m.py")
        assert result.returncode == 0, result.output
        assert box.executed_lines("pkg/m.py") is None
        assert box.coverage_missing() == f"coverage is not installed for {python}"


def test_a_file_changed_with_its_size_and_mtime_put_back_is_a_leftover(project: Path) -> None:
    """Generated code may rewrite a project file in the copy (the module under test, a
    conftest.py the module's later tasks run with) and set its mtime back: a snapshot of
    size and mtime alone missed it, and the copy, shared by later tasks, was not renewed."""
    code = (
        "import os\n"
        "p = 'pkg/m.py'\n"
        "st = os.stat(p)\n"
        "open(p, 'w').write('X = 9\\n')\n"
        "os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))\n"
    )
    with project_copy(project, {}, environ=PARENT, timeout=30, python=sys.executable) as box:
        result, left = box.python(["-c", code])
        assert result.returncode == 0, result.output
        assert box.read("pkg/m.py") == "X = 9\n"
    assert left == ["pkg/m.py"]


def test_a_file_hidden_past_the_kernels_path_length_is_not_missed(project: Path) -> None:
    # Folder names of 250 characters, 20 deep: the file's path is longer than the kernel
    # takes (PATH_MAX), so a listing by path skipped it and the test left it unseen.
    code = (
        "import os\n"
        "for _ in range(20):\n"
        "    os.mkdir('d' * 250)\n"
        "    os.chdir('d' * 250)\n"
        "open('hidden.txt', 'w').write('x')\n"
    )
    with project_copy(project, {}, environ=PARENT, timeout=30, python=sys.executable) as box:
        with pytest.raises(UnsafeFile, match="cannot be listed"):
            box.python(["-c", code])
        scratch = box.path.parent
    assert not scratch.exists()


def test_folders_nested_past_pythons_recursion_are_refused_and_still_removed(
    project: Path,
) -> None:
    # 1,500 nested folders: listing the copy (os.walk) and removing it (shutil.rmtree)
    # recursed past Python's limit, a traceback that also left the copy on the disk.
    code = "import os\nfor _ in range(1500):\n    os.mkdir('d')\n    os.chdir('d')\n"
    with project_copy(project, {}, environ=PARENT, timeout=30, python=sys.executable) as box:
        with pytest.raises(UnsafeFile, match="nested deeper"):
            box.python(["-c", code])
        scratch = box.path.parent
    assert not scratch.exists()
