"""Implementing an issue (ttabot/drafting/implement.py): sizing the task, reading the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.config import Settings
from ttabot.drafting.answers import IMPLEMENT_SCHEMA
from ttabot.drafting.implement import CODE_KINDS, ImplementJob
from ttabot.drafting.implement_answer import check_tree, parse_answer
from ttabot.drafting.implement_prompt import context_files, expected_kind, implement_messages
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.safepath import safe_relative_path
from ttabot.llm.json_prompt import json_instruction, with_json_instruction
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


@pytest.mark.parametrize("kind", CODE_KINDS)
def test_code_kinds_run_code_and_ask_with_the_implement_prompt_and_schema(kind: TaskKind) -> None:
    info = KINDS[kind]
    # runs_code keeps them off every fork allowlist; no drafter: never planned from a finding.
    assert info.runs_code and info.drafter is None
    assert info.template == "implement" and info.schema is IMPLEMENT_SCHEMA


def test_the_code_kinds_are_the_registry_s_implement_kinds() -> None:
    assert set(CODE_KINDS) == {k for k in KINDS if KINDS[k].template == "implement"}
    assert {expected_kind("t", "x " * n) for n in (1, 600, 1_500)} == set(CODE_KINDS)


def test_the_messages_hold_the_issue_and_the_schema_instruction_once(tmp_path: Path) -> None:
    job = ImplementJob(9, "Add sub", "Please add sub() to $core.", tmp_path, Settings(), {}, {})
    messages = implement_messages(job, TaskKind.SIMPLE_CODE, ("pkg/core.py",), {})
    system, user = messages
    assert system["role"] == "system" and user["role"] == "user"
    assert system["content"].count(json_instruction(IMPLEMENT_SCHEMA)) == 1
    assert user["content"].startswith("Implement what this issue asks for")
    assert "Issue #9: Add sub" in user["content"] and "add sub() to $core." in user["content"]
    assert "pkg/core.py" in user["content"] and "(none found)" in user["content"]
    # The client sees the instruction already there and sends the messages as they are.
    assert with_json_instruction(messages, IMPLEMENT_SCHEMA) == messages


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("pkg/new.py", None),
        ("pkg/sub/new.py", None),
        ("pkg/mod.py", None),  # replacing a file is what an implementation does
        ("out/x.py", "out is a symbolic link"),
        ("here", "here is a symbolic link"),
        ("pkg/mod.py/x.py", "pkg/mod.py is a file, not a folder"),
        ("pkg", "it is a folder"),
        ("pkg/" + "x" * 300, "File name too long"),
    ],
)
def test_check_tree(tmp_path: Path, path: str, reason: str | None) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("A = 1\n")
    (tmp_path / "out").symlink_to(tmp_path.parent)
    (tmp_path / "here").symlink_to("pkg/mod.py")
    if reason is None:
        check_tree(tmp_path, [path])
    else:
        with pytest.raises(ValueError, match=reason):
            check_tree(tmp_path, [path])


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
