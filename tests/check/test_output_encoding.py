"""A terminal that is not UTF-8 gets escapes for what it cannot show, never a traceback.

With a Latin-1 (or cp1252) console, a changed file named outside that code page
(CJK letters, or a byte that is not UTF-8, shown as U+FFFD) ended ``ttabot
check`` in a UnicodeEncodeError traceback, in every format.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.gitrepo import GitRepo

NAMES = {"\u65e5\u672c.py": "\u65e5\u672c.py", os.fsdecode(b"b\xff.py"): "b\ufffd.py"}


def _check(repo: GitRepo, fmt: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    return subprocess.run(
        [sys.executable, "-m", "ttabot", "check", "--format", fmt],
        cwd=repo.path,
        env=env,
        capture_output=True,
        check=False,
    )


@pytest.fixture
def named(repo: GitRepo) -> GitRepo:
    for name in NAMES:
        (repo.path / name).write_bytes(b"def f():\n    return 1\n")
    repo.stage()
    return repo


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_latin_1_console_gets_escapes_not_a_traceback(named: GitRepo, fmt: str) -> None:
    done = _check(named, fmt)
    assert done.returncode == 1, done.stderr.decode("latin-1")[-1500:]
    assert b"Traceback" not in done.stderr
    out = done.stdout.decode("latin-1")
    assert "\\u65e5\\u672c.py" in out and "b\\ufffd.py" in out


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_on_a_latin_1_console_stays_json(named: GitRepo, fmt: str) -> None:
    done = _check(named, fmt)
    assert done.returncode == 1, done.stderr.decode("latin-1")[-1500:]
    json.loads(done.stdout.decode("latin-1"))


def test_json_on_a_latin_1_console_stays_json_with_the_names_exact(named: GitRepo) -> None:
    done = _check(named, "json")
    assert done.returncode == 1, done.stderr.decode("latin-1")[-1500:]
    document = json.loads(done.stdout.decode("latin-1"))
    # JSON paths keep every byte: a name that is not UTF-8 is quoted as git quotes it.
    assert {f["path"] for f in document["findings"]} == {"\u65e5\u672c.py", '"b\\377.py"'}
