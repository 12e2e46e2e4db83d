"""``--diff`` input without an end: one line and exit 2, not all memory and a traceback.

``ttabot check --diff /dev/zero`` (or a pipe that never ends on ``--diff -``) read
until the process ran out of memory and died with a ``MemoryError`` traceback.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.check.conftest import RunCli
from ttabot.commands import selection

#: Address space for the child: ample for ttabot and a capped read, far below "all".
ADDRESS_SPACE = 2 << 30


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_diff_without_an_end_is_one_line_and_exit_2(how: str, tmp_path: Path) -> None:
    args = ["--diff", "/dev/zero"] if how == "file" else ["--diff", "-"]
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "ttabot", "check", "--root", str(tmp_path), *args],
            stdin=zero,
            capture_output=True,
            text=True,
            preexec_fn=_limited,
            check=False,
        )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ttabot: error: --diff "), lines
    assert "larger than" in lines[0]


def test_a_diff_over_the_cap_is_refused_and_one_under_it_is_read(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    diff = b"--- a/m.py\n+++ b/m.py\n@@ -0,0 +1,2 @@\n+def f():\n+    return 1\n"
    (tmp_path / "change.diff").write_bytes(diff)
    monkeypatch.setattr(selection, "MAX_DIFF_BYTES", len(diff), raising=False)
    args = ["check", "--root", str(tmp_path), "--diff", str(tmp_path / "change.diff")]
    assert run_cli(args).code == 1  # read whole: f has no docstring
    monkeypatch.setattr(selection, "MAX_DIFF_BYTES", len(diff) - 1, raising=False)
    result = run_cli(args)
    assert result.code == 2 and result.err.startswith("ttabot: error: --diff ")
    assert "larger than" in result.err and len(result.err.splitlines()) == 1
