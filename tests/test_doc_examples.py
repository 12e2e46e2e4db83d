"""The command examples of README.md and docs/*.md that need no model, run for real.

Examples are read from the Markdown itself (console/sh/bash fences; ``$ `` prompts,
trailing ``# comments``, ``\\`` continuations and ``&&`` chains handled), so a flag that
is renamed or removed fails here. Each runs with bash in a scratch repository that has
what the examples name: a ``main`` branch, a last commit, a staged change, unstaged
edits and a ``coverage.xml``. A runnable example must exit 0 or 1 (never a usage error
or a traceback).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GIT_ENV, GitRepo

PROJECT = Path(__file__).resolve().parents[1]
DOCS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
_SHELLS = {"console", "sh", "bash", "shell", ""}


def fenced_commands(text: str) -> list[tuple[int, str]]:
    """``(line number, command)`` for each shell command line inside shell fences."""
    out: list[tuple[int, str]] = []
    fence: tuple[str, str] | None = None
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = (match.group(1), match.group(2).lower())
            continue
        if line.startswith(fence[0][0] * 3) and not line.strip(fence[0][0]):
            fence = None
            continue
        if fence[1] not in _SHELLS:
            continue
        if not pending:
            if not line.startswith(("$ ", "ttabot ", ".venv/bin/", "git ", "python3 ")):
                continue  # program output, not a command
            line = line.removeprefix("$ ")
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append((start, pending + line))
        pending = ""
    return out


def strip_comment(command: str) -> str:
    """``command`` without a trailing ``# comment`` (quotes respected)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.commenters = ""
    lexer.whitespace_split = True
    words: list[str] = []
    for word in lexer:
        if word.startswith("#"):
            break
        words.append(word)
    quoted = " ".join(w if re.fullmatch(r"[|&<>;]+", w) else shlex.quote(w) for w in words)
    return quoted


def ttabot_invocations(command: str) -> list[list[str]]:
    """The argument lists of every ``ttabot`` call in ``command`` (pipes and ``&&`` split)."""
    calls = []
    for part in re.split(r"\s*(?:&&|\|\|?|;)\s*", command):
        words = shlex.split(part)
        if words and words[0].endswith("ttabot"):
            calls.append(words[1:])
    return calls


def needs_a_model(args: list[str]) -> bool:
    """Whether a ``ttabot ARGS`` call would talk to a model or the network."""
    if not args:
        return False
    sub, flags = args[0], set(args[1:])
    if sub == "check":
        return False
    if sub == "draft":
        return "--dry-run" not in flags
    if sub == "models":
        return bool(flags & {"--free", "--probe"})
    return True  # ask, action


def runnable(command: str) -> str | None:
    """The part of ``command`` to run here, or ``None`` when it needs a model or an install."""
    parts = [p for p in re.split(r"\s*&&\s*", command) if "venv" not in p.split()[0:3]]
    parts = [p for p in parts if "pip install" not in p]
    shell = " && ".join(p.replace(".venv/bin/ttabot", "ttabot") for p in parts)
    calls = ttabot_invocations(shell)
    if not calls or any(needs_a_model(args) for args in calls):
        return None
    if re.search(r"\b[A-Z]{2,}\b|<[^>]+>|\.\.\.\"", shell.replace("HEAD", "")):
        return None  # a placeholder (FILE, NAME, <sha>) to fill in, not a command to run
    return shell


def examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for number, command in fenced_commands(doc.read_text(encoding="utf-8")):
            shell = runnable(strip_comment(command))
            if shell is not None:
                found.append((f"{doc.name}:{number}", shell))
    return found


EXAMPLES = examples()


def test_the_extractor_reads_fences_prompts_comments_and_continuations() -> None:
    text = (
        "Intro `ttabot check` inline is no example.\n"
        "```console\n$ ttabot check --format json   # a comment\n"
        "pkg/mod.py\n      1  docs-missing  ...\n"
        "ttabot draft --range main...HEAD \\\n  --dry-run\n```\n"
        "```toml\nttabot = 1\n```\n"
        "```python\nttabot check\n```\n"
    )
    commands = fenced_commands(text)
    assert [(n, strip_comment(c)) for n, c in commands] == [
        (3, "ttabot check --format json"),
        (6, "ttabot draft --range main...HEAD --dry-run"),
    ]
    assert runnable("ttabot ask --task documentation hi") is None
    assert runnable("ttabot draft --apply") is None
    assert runnable("ttabot models --probe") is None
    assert runnable("ttabot check --diff FILE") is None
    assert runnable("git diff | ttabot check --diff -") == "git diff | ttabot check --diff -"
    assert runnable(
        "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/ttabot check"
    ) == ("ttabot check")


def test_the_docs_have_examples_to_run() -> None:
    # Guards the extractor itself: if it stops finding the README's check examples,
    # this suite would pass by running nothing.
    names = [name for name, _ in EXAMPLES]
    assert sum(name.startswith("README.md") for name in names) >= 6, EXAMPLES
    assert any("draft --dry-run" in shell for _, shell in EXAMPLES)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A repository with what the examples name, and an environment whose ``ttabot`` is this one."""
    env = {**os.environ, **GIT_ENV}
    for key in ("OPENROUTER_API_KEY", "TTABOT_CONFIG", "NO_COLOR", "FORCE_COLOR"):
        env.pop(key, None)
    bin_dir = tmp_path_factory.mktemp("bin")
    shim = bin_dir / "ttabot"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m ttabot "$@"\n')
    shim.chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    old = dict(os.environ)
    os.environ.update(GIT_ENV)
    try:
        repo = GitRepo(tmp_path_factory.mktemp("scratch") / "repo")
        repo.git("checkout", "-q", "-b", "main")
        repo.commit("base", **{"pkg/__init__.py": "", "pkg/calc.py": "x = 1\n"})
        repo.commit("feature", **{"pkg/calc.py": "def add(a, b):\n    return a + b\n"})
        repo.write("pkg/more.py", "def sub(a, b):\n    return a - b\n")
        repo.stage()
        repo.write(
            "pkg/calc.py", "def add(a, b):\n    return a + b\n\n\ndef neg(a):\n    return -a\n"
        )
    finally:
        os.environ.clear()
        os.environ.update(old)
    (repo.path / "coverage.xml").write_text(
        f'<?xml version="1.0" ?>\n<coverage version="7"><sources><source>{repo.path}'
        '</source></sources><packages><package><classes><class filename="pkg/more.py">'
        '<lines><line number="2" hits="1"/></lines></class></classes></package></packages>'
        "</coverage>\n"
    )
    return repo.path, env


@pytest.mark.parametrize(("where", "shell"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_doc_example_runs(scratch: tuple[Path, dict[str, str]], where: str, shell: str) -> None:
    root, env = scratch
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), f"{where}: {shell}\n{output}"
    assert "Traceback" not in output and "ttabot: error" not in output, f"{where}\n{output}"
