"""Docstring insertion changes nothing but the docstrings, or nothing at all.

libcst drops a form feed that opens a statement's line: ``\\f`` before a ``def``
(pages, in GNU-style sources) vanished from the user's file when a docstring was
inserted anywhere in it, and every check passed, since the AST is the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.drafting.conftest import answer, configure, stage_module
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main
from ttabot.drafting import docstring_check
from ttabot.drafting.docstrings import exact, insert_docstrings

PAGED = "import os\n\x0cdef add(a, b):\n    return a + b\n"
#: Python parses 700 implicitly joined strings; libcst's visitors recurse once per join.
LONG_CHAIN = "X = (" + " ".join(['"a"'] * 700) + ")\n\n\ndef add(a, b):\n    return a + b\n"


@pytest.mark.parametrize(
    "source",
    [
        PAGED,
        "x = 1\n\x0cclass C:\n    pass\n\n\ndef add(a, b):\n    return a + b\n",
        "def add(a, b):\n    return a + b\n\n\x0c\x0cy = 2\n",
    ],
)
def test_a_module_libcst_cannot_write_back_gets_no_docstring(source: str) -> None:
    check = docstring_check.check_docstrings(
        source, {"add": "Add.\n\nArgs:\n    a: A.\n    b: B."}, ["add"]
    )
    assert check.accepted == () and check.proposed == source
    inserted = next(s for s in check.stages if s.name == "inserted")
    assert not inserted.passed and "byte for byte" in inserted.detail


def test_a_chain_too_deep_for_libcst_is_refused_not_a_recursion_error() -> None:
    check = docstring_check.check_docstrings(
        LONG_CHAIN, {"add": "Add.\n\nArgs:\n    a: A.\n    b: B."}, ["add"]
    )
    assert check.accepted == () and check.proposed == LONG_CHAIN
    assert not exact(LONG_CHAIN)


@pytest.mark.parametrize("args", [["--dry-run"], ["--only", "docs-missing", "--apply"]])
def test_draft_names_a_module_too_deep_for_libcst(
    args: list[str],
    repo: GitRepo,
    fake: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It ended `ttabot draft` in a RecursionError traceback.
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    stage_module(repo, LONG_CHAIN)
    configure(repo, fake, _docstring)
    assert main(["draft", *args]) == (0 if args == ["--dry-run"] else 1)
    assert "ttabot: warning: pkg/calc.py: not drafted: libcst cannot" in capsys.readouterr().err
    assert (repo.path / "pkg/calc.py").read_text() == LONG_CHAIN
    assert fake.calls == []


def test_a_form_feed_on_its_own_line_is_kept_and_the_docstring_inserted() -> None:
    source = "import os\n\x0c\ndef add(a, b):\n    return a + b\n"
    out = insert_docstrings(source, {"add": "Add."})
    assert out == 'import os\n\x0c\ndef add(a, b):\n    """Add."""\n    return a + b\n'


def _docstring(model: str, body: Any) -> Reply:
    doc = "Add two numbers.\n\nArgs:\n    a: First.\n    b: Second."
    return answer({"docstrings": [{"symbol": "add", "docstring": doc}]})


def test_draft_apply_leaves_a_paged_module_byte_for_byte(
    repo: GitRepo,
    fake: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    stage_module(repo, PAGED)
    configure(repo, fake, _docstring)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 1
    assert (repo.path / "pkg/calc.py").read_bytes() == PAGED.encode()
    err = capsys.readouterr().err
    assert "ttabot: warning: pkg/calc.py: not drafted: " in err and "byte for byte" in err
    # Known before any request: no model is asked for a docstring that cannot land.
    assert fake.calls == []


def test_only_the_docstring_task_of_a_paged_module_is_left_out(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    stage_module(repo, PAGED)
    assert main(["draft", "--dry-run"]) == 0
    captured = capsys.readouterr()
    tasks = [line for line in captured.out.splitlines() if line.startswith("=== task")]
    assert tasks == ["=== task 1: unit-tests -> tests/test_calc.py"]
    assert "ttabot: warning: pkg/calc.py: not drafted: libcst cannot" in captured.err
