"""``draft --apply`` where git checks files out with CRLF (``core.autocrlf``, ``eol=crlf``).

The draft starts from git's version of a file (the index or a commit: LF), the
work tree holds git's checkout of it (CRLF). That is the same file, not a file
the user changed: the draft lands, in CRLF, and a real edit is still skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drafting.conftest import CHANGE, configure
from tests.drafting.test_draft_command import docstring_answer
from tests.drafting.test_output import make
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main
from ttabot.drafting import output

CRLF_CHANGE = CHANGE.replace("\n", "\r\n").encode()


def _check_out_again(repo: GitRepo, rel: str) -> None:
    """Let git write ``rel`` from the index, converting line endings as it is set to."""
    (repo.path / rel).unlink()
    repo.git("checkout", "--", rel)


@pytest.fixture(params=["autocrlf", "gitattributes"])
def crlf_repo(request: pytest.FixtureRequest, repo: GitRepo, fake: FakeOpenAI) -> GitRepo:
    """``pkg/calc.py`` staged (LF in the index), CRLF in the work tree as git wrote it."""
    if request.param == "autocrlf":
        repo.git("config", "core.autocrlf", "true")
    else:
        repo.write(".gitattributes", "* text eol=crlf\n")
    repo.write("pkg/__init__.py", "")
    configure(repo, fake, docstring_answer)
    repo.commit("init")
    repo.write("pkg/calc.py", CHANGE)
    repo.stage()
    _check_out_again(repo, "pkg/calc.py")
    assert (repo.path / "pkg/calc.py").read_bytes() == CRLF_CHANGE
    assert repo.git("cat-file", "blob", ":pkg/calc.py") == CHANGE  # the index holds LF
    return repo


def test_a_staged_file_git_checked_out_with_crlf_gets_its_draft_in_crlf(
    crlf_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 0
    assert "skipped" not in capsys.readouterr().err
    data = (crlf_repo.path / "pkg/calc.py").read_bytes()
    assert data.startswith(b'def add(a, b):\r\n    """Add two numbers.\r\n\r\n    Args:\r\n')
    assert data.endswith(b'    """\r\n    return a + b\r\n')
    assert b"\n" not in data.replace(b"\r\n", b"")  # no line ends in a bare LF


def test_the_draft_hook_inserts_docstrings_into_a_crlf_work_tree(
    crlf_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["draft", "--hook"])
    data = (crlf_repo.path / "pkg/calc.py").read_bytes()
    assert data.startswith(b'def add(a, b):\r\n    """Add two numbers.\r\n')
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_the_last_commit_checked_out_with_crlf_gets_its_draft_in_crlf(
    crlf_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    crlf_repo.git("commit", "-q", "-m", "add")  # nothing staged: the last commit is drafted
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 0
    data = (crlf_repo.path / "pkg/calc.py").read_bytes()
    assert data.startswith(b'def add(a, b):\r\n    """Add two numbers.\r\n')
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_a_crlf_file_edited_since_it_was_staged_is_still_skipped(
    crlf_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = CRLF_CHANGE + b"# edited after staging\r\n"
    crlf_repo.write("pkg/calc.py", edited)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 1
    assert "ttabot: skipped pkg/calc.py: the file differs" in capsys.readouterr().err
    assert (crlf_repo.path / "pkg/calc.py").read_bytes() == edited


def test_a_file_with_mixed_endings_is_not_taken_for_git_s_checkout(
    crlf_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # One line's ending changed by hand: not what git wrote, so not what was drafted.
    mixed = CRLF_CHANGE.replace(b"\r\n", b"\n", 1)
    crlf_repo.write("pkg/calc.py", mixed)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 1
    assert "ttabot: skipped pkg/calc.py: the file differs" in capsys.readouterr().err
    assert (crlf_repo.path / "pkg/calc.py").read_bytes() == mixed


@pytest.mark.parametrize(
    ("text", "checked_out"),
    [
        ("a\nb\n", "a\r\nb\r\n"),
        ("a\r\nb\n", "a\r\nb\r\n"),  # a CRLF already there gets no second CR
        ("a\rb", "a\rb"),  # a lone CR is no line end git converts
        ("no end", "no end"),
        ("", ""),
    ],
)
def test_crlf_checkout_gives_each_lf_one_cr(text: str, checked_out: str) -> None:
    assert output.crlf_checkout(text) == checked_out


def test_a_draft_that_adds_a_file_is_written_as_drafted(tmp_path: Path) -> None:
    # No file in the work tree to take line endings from: nothing to convert.
    written, skipped = output.apply(tmp_path, [make("", "def f():\n    pass\n", path="n.py")])
    assert (written, skipped) == (["n.py"], [])
    assert (tmp_path / "n.py").read_bytes() == b"def f():\n    pass\n"
