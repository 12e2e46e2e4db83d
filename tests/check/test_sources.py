"""select_change against real git repositories: which change, and which new versions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.errors import TtabotError
from ttabot.records import FileStatus
from ttabot.sources import select_change, split_range


def commit(repo: GitRepo, message: str, files: dict[str, str]) -> str:
    """Write ``files``, stage everything and commit; return the SHA."""
    for rel, text in files.items():
        repo.write(rel, text)
    return repo.commit(message)


def paths(repo: GitRepo, **kwargs: object) -> dict[str, FileStatus]:
    selection = select_change(repo.path, **kwargs)  # type: ignore[arg-type]
    return {f.path: f.status for f in selection.change.files}


def test_staged_change_is_preferred_and_read_from_the_index(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "x = 1\n"})
    repo.write("a.py", "x = 1\ny = 2\n")
    repo.stage("a.py")
    repo.write("a.py", "x = 1\ny = 2\nz = 3\n")  # unstaged edit: not part of the change
    selection = select_change(repo.path)
    (file,) = selection.change.files
    assert selection.change.description == "staged change"
    assert file.added_lines == frozenset({2})
    assert selection.read_new("a.py") == b"x = 1\ny = 2\n"
    assert selection.head is None


def test_without_staged_change_the_last_commit_is_checked(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "x = 1\n"})
    sha = commit(repo, "second", {"a.py": "x = 1\nw = 2\n", "b.py": "b = 1\n"})
    selection = select_change(repo.path)
    assert selection.change.description == f"last commit {sha[:12]}"
    assert {f.path: f.added_lines for f in selection.change.files} == {
        "a.py": frozenset({2}),
        "b.py": frozenset({1}),
    }
    assert selection.head == sha


def test_single_root_commit_is_diffed_against_nothing(repo: GitRepo) -> None:
    commit(repo, "root", {"m.py": "def f():\n    return 1\n"})
    selection = select_change(repo.path)
    (file,) = selection.change.files
    assert (file.path, file.status, file.added_lines) == (
        "m.py",
        FileStatus.ADDED,
        frozenset({1, 2}),
    )


def test_last_commit_of_a_merge_is_against_its_first_parent(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    commit(repo, "topic", {"t.py": "t = 1\n"})
    repo.git("checkout", "-q", "main")
    commit(repo, "main", {"a.py": "a = 2\n"})
    repo.git("merge", "-q", "--no-edit", "topic")
    assert paths(repo) == {"t.py": FileStatus.ADDED}


def test_nothing_at_all_is_a_user_error(repo: GitRepo) -> None:
    with pytest.raises(TtabotError, match="nothing to check"):
        select_change(repo.path)


def test_staged_before_the_first_commit(repo: GitRepo) -> None:
    repo.write("first.py", "x = 1\n")
    repo.stage("first.py")
    selection = select_change(repo.path)
    assert selection.read_new("first.py") == b"x = 1\n"
    assert paths(repo) == {"first.py": FileStatus.ADDED}


def test_range_reads_files_at_its_end_not_the_work_tree(repo: GitRepo) -> None:
    base = commit(repo, "base", {"a.py": "a = 1\n"})
    commit(repo, "one", {"a.py": "a = 1\nb = 2\n"})
    head = commit(repo, "two", {"c.py": "c = 3\n"})
    repo.write("a.py", "totally different\n")
    selection = select_change(repo.path, rev_range=f"{base[:8]}..HEAD")
    assert (selection.base, selection.head) == (base, head)
    assert {f.path for f in selection.change.files} == {"a.py", "c.py"}
    assert selection.read_new("a.py") == b"a = 1\nb = 2\n"
    assert selection.read_new("missing.py") is None


def test_three_dot_range_starts_at_the_merge_base(repo: GitRepo) -> None:
    base = commit(repo, "base", {"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    commit(repo, "topic", {"t.py": "t = 1\n"})
    repo.git("checkout", "-q", "main")
    commit(repo, "main moves on", {"m.py": "m = 1\n"})
    selection = select_change(repo.path, rev_range="topic...main")
    assert selection.base == base
    assert {f.path for f in selection.change.files} == {"m.py"}
    # The two-dot form compares the trees directly and so also sees t.py go away.
    assert paths(repo, rev_range="topic..main") == {
        "m.py": FileStatus.ADDED,
        "t.py": FileStatus.DELETED,
    }


@pytest.mark.parametrize(
    ("rev_range", "message"),
    [
        ("nope..HEAD", "unknown revision 'nope'"),
        ("HEAD", "expected A..B"),
    ],
)
def test_bad_ranges(repo: GitRepo, rev_range: str, message: str) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    with pytest.raises(TtabotError, match=message):
        select_change(repo.path, rev_range=rev_range)


def test_an_empty_range_is_an_empty_change_not_an_error(repo: GitRepo) -> None:
    # CI on the default branch checks main..main: nothing to check, exit 0.
    commit(repo, "base", {"a.py": "a = 1\n"})
    selection = select_change(repo.path, rev_range="HEAD..HEAD")
    assert selection.change.files == ()
    assert "no commits" in selection.change.description


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(TtabotError, match="not a git repository"):
        select_change(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a..b", ("a", "b", False)), ("a...b", ("a", "b", True)), ("..b", ("HEAD", "b", False))],
)
def test_split_range(text: str, expected: tuple[str, str, bool]) -> None:
    assert split_range(text) == expected


def test_renames_with_and_without_edits_and_a_deletion(repo: GitRepo) -> None:
    body = "".join(f"line_{i} = {i}\n" for i in range(30))
    other = body.replace("line_", "other_")
    commit(repo, "base", {"keep.py": other, "edit.py": body, "gone.py": "g = 1\n"})
    repo.git("mv", "keep.py", "kept.py")
    repo.git("mv", "edit.py", "edited.py")
    repo.write("edited.py", body + "extra = 1\n")
    repo.git("rm", "-q", "gone.py")
    repo.stage()
    selection = select_change(repo.path)
    files = {f.path: f for f in selection.change.files}
    assert files["kept.py"].status is FileStatus.RENAMED
    assert files["kept.py"].old_path == "keep.py"
    assert files["kept.py"].added_lines == frozenset()
    assert files["edited.py"].status is FileStatus.RENAMED
    assert files["edited.py"].added_lines == frozenset({31})
    assert files["gone.py"].status is FileStatus.DELETED
    assert selection.read_new("edited.py") == (body + "extra = 1\n").encode()


def test_binary_file_is_flagged_and_not_read(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    repo.write("blob.py", b"\x00\x01\x02binary\x00")
    repo.stage()
    (file,) = select_change(repo.path).change.files
    assert (file.path, file.is_binary) == ("blob.py", True)


def test_non_utf8_crlf_and_missing_final_newline(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    latin1 = "# -*- coding: latin-1 -*-\r\nname = 'caf\xe9'\r\nlast = 1".encode("latin-1")
    repo.write("l.py", latin1)
    repo.stage()
    selection = select_change(repo.path)
    (file,) = selection.change.files
    assert file.added_lines == frozenset({1, 2, 3})
    assert selection.read_new("l.py") == latin1


def test_non_ascii_path(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    repo.write("données/é t.py", "x = 1\n")
    repo.stage()
    selection = select_change(repo.path)
    assert [f.path for f in selection.change.files] == ["données/é t.py"]
    assert selection.read_new("données/é t.py") == b"x = 1\n"


def test_hundred_thousand_line_commit(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    repo.write("big.py", "".join(f"v{i} = {i}\n" for i in range(100_000)))
    repo.stage()
    selection = select_change(repo.path)
    (file,) = selection.change.files
    assert len(file.added_lines) == 100_000
    data = selection.read_new("big.py")
    assert data is not None and data.count(b"\n") == 100_000


def test_diff_reads_files_under_root_and_never_outside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "m.py").write_text("x = 1\n")
    (tmp_path / "secret.py").write_text("s = 1\n")
    diff = (
        b"--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -0,0 +1 @@\n+x = 1\n"
        b"--- a/../secret.py\n+++ b/../secret.py\n@@ -0,0 +1 @@\n+s = 1\n"
    )
    selection = select_change(root, diff=diff)
    assert [f.path for f in selection.change.files] == ["pkg/m.py", "../secret.py"]
    assert selection.read_new("pkg/m.py") == b"x = 1\n"
    assert selection.read_new("../secret.py") is None
    assert selection.read_new("pkg") is None


def test_diff_never_reads_through_a_link_that_leaves_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "t.py").write_text("s = 1\n")
    (root / "tests").symlink_to(outside)
    (root / "real.py").write_text("x = 1\n")
    (root / "alias.py").symlink_to("real.py")  # inside: read as usual
    (root / "loop.py").symlink_to("loop.py")
    diff = b"".join(
        f"--- a/{p}\n+++ b/{p}\n@@ -0,0 +1 @@\n+x = 1\n".encode()
        for p in ("tests/t.py", "alias.py", "loop.py")
    )
    selection = select_change(root, diff=diff)
    assert selection.read_new("tests/t.py") is None
    assert selection.read_new("alias.py") == b"x = 1\n"
    assert selection.read_new("loop.py") is None


def test_a_conflicted_merge_stops_with_one_line_naming_the_paths(repo: GitRepo) -> None:
    commit(repo, "base", {"x.py": "x = 1\n", "y.py": "y = 1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    commit(repo, "topic", {"x.py": "x = 2\n"})
    repo.git("checkout", "-q", "main")
    commit(repo, "main", {"x.py": "x = 3\n"})
    done = subprocess.run(["git", "merge", "-q", "topic"], cwd=repo.path, capture_output=True)
    assert done.returncode != 0  # the conflict this test is about
    repo.write("y.py", "y = 1\nz = 2\n")
    repo.stage("y.py")
    # Checking only y.py would say "nothing left undone" about a half-merged tree.
    with pytest.raises(TtabotError, match=r"^the index has unmerged paths \(x\.py\)") as info:
        select_change(repo.path)
    assert "\n" not in str(info.value)
    assert paths(repo, rev_range="HEAD~1..HEAD") == {"x.py": FileStatus.MODIFIED}


def test_a_file_name_with_a_newline_is_checked_not_skipped(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    repo.write("odd\nname.py", "def f():\n    return 1\n")
    repo.stage()
    selection = select_change(repo.path)
    assert [f.path for f in selection.change.files] == ["odd\nname.py"]
    assert selection.read_new("odd\nname.py") == b"def f():\n    return 1\n"
    assert selection.read_new("missing\nfile.py") is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the repository to another user")
def test_git_refusing_the_repository_is_reported_in_its_own_words(repo: GitRepo) -> None:
    commit(repo, "base", {"a.py": "a = 1\n"})
    for path in [repo.path, *repo.path.rglob("*")]:
        os.lchown(path, 12345, 12345)  # someone else's repository: git's safe.directory check
    with pytest.raises(TtabotError) as info:
        select_change(repo.path)
    assert str(info.value) == (
        f"git cannot use {repo.path}: detected dubious ownership in repository at '{repo.path}'"
    )


def test_a_git_that_hangs_is_stopped_and_named(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ttabot import git

    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(git, "GIT_TIMEOUT", 0.5)
    with pytest.raises(TtabotError, match=r"^git (diff|rev-parse) did not finish in 0.5 s$"):
        select_change(repo.path)


# --- the staged change at the top of the work tree: no git rev-parse --------------------------


def git_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The git subcommands ttabot runs from now on, in order."""
    from ttabot import git

    calls: list[str] = []
    real = git.run

    def counting(root: Path, *args: str, stdin: bytes | None = None) -> object:
        calls.append(args[0])
        return real(root, *args, stdin=stdin)

    monkeypatch.setattr(git, "run", counting)
    return calls


def staged_repo(repo: GitRepo) -> GitRepo:
    commit(repo, "base", {"pkg/a.py": "def f():\n    return 1\n"})
    repo.write("pkg/a.py", "def f():\n    return 2\n\n\ndef g():\n    return 3\n")
    repo.stage()
    return repo


def read_all(repo: GitRepo, root: Path) -> tuple[object, ...]:
    selection = select_change(root)
    return (
        selection.root,
        selection.change,
        selection.read_new("pkg/a.py"),
        selection.read_old("pkg/a.py") if selection.read_old else None,
    )


def test_at_the_top_the_staged_change_takes_two_git_calls(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged_repo(repo)
    calls = git_calls(monkeypatch)
    _, _, new, old = read_all(repo, repo.path)
    assert calls == ["diff", "cat-file"]
    assert new == b"def f():\n    return 2\n\n\ndef g():\n    return 3\n"
    assert old == b"def f():\n    return 1\n"


def test_below_the_top_or_with_git_dir_set_git_is_asked_where_the_top_is(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged_repo(repo)
    at_top = read_all(repo, repo.path)
    calls = git_calls(monkeypatch)
    assert read_all(repo, repo.path / "pkg") == at_top
    assert calls[0] == "rev-parse"
    calls.clear()
    monkeypatch.setenv("GIT_DIR", str(repo.path / ".git"))
    assert read_all(repo, repo.path) == at_top
    assert calls[0] == "rev-parse"


def test_the_top_is_the_real_path_as_git_prints_it(repo: GitRepo, tmp_path: Path) -> None:
    staged_repo(repo)
    link = tmp_path / "link"
    link.symlink_to(repo.path)
    assert select_change(link).root == select_change(repo.path / "pkg").root


def test_nothing_staged_at_the_top_diffs_the_index_once(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = commit(repo, "base", {"a.py": "x = 1\n"})
    calls = git_calls(monkeypatch)
    selection = select_change(repo.path)
    assert selection.change.description == f"last commit {sha[:12]}"
    assert calls.count("diff") == 1 and "rev-parse" in calls


@pytest.mark.parametrize(
    ("entry", "said"),
    [("gitdir: /nowhere\n", "not a git repository: {root}"), ("garbage", "git cannot use {root}")],
)
def test_a_bogus_git_entry_gets_the_usual_error(tmp_path: Path, entry: str, said: str) -> None:
    """A ``.git`` file that names no repository: the error git rev-parse leads to, as before."""
    (tmp_path / ".git").write_text(entry)
    with pytest.raises(TtabotError) as info:
        select_change(tmp_path)
    assert str(info.value).startswith(said.format(root=tmp_path))


def test_diff_with_a_nul_byte_in_a_path_reads_nothing_and_does_not_crash(tmp_path: Path) -> None:
    # realpath() of a path holding NUL raises ValueError: a hostile --diff crashed
    # `ttabot check` with a traceback instead of treating the file as unreadable.
    root = tmp_path / "root"
    root.mkdir()
    (root / "m.py").write_text("x = 1\n")
    diff = (
        b"--- a/m.py\n+++ b/m.py\n@@ -0,0 +1 @@\n+x = 1\n"
        b"--- a/n\x00.py\n+++ b/n\x00.py\n@@ -0,0 +1 @@\n+x = 1\n"
    )
    selection = select_change(root, diff=diff)
    assert selection.read_new("n\x00.py") is None
    assert selection.read_new("m.py") == b"x = 1\n"


def test_diff_naming_a_fifo_under_the_root_reads_nothing(tmp_path: Path) -> None:
    # exists() asked is_file(), but the read itself opened whatever the name was: a FIFO
    # named by the diff (next to a real file, so the root check passed) blocked
    # `ttabot check --diff` forever in the added-lines check.
    root = tmp_path / "root"
    root.mkdir()
    (root / "m.py").write_text("x = 1\n")
    os.mkfifo(root / "pipe.py")
    diff = b"".join(
        f"--- a/{p}\n+++ b/{p}\n@@ -0,0 +1 @@\n+x = 1\n".encode() for p in ("m.py", "pipe.py")
    )
    selection = select_change(root, diff=diff)
    assert selection.read_new("pipe.py") is None


@pytest.mark.parametrize("name", ["0:x.py", "1:x.py", "3:x.py"])
def test_a_staged_name_that_looks_like_an_index_stage_is_read_as_itself(
    repo: GitRepo, name: str
) -> None:
    # Attack: ":0:x.py" is git's syntax for stage 0 of x.py, so a staged file named
    # "0:x.py" was read as the documented x.py and its own code was never checked.
    commit(repo, "base", {"x.py": 'def a():\n    """Doc."""\n'})
    repo.write(name, "def hidden():\n    pass\n")
    repo.stage(name)
    repo.write("x.py", 'def a():\n    """Doc, edited."""\n')
    repo.stage("x.py")
    selection = select_change(repo.path)
    assert selection.read_new(name) == b"def hidden():\n    pass\n"
    assert selection.read_new("x.py") == b'def a():\n    """Doc, edited."""\n'
    worktree = select_change(repo.path, worktree=True)
    assert worktree.read_old is not None
    repo.write(name, "def hidden():\n    return 1\n")
    read_old = select_change(repo.path, worktree=True).read_old
    assert read_old is not None
    assert read_old(name) == (b"def hidden():\n    pass\n")


def test_an_empty_git_folder_below_the_top_is_not_taken_for_the_top(repo: GitRepo) -> None:
    """git looks further up past a `.git` it cannot use; so does ttabot, by asking git."""
    staged_repo(repo)
    (repo.path / "pkg" / ".git").mkdir()
    assert read_all(repo, repo.path / "pkg") == read_all(repo, repo.path)
    assert select_change(repo.path / "pkg").root == repo.path.resolve()


# --- a repository's .gitattributes decides what git calls binary, not what is checked -------


NEW = "def f():\n    return 1\n"
HOW = {
    "staged": {},
    "worktree": {"worktree": True},
    "last commit": {"staged": False},
    "range": {"rev_range": "HEAD~1..HEAD"},
}


def attributed(repo: GitRepo, attribute: str, how: str) -> None:
    """A base commit that marks Python files with ``attribute``, then a change to two of them."""
    commit(repo, "base", {".gitattributes": f"*.py {attribute}\n", "old.py": "x = 1\n"})
    repo.write("old.py", "x = 1\n" + NEW)
    repo.write("new dir/[n]ew.py", NEW)  # a glob character: named literally when asked again
    repo.write("blob.py", b"\x00\x01binary\n")
    if how == "worktree":
        repo.git("add", "-N", "new dir/[n]ew.py", "blob.py")  # unstaged edits of known files
    else:
        repo.stage()
    if how in ("last commit", "range"):
        repo.commit("change")


@pytest.mark.parametrize("attribute", ["-diff", "binary"])
@pytest.mark.parametrize("how", list(HOW))
def test_gitattributes_cannot_make_python_files_binary(
    repo: GitRepo, attribute: str, how: str
) -> None:
    # Attack: a pull request adds `*.py -diff` (or `binary`) to .gitattributes. git then
    # diffed every Python file as "Binary files differ", ttabot read none of them, and
    # `check --range` said "Nothing left undone (0 Python files checked)": a pass.
    attributed(repo, attribute, how)
    selection = select_change(repo.path, **HOW[how])  # type: ignore[arg-type]
    files = {f.path: f for f in selection.change.files}
    assert (files["old.py"].is_binary, files["old.py"].added_lines) == (False, frozenset({2, 3}))
    assert (files["new dir/[n]ew.py"].is_binary, files["new dir/[n]ew.py"].added_lines) == (
        False,
        frozenset({1, 2}),
    )
    assert files["blob.py"].is_binary  # a NUL byte: binary by its content, as git says without


def test_file_names_that_split_git_s_header_wrongly_are_read_exactly(repo: GitRepo) -> None:
    # `diff --git a/x b/y.py b/x b/y.py` splits two ways; the parser took the last " b/",
    # so any change holding a file named "x b/y.py" ended the check with "not a valid
    # diff" (exit 2), and "t.py " lost its trailing space: the added lines of a file no
    # one imports were checked against the untouched t.py.
    body = "".join(f"v{i} = {i}\n" for i in range(20))
    commit(repo, "base", {"t.py": "t = 1\n", "old b/r.py": body, "m b/m.py": "m = 1\n"})
    repo.write("x b/y.py", NEW)
    repo.write("t.py ", NEW)
    repo.write("m b/m.py", "m = 1\n" + NEW)
    (repo.path / "old b/r.py").unlink()
    repo.write("new b/r.py", body + NEW)  # a rename with an edit
    repo.stage()
    selection = select_change(repo.path)
    files = {f.path: f for f in selection.change.files}
    assert {path: (f.status, f.added_lines, f.old_path) for path, f in files.items()} == {
        "x b/y.py": (FileStatus.ADDED, frozenset({1, 2}), None),
        "t.py ": (FileStatus.ADDED, frozenset({1, 2}), None),
        "m b/m.py": (FileStatus.MODIFIED, frozenset({2, 3}), None),
        "new b/r.py": (FileStatus.RENAMED, frozenset({21, 22}), "old b/r.py"),
    }
    assert selection.read_new("x b/y.py") == NEW.encode()


def test_too_many_binary_python_files_to_name_are_diffed_whole(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Naming a hundred thousand files git called binary would pass ARG_MAX (an
    # OSError traceback from the git call); past the limit the diff comes whole.
    from ttabot import git

    assert git.as_text(["x" * 200] * 1000) == ("--text", "--")
    assert git.as_text(["a.py"]) == ("--text", "--", ":(literal)a.py")
    monkeypatch.setattr(git, "PATHSPEC_LIMIT", 10)
    attributed(repo, "-diff", "range")
    files = {f.path: f for f in select_change(repo.path, rev_range="HEAD~1..HEAD").change.files}
    assert (files["old.py"].is_binary, files["old.py"].added_lines) == (False, frozenset({2, 3}))
    assert files["blob.py"].is_binary
