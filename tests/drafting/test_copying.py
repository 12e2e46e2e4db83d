"""The sandbox copy: .gitignore honoured, bytes kept, and no symbolic link followed out."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.drafting.copying import copy_project, listing
from ttabot.drafting.isolation import project_copy
from ttabot.errors import TtabotError

ENV = {"PATH": os.environ["PATH"], "HOME": "/nowhere"}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project with a file the copy must never touch."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.py").write_text("REAL = 1\n")
    return folder


def test_the_copy_honours_gitignore_in_a_git_work_tree(repo: GitRepo) -> None:
    repo.write(".gitignore", "secrets.env\nbig/\n")
    repo.write("pkg/m.py", "X = 1\n")
    repo.write("secrets.env", "TOKEN=1\n")
    repo.write("big/data.bin", "x")
    repo.commit("base")
    repo.write("new_untracked.py", "Y = 1\n")  # untracked, not ignored: copied
    assert sorted(listing(repo.path)) == [".gitignore", "new_untracked.py", "pkg/m.py"]


def test_without_git_the_walk_skips_environments(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "x.py").write_text("")
    (root / "a.py").write_text("")
    assert listing(root) == ["a.py"]


def test_without_git_the_copy_still_honours_gitignore(tmp_path: Path) -> None:
    # A project that is not a git work tree (ttabot draft --diff --root on an unpacked
    # tarball) had every file copied: the .env its .gitignore names was readable by
    # generated code, whose output reaches the model and the report.
    root = tmp_path / "plain"
    (root / "pkg").mkdir(parents=True)
    (root / "secrets").mkdir()
    (root / ".gitignore").write_text(".env\nsecrets/\n")
    (root / ".env").write_text("TOKEN=1\n")
    (root / "secrets" / "key.pem").write_text("KEY\n")
    (root / "pkg" / ".gitignore").write_text("local_settings.py\n")
    (root / "pkg" / "local_settings.py").write_text("PASSWORD = 1\n")
    (root / "pkg" / "m.py").write_text("X = 1\n")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "x.py").write_text("")
    assert sorted(listing(root)) == [".gitignore", "pkg/.gitignore", "pkg/m.py"]


def test_files_that_are_not_utf8_are_copied_as_bytes(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    data = "café\n".encode("latin-1")
    (root / "data.txt").write_bytes(data)
    dest = tmp_path / "copy"
    copy_project(root, dest, listing(root))
    assert (dest / "data.txt").read_bytes() == data


def test_a_link_inside_the_project_is_copied_as_a_link(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "real").mkdir(parents=True)
    (root / "real" / "m.py").write_text("X = 1\n")
    (root / "alias").symlink_to("real")  # relative folder link
    (root / "abs.py").symlink_to(root / "real" / "m.py")  # absolute, but inside
    dest = tmp_path / "copy"
    report = copy_project(root, dest, listing(root))
    assert report.outside_links == ()
    assert (dest / "alias").is_symlink() and os.readlink(dest / "alias") == "real"
    assert (dest / "abs.py").is_symlink()
    assert (dest / "abs.py").resolve() == (dest / "real" / "m.py").resolve()


def test_a_link_outside_is_neither_followed_nor_copied(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "tests").symlink_to(outside)
    (root / "loop").symlink_to("loop")
    dest = tmp_path / "copy"
    report = copy_project(root, dest, listing(root))
    assert report.outside_links == ("loop", "tests")
    assert not (dest / "tests").exists() and not (dest / "tests").is_symlink()


def test_writing_in_the_copy_never_goes_through_a_link(
    repo: GitRepo, outside: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo.write("pkg/m.py", "X = 1\n")
    repo.commit("base")
    (repo.path / "tests").symlink_to(outside)  # the "tests symlinked outside"
    caplog.set_level(logging.WARNING, logger="ttabot.drafting")
    overlay = {"tests/victim.py": None, "tests/test_new.py": "def test_x():\n    pass\n"}
    with project_copy(repo.path, overlay, environ=ENV, python=sys.executable) as box:
        assert (box.path / "tests" / "test_new.py").is_file()  # a real folder in the copy
    assert (outside / "victim.py").read_text() == "REAL = 1\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.py"]
    assert any("pointing outside the project: tests" in r.getMessage() for r in caplog.records)


def test_a_relative_linked_folder_in_the_change_is_refused_not_a_traceback(
    tmp_path: Path,
) -> None:
    root = tmp_path / "proj"
    (root / "real").mkdir(parents=True)
    (root / "alias").symlink_to("real")
    overlay = {"alias/m.py": "X = 2\n"}
    with (
        pytest.raises(TtabotError, match="alias is a symbolic link"),
        project_copy(root, overlay, environ=ENV, python=sys.executable),
    ):
        pass
    assert not (root / "real" / "m.py").exists()


def test_an_interrupt_stops_a_copy_midway(tmp_path: Path) -> None:
    from ttabot import children

    root = tmp_path / "proj"
    root.mkdir()
    (root / "a.py").write_text("")
    children.stop_children()
    try:
        with pytest.raises(children.Interrupted):
            copy_project(root, tmp_path / "copy", listing(root))
    finally:
        children.reset_for_tests()
    assert not (tmp_path / "copy" / "a.py").exists()
