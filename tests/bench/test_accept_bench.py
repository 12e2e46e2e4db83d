"""The acceptance bench on a tiny real git history, judged for real with this interpreter."""

from __future__ import annotations

import json
from pathlib import Path

from bench.accept_bench import main, new_code, requirements_for_tests, tasks
from tests.support.gitrepo import GitRepo

SOURCE = "def double(x):\n    return 2 * x\n\n\ndef half(x):\n    return x / 2\n"

TESTS_BEFORE = "from pkg.calc import double\n\n\ndef test_double():\n    assert double(1) == 2\n"

GOOD = "def test_triple():\n    assert triple(2) == 6\n"
ONLY_RUNS = "def test_triple_runs():\n    triple(1)\n"
ALREADY_RUN = "def test_double_again():\n    assert double(2) == 4\n"
ELSEWHERE = "def test_half():\n    assert half(4) == 2\n"
FAILS = "def test_triple_wrong():\n    assert triple(1) == 4\n"


def history(tmp_path: Path) -> str:
    """Four commits: one adds a function, changes another and adds five tests, one changes
    a line the existing tests run already, and one adds a test module (no existing one:
    no task)."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", SOURCE)
    repo.write("tests/test_calc.py", TESTS_BEFORE)
    repo.commit("start")
    changed = SOURCE.replace("2 * x", "x * 2") + "\n\ndef triple(x):\n    return 3 * x\n"
    repo.write("pkg/calc.py", changed)
    tests = "\n\n".join([GOOD, ONLY_RUNS, ALREADY_RUN, ELSEWHERE, FAILS])
    repo.write(
        "tests/test_calc.py",
        TESTS_BEFORE.replace("import double", "import double, half, triple") + "\n\n" + tests,
    )
    repo.commit("add triple")
    # double's changed line is one test_double runs already: ttabot asks for nothing.
    repo.write("pkg/calc.py", changed.replace("x * 2", "x + x"))
    repo.write(
        "tests/test_calc.py",
        repo.path.joinpath("tests/test_calc.py").read_text()
        + "\n\n"
        + ALREADY_RUN.replace("again", "third"),
    )
    repo.commit("double adds")
    repo.write(
        "tests/test_new.py",
        "from pkg.calc import triple\n\n\ndef test_new():\n    assert triple(0) == 0\n",
    )
    repo.commit("new module")
    return str(repo.path / ".git")


def test_new_code_is_the_imports_and_the_added_tests_as_written() -> None:
    old = "import os\n\nLIMIT = 1\n\n\ndef test_a():\n    assert os\n"
    new = (
        "import os\nimport sys\n\nLIMIT = 2  # edited\n\n\ndef test_a():\n    assert os\n"
        "\n\n@mark\ndef test_b():\n    # why\n    assert sys\n"
    )
    assert (
        new_code(old, new)
        == "import os\n\nimport sys\n\n@mark\ndef test_b():\n    # why\n    assert sys\n"
    )
    assert new_code(old, old.replace("1", "3")) == ""  # no test added


def test_the_test_requirements_come_from_the_test_group_and_the_tools() -> None:
    pyproject = (
        '[project]\ndependencies = ["attrs"]\n'
        '[project.optional-dependencies]\ndoc = ["sphinx"]\n'
        '[dependency-groups]\nbase = ["hypothesis"]\n'
        'tests = [{include-group = "base"}, "pytest>8"]\n[tool.ruff]\n'
    )
    assert requirements_for_tests(pyproject) == [
        "attrs",
        "coverage",
        "hypothesis",
        "pytest",
        "pytest>8",
        "ruff",
    ]


def test_a_task_pairs_the_module_with_the_test_module_that_names_its_finding(
    tmp_path: Path,
) -> None:
    found = list(tasks(history(tmp_path), commits=10))
    assert [(t.module, t.test_path) for t in found] == [
        ("pkg/calc.py", "tests/test_calc.py"),
        ("pkg/calc.py", "tests/test_calc.py"),
    ]
    _newest, first = found
    assert [f.symbol for f in first.findings] == ["double", "triple"]
    assert first.before == TESTS_BEFORE
    assert "def test_triple_runs" in first.answer and "def test_double()" not in first.answer


def test_each_maintainers_test_is_judged_for_real_and_dropped_at_its_stage(
    tmp_path: Path,
) -> None:
    repo = history(tmp_path)
    printed: list[str] = []
    argv = [repo, "--no-venv", "--isolation", "auto", "--details", "--examples", "1"]
    assert main(argv, out=printed.append) == 0
    figures = json.loads(printed[0])
    assert "CPUs" in figures["machine"]
    one = figures[repo]
    assert (one["tasks_judged"], one["tests_judged"], one["kept"]) == (1, 5, 1)
    assert one["already_covered"] == {"tasks": 1, "findings": 1}
    assert one["refused_by_stage"] == {"test-code": 1, "passes": 1, "coverage": 2}
    assert one["reasons"]["passes"] == {"fails in the module: failed": 1}
    assert one["coverage_refusals"] == {
        "runs only changed lines the existing tests run already": 1,
        "runs no changed line": 1,
    }
    task = next(t for t in one["tasks"] if not t.get("already_covered"))
    assert task["kept"] == ["test_triple"]
    stages = {name: stage for name, (stage, _why) in task["dropped"].items()}
    assert stages == {
        "test_triple_runs": "test-code",
        "test_triple_wrong": "passes",
        "test_double_again": "coverage",
        "test_half": "coverage",
    }
    assert task["coverage_kind"] == {
        "test_double_again": "runs only changed lines the existing tests run already",
        "test_half": "runs no changed line",
    }
