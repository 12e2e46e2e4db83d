"""The version before the change (contract v2 compares against it), for every kind of source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.check.conftest import RunCli
from tests.support.gitrepo import GitRepo
from ttabot import git
from ttabot.change import ReverseHunk, reverse_hunks, unpatch
from ttabot.errors import TtabotError
from ttabot.sources import select_change

OLD = "def load(x):\n    return x\n"
ANNOTATED = "def load(x: int) -> int:\n    return x\n"
CHANGED = "def load(x):\n    return x + 1\n"


def test_staged_change_reads_head(repo: GitRepo) -> None:
    repo.write("m.py", OLD)
    repo.commit("base")
    repo.write("m.py", ANNOTATED)
    repo.stage("m.py")
    selection = select_change(repo.path)
    assert selection.read_old is not None
    assert selection.read_old("m.py") == OLD.encode()


def test_last_commit_reads_its_first_parent(repo: GitRepo) -> None:
    repo.write("m.py", OLD)
    repo.commit("base")
    repo.write("m.py", ANNOTATED)
    repo.commit("annotate")
    selection = select_change(repo.path, staged=False)
    assert selection.read_old is not None
    assert selection.read_old("m.py") == OLD.encode()


def test_range_reads_the_base_and_follows_a_rename(repo: GitRepo) -> None:
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(20))
    repo.write("old_name.py", body + OLD)
    base = repo.commit("base")
    repo.git("mv", "old_name.py", "new_name.py")
    repo.write("new_name.py", body + ANNOTATED)
    repo.commit("rename and annotate")
    selection = select_change(repo.path, rev_range=f"{base[:10]}..HEAD")
    (file,) = selection.change.files
    assert file.old_path == "old_name.py"
    assert selection.read_old is not None
    assert selection.read_old("old_name.py") == (body + OLD).encode()
    assert selection.read_old("new_name.py") is None


def test_first_commit_staged_has_no_old_version(repo: GitRepo) -> None:
    repo.write("m.py", OLD)
    repo.stage("m.py")
    selection = select_change(repo.path)
    assert selection.read_old is not None
    assert selection.read_old("m.py") is None


def test_old_and_new_versions_come_from_one_cat_file_call(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        repo.write(f"{name}.py", OLD)
    repo.commit("base")
    for name in ("a", "b", "c"):
        repo.write(f"{name}.py", CHANGED)
    repo.write("d.py", OLD)  # added: no old version to ask for
    repo.stage()
    calls: list[list[str]] = []
    real = git.read_blobs

    def counting(root: Path, specs: list[str]) -> dict[str, bytes | None]:
        calls.append(list(specs))
        return real(root, specs)

    monkeypatch.setattr(git, "read_blobs", counting)
    selection = select_change(repo.path)
    assert selection.read_old is not None
    assert selection.read_new("a.py") == CHANGED.encode()
    assert [selection.read_old(f"{n}.py") for n in "abc"] == [OLD.encode()] * 3
    assert [selection.read_new(f"{n}.py") for n in "bcd"] == [CHANGED.encode()] * 2 + [OLD.encode()]
    (specs,) = calls
    # At the top of the work tree git is not asked for HEAD's SHA: cat-file resolves HEAD itself.
    assert sorted(specs) == sorted(
        [":0:a.py", ":0:b.py", ":0:c.py", ":0:d.py", "HEAD:a.py", "HEAD:b.py", "HEAD:c.py"]
    )


def test_v2_end_to_end_on_git_history(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write("pkg/m.py", '"""M."""\n\n\n' + OLD.replace("    return", '    """L."""\n    return'))
    base = repo.commit("base")
    annotated = ANNOTATED.replace("    return", '    """L."""\n    return')
    repo.write("pkg/m.py", '"""M."""\n\n\n' + annotated + "\n\ndef fresh(y):\n    return y\n")
    repo.commit("annotate, add")
    args = ["check", "--root", str(repo.path), "--range", f"{base}..HEAD", "--format", "json"]
    out = json.loads(run_cli(args).out)
    tests = [(f["symbol"], f["details"]["rule"]) for f in out["findings"]]
    assert ("fresh", "new") in tests
    assert "load" not in {symbol for symbol, _ in tests}
    v1 = json.loads(run_cli([*args, "--contract", "1"]).out)
    assert {f["symbol"] for f in v1["findings"] if f["category"] == "tests-needed"} == {
        "load",
        "fresh",
    }


# --diff: the old version is the file under --root with the diff's hunks undone.

UNPATCH = [
    pytest.param(
        b"a\nB\nc\n",
        [ReverseHunk(1, ("B",), ("b\n",))],
        b"a\nb\nc\n",
        id="replaced line",
    ),
    pytest.param(
        b"a\nnew\nc\n",
        [ReverseHunk(1, ("new",), ())],
        b"a\nc\n",
        id="added line",
    ),
    pytest.param(
        b"a\nc\n",
        [ReverseHunk(1, (), ("b\n",))],
        b"a\nb\nc\n",
        id="removed line",
    ),
    pytest.param(
        b"a\r\nB\r\nc\r\n",
        [ReverseHunk(1, ("B",), ("b\r\n",))],
        b"a\r\nb\r\nc\r\n",
        id="crlf",
    ),
    pytest.param(
        b"a\nB",
        [ReverseHunk(1, ("B",), ("b",))],
        b"a\nb",
        id="no final newline",
    ),
    pytest.param(b"a\nX\nc\n", [ReverseHunk(1, ("B",), ("b\n",))], None, id="file differs"),
    pytest.param(b"a\n", [ReverseHunk(1, ("B",), ("b\n",))], None, id="hunk past the end"),
    pytest.param(
        b"a\nb\n",
        [ReverseHunk(0, ("a", "b"), ()), ReverseHunk(1, ("b",), ())],
        None,
        id="overlapping hunks",
    ),
]


@pytest.mark.parametrize(("new", "hunks", "expected"), UNPATCH)
def test_unpatch(new: bytes, hunks: list[ReverseHunk], expected: bytes | None) -> None:
    assert unpatch(new, hunks) == expected


def test_reverse_hunks_round_trips_a_git_diff(repo: GitRepo) -> None:
    old = "".join(f"line {i}\n" for i in range(30))
    new = old.replace("line 3\n", "line three\nextra\n").replace("line 20\n", "")
    repo.write("f.py", old)
    repo.write("gone.py", "x = 1\n")
    repo.commit("base")
    repo.write("f.py", new)
    repo.write("added.py", "y = 2\n")
    (repo.path / "gone.py").unlink()
    repo.stage()
    for context in ("-U0", "-U3"):
        diff = subprocess.run(
            ["git", "diff", "--cached", context],
            cwd=repo.path,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        hunks = reverse_hunks(diff)
        assert set(hunks) == {"f.py"}  # added and deleted files have nothing to undo
        assert unpatch(new.encode(), hunks["f.py"]) == old.encode()


def test_diff_input_reads_old_versions_by_undoing_the_hunks(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    repo.write("pkg/m.py", '"""M."""\n\n\n' + OLD)
    repo.commit("base")
    repo.write("pkg/m.py", '"""M."""\n\n\n' + ANNOTATED)
    repo.write("pkg/new.py", '"""N."""\n\n\n' + OLD)
    repo.git("add", "-A")
    diff = repo.git("diff", "--cached", "-U0")
    selection = select_change(repo.path, diff=diff.encode())
    assert selection.read_old is not None
    assert selection.read_old("pkg/m.py") == ('"""M."""\n\n\n' + OLD).encode()
    assert selection.read_old("pkg/new.py") is None
    result = run_cli(["check", "--diff", "-", "--root", str(repo.path), "--format", "json"], diff)
    findings = json.loads(result.out)["findings"]
    assert [(f["symbol"], f["path"]) for f in findings if f["category"] == "tests-needed"] == [
        ("load", "pkg/new.py")
    ]
    # A file under --root that is not the diff's result is refused, not guessed at.
    repo.write("pkg/m.py", '"""M."""\n\n\n# moved\n' + ANNOTATED)
    with pytest.raises(TtabotError, match="added lines do not match"):
        select_change(repo.path, diff=diff.encode())
