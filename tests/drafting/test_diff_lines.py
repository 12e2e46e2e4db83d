"""``ttabot draft``'s diff applies with ``git apply`` whatever characters a line holds.

The diff split lines with ``str.splitlines``, which also breaks at a form feed,
``\\x0b``, ``\\x1c``-``\\x1e``, ``\\x85`` and ``\\u2028``/``\\u2029``: a module
holding one (in a string, a comment, a page break) got a diff that cut its line
in two, marked "No newline at end of file" mid-file, and that ``git apply``
refused.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.drafting.test_output import make
from ttabot.drafting import output

BREAKERS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def _modules(odd: str) -> tuple[str, str]:
    original = f'S = "a{odd}b"\n# page{odd}break\ndef add(a, b):\n    return a + b\n'
    return original, original.replace("    return", '    """Add."""\n    return')


def _git_apply(tmp_path: Path, original: str, patch: str) -> bytes:
    (tmp_path / "m.py").write_bytes(original.encode())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    done = subprocess.run(
        ["git", "apply", "-"], cwd=tmp_path, input=patch.encode(), capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    return (tmp_path / "m.py").read_bytes()


@pytest.mark.parametrize("odd", BREAKERS, ids=[f"U+{ord(c):04X}" for c in BREAKERS])
def test_the_diff_applies_with_git(odd: str, tmp_path: Path) -> None:
    original, proposed = _modules(odd)
    patch = output.unified_diff([make(original, proposed)])
    assert _git_apply(tmp_path, original, patch) == proposed.encode()


@pytest.mark.parametrize("odd", BREAKERS, ids=[f"U+{ord(c):04X}" for c in BREAKERS])
def test_the_json_diff_of_a_draft_cuts_no_line(odd: str, tmp_path: Path) -> None:
    original, proposed = _modules(odd)
    diff = output.draft_record(make(original, proposed))["diff"]
    assert "No newline" not in diff
    assert _git_apply(tmp_path, original, "diff --git a/m.py b/m.py\n" + diff) == proposed.encode()


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_ends_still_apply(newline: str, tmp_path: Path) -> None:
    original, proposed = (t.replace("\n", newline) for t in _modules("x"))
    patch = output.unified_diff([make(original, proposed)])
    assert _git_apply(tmp_path, original, patch) == proposed.encode()


def test_tests_for_an_existing_empty_module_apply_with_git(tmp_path: Path) -> None:
    # An empty test module (`touch tests/test_calc.py`) was diffed as a new file:
    # git apply refused it, "already exists in working directory".
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_calc.py").write_bytes(b"")
    draft = make("", "def test_x():\n    pass\n", path="tests/test_calc.py")
    patch = output.unified_diff([draft], tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    done = subprocess.run(
        ["git", "apply", "-"], cwd=tmp_path, input=patch.encode(), capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "tests/test_calc.py").read_text() == "def test_x():\n    pass\n"


def test_a_new_module_is_still_a_new_file(tmp_path: Path) -> None:
    draft = make("", "def test_x():\n    pass\n", path="tests/test_calc.py")
    assert "new file mode 100644\n--- /dev/null\n" in output.unified_diff([draft], tmp_path)
