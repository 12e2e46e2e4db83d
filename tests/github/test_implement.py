"""``/ttabot implement``: sizing the task, reading the answer, and the whole flow end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.github.implement import context_files, expected_kind, parse_answer, safe_path
from ttabot.records import TaskKind


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        ("Fix typo in greeting", "It says helo.", TaskKind.SIMPLE_CODE),
        (
            "Add export formats",
            "\n".join(f"- format {n}" for n in range(6)),
            TaskKind.MODERATE_CODE,
        ),
        (
            "Rewrite the storage layer",
            "\n".join(f"- [ ] step {n}" for n in range(10)) + " word" * 400,
            TaskKind.COMPLEX_CODE,
        ),
    ],
)
def test_expected_kind_by_size(title: str, body: str, kind: TaskKind) -> None:
    assert expected_kind(title, body) == kind


def test_named_files_weigh_in() -> None:
    listing = ("pkg/a.py", "pkg/b.py")
    assert expected_kind("t", "change pkg/a.py and pkg/b.py", listing) == TaskKind.MODERATE_CODE


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("pkg/a.py", True),
        ("/etc/passwd", False),
        ("../x.py", False),
        ("a/../../b", False),
        (".git/config", False),
        (".github/workflows/x.yml", False),
        ("", False),
        ("a\\b.py", False),
    ],
)
def test_safe_path(path: str, ok: bool) -> None:
    assert safe_path(path) is ok


def test_parse_answer() -> None:
    summary, files = parse_answer(
        '<think>x</think>{"summary": "Adds sub.", '
        '"files": [{"path": "./p.py", "content": "x = 1"}]}'
    )
    assert summary == "Adds sub." and files == {"p.py": "x = 1\n"}


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("nothing", "no JSON"),
        ("{bad json}", "no JSON"),
        ('{"files": ' + "[" * 100_000 + "]" * 100_000 + "}", "deeper than"),
        ('Sure! ```json\n{"files": [{"path": "/etc/x", "content": ""}]}\n```', "refusing"),
        ('{"files": []}', 'no "files"'),
        ('{"files": [{"path": "a.py"}]}', "needs a"),
        ('{"files": [{"path": "../a.py", "content": ""}]}', "refusing"),
    ],
)
def test_parse_answer_errors(content: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_answer(content)


def test_context_files_by_path_or_module_name(repo: GitRepo) -> None:
    repo.commit(**{"pkg__core.py": "A = 1\n", "pkg__other.py": "B = 2\n", "README.md": "hi\n"})
    listing = ("README.md", "pkg/core.py", "pkg/other.py")
    assert context_files(repo.path, listing, "core is broken") == {"pkg/core.py": "A = 1\n"}
    assert set(context_files(repo.path, listing, "see README.md and pkg/other.py")) == {
        "README.md",
        "pkg/other.py",
    }


def test_context_files_are_never_read_through_a_symlink(repo: GitRepo, tmp_path: Path) -> None:
    # A tracked link merged into the default branch (a one-line diff a reviewer
    # passes over) turned `/ttabot implement` on an issue naming it into a leak:
    # `env.md -> /proc/self/environ` put the job's GITHUB_TOKEN and model key into
    # the prompt sent to a model provider, `cfg.md -> .git/config` the checkout's
    # persisted token. An issue anyone can write names the files.
    secret = tmp_path / "outside.txt"
    secret.write_text("SECRET=hunter2hunter2\n")
    repo.commit(**{"pkg__core.py": "A = 1\n"})
    (repo.path / "env.md").symlink_to(secret)
    (repo.path / "cfg.md").symlink_to(".git/config")
    (repo.path / "lib").symlink_to(repo.path / "pkg")
    listing = ("cfg.md", "env.md", "lib/core.py", "pkg/core.py")
    got = context_files(repo.path, listing, "see env.md, cfg.md, lib/core.py and pkg/core.py")
    assert got == {"pkg/core.py": "A = 1\n"}
