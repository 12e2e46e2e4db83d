"""Measure test placement and docstring style against what maintainers did, on real history.

For each commit that changed a source module and a test module, every touched
public function or method whose bare name appears in the added lines of a
test file changed in the same commit is a finding; the maintainers' placement
is that set of test files. ttabot's :func:`placement_for` is asked where the
tests would go, with the project as it was before the commit and the names the
symbol's changed lines use (all its changed definitions: overloads too). A
docstring task is a module changed in those commits: the style ttabot picks
(module, package, repository) is compared with the repository's dominant style.

    .venv/bin/python bench/layout_bench.py GIT_DIR [GIT_DIR ...] [--commits 400] [--skip 0]
        [--misses]

``--skip`` measures an older range of history (a held-out set for rules tuned
on the newest commits); ``--misses`` lists every finding placed elsewhere than
the maintainers put it (commit, path, symbol, predicted, actual).

GIT_DIR may be a bare clone. Reads git objects only; runs no project code.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe as describe_machine
from ttabot.analysis.paths import is_test_file
from ttabot.config import DraftSettings
from ttabot.drafting.changed_code import changed_code, merged
from ttabot.drafting.docstrings import detect_style, dominant_style, style_counts
from ttabot.drafting.tests import ScanCache, placement_for


def git(repo: str, *args: str) -> str:
    """Output of ``git --git-dir repo ARGS`` as text (empty when git fails)."""
    done = subprocess.run(["git", "--git-dir", repo, *args], capture_output=True, check=False)
    return done.stdout.decode("utf-8", "replace")


def reader(repo: str, commit: str) -> Callable[[str], str | None]:
    """A cached reader of files at ``commit`` (None: not there)."""

    @cache
    def read(path: str) -> str | None:
        done = subprocess.run(
            ["git", "--git-dir", repo, "show", f"{commit}:{path}"], capture_output=True, check=False
        )
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None

    return read


def added_lines(repo: str, commit: str) -> dict[str, set[int]]:
    """Line numbers each Python file gained in ``commit`` (files with any hunk)."""
    out: dict[str, set[int]] = {}
    path = None
    diff = git(repo, "diff", "-U0", "--no-renames", f"{commit}^", commit, "--", "*.py")
    for line in diff.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else None
        elif line.startswith("@@") and path:
            m = re.search(r"\+(\d+)(?:,(\d+))?", line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                out.setdefault(path, set()).update(range(start, start + count))
    return out


@cache
def added_text(repo: str, commit: str, path: str) -> str:
    """The lines ``commit`` added to ``path``; asked once per test file, not per symbol."""
    diff = git(repo, "diff", "-U0", f"{commit}^", commit, "--", path)
    return "\n".join(
        ln[1:] for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")
    )


class Touched(NamedTuple):
    """A public function or method a commit changed: dotted name and def-line span."""

    symbol: str
    line: int
    end_line: int


def touched_public(source: str, lines: set[int]) -> list[Touched]:
    """Public functions and methods whose span holds one of ``lines``, in source order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out: list[Touched] = []

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                walk(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name.startswith("_"):
                    continue
                end = node.end_lineno or node.lineno
                if set(range(node.lineno, end + 1)) & lines:
                    out.append(Touched(prefix + node.name, node.lineno, end))

    walk(tree.body, "")
    return out


def measure(repo: str, commits: int, skip: int = 0) -> dict[str, object]:
    """Placement and docstring-style hits over ``repo``'s last ``commits`` commits.

    ``misses`` lists every finding placed elsewhere than the maintainers put it:
    commit, path, symbol, predicted, actual (and whether each actual file was new).
    """
    placed = total = 0
    style_ok = style_total = 0
    misses: list[dict[str, object]] = []
    head_files = git(repo, "ls-tree", "-r", "--name-only", "HEAD").split()
    head_read = reader(repo, "HEAD")
    repo_counts: dict[str, int] = {}
    for path in head_files:
        if path.endswith(".py") and not is_test_file(path):
            for style, n in style_counts(head_read(path) or "").items():
                repo_counts[style] = repo_counts.get(style, 0) + n
    dominant = dominant_style(repo_counts)
    seen_modules: set[str] = set()
    for commit in git(
        repo, "rev-list", "--no-merges", f"--skip={skip}", f"-{commits}", "HEAD"
    ).split():
        added = added_lines(repo, commit)
        tests = [p for p in added if is_test_file(p) and p.endswith(".py")]
        sources = [p for p in added if not is_test_file(p)]
        if not sources:
            continue
        before = reader(repo, f"{commit}^")
        after = reader(repo, commit)
        files = tuple(git(repo, "ls-tree", "-r", "--name-only", f"{commit}^").split())
        scans: ScanCache = {}  # test modules as this commit's parent has them
        for module in sources:
            if module not in seen_modules and dominant is not None:
                seen_modules.add(module)
                package = [
                    p
                    for p in files
                    if p.endswith(".py")
                    and not is_test_file(p)
                    and p.rsplit("/", 1)[0] == module.rsplit("/", 1)[0]
                    and p != module
                ]

                def package_counts(
                    paths: list[str] = package, read: Callable[[str], str | None] = before
                ) -> dict[str, int]:
                    total_counts: dict[str, int] = {}
                    for p in paths:
                        for s, n in style_counts(read(p) or "").items():
                            total_counts[s] = total_counts.get(s, 0) + n
                    return total_counts

                chosen = detect_style(
                    after(module) or "", DraftSettings(), package_counts, lambda: repo_counts
                )
                style_total += 1
                style_ok += chosen == dominant
            if not tests:
                continue
            source = after(module) or ""
            touched = touched_public(source, added[module])
            marks = frozenset(added[module])
            for symbol, _, _ in touched:
                bare = symbol.rsplit(".", 1)[-1]
                theirs = [
                    t
                    for t in tests
                    if re.search(rf"\b{re.escape(bare)}\b", added_text(repo, commit, t))
                ]
                if not theirs:
                    continue
                # Every changed definition of the symbol (overloads too), as a check finds them.
                changed = merged(
                    changed_code(source, t.line, t.end_line, marks)
                    for t in touched
                    if t.symbol == symbol
                )
                ours = placement_for(module, files, [symbol], before, changed, scans)
                total += 1
                if ours in theirs:
                    placed += 1
                else:
                    misses.append(
                        {
                            "commit": commit[:10],
                            "path": module,
                            "symbol": symbol,
                            "predicted": ours,
                            "actual": theirs,
                            "actual_is_new": [t not in files for t in theirs],
                        }
                    )
    return {
        "placement": f"{placed}/{total}",
        "placement_rate": round(placed / total, 3) if total else None,
        "style": f"{style_ok}/{style_total} (dominant: {dominant})",
        "style_rate": round(style_ok / style_total, 3) if style_total else None,
        "misses": misses,
    }


def main() -> int:
    """Measure each repository named on the command line and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+")
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--skip", type=int, default=0, help="skip the newest N commits")
    parser.add_argument(
        "--misses", action="store_true", help="list every miss (else only their count)"
    )
    args = parser.parse_args()
    out = {repo: measure(repo, args.commits, args.skip) for repo in args.repos}
    if not args.misses:
        for figures in out.values():
            figures["misses"] = len(figures["misses"])  # type: ignore[arg-type]
    print(json.dumps({**out, "machine": describe_machine()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
