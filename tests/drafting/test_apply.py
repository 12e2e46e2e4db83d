"""``draft --apply`` writes every file or none, and never through a symbolic link."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.drafting.conftest import CHANGE, configure, stage_module
from tests.drafting.test_draft_command import docstring_answer
from tests.drafting.test_output import V0, V1, make
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main
from ttabot.drafting import output
from ttabot.errors import TtabotError

DRAFTS = [make(V0, V1, path="a.py"), make(V0, V1, path="b.py"), make("", "new\n", path="c/n.py")]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.py").write_text(V0)
    (root / "b.py").write_text(V0)
    return root


def _state(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_all_files_are_written_together(tree: Path) -> None:
    written, skipped = output.apply(tree, DRAFTS)
    assert (sorted(written), skipped) == (["a.py", "b.py", "c/n.py"], [])
    assert _state(tree) == {"a.py": V1.encode(), "b.py": V1.encode(), "c/n.py": b"new\n"}


def test_a_full_disk_is_one_error_and_leaves_every_file_as_it_was(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(tree)
    real_fdopen = os.fdopen
    calls = 0

    def fdopen(fd: int, *args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:  # the last file's temporary, in a folder made for it: the disk is full
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(TtabotError, match=r"nothing applied.*No space left on device"):
        output.apply(tree, DRAFTS)
    assert _state(tree) == before  # no temporary file left, no file changed
    assert not (tree / "c").exists()  # nor the folder made for the new file


def test_a_failed_rename_puts_the_renamed_files_back(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(tree)
    real_replace = os.replace
    calls = 0

    def replace(src: str, dst: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TtabotError, match="nothing applied"):
        output.apply(tree, DRAFTS)
    assert _state(tree) == before


def test_apply_never_writes_through_a_symbolic_link(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "n.py").write_text("")
    (tree / "c").symlink_to(outside)
    written, skipped = output.apply(tree, [make("", "new\n", path="c/n.py")])
    assert written == [] and skipped == ["c/n.py: c is a symbolic link: not written through it"]
    assert (outside / "n.py").read_text() == ""


def test_draft_apply_on_a_full_disk_prints_one_line_and_exits_2(
    repo: GitRepo,
    fake: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    stage_module(repo, CHANGE)
    configure(repo, fake, docstring_answer)
    real_fdopen = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode == "wb":  # the writer's temporary file: the disk is full
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fdopen(fd, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", fdopen)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ttabot: error: nothing applied, every file left as it was: No space")
    assert not any("Traceback" in line for line in err)
    assert (repo.path / "pkg/calc.py").read_text() == CHANGE
    assert sorted(p.name for p in (repo.path / "pkg").iterdir()) == ["__init__.py", "calc.py"]


def test_a_new_file_gets_the_mode_the_umask_gives_and_an_old_one_keeps_its_own(
    tree: Path,
) -> None:
    # The temporary file (mkstemp: 0600) was renamed into place as it was: a test
    # module --apply created could be read by nobody but its owner (a shared
    # checkout, a container running as another user, a web server's docs).
    (tree / "b.py").chmod(0o755)
    old_umask = os.umask(0o027)
    try:
        output.apply(tree, DRAFTS)
    finally:
        os.umask(old_umask)
    modes = {p: (tree / p).stat().st_mode & 0o7777 for p in ("a.py", "b.py", "c/n.py")}
    assert modes == {"a.py": 0o644, "b.py": 0o755, "c/n.py": 0o640}
