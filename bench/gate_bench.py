"""How often the drafting gates refuse what maintainers wrote themselves, on real repositories.

A gate that refuses good work costs model calls and loses drafts, so its false
refusals are measured on the best answers there are: the maintainers' own.

- **Docstrings**: every non-empty docstring of a definition in the repository's
  source modules at HEAD (test files left out) is judged by the docstring gate
  (:func:`ttabot.drafting.gate.gate_docstring`) as if a model had answered it,
  once without a style and once in the style ``draft`` would ask for in that
  module (module, package, repository).
- **Tests**: each test function or class the newest commits added to an existing
  test module, with the module's imports and the new module-level code beside
  it, is judged by the test-code stage
  (:func:`ttabot.drafting.testcode.test_code_problem`) against the module as it
  was before the commit, the project's test helpers read as they were then; the
  methods of a test class it would take out (they check nothing) are counted apart.
  Only this static stage is measured: nothing runs.

    .venv/bin/python bench/gate_bench.py GIT_DIR [GIT_DIR ...] [--commits 400] [--examples 3]

GIT_DIR may be a bare clone. Reads git objects only; runs no project code.
"""

from __future__ import annotations

import argparse
import ast
import json
import posixpath
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.layout_bench import git, reader
from bench.machine import describe as describe_machine
from ttabot.analysis.paths import is_test_file
from ttabot.config import DraftSettings
from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.docstrings import detect_style, style_counts
from ttabot.drafting.gate import gate_docstring
from ttabot.drafting.module_scope import module_names
from ttabot.drafting.testasserts import idle_methods
from ttabot.drafting.testcode import test_code_problem
from ttabot.drafting.testhelpers import HelperFiles

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def parsed(text: str | None) -> ast.Module | None:
    """``text`` parsed, or None when it is absent or this interpreter cannot parse it."""
    if text is None:
        return None
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None  # a file this interpreter cannot read holds nothing to measure


def docstring_refusals(repo: str) -> dict[str, object]:
    """The docstring gate's refusals of the repository's own docstrings at HEAD."""
    read = reader(repo, "HEAD")
    sources = [
        p
        for p in git(repo, "ls-tree", "-r", "--name-only", "HEAD").split()
        if p.endswith(".py") and not is_test_file(p)
    ]
    counts = {p: style_counts(read(p) or "") for p in sources}
    whole_repo = partial(_summed, counts.values())
    settings = DraftSettings()
    total = 0
    plain: Counter[str] = Counter()
    styled: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    styled_examples: dict[str, list[str]] = {}
    for path in sources:
        tree = parsed(read(path))
        if tree is None:
            continue
        folder = posixpath.dirname(path)
        package = [c for p, c in counts.items() if posixpath.dirname(p) == folder and p != path]
        style = detect_style(read(path) or "", settings, partial(_summed, package), whole_repo)
        for node in ast.walk(tree):
            if not isinstance(node, _DEFINITIONS):
                continue
            text = ast.get_docstring(node, clean=True)
            if not text:
                continue
            total += 1
            where = f"{path}:{node.lineno} {node.name}"
            for counter, kept, judged_style in (
                (plain, examples, None),
                (styled, styled_examples, style),
            ):
                result = gate_docstring(text, node, settings.max_docstring_lines, judged_style)
                if result.text is None:
                    reason = _reason(result.reason)
                    counter[reason] += 1
                    kept.setdefault(reason, []).append(where)
    return {
        "docstrings": total,
        "refused": sum(plain.values()),
        "refused_in_style": sum(styled.values()),
        "reasons": dict(plain.most_common()),
        "reasons_in_style": dict(styled.most_common()),
        "examples": examples,
        "examples_in_style": styled_examples,
    }


def added_test_refusals(repo: str, commits: int) -> dict[str, object]:
    """The test-code stage's refusals of tests the newest ``commits`` commits added."""
    total = methods_out = 0
    refused: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for commit, path, existing, answer in added_tests(repo, commits):
        try:
            parts = split_answer(answer, module_names(existing))
        except SyntaxError:
            continue  # unparse of a parsed tree: not expected, never counted
        # The project's test support modules, as they were before the commit.
        helpers = HelperFiles(path, reader(repo, f"{commit}^"))
        for name in parts.tests:
            total += 1
            problem = test_code_problem(parts, name, existing, helpers)
            if problem is not None:
                reason = _reason(problem)
                refused[reason] += 1
                examples.setdefault(reason, []).append(f"{commit[:10]} {path} {name}")
                continue
            # A class's methods are judged one by one: those that check nothing go.
            for method in idle_methods(parts, name, existing, helpers):
                methods_out += 1
                examples.setdefault("a method asserts nothing", []).append(
                    f"{commit[:10]} {path} {name}.{method}"
                )
    return {
        "tests": total,
        "refused": sum(refused.values()),
        "reasons": dict(refused.most_common()),
        "methods_taken_out": methods_out,
        "examples": examples,
    }


def added_tests(repo: str, commits: int) -> Iterator[tuple[str, str, str, str]]:
    """``(commit, path, module before, answer)`` for each existing test module a commit
    added tests to; the answer holds the module's imports after the commit, the new
    module-level code and the new tests, as a model would answer."""
    for commit in git(repo, "rev-list", "--no-merges", f"-{commits}", "HEAD").split():
        before, after = reader(repo, f"{commit}^"), reader(repo, commit)
        changed = git(repo, "diff", "--name-only", "--diff-filter=M", f"{commit}^", commit)
        for path in changed.split():
            name = posixpath.basename(path)
            if not (name.startswith("test_") and name.endswith(".py")):
                continue
            old, new = before(path), after(path)
            old_tree, new_tree = parsed(old), parsed(new)
            if old is None or old_tree is None or new_tree is None:
                continue
            answer = _new_code(old_tree, new_tree)
            if answer:
                yield commit, path, old, answer


def _new_code(old: ast.Module, new: ast.Module) -> str:
    """The imports of ``new``, plus its module-level code that ``old`` lacks, when that
    adds a test (else empty)."""
    seen = {ast.dump(node) for node in old.body}
    old_names = {node.name for node in old.body if isinstance(node, _DEFINITIONS)}
    imports = [n for n in new.body if isinstance(n, ast.Import | ast.ImportFrom)]
    fresh = [
        n
        for n in new.body
        if ast.dump(n) not in seen
        and not isinstance(n, ast.Import | ast.ImportFrom)
        and not (isinstance(n, _DEFINITIONS) and n.name in old_names)
    ]
    if not any(isinstance(n, _DEFINITIONS) and n.name.startswith(("test", "Test")) for n in fresh):
        return ""
    return "\n".join(ast.unparse(n) for n in [*imports, *fresh])


def _summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Style counts added up over files."""
    total: dict[str, int] = {}
    for one in counts:
        for style, n in one.items():
            total[style] = total.get(style, 0) + n
    return total


def _reason(text: str) -> str:
    """A reason's kind: its words before the first colon or parenthesis, numbers as N."""
    return re.sub(r"\d+", "N", text.split(":")[0].split(" (")[0])[:70]


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Measure each repository named on the command line and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+")
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--examples", type=int, default=3, help="examples kept per reason")
    args = parser.parse_args(argv)
    figures: dict[str, object] = {}
    for repo in args.repos:
        docs, added = docstring_refusals(repo), added_test_refusals(repo, args.commits)
        for part, key in ((docs, "examples"), (docs, "examples_in_style"), (added, "examples")):
            kept: dict[str, list[str]] = part[key]  # type: ignore[assignment]
            part[key] = {reason: where[: args.examples] for reason, where in kept.items()}
        figures[repo] = {"docstring_gate": docs, "test_code_stage": added}
    out(json.dumps({**figures, "machine": describe_machine()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
