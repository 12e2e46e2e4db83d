"""Benchmark ``ttabot draft``: model calls and prompt tokens per finding, and wall time.

A sample change with 30 findings (24 docs-missing, 4 tests-needed, 2 refactor)
in a temporary git repository, drafted through a fake OpenAI-compatible server
on 127.0.0.1 that answers good drafts after a fixed latency. Run from the
repository root:

    .venv/bin/python bench/draft_bench.py [--latency 0.5] [--reruns 5] [--real GIT_DIR]

``--real`` adds a real project (a clone of jd/tenacity, whose test module takes
seconds): tests for a function added to ``tenacity/stop.py`` land in its
``tests/test_tenacity.py`` (the interpreter needs tenacity's test dependencies:
``pip install -e ".[bench]"``).

Prompt tokens are estimated by the fake server as characters / 4.
Targets: at most 0.3 model calls per docstring (batching); validation CPU per test
task at most 2x the CPU of running the kept new tests alone 6 times (the test tasks
are drafted in a pass of their own, so child-process CPU is theirs alone). Both
figures are printed for the sample and the real project; the exit code is 1 when a
target is missed.

Drafting runs on a bare sandbox copy here even where bubblewrap works: the CPU
of processes inside bwrap's pid namespace never reaches ``getrusage``
(``RUSAGE_CHILDREN`` showed 0.05 s for a 9 s validation), so a sandboxed run
would report a ratio near zero.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe as describe_machine
from tests.support.fake_openai import fake_openai, ok
from tests.support.gitrepo import GIT_ENV, GitRepo
from tests.support.loopback import Reply

CLASSES_PER_MODULE = 8
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _classes(module: int) -> str:
    return "".join(
        f"\n\nclass Record{module}x{i}:\n    size: int = {i}\n" for i in range(CLASSES_PER_MODULE)
    )


def _functions(module: int) -> str:
    return "".join(
        f'\n\ndef shift{module}x{i}(x):\n    """Add {i} to x."""\n    return x + {i}\n'
        for i in range(2)
    )


def _branchy(name: str) -> str:
    body = "".join(f"    if n == {i}:\n        return {w!r}\n" for i, w in enumerate(WORDS))
    return f'\n\ndef {name}(n):\n    """Name a number."""\n{body}    return "many"\n'


def build_project(root: Path) -> GitRepo:
    """The sample repository, with the 30-finding change staged."""
    repo = GitRepo(root)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    for m in range(3):
        repo.write(f"pkg/records{m}.py", f'"""Records {m}."""' + _classes(m))
    for m in range(2):
        repo.write(f"pkg/shift{m}.py", f'"""Shifts {m}."""' + _functions(m))
    repo.write("pkg/names.py", '"""Names."""' + _branchy("name_a") + _branchy("name_b"))
    # A changed test that names the refactor targets, so they need no new tests.
    repo.write("tests/test_names.py", "def test_refs():\n    assert 'name_a' and 'name_b'\n")
    repo.stage()
    return repo


def _answer(body: Any) -> str:
    prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if prompt.startswith("Write docstrings"):
        symbols = re.findall(r"^### (\S+) \(line", prompt, re.M)
        items = [{"symbol": s, "docstring": f"A record of kind {s}."} for s in symbols]
        return json.dumps({"docstrings": items})
    if prompt.startswith("Write pytest tests"):
        module = re.search(r"import it as `([\w.]+)`", prompt)
        names = re.findall(r"^### (\S+) \(line", prompt, re.M)
        assert module
        lines = [f"from {module.group(1)} import {', '.join(names)}\n"]
        for name in names:
            shift = int(name.rsplit("x", 1)[1])
            lines.append(f"\n\ndef test_{name}():\n    assert {name}(1) == {1 + shift}\n")
        return json.dumps({"code": "".join(lines)})
    name = re.search(r"Refactor `(\w+)`", prompt)
    assert name
    code = (
        f'def {name.group(1)}(n):\n    """Name a number."""\n    return _WORDS.get(n, "many")\n\n\n'
        f"_WORDS = dict(enumerate({WORDS!r}))\n"
    )
    return json.dumps({"code": code})


def run(latency: float, reruns: int) -> dict[str, Any]:
    """Draft the sample change once and return the figures."""
    from ttabot.check import run_check
    from ttabot.config import load_settings
    from ttabot.drafting import draft_findings
    from ttabot.llm import RotatingClient
    from ttabot.records import Category
    from ttabot.sources import select_change

    def responder(model: str, body: Any) -> Reply:
        tokens = len(json.dumps(body["messages"])) // 4
        return ok(_answer(body), prompt_tokens=tokens, completion_tokens=100, delay=latency)

    os.environ.update(GIT_ENV)
    with tempfile.TemporaryDirectory() as tmp, fake_openai(responder) as fake:
        repo = build_project(Path(tmp, "repo"))
        repo.write(
            ".ttabot.toml",
            f'[providers.fake]\nbase_url = "{fake.base_url}"\n'
            '[chains]\ndocumentation = ["fake:docs"]\nunit-tests = ["fake:tests"]\n'
            'refactoring = ["fake:refactor"]\n'
            f"[client]\nshared-state = false\n[draft]\nreruns = {reruns}\n",
        )
        selection = select_change(repo.path)
        settings = load_settings(selection.root)
        result = run_check(selection, settings)
        tests_needed = Category.TESTS_NEEDED

        async def go(findings: tuple[Any, ...]) -> list[Any]:
            async with RotatingClient(settings) as client:
                part = result._replace(findings=findings)
                return await draft_findings(selection, part, settings, client)

        started = time.perf_counter()
        others = tuple(f for f in result.findings if f.category is not tests_needed)
        drafts = asyncio.run(go(others))
        cpu_before = _children_cpu()
        test_drafts = asyncio.run(
            go(tuple(f for f in result.findings if f.category is tests_needed))
        )
        validation_cpu = _children_cpu() - cpu_before
        wall = time.perf_counter() - started
        drafts += test_drafts
        calls = list(fake.calls)
        reference = _alone_six_times(repo.path, [d for d in test_drafts if d.accepted])
    by_category: dict[str, int] = {}
    for finding in result.findings:
        by_category[finding.category.value] = by_category.get(finding.category.value, 0) + 1
    doc_calls = sum(c.model == "docs" for c in calls)
    prompt_tokens = sum(len(json.dumps(c.body["messages"])) // 4 for c in calls)
    findings = len(result.findings)
    return {
        "findings": findings,
        "by_category": by_category,
        "model_calls": len(calls),
        "calls_per_finding": round(len(calls) / findings, 3),
        "calls_per_docstring": round(doc_calls / max(1, by_category.get("docs-missing", 0)), 3),
        "prompt_tokens_per_finding": round(prompt_tokens / findings),
        "accepted": sum(d.accepted and d.applicable for d in drafts),
        "suggestions": sum(d.accepted and not d.applicable for d in drafts),
        "rejected": sum(not d.accepted for d in drafts),
        "test_tasks": len(test_drafts),
        "validation_cpu_per_test_task_s": round(validation_cpu / max(1, len(test_drafts)), 2),
        "new_tests_alone_6x_cpu_per_task_s": round(reference / max(1, len(test_drafts)), 2),
        "validation_vs_6_alone_runs": round(validation_cpu / reference, 2) if reference else None,
        "latency_s": latency,
        "reruns": reruns,
        "wall_s": round(wall, 2),
    }


#: Added to a real project's module: a new function its test module does not run yet.
REAL_FUNCTION = """

def attempts_left(retry_state, limit):
    if retry_state.attempt_number >= limit:
        return 0
    return limit - retry_state.attempt_number
"""

REAL_TESTS = """\
from tenacity.stop import attempts_left


class _State:
    attempt_number = 2


def test_attempts_left_counts_down():
    assert attempts_left(_State(), 5) == 3


def test_attempts_left_stops_at_zero():
    assert attempts_left(_State(), 1) == 0
"""


def run_real(git_dir: str, module: str, reruns: int) -> dict[str, Any]:
    """Draft tests for a function added to ``module`` of a real project (tenacity's stop.py).

    The tests land in the project's multi-second test module, whose existing tests
    run once as the baseline; only the new tests are rerun.
    """
    from ttabot.check import run_check
    from ttabot.config import load_settings
    from ttabot.drafting import draft_findings
    from ttabot.llm import RotatingClient
    from ttabot.records import Category
    from ttabot.sources import select_change

    def responder(model: str, body: Any) -> Reply:
        return ok(json.dumps({"code": REAL_TESTS}))

    os.environ.update(GIT_ENV)
    with tempfile.TemporaryDirectory() as tmp, fake_openai(responder) as fake:
        root = Path(tmp, "repo")
        subprocess.run(["git", "clone", "-q", git_dir, str(root)], check=True)
        repo = GitRepo(root)
        target = root / module
        target.write_text(target.read_text() + REAL_FUNCTION)
        repo.write(
            ".ttabot.toml",
            f'[providers.fake]\nbase_url = "{fake.base_url}"\n'
            '[chains]\nunit-tests = ["fake:tests"]\n'
            f"[client]\nshared-state = false\n[draft]\nreruns = {reruns}\n"
            f"python = {json.dumps(sys.executable)}\n",
        )
        repo.git("add", module)
        selection = select_change(root)
        settings = load_settings(selection.root)
        result = run_check(selection, settings)
        findings = tuple(f for f in result.findings if f.category is Category.TESTS_NEEDED)

        async def go() -> list[Any]:
            async with RotatingClient(settings) as client:
                part = result._replace(findings=findings)
                return await draft_findings(selection, part, settings, client)

        before = _children_cpu()
        started = time.perf_counter()
        drafts = asyncio.run(go())
        wall = time.perf_counter() - started
        cpu = _children_cpu() - before
        reference = _alone_six_times(root, [d for d in drafts if d.accepted])
        calls = len(fake.calls)
    return {
        "project": git_dir,
        "test_module": drafts[0].path if drafts else None,
        "status": [d.status.value for d in drafts],
        # A rejected draft measures nothing: e.g. the interpreter lacks the project's
        # test dependencies (tenacity's tests import typeguard: the bench extra).
        "reason": [d.reason for d in drafts if not d.accepted],
        "model_calls": calls,
        "validation_cpu_s": round(cpu, 2),
        "new_tests_alone_6x_cpu_s": round(reference, 2),
        "validation_vs_6_alone_runs": round(cpu / reference, 2) if reference else None,
        "wall_s": round(wall, 2),
    }


@contextlib.contextmanager
def _cpu_visible() -> Iterator[None]:
    """Draft on a bare copy: CPU used inside bwrap is invisible to ``getrusage``."""
    from ttabot.drafting import bwrap

    found = bwrap.find_bwrap
    bwrap.find_bwrap = lambda environ: None  # type: ignore[assignment]
    try:
        yield
    finally:
        bwrap.find_bwrap = found  # type: ignore[assignment]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _alone_six_times(root: Path, drafts: list[Any]) -> float:
    """CPU seconds of running each accepted draft's new tests 6 times, by node id."""
    from ttabot.drafting.module_scope import defined_names

    total = 0.0
    for draft in drafts:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp, "copy")
            shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git"))
            target = copy / draft.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(draft.proposed)
            new = sorted(set(defined_names(draft.proposed)) - set(defined_names(draft.original)))
            nodes = [f"{draft.path}::{n}" for n in new]
            env = {**os.environ, "PYTHONPATH": str(copy)}
            before = _children_cpu()
            for _ in range(6):
                argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodes]
                subprocess.run(argv, cwd=copy, env=env, capture_output=True, check=False)
            total += _children_cpu() - before
    return total


def main() -> int:
    """Run the drafting bench and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5, help="fake model latency, seconds")
    parser.add_argument("--reruns", type=int, default=5, help="settings.draft.reruns")
    parser.add_argument(
        "--real", metavar="GIT_DIR", help="also a real project (a clone of jd/tenacity)"
    )
    args = parser.parse_args()
    with _cpu_visible():
        figures = run(args.latency, args.reruns)
        if args.real:
            figures["real"] = run_real(args.real, "tenacity/stop.py", args.reruns)
    figures["sandbox"] = "bare copy (CPU inside bwrap is invisible to getrusage)"
    print(json.dumps({**figures, "machine": describe_machine()}, indent=2))
    ratios = [figures["validation_vs_6_alone_runs"]]
    if args.real:
        ratios.append(figures["real"]["validation_vs_6_alone_runs"])
    within = all(ratio is not None and ratio <= 2 for ratio in ratios)
    return 0 if figures["calls_per_docstring"] <= 0.3 and within else 1


if __name__ == "__main__":
    raise SystemExit(main())
