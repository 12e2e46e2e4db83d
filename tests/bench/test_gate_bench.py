"""The gate bench on a real git history: what it counts as refused, and why."""

from __future__ import annotations

import json
from pathlib import Path

from bench.gate_bench import added_test_refusals, docstring_refusals, main
from tests.support.gitrepo import GitRepo

SOURCE = '''def good(x):
    """Return x doubled.

    Args:
        x: The number.
    """
    return 2 * x


def fenced(x):
    """Return x.

    ```python
    fenced(1)
    ```
    """
    return x


def bare(x):
    return x
'''

TESTS_BEFORE = "from pkg.calc import good\n\n\ndef test_good():\n    assert good(1) == 2\n"


def history(tmp_path: Path) -> str:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/calc.py", SOURCE)
    repo.write("tests/test_calc.py", TESTS_BEFORE)
    repo.write("tests/helpers.py", "def check_double(f):\n    assert f(2) == 4\n")
    repo.commit("start")
    # The maintainers add a test that checks, one that only runs code, one whose check
    # is their test helper's (read from the project, as it was), and one that leaves
    # os.environ changed: the stage refuses the second and the last.
    repo.write(
        "tests/test_calc.py",
        "import os\n\nfrom pkg.calc import bare, good\nfrom tests.helpers import check_double\n\n\n"
        "def test_good():\n    assert good(1) == 2\n\n\n"
        "def test_bare():\n    assert bare(3) == 3\n\n\n"
        "def test_runs():\n    good(2)\n\n\n"
        "def test_helper():\n    check_double(good)\n\n\n"
        "class TestGood:\n    def test_two(self):\n        assert good(2) == 4\n\n"
        "    def test_runs(self):\n        good(3)\n\n\n"
        "def test_env():\n    os.environ['X'] = '1'\n    assert bare(1) == 1\n",
    )
    repo.commit("more tests")
    # A new test module is not "added to an existing one": not counted.
    repo.write("tests/test_new.py", "def test_new():\n    assert True is not False\n")
    repo.commit("new module")
    return str(repo.path / ".git")


def test_the_gate_refuses_a_fenced_docstring_and_keeps_the_plain_one(tmp_path: Path) -> None:
    figures = docstring_refusals(history(tmp_path))
    assert figures["docstrings"] == 2
    assert figures["refused"] == figures["refused_in_style"] == 1
    assert figures["reasons"] == {"the docstring holds a Markdown fence": 1}
    fence = "the docstring holds a Markdown fence"
    assert figures["examples"] == {fence: ["pkg/calc.py:10 fenced"]}


def test_the_stage_judges_each_added_test_against_the_module_before(tmp_path: Path) -> None:
    figures = added_test_refusals(history(tmp_path), commits=10)
    assert figures["tests"] == 5  # test_good was there before
    assert figures["methods_taken_out"] == 1  # TestGood.test_runs
    assert figures["refused"] == 2
    assert figures["reasons"] == {
        "asserts nothing": 1,
        "leaves os.environ changed, an imported object": 1,
    }


def test_main_prints_both_figures_with_the_machine(tmp_path: Path) -> None:
    repo = history(tmp_path)
    printed: list[str] = []
    assert main([repo, "--examples", "0"], out=printed.append) == 0
    figures = json.loads(printed[0])
    assert "CPUs" in figures["machine"]
    assert figures[repo]["docstring_gate"]["examples"] == {
        "the docstring holds a Markdown fence": []
    }
    assert figures[repo]["test_code_stage"]["refused"] == 2
