"""Implementing an issue (ttabot/drafting/implement.py): sizing the task, reading the answer."""

from __future__ import annotations

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.drafting.implement import context_files, expected_kind, parse_answer
from ttabot.drafting.safepath import safe_relative_path
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
    assert (safe_relative_path(path) is not None) is ok


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
