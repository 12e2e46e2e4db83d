"""What ``ttabot draft`` prints about a hostile repository reaches the terminal as text.

A cloned repository chooses its file names and contents; ``draft --dry-run``
prints both (the task headers and the exact prompts, which quote the source),
and ``--apply`` names the files it wrote or skipped. Raw, an escape sequence
there retitles the terminal, writes the clipboard (OSC 52) or erases lines.
"""

from __future__ import annotations

import json

import pytest

from tests.drafting.conftest import CHANGE, configure
from tests.drafting.test_draft_command import docstring_answer
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main

#: OSC sequences and BEL: click strips only CSI sequences from output that is no terminal.
OSC = "\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07"
PATH = f"pkg/c{OSC}alc.py"
SOURCE = f'def add(a, b):\n    return a + b  # {OSC}\n\n\nNAME = "{OSC}"\n'


@pytest.fixture
def hostile(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write(PATH, SOURCE)
    repo.stage()
    return repo


def test_dry_run_shows_a_file_s_escape_sequences_as_text(
    hostile: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "=== task 1: documentation -> pkg/c\\x1b]0;owned\\x07" in out
    assert "return a + b  # \\x1b]0;owned\\x07" in out


def test_progress_and_apply_name_the_file_as_text(
    hostile: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ttabot.commands import draft_progress

    monkeypatch.setattr(draft_progress, "_stderr_is_terminal", lambda: True)  # progress lines
    configure(hostile, fake, docstring_answer)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "documentation pkg/c\\x1b]0;owned\\x07" in err  # [1/1] ... : accepted
    assert "ttabot: wrote pkg/c\\x1b]0;owned\\x07" in err
    assert '"""Add two numbers.' in (hostile.path / PATH).read_text()


def test_dry_run_on_a_file_name_that_is_not_utf8_prints_no_surrogates(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # git keeps a file name's bytes; ttabot holds a non-UTF-8 one with surrogates, which
    # a stdout that encodes strictly (a UTF-8 locale such as en_US.UTF-8) cannot write:
    # `draft --dry-run` ended in a UnicodeEncodeError traceback.
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    name = b"pkg/caf\xe9.py"
    (repo.path / name.decode("utf-8", "surrogateescape")).write_text(CHANGE)
    repo.stage()
    assert main(["draft", "--dry-run"]) == 0
    assert "=== task 1: documentation -> pkg/caf\ufffd.py" in capsys.readouterr().out


@pytest.mark.parametrize("dry_run", [True, False])
def test_json_names_a_file_that_is_not_utf8_as_git_quotes_it(
    repo: GitRepo,
    fake: FakeOpenAI,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
    dry_run: bool,
) -> None:
    # json.dumps wrote the surrogate that holds the byte as a lone "\udce9" escape: no
    # UTF-8 text, and strict JSON readers refuse or mangle it. The name comes out as git
    # quotes it (so a script can get the bytes back), everything else as valid text.
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    (repo.path / b"pkg/caf\xe9.py".decode("utf-8", "surrogateescape")).write_text(CHANGE)
    repo.stage()
    configure(repo, fake, docstring_answer)
    only = ["--only", "docs-missing"]
    code = main(["draft", *only, "--format", "json", *(["--dry-run"] if dry_run else [])])
    out = capsysbinary.readouterr().out
    assert code == 0, out
    assert b"\\ud" not in out.lower()  # no surrogate escape anywhere
    data = json.loads(out.decode("utf-8"))  # strictly UTF-8
    record = data["tasks"][0] if dry_run else data["drafts"][0]
    assert record["path"] == '"pkg/caf\\351.py"'
    assert record["findings"][0]["path"] == '"pkg/caf\\351.py"'
    if not dry_run:
        assert record["status"] == "accepted"
        assert record["diff"].startswith('--- "a/pkg/caf\\351.py"')


def test_a_module_nested_past_the_recursion_limit_is_a_rejected_draft_not_a_traceback(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Python parses a conditional chain 1,500 deep (so `check` finds the missing
    # docstring), but libcst's visitors and ast.unparse recurse once per level: `draft`
    # and the pre-commit docstrings hook ended in a RecursionError traceback, every
    # other task of the run lost with it.
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    deep = "def add(a, b):\n    return " + "a if b else " * 1500 + "b\n"
    repo.write("pkg/deep.py", deep)
    repo.write("pkg/calc.py", CHANGE)
    repo.stage()
    configure(repo, fake, docstring_answer)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 1
    err = capsys.readouterr().err
    # Known when planning (libcst cannot take the module): named, and no request spent.
    assert "ttabot: warning: pkg/deep.py: not drafted: libcst cannot" in err
    assert "ttabot: wrote pkg/calc.py" in err  # the other module's draft is not lost
    assert (repo.path / "pkg/deep.py").read_text() == deep
    assert len(fake.calls) == 1  # pkg/calc.py's docstring only


def test_a_diff_shown_on_a_terminal_shows_escape_sequences_as_text(
    hostile: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The diff quotes the file around the drafted docstring (and a drafted test or
    # refactor is any Python a model wrote, string literals with raw ESC included):
    # printed raw on a terminal, `return a + b  # <OSC 52>` wrote the clipboard. git
    # pages its diffs through `less -R`, which shows such bytes as ^[; ttabot prints
    # straight to the terminal. Piped (`ttabot draft > fix.patch`) the patch stays exact.
    import sys

    configure(hostile, fake, docstring_answer)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["draft", "--only", "docs-missing"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "return a + b  # \\x1b]0;owned\\x07" in out
    assert '+    """Add two numbers.' in out


def test_a_piped_diff_is_the_exact_patch(
    hostile: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(hostile, fake, docstring_answer)
    assert main(["draft", "--only", "docs-missing"]) == 0
    assert f"return a + b  # {OSC}" in capsys.readouterr().out
