"""The layout bench on a real git history: what it counts as placed, and what it lists as missed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.layout_bench import main, measure
from tests.support.gitrepo import GitRepo

RETRY_BEFORE = "def retry(func):\n    return Retrying(func)\n"
RETRY_AFTER = (
    "def retry(func):\n"
    "    if is_coroutine_callable(func):\n"
    "        waiter: Awaitable[None] = make_waiter()\n"
    "    return Retrying(func)\n"
)

ADD_AFTER = "def add(a, b):\n    if a is None:\n        return b\n    return a + b\n"


def history(tmp_path: Path) -> str:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/core.py", RETRY_BEFORE)
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    repo.write("tests/test_core.py", "from pkg.core import retry\n" + "retry\n" * 5)
    repo.write("tests/test_asyncio.py", "from pkg.core import retry\nretry\n")
    repo.write("tests/test_misc.py", "from pkg.calc import add\nadd\n")
    repo.commit("start")
    # the maintainers test the async path with the async tests: placed right
    repo.write("pkg/core.py", RETRY_AFTER)
    repo.write("tests/test_asyncio.py", "from pkg.core import retry\nretry\nretry(coro)\n")
    repo.commit("async retry")
    # ... and add's new branch in a file nothing pointed to: a miss
    repo.write("pkg/calc.py", ADD_AFTER)
    repo.write("tests/test_edge.py", "from pkg.calc import add\n\nadd(None, 1)\n")
    repo.commit("add with None")
    return str(repo.path / ".git")


def test_measure_counts_placements_and_lists_every_miss(tmp_path: Path) -> None:
    figures = measure(history(tmp_path), commits=10)
    assert figures["placement"] == "1/2"
    assert figures["misses"] == [
        {
            "commit": figures["misses"][0]["commit"],  # type: ignore[index]  # the SHA
            "path": "pkg/calc.py",
            "symbol": "add",
            "predicted": "tests/test_misc.py",
            "actual": ["tests/test_edge.py"],
            "actual_is_new": [True],
            "candidate": False,
            "stray": False,
        }
    ]
    # the async hit, and no ranking could have chosen a test module that did not exist
    assert figures["reachable"] == "1/2"


def test_a_miss_into_a_ranked_test_module_counts_as_reachable(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    repo.write("tests/test_misc.py", "from pkg.calc import add\n" + "add\n" * 3)
    repo.write("tests/test_other.py", "from pkg.calc import add\n")
    repo.commit("start")
    # the maintainers test the change in the module naming add least: ranked, not first
    repo.write("pkg/calc.py", ADD_AFTER)
    repo.write("tests/test_other.py", "from pkg.calc import add\n\nadd(None, 1)\n")
    repo.commit("add with None")
    figures = measure(str(repo.path / ".git"), commits=10)
    assert (figures["placement"], figures["reachable"]) == ("0/1", "1/1")
    misses = figures["misses"]
    assert isinstance(misses, list)
    (miss,) = misses
    assert (miss["predicted"], miss["candidate"]) == ("tests/test_misc.py", True)


def test_a_new_test_module_where_the_maintainers_used_an_existing_one_is_a_stray(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/util.py", "def helper(a):\n    return a\n")
    repo.write("tests/test_core.py", "def test_core():\n    assert True\n")
    repo.commit("start")
    # nothing names or imports pkg.util: ttabot starts tests/test_util.py, but the
    # maintainers put the test in tests/test_core.py
    repo.write("pkg/util.py", "def helper(a):\n    if a is None:\n        return 0\n    return a\n")
    repo.write("tests/test_core.py", "from pkg.util import helper\n\nhelper(None)\n")
    repo.commit("helper of None")
    figures = measure(str(repo.path / ".git"), commits=10)
    assert (figures["placement"], figures["new_module_misses"]) == ("0/1", "1/1")
    misses = figures["misses"]
    assert isinstance(misses, list)
    (miss,) = misses
    assert (miss["predicted"], miss["stray"]) == ("tests/test_util.py", True)


def test_main_prints_the_miss_count_or_with_misses_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git_dir = history(tmp_path)
    monkeypatch.setattr(sys, "argv", ["layout_bench.py", git_dir, "--commits", "10"])
    assert main() == 0
    assert json.loads(capsys.readouterr().out)[git_dir]["misses"] == 1
    monkeypatch.setattr(sys, "argv", ["layout_bench.py", git_dir, "--commits", "10", "--misses"])
    assert main() == 0
    (miss,) = json.loads(capsys.readouterr().out)[git_dir]["misses"]
    assert (miss["symbol"], miss["predicted"]) == ("add", "tests/test_misc.py")


def test_only_check_findings_count_and_renamed_test_modules_keep_their_place(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write(
        "pkg/calc.py", "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
    )
    repo.write("tests/test_calc.py", "from pkg.calc import add, sub\n" + "add\nsub\n" * 20)
    repo.commit("start")
    # a docstring is no behaviour change: check reports nothing, so nothing is counted
    repo.write(
        "pkg/calc.py",
        'def add(a, b):\n    """Sum."""\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n',
    )
    repo.write("tests/test_calc.py", "from pkg.calc import add, sub\n" + "add\nsub\n" * 21)
    repo.commit("docstring")
    # the test module moves in the commit that tests sub's change: placed right;
    # a helper naming sub is no test module and is not where tests went
    repo.git("mv", "tests/test_calc.py", "tests/test_arith.py")
    repo.write("tests/helpers.py", "sub\n")
    repo.write(
        "pkg/calc.py",
        'def add(a, b):\n    """Sum."""\n    return a + b\n\n\ndef sub(a, b):\n    return b - a\n',
    )
    repo.write(
        "tests/test_arith.py", "from pkg.calc import add, sub\n" + "add\nsub\n" * 21 + "sub(1, 2)\n"
    )
    repo.commit("sub the other way")
    figures = measure(str(repo.path / ".git"), commits=10)
    assert (figures["placement"], figures["misses"]) == ("1/1", [])
