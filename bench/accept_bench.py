"""How often ttabot's full test validation refuses the tests the maintainers wrote themselves.

The best answer a model could give to a tests-needed finding is the test the
project's maintainers wrote for that change. For each of the newest commits
that changes a source module and adds test functions to an existing test
module naming one of the module's tests-needed findings (the findings
``ttabot check`` reports for the commit's source files alone,
:func:`bench.layout_bench.test_findings`), the project is set up as the
commit leaves it (``conftest.py`` and helpers included) but with that test
module as the parent left it, and the
maintainers' added tests (with the module's imports and the new module-level
code beside them, as a model would answer) are judged as ``ttabot draft``
judges a drafted answer: the baseline run of the existing tests
(:func:`ttabot.drafting.baseline.baseline`), every stage of
:func:`ttabot.drafting.testrun.check_each_test`, then the project's formatter
and linter (:func:`ttabot.drafting.formatting.format_and_lint`), in a project
copy under bubblewrap (:func:`ttabot.drafting.isolation.project_copy`). The
changed lines are the added code lines of the findings' function bodies
(:func:`ttabot.drafting.testdraft.changed_lines`). A task whose changed lines
the existing tests already run gets no request in ttabot: it is counted
(``already_covered``), not judged.

The tests run with a virtual environment made for the bench, cached per
repository under ``--venvs``: pytest, coverage, the project's declared
dependencies and its test requirements (the ``tests``/``test``/``testing``
dependency group or extra), and ruff or black where the project configures
them. The project itself is not installed: the sandbox puts the copy (and its
``src/``) on the path, as ``ttabot draft`` does. A task where none of the
module's existing tests passes (a venv made from HEAD's requirements cannot run
every old commit) is counted as ``not_runnable``, not judged. ``--no-venv``
uses this interpreter instead (for a project with no dependencies; no network).
Times are wall seconds per task: CPU inside bubblewrap's pid namespace never
reaches ``getrusage``.

    .venv/bin/python bench/accept_bench.py GIT_DIR [--commits 400] [--skip 0] [--limit 10]
        [--venvs DIR] [--no-venv] [--isolation bwrap|auto] [--examples 3] [--details]

GIT_DIR may be a bare clone; it is cloned into a temporary folder for a work tree.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import posixpath
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gate_bench import parsed
from bench.layout_bench import git, reader, test_findings
from bench.machine import describe as describe_machine
from ttabot.config import DraftSettings
from ttabot.drafting import judge as judge_steps
from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.baseline import baseline
from ttabot.drafting.formatting import format_and_lint, project_tools
from ttabot.drafting.isolation import project_copy
from ttabot.drafting.limits import limits_of
from ttabot.drafting.module_scope import module_names
from ttabot.drafting.precheck import missing_modules
from ttabot.drafting.testdraft import changed_functions, changed_lines
from ttabot.drafting.testrun import check_each_test
from ttabot.drafting.tests import import_name
from ttabot.records import Finding, ValidationStage

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
#: Dependency groups and extras that hold a project's test requirements, best first.
_TEST_GROUPS = ("tests", "test", "testing")


class Task(NamedTuple):
    """One judged answer: the maintainers' tests added to ``test_path`` for ``module``."""

    commit: str
    module: str
    test_path: str
    findings: tuple[Finding, ...]
    before: str  # the test module as the parent left it
    answer: str  # its imports, the new module-level code and the new tests


class Verdict(NamedTuple):
    """What validation made of one task's tests."""

    judged: tuple[str, ...]
    kept: tuple[str, ...]
    #: test name -> (stage that dropped it, why)
    dropped: dict[str, tuple[str, str]]
    #: test dropped at coverage -> which kind: it ran changed lines, but only those the
    #: existing tests run already, or it ran no changed line at all
    useless: Mapping[str, str]
    covered: bool = False  # the existing tests already run every changed line: not judged
    #: Why the task was not judged: the existing tests of the module all fail here.
    broken: str = ""


# --- the answers: what the maintainers added -------------------------------------------


def _bound(node: ast.stmt) -> set[str]:
    """Names a module-level statement binds (its definitions and plain targets)."""
    if isinstance(node, _DEFINITIONS):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _segment(lines: Sequence[str], node: ast.stmt) -> str:
    """The source lines of ``node``, decorators included, as written."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "".join(lines[first - 1 : node.end_lineno])


def new_code(old: str, new: str) -> str:
    """The imports of ``new`` and the module-level code it adds to ``old``, as written,
    when that adds a test (else empty).

    A statement that only binds again names ``old`` binds (an edited helper or
    constant) is the module's own, not the answer's; nor is a test that was there.
    """
    old_tree, new_tree = parsed(old), parsed(new)
    if old_tree is None or new_tree is None:
        return ""
    seen = {ast.dump(node) for node in old_tree.body}
    old_names = module_names(old)
    fresh = [
        n
        for n in new_tree.body
        if not isinstance(n, _IMPORTS)
        and ast.dump(n) not in seen
        and not (_bound(n) and _bound(n) <= old_names)
    ]
    if not any(isinstance(n, _DEFINITIONS) and n.name.startswith(("test", "Test")) for n in fresh):
        return ""
    lines = new.splitlines(keepends=True)
    imports = [n for n in new_tree.body if isinstance(n, _IMPORTS)]
    return "\n\n".join(_segment(lines, n).rstrip("\n") for n in [*imports, *fresh]) + "\n"


def tasks(repo: str, commits: int, skip: int = 0) -> Iterator[Task]:
    """The tasks of the newest ``commits`` commits (past the newest ``skip``), newest first.

    A task pairs a source module with tests-needed findings and an existing test
    module the commit added tests to whose new code names one of those findings
    (its last name, a whole word): all of the module's findings are the task's.
    """
    listed = git(repo, "rev-list", "--no-merges", f"--skip={skip}", f"-{commits}", "HEAD")
    for commit in listed.split():
        before, after = reader(repo, f"{commit}^"), reader(repo, commit)
        answers: dict[str, tuple[str, str]] = {}
        modified = git(repo, "diff", "--name-only", "--diff-filter=M", f"{commit}^", commit)
        for path in modified.split():
            name = posixpath.basename(path)
            if not (name.startswith("test_") and name.endswith(".py")):
                continue
            old, new = before(path), after(path)
            answer = new_code(old, new) if old is not None and new is not None else ""
            if answer and old is not None:
                answers[path] = (old, answer)
        if not answers:
            continue
        findings, _change = test_findings(repo, commit, before, after)
        for module, group in groupby(findings, key=lambda f: f.path):
            mine = tuple(group)
            words = [re.compile(rf"\b{re.escape(f.symbol.rsplit('.', 1)[-1])}\b") for f in mine]
            for test_path, (old, answer) in answers.items():
                if any(w.search(answer) for w in words):
                    yield Task(commit, module, test_path, mine, old, answer)


# --- the environment ----------------------------------------------------------------


def requirements_for_tests(pyproject: str) -> list[str]:
    """What the tests need, from a ``pyproject.toml``: pytest, coverage, the project's
    dependencies, its test group or extra, and the formatter and linter it configures."""
    try:
        data = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError:
        data = {}
    project = data.get("project", {})
    groups: dict[str, list[Any]] = data.get("dependency-groups", {})
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    wanted = ["pytest", "coverage", *project.get("dependencies", [])]
    for name in _TEST_GROUPS:
        if name in groups or name in extras:
            wanted += _group(groups, name) + extras.get(name, [])
            break
    tools = data.get("tool", {})
    wanted += [tool for tool in ("ruff", "black") if tool in tools]
    return sorted(set(wanted))


def _group(
    groups: Mapping[str, list[Any]], name: str, seen: frozenset[str] = frozenset()
) -> list[str]:
    """A dependency group's requirements, ``include-group`` entries followed."""
    out: list[str] = []
    for item in groups.get(name, []):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and item.get("include-group") not in seen | {name}:
            out += _group(groups, str(item["include-group"]), seen | {name})
    return out


def bench_venv(folder: Path, requirements: Sequence[str]) -> str:
    """The interpreter of a venv in ``folder`` holding ``requirements`` (made once, cached)."""
    python = folder / "bin" / "python"
    marker = folder / "bench-requirements.json"
    wanted = json.dumps(sorted(requirements))
    if python.is_file() and marker.is_file() and marker.read_text() == wanted:
        return str(python)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", *requirements]
    subprocess.run(pip, check=True, stdout=subprocess.DEVNULL)
    marker.write_text(wanted)
    return str(python)


# --- judging ------------------------------------------------------------------------


def judge(
    root: Path,
    task: Task,
    python: str,
    settings: DraftSettings,
    isolation: str,
    read: Callable[[str], str | None],
) -> Verdict:
    """Judge the task's answer as ``ttabot draft`` judges a model's, in a project copy of
    ``root`` (the commit's work tree) with the test module as the parent left it."""
    source = read(task.module) or ""
    added = _added_lines(root, task.commit, task.module)
    changed = changed_lines(source, added, task.findings)
    limits, tmp_size = limits_of(settings)
    with project_copy(
        root,
        {task.test_path: task.before},
        timeout=settings.test_timeout,
        python=python,
        isolation=isolation,
        limits=limits,
        tmp_size=tmp_size,
    ) as sandbox:
        before = baseline(sandbox, task.test_path, task.module, changed_functions(source, changed))
        if changed and changed <= before.lines:
            return Verdict((), (), {}, {}, covered=True)
        if not before.passed and _defines_tests(task.before):
            # Not the answer's doing: this interpreter cannot run the module at this commit
            # (a newer pytest turns a deprecation into a collection error, say).
            why = "none of the test module's existing tests passes at the commit"
            return Verdict((), (), {}, {}, broken=why)
        parts = split_answer(task.answer, module_names(task.before))
        with _per_test_lines() as ran:
            result = check_each_test(
                sandbox,
                task.test_path,
                task.before,
                parts,
                module=task.module,
                changed=changed,
                baseline=before.lines,
                reruns=settings.reruns,
                existing_passed=before.passed,
            )
        useless = {
            name: _useless_kind(name, ran, changed, before.lines)
            for name, why in result.dropped.items()
            if _dropped_at(name, why, result.stages)[0] == "coverage"
        }
        stages = result.stages
        tools = project_tools(read)
        if result.kept and (tools.formatter or tools.lint):
            _text, extra = format_and_lint(sandbox, task.test_path, result.text, task.before, tools)
            stages = (*stages, *extra)
            failed = next((s for s in extra if not s.passed), None)
            if failed is not None:
                at_lint = (failed.name, failed.detail)
                dropped = {n: _dropped_at(n, why_, stages) for n, why_ in result.dropped.items()}
                dropped.update(dict.fromkeys(result.kept, at_lint))
                return Verdict(tuple(parts.tests), (), dropped, useless)
    dropped = {n: _dropped_at(n, why, stages) for n, why in result.dropped.items()}
    return Verdict(tuple(parts.tests), result.kept, dropped, useless)


@contextmanager
def _per_test_lines() -> Iterator[dict[str, frozenset[int]]]:
    """The lines each test (``name`` or ``Class.method``) ran, as the coverage stage read them."""
    seen: dict[str, frozenset[int]] = {}
    # The judge module's own name for it is what the coverage stage calls.
    judge_names = vars(judge_steps)
    read: Callable[..., dict[str, frozenset[int]]] = judge_names["lines_by_test"]

    def recording(sandbox: Any, module: str, names: Sequence[str]) -> dict[str, frozenset[int]]:
        lines = read(sandbox, module, names)
        seen.update(lines)
        return lines

    judge_names["lines_by_test"] = recording
    try:
        yield seen
    finally:
        judge_names["lines_by_test"] = read


def _useless_kind(
    name: str, ran: Mapping[str, frozenset[int]], changed: frozenset[int], base: frozenset[int]
) -> str:
    """Why a test added no coverage: its units ran changed lines already run, or none; for a
    test class, whether other methods of it did add lines (the class is dropped whole)."""
    units = [u for u in ran if u == name or u.startswith(f"{name}.")]
    useless = [u for u in units if not (ran[u] & changed) - base]
    kind = "runs no changed line"
    if any(ran[u] & changed for u in useless):
        kind = "runs only changed lines the existing tests run already"
    if len(useless) < len(units):
        kind += " (a method of a class whose other methods add lines)"
    return kind


def _defines_tests(source: str) -> bool:
    tree = parsed(source)
    return tree is not None and any(
        isinstance(n, _DEFINITIONS) and n.name.startswith(("test", "Test")) for n in tree.body
    )


def _dropped_at(name: str, why: str, stages: Sequence[ValidationStage]) -> tuple[str, str]:
    """``(stage, why)``: the first stage whose detail names the dropped test ``name``."""
    for stage in stages:
        if stage.detail.startswith(f"{name}: ") or f"; {name}: " in stage.detail:
            return stage.name, why
    return (stages[-1].name if stages else "?"), why


def _added_lines(root: Path, commit: str, path: str) -> frozenset[int]:
    """Lines of ``path`` that ``commit`` added (numbered as the commit leaves it)."""
    diff = subprocess.run(
        ["git", "-C", str(root), "diff", "-U0", "--no-renames", f"{commit}^", commit, "--", path],
        capture_output=True,
        check=False,
    ).stdout.decode("utf-8", "replace")
    lines: set[int] = set()
    for hunk in re.finditer(r"^@@ [^+]*\+(\d+)(?:,(\d+))? @@", diff, re.M):
        start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
        lines.update(range(start, start + count))
    return frozenset(lines)


def _reason(text: str) -> str:
    """A reason's kind: its words before the first colon or parenthesis, numbers as N,
    without the ``Class.method`` a test class's reason starts with."""
    text = re.sub(r"^[A-Za-z_]\w*\.\w+ ", "", text)
    head, _, rest = text.partition(": ")
    if head.startswith("fails") and rest:  # fails in the module: skipped, failed, …
        head += ": " + rest.split(":")[0].split(" (")[0]
    return re.sub(r"\d+", "N", head.split(" (")[0])[:70]


def measure(
    repo: str,
    commits: int,
    limit: int,
    python: str | None,
    venvs: Path,
    isolation: str,
    settings: DraftSettings,
    examples: int = 3,
    skip: int = 0,
) -> dict[str, Any]:
    """Judge up to ``limit`` tasks of ``repo``'s newest ``commits`` commits; the figures."""
    with tempfile.TemporaryDirectory(prefix="ttabot-accept-") as tmp:
        root = Path(tmp, "work")
        subprocess.run(["git", "clone", "-q", "--no-checkout", repo, str(root)], check=True)
        if python is None:
            pyproject = git(repo, "show", "HEAD:pyproject.toml")
            name = Path(repo).resolve().name
            name = Path(repo).resolve().parent.name if name in (".git", "repo") else name
            python = bench_venv(venvs / name, requirements_for_tests(pyproject))
        judged: list[dict[str, Any]] = []
        covered: list[dict[str, Any]] = []
        environment: list[dict[str, Any]] = []
        for task in tasks(repo, commits, skip):
            if len(judged) >= limit:
                break
            subprocess.run(
                ["git", "-C", str(root), "checkout", "-q", "--force", task.commit], check=True
            )
            subprocess.run(["git", "-C", str(root), "clean", "-q", "-fdx"], check=True)
            where = {
                "commit": task.commit[:10],
                "module": task.module,
                "test_path": task.test_path,
                "findings": [f.symbol for f in task.findings],
            }
            top = import_name(task.module).split(".")[0]
            missing = missing_modules(
                python, root, ["pytest", top], os.environ, settings.test_timeout
            )
            if missing is not None:
                environment.append({**where, "why": missing})
                continue
            started = time.perf_counter()
            verdict = judge(root, task, python, settings, isolation, reader(repo, task.commit))
            seconds = round(time.perf_counter() - started, 2)
            record = {
                **where,
                "seconds": seconds,
                "tests": list(verdict.judged),
                "kept": list(verdict.kept),
                "dropped": {n: list(v) for n, v in verdict.dropped.items()},
                "coverage_kind": dict(verdict.useless),
            }
            if verdict.broken:
                environment.append({**where, "why": verdict.broken})
            else:
                (covered if verdict.covered else judged).append(record)
    return _figures(judged, covered, environment, python, examples)


def _figures(
    judged: list[dict[str, Any]],
    covered: list[dict[str, Any]],
    environment: list[dict[str, Any]],
    python: str,
    examples: int,
) -> dict[str, Any]:
    by_stage: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    shown: dict[str, dict[str, list[str]]] = {}
    for record in judged:
        for name, (stage, why) in record["dropped"].items():
            by_stage[stage] += 1
            kind = _reason(why)
            reasons.setdefault(stage, Counter())[kind] += 1
            seen = shown.setdefault(stage, {}).setdefault(kind, [])
            if len(seen) < examples:
                seen.append(f"{record['commit']} {record['test_path']}::{name}: {why[:300]}")
    kinds = Counter(kind for r in judged for kind in r["coverage_kind"].values())
    seconds = [r["seconds"] for r in judged]
    tests = sum(len(r["tests"]) for r in judged)
    kept = sum(len(r["kept"]) for r in judged)
    return {
        "tasks_judged": len(judged),
        "tests_judged": tests,
        "kept": kept,
        "refused": tests - kept,
        "refused_by_stage": dict(by_stage.most_common()),
        "reasons": {stage: dict(c.most_common()) for stage, c in reasons.items()},
        "coverage_refusals": dict(kinds.most_common()),
        "examples": shown,
        "already_covered": {
            "tasks": len(covered),
            "findings": sum(len(r["findings"]) for r in covered),
        },
        # Not judged: the interpreter cannot run the package or the module's existing tests.
        "not_runnable": {"tasks": len(environment), "cases": environment},
        "seconds_per_task": {
            "median": round(statistics.median(seconds), 2) if seconds else None,
            "max": max(seconds, default=None),
            "total": round(sum(seconds), 1),
        },
        "python": python,
        "tasks": judged + [{**r, "already_covered": True} for r in covered],
    }


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Judge each repository's maintainers' tests and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", metavar="GIT_DIR")
    parser.add_argument("--commits", type=int, default=400, help="newest commits to look at")
    parser.add_argument("--limit", type=int, default=10, help="tasks judged per repository")
    parser.add_argument("--skip", type=int, default=0, help="skip the newest N commits")
    parser.add_argument(
        "--venvs",
        type=Path,
        default=Path(tempfile.gettempdir(), "ttabot-accept-venvs"),
        help="folder of the venvs made per repository (cached)",
    )
    parser.add_argument(
        "--no-venv", action="store_true", help="run the tests with this interpreter"
    )
    parser.add_argument("--isolation", choices=("bwrap", "auto"), default="bwrap")
    parser.add_argument("--examples", type=int, default=3, help="examples kept per reason")
    parser.add_argument("--details", action="store_true", help="list every task's verdict")
    args = parser.parse_args(argv)
    settings = DraftSettings()
    figures: dict[str, Any] = {}
    for repo in args.repos:
        python = sys.executable if args.no_venv else None
        one = measure(
            repo,
            args.commits,
            args.limit,
            python,
            args.venvs,
            args.isolation,
            settings,
            args.examples,
            args.skip,
        )
        if not args.details:
            one.pop("tasks")
        figures[repo] = one
    out(json.dumps({**figures, "machine": describe_machine()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
