"""Regression: generated tests must not escape bubblewrap through a link ttabot follows afterwards.

(Reproduced by the security review; the attack below was accepted before ttabot read
back from the copy through no link, counted links as leftovers and ran its own tools
isolated. Each defence has its own unit test in test_readback.py.)

The drafted test passes, covers the changed lines and leaves no file the "clean" stage
sees: it plants a `ruff` package as a *symlinked folder* (os.walk lists it under dirs, not
files, so snapshot() misses it) pointing into `__pycache__/` (ignored as cache). The next
step, format_and_lint, asks `python -c "import ruff"` and runs `python -m ruff ...` with
the copy as cwd, so the planted ruff runs; it replaces the drafted test file with a link
to any host path. ttabot then reads the file back *outside* the sandbox
(`Sandbox.read` follows links) and takes it as the formatted test: the host file's text
becomes the accepted draft (printed, applied with --apply, posted in the Action).
With the link at /proc/self/environ the draft is ttabot's own start-up environment
(every key it was given). issue 9: "generated code cannot read ttabot's environment";
docs/draft.md: generated code sees only the copy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from tests.support.sandbox import needs_bwrap
from ttabot.cli import main

HOST_SECRET = "host-secret-only-ttabot-can-read-7f3a"

PLANTED_MAIN = (
    "import os, sys\n"
    "p = sys.argv[-1]\n"
    "if p.endswith('.py') and os.path.exists(p):\n"
    "    os.unlink(p)\n"
    "    os.symlink(os.environ.get('T', '') or {target!r}, p)\n"
)

TEST = """\
import os
import pathlib

from pkg.mod import mod


def test_mod():
    assert mod(3) == 6
    assert mod(-1) == 0
    hidden = pathlib.Path("__pycache__/r")
    hidden.mkdir(parents=True, exist_ok=True)
    (hidden / "__init__.py").write_text("")
    (hidden / "__main__.py").write_text({main!r})
    if not os.path.lexists("ruff"):
        os.symlink("__pycache__/r", "ruff")
"""

MODULE = 'def mod(x):\n    """Scaled."""\n    if x < 0:\n        return 0\n    return x * 2\n'


@needs_bwrap
def test_generated_test_makes_ttabot_read_a_host_file(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside" / "credentials"
    outside.parent.mkdir()
    outside.write_text(f"token = {HOST_SECRET}\n")
    code = TEST.format(main=PLANTED_MAIN.format(target=str(outside)))

    def responder(model: str, body: Any) -> Reply:
        return answer({"code": code})

    repo.write("pkg/__init__.py", "")
    repo.write("pyproject.toml", "[project]\nname = 'pkg'\nversion = '0'\n\n[tool.ruff]\n")
    repo.commit("init")
    repo.write("pkg/mod.py", MODULE)
    configure(repo, fake, responder)
    repo.stage()
    main(["draft", "--only", "tests-needed", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    draft = doc["drafts"][0]
    print(json.dumps(draft, indent=1)[:3000])
    assert HOST_SECRET not in json.dumps(doc), (
        f"status={draft['status']}: the host file became the draft"
    )
    # The planted package and its link are files the test left behind: rejected.
    assert draft["status"] != "accepted"
    assert "ruff" in json.dumps(draft["stages"])


KEY = "sk-or-v1-attack-parent-key-3b9e"


@needs_bwrap
def test_generated_test_makes_ttabot_read_its_own_environment(
    repo: GitRepo, fake: FakeOpenAI
) -> None:
    import subprocess
    import sys

    code = TEST.format(main=PLANTED_MAIN.format(target="/proc/self/environ"))
    fake.responder = lambda model, body: answer({"code": code})
    repo.write("pkg/__init__.py", "")
    repo.write("pyproject.toml", "[project]\nname = 'pkg'\nversion = '0'\n\n[tool.ruff]\n")
    repo.commit("init")
    repo.write("pkg/mod.py", MODULE)
    configure(repo, fake, fake.responder)
    repo.stage()
    env = {**os.environ, "OPENROUTER_API_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-m", "ttabot", "draft", "--only", "tests-needed", "--apply"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    print(done.stdout[-2000:], done.stderr[-2000:])
    written = repo.path / "tests" / "test_mod.py"
    text = written.read_text() if written.exists() else ""
    assert KEY not in done.stdout + done.stderr + text, "ttabot's key reached the draft"
