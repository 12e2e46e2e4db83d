"""Reading back from the project copy: no link followed, no planted module imported.

One test per defence against code that changes the copy and waits for ttabot to
act on it in its own process (tests/drafting/test_readback_escape_e2e.py is the
whole attack): read-backs refuse links and non-regular files, snapshots report
them, ttabot's own tools run isolated, coverage data is read from a private copy.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.drafting.test_sandbox import NO_BWRAP
from ttabot.drafting import readback
from ttabot.drafting.formatting import Tools, format_and_lint
from ttabot.drafting.isolation import project_copy
from ttabot.drafting.sandbox import UnsafeFile
from ttabot.drafting.snapshot import leftovers, snapshot

SECRET = "host-secret-7d1c"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "m.py").write_text("X = 1\n")
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "credentials"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    return secret


def test_read_back_refuses_a_link_in_the_files_place(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "copy").mkdir()
    os.symlink(outside, tmp_path / "copy" / "t.py")
    with pytest.raises(UnsafeFile, match="symbolic link"):
        readback.read_bytes(tmp_path / "copy", "t.py")


def test_read_back_refuses_a_linked_folder_on_the_way(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "copy").mkdir()
    os.symlink(outside.parent, tmp_path / "copy" / "tests")
    with pytest.raises(UnsafeFile, match="tests is a symbolic link"):
        readback.read_bytes(tmp_path / "copy", "tests/credentials")


def test_read_back_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnsafeFile, match="not a regular file"):
        readback.read_bytes(tmp_path, "pipe")


def test_read_back_of_a_regular_or_absent_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.py").write_text("ok\n")
    assert readback.read_bytes(tmp_path, "a/f.py") == b"ok\n"
    assert readback.read_bytes(tmp_path, "a/missing.py") is None
    assert readback.read_bytes(tmp_path, "b/missing.py") is None
    with pytest.raises(UnsafeFile, match="not a path inside"):
        readback.read_bytes(tmp_path, "../escape")


def test_sandbox_read_and_write_never_follow_a_link(project: Path, outside: Path) -> None:
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30) as box:
        os.symlink(outside, box.path / "pkg" / "t.py")
        with pytest.raises(UnsafeFile):
            box.read("pkg/t.py")
        box.write("pkg/t.py", "new\n")  # the link in its place is replaced, not written through
        assert box.read("pkg/t.py") == "new\n"
        os.mkfifo(box.path / "pkg" / "fifo.py")
        box.write("pkg/fifo.py", "x\n")  # a FIFO in its place: replaced, no blocked open
        assert box.read("pkg/fifo.py") == "x\n"
        os.symlink(outside.parent, box.path / "linked")
        with pytest.raises(UnsafeFile):
            box.write("linked/credentials", "overwritten\n")
    assert outside.read_text() == SECRET


def test_snapshot_reports_links_and_planted_files_in_caches(project: Path) -> None:
    before = snapshot(project)
    pycache = project / "__pycache__"
    (pycache / "r").mkdir(parents=True)
    (pycache / "r" / "__main__.py").write_text("print('planted')\n")
    (pycache / "m.cpython-311.pyc").write_bytes(b"cache")
    os.symlink("__pycache__/r", project / "ruff")  # a linked folder: listed under dirs
    os.symlink("/etc/passwd", pycache / "link.pyc")  # a link, even with a cache name
    os.symlink("/etc/passwd", project / ".coverage")
    os.mkfifo(project / ".pytest_cache")
    assert leftovers(before, snapshot(project)) == [
        ".coverage",
        ".pytest_cache",
        "__pycache__/link.pyc",
        "__pycache__/r/__main__.py",
        "ruff",
    ]


def test_ttabots_own_tools_do_not_import_a_package_planted_in_the_copy(project: Path) -> None:
    planted = "import pathlib; pathlib.Path('ran.txt').write_text('planted')\n"
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30, python=sys.executable) as box:
        for name in ("ruff", "black", "pytest", "coverage", "definitely_absent_tool"):
            (box.path / name).mkdir()
            (box.path / name / "__init__.py").write_text(planted)
            (box.path / name / "__main__.py").write_text(planted)
        assert not box.has_module("definitely_absent_tool")
        text, _stages = format_and_lint(box, "tests/test_m.py", "X = 1\n", "", Tools("ruff", True))
        assert not (box.path / "ran.txt").exists()
    assert text.strip() == "X = 1"


def test_coverage_data_behind_a_link_is_refused(project: Path, outside: Path) -> None:
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30, python=sys.executable) as box:
        box._measured = True  # as after a measured run
        os.symlink(outside, box.path / ".coverage")
        with pytest.raises(UnsafeFile, match="symbolic link"):
            box.executed_lines("pkg/m.py")
        assert outside.read_text() == SECRET  # coverage never opened it (read-write)


def test_garbage_coverage_data_is_a_named_refusal_not_a_crash(project: Path) -> None:
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30, python=sys.executable) as box:
        box._measured = True
        (box.path / ".coverage").write_text("not a database\n" * 100)
        with pytest.raises(UnsafeFile, match="coverage data cannot be read"):
            box.executed_lines("pkg/m.py")
        (box.path / ".coverage").unlink()
        with sqlite3.connect(box.path / ".coverage") as db:  # a database, not coverage's
            db.execute("create table meta (key text, value text)")
        with pytest.raises(UnsafeFile, match="coverage data cannot be read"):
            box.executed_lines("pkg/m.py")


def test_coverage_data_grown_past_its_limit_is_refused_before_it_is_copied(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Attack: a test's atexit hook truncates .coverage to a sparse 1 TiB after the run
    # saved it; the read-back copied every zero to the host's temporary folder.
    monkeypatch.setattr("ttabot.drafting.sandbox.MAX_COVERAGE_BYTES", 1 << 20)
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30, python=sys.executable) as box:
        box._measured = True
        with (box.path / ".coverage").open("wb") as planted:
            planted.truncate(1 << 30)
        with pytest.raises(UnsafeFile, match="larger than"):
            box.executed_lines("pkg/m.py")


def test_copy_out_stops_at_its_limit(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 100)
    with pytest.raises(UnsafeFile, match="larger than 10 bytes"):
        readback.copy_out(tmp_path, "big", tmp_path / "out", limit=10)
    assert not (tmp_path / "out").exists()  # no half-written copy
    assert readback.copy_out(tmp_path, "big", tmp_path / "out", limit=100)
    assert (tmp_path / "out").read_bytes() == b"x" * 100


def test_sandbox_read_refuses_a_planted_huge_or_binary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Attack: one task's generated code (the copy is shared by a module's tasks) turns
    # the module into a sparse 1 TiB file or into bytes that are not UTF-8. The next
    # task's read took it whole into memory, or raised UnicodeDecodeError: a traceback.
    monkeypatch.setattr("ttabot.drafting.sandbox.MAX_READ_BYTES", 1 << 20)
    with project_copy(project, {}, environ=NO_BWRAP, timeout=30) as box:
        with (box.path / "pkg" / "m.py").open("wb") as planted:
            planted.truncate(1 << 30)
        with pytest.raises(UnsafeFile, match="larger than"):
            box.read("pkg/m.py")
        (box.path / "pkg" / "m.py").write_bytes(b"X = '\xff'\n")
        with pytest.raises(UnsafeFile, match="not UTF-8"):
            box.read("pkg/m.py")
