"""End to end: batched docstrings through a fake model, validated, shown as a diff, applied."""

from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure, user_prompt
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

BASE = '''\
"""Geometry helpers."""


def origin():
    """Return the origin.

    Returns
    -------
    tuple
        Always (0, 0).
    """
    return (0, 0)
'''

ADDED = """

def area(width, height):
    return width * height


def scale(value, factor=2):
    return value * factor  # keep this comment


class Shape:
    def perimeter(self, *sides, **options):
        return sum(sides)


def one_liner(x): return x
"""

GOOD = {
    "area": "Return the area of a rectangle.\n\nParameters\n----------\nwidth : float\n"
    "    Width.\nheight : float\n    Height.\n\nReturns\n-------\nfloat\n    The area.",
    "Shape": "A plane shape.",
    "Shape.perimeter": "Return the perimeter.\n\nParameters\n----------\n*sides : float\n"
    "    Side lengths.\n**options\n    Ignored.",
}
#: ``factor`` is documented as ``ratio``: must be rejected.
MISMATCHED = {
    "scale": "Scale a value.\n\nParameters\n----------\nvalue : float\n    The value.\n"
    "ratio : float\n    Wrong name."
}


def responder(model: str, body: Any) -> Reply:
    prompt = user_prompt(body)
    assert "Style: NumPy" in prompt  # detected from the module's existing docstring
    items = [{"symbol": s, "docstring": d} for s, d in {**GOOD, **MISMATCHED}.items()]
    # one_liner is left out of the answer; prose and a fence wrap the JSON.
    return answer({"docstrings": items}, prose="Here are the docstrings:\n```json")


@pytest.fixture
def project(repo: GitRepo, fake: FakeOpenAI) -> GitRepo:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/geometry.py", BASE)
    repo.commit("init")
    repo.write("pkg/geometry.py", BASE + ADDED)
    configure(repo, fake, responder)
    repo.stage()
    return repo


def draft(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["draft", "--only", "docs-missing", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_one_call_drafts_the_batch_and_rejects_bad_docstrings_with_reasons(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = draft(capsys, "--format", "json")
    doc = json.loads(out)
    assert len(fake.calls) == 1  # five definitions, one model call
    accepted = [d for d in doc["drafts"] if d["status"] == "accepted"]
    rejected = {d["findings"][0]["symbol"]: d for d in doc["drafts"] if d["status"] == "rejected"}
    assert len(accepted) == 1
    assert {f["symbol"] for f in accepted[0]["findings"]} == set(GOOD)
    assert [s["name"] for s in accepted[0]["stages"]] == [
        "docstring-text",
        "params-match",
        "parses",
        "ast-unchanged",
        "inserted",
    ]
    assert set(rejected) == {"scale", "one_liner"}
    assert "ratio" in rejected["scale"]["reason"] and "factor" in rejected["scale"]["reason"]
    assert "no docstring" in rejected["one_liner"]["reason"]
    # A rejected docstring is shown (in its own diff), never applied.
    assert "+    ratio : float" in rejected["scale"]["diff"]
    assert rejected["one_liner"]["diff"] == ""
    assert code == 1


def test_diff_by_default_leaves_the_tree_untouched_and_applies_cleanly(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project.path / "pkg/geometry.py").read_bytes()
    _, out, err = draft(capsys)
    assert (project.path / "pkg/geometry.py").read_bytes() == before
    assert out.startswith("diff --git a/pkg/geometry.py b/pkg/geometry.py\n")
    assert '+        """Return the perimeter.' in out
    assert "rejected" in err and "scale" in err
    # The diff is a real patch for the tree it was drafted from.
    subprocess.run(
        ["git", "apply", "--check", "-"], input=out.encode(), cwd=project.path, check=True
    )


def test_apply_writes_only_the_accepted_docstrings_and_nothing_else_changes(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = project.path / "pkg/geometry.py"
    os.chmod(target, 0o640)
    original = target.read_text()
    inode = target.stat().st_ino
    code, _, err = draft(capsys, "--apply")
    assert code == 1  # scale and one_liner were rejected
    assert "wrote pkg/geometry.py" in err
    text = target.read_text()
    tree = ast.parse(text)
    docs = {
        n.name: ast.get_docstring(n)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.ClassDef)
    }
    assert docs["area"] == GOOD["area"]
    assert docs["perimeter"] == GOOD["Shape.perimeter"]
    assert docs["Shape"] == GOOD["Shape"]
    assert docs["scale"] is None and docs["one_liner"] is None
    # Every original line is still there, in order: only docstring lines were added.
    kept = iter(text.splitlines())
    assert all(any(line == k for k in kept) for line in original.splitlines())
    assert "    return value * factor  # keep this comment\n" in text
    # Replaced in one step (a new inode), with the file's mode kept, no temp file left.
    assert target.stat().st_ino != inode
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["__init__.py", "geometry.py"]


def test_feedback_round_fixes_a_mismatched_docstring(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/m.py", "")
    repo.commit("init")
    repo.write("pkg/m.py", "def scale(value, factor=2):\n    return value * factor\n")

    def respond(model: str, body: Any) -> Reply:
        last = body["messages"][-1]["content"]
        if "failed ttabot's check" in last:
            assert "does not document factor" in last
            fixed = "Scale.\n\nArgs:\n    value: V.\n    factor: F."
            return answer({"docstrings": [{"symbol": "scale", "docstring": fixed}]})
        first = "Scale.\n\nArgs:\n    value: V."
        return answer({"docstrings": [{"symbol": "scale", "docstring": first}]})

    configure(repo, fake, respond, **{"feedback-rounds": 1})
    repo.stage()
    code, out, _ = draft(capsys, "--format", "json")
    (only,) = json.loads(out)["drafts"]
    assert only["status"] == "accepted", (only["stages"], only["reason"])
    assert only["requests"] == 2
    assert [(a["stage"], a["ok"]) for a in only["attempts"]] == [
        ("params-match", False),
        ("inserted", True),
    ]
    assert len(fake.calls) == 2 and code == 0
