"""Measure test placement and docstring style against what maintainers did, on real history.

For each commit that changed a source module and a test module, the findings
are the tests-needed findings ``ttabot check`` reports for the commit's source
files alone (contract 2: new functions and behaviour changes; the commit's own
tests left out, as if not written yet). A finding counts when a test module the
commit changed (``test_*.py``/``*_test.py``; helpers and conftest hold no tests)
names its bare name in an added line; the maintainers' placement is that set of
test modules, a renamed one under both names. ttabot plans the tests as
``draft`` does (:func:`ttabot.drafting.unit_test_tasks.place_tests`), with the project
as it was before the commit, the names the changed lines use, and the modules
the commit adds. A docstring task is a module changed in those commits: the
style ttabot picks (module, package, repository) is compared with the
repository's dominant style.

    .venv/bin/python bench/layout_bench.py GIT_DIR [GIT_DIR ...] [--commits 400] [--skip 0]
        [--misses]

``--skip`` measures an older range of history (a held-out set for rules tuned
on the newest commits); ``--misses`` lists every finding placed elsewhere than
the maintainers put it (commit, path, symbol, predicted, actual, and whether
their test module was a ``candidate`` placement ranked). ``reachable`` counts
the hits plus those candidates: what a perfect ranking would reach.
``new_module_misses`` counts the worst misses (``stray``): a new test module
started where the maintainers added their tests to one that existed.

GIT_DIR may be a bare clone. Reads git objects only; runs no project code.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import cache
from itertools import groupby
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe as describe_machine
from ttabot.analysis import analyze
from ttabot.analysis.paths import is_test_file
from ttabot.change import parse_diff
from ttabot.config import CheckSettings, DraftSettings
from ttabot.drafting.docstrings import detect_style, dominant_style, style_counts
from ttabot.drafting.task import Project
from ttabot.drafting.tests import candidate_test_modules, ranked_test_modules
from ttabot.drafting.unit_test_tasks import place_tests
from ttabot.errors import TtabotError
from ttabot.records import Category, Change, FileStatus, Finding


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


def _bytes_reader(read: Callable[[str], str | None]) -> Callable[[str], bytes | None]:
    def read_bytes(path: str) -> bytes | None:
        text = read(path)
        return None if text is None else text.encode("utf-8")

    return read_bytes


def test_findings(
    repo: str, commit: str, before: Callable[[str], str | None], after: Callable[[str], str | None]
) -> tuple[list[Finding], Change]:
    """What ``ttabot check`` reports as tests-needed for ``commit``'s source files alone.

    The commit's test files are left out of the change (they are the answer
    being measured against), so the findings are those a contributor who had
    written no test yet would get. Also returns the whole change (renames
    followed), whose test files hold the maintainers' tests.
    """
    diff = git(
        repo, "diff", "-M", "--no-color", "--no-ext-diff", f"{commit}^", commit, "--", "*.py"
    )
    try:
        change = parse_diff(diff)
    except TtabotError:
        return [], Change(())
    sources = Change(tuple(f for f in change.files if not is_test_file(f.path)))
    result = analyze(sources, _bytes_reader(after), CheckSettings(), read_old=_bytes_reader(before))
    return [f for f in result.findings if f.category is Category.TESTS_NEEDED], change


def _maintainers_tests(
    change: Change, after: Callable[[str], str | None]
) -> tuple[dict[str, str], dict[str, str]]:
    """The text each test file of ``change`` gained, and where renamed ones came from.

    Returns ``(gained, renamed)``: test path -> added text, old path -> new path.
    """
    gained: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for file in change.files:
        # Test modules only: a helper beside them (tests/utils.py, conftest.py) holds no tests.
        if not candidate_test_modules([file.path]):
            continue
        if file.old_path and file.old_path != file.path:
            renamed[file.old_path] = file.path
        lines = (after(file.path) or "").splitlines()
        gained[file.path] = "\n".join(
            lines[n - 1] for n in sorted(file.added_lines) if 0 < n <= len(lines)
        )
    return gained, renamed


def measure(repo: str, commits: int, skip: int = 0) -> dict[str, object]:
    """Placement and docstring-style hits over ``repo``'s last ``commits`` commits.

    ``misses`` lists every finding placed elsewhere than the maintainers put it:
    commit, path, symbol, predicted, actual (and whether each actual file was new).
    """
    placed = total = reachable = strays = 0
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
        for module in sources:
            if module not in seen_modules and dominant is not None:
                seen_modules.add(module)
                style_total += 1
                style_ok += _module_style(module, files, before, after, repo_counts) == dominant
        if not tests:
            continue
        for hit, record in _placements(repo, commit, files, before, after):
            total += 1
            placed += hit
            reachable += hit or bool(record["candidate"])
            strays += record["stray"] is True
            if not hit:
                misses.append({"commit": commit[:10], **record})
    return {
        "placement": f"{placed}/{total}",
        "placement_rate": round(placed / total, 3) if total else None,
        "reachable": f"{reachable}/{total}",
        "new_module_misses": f"{strays}/{total}",
        "style": f"{style_ok}/{style_total} (dominant: {dominant})",
        "style_rate": round(style_ok / style_total, 3) if style_total else None,
        "misses": misses,
    }


def _placements(
    repo: str,
    commit: str,
    files: tuple[str, ...],
    before: Callable[[str], str | None],
    after: Callable[[str], str | None],
) -> Iterator[tuple[bool, dict[str, object]]]:
    """Each counted finding of ``commit``: whether ttabot placed it where the maintainers
    did, and path, symbol, predicted, actual (and whether each actual file was new).

    ``stray`` says whether ttabot started a new test module where the
    maintainers used an existing one. ``candidate`` says whether a module the
    maintainers used was among those placement ranks (an existing test module
    naming the symbol or its class, or importing the module; none for a module
    the commit adds): the hits a perfect ranking of the candidates would reach
    are the hits plus those.
    """
    findings, change = test_findings(repo, commit, before, after)
    gained, renamed = _maintainers_tests(change, after)

    def read(path: str) -> str | None:
        # Source files as the commit leaves them; test modules as they were before it.
        return before(path) if is_test_file(path) else after(path)

    project = Project(
        read=read,
        files=files,
        added={f.path: f.added_lines for f in change.files},
        new_modules=frozenset(f.path for f in change.files if f.status is FileStatus.ADDED),
    )
    for module, group in groupby(findings, key=lambda f: f.path):
        for test_path, placed in place_tests(module, after(module) or "", list(group), project):
            for finding in placed:
                word = re.compile(rf"\b{re.escape(finding.symbol.rsplit('.', 1)[-1])}\b")
                theirs = [t for t, text in gained.items() if word.search(text)]
                if theirs:
                    hit = test_path in theirs or renamed.get(test_path) in theirs
                    ranked = (
                        []
                        if module in project.new_modules
                        else ranked_test_modules(
                            module, [finding.symbol], files, read, cache=project.test_modules
                        )
                    )
                    candidate = any(t in theirs or renamed.get(t) in theirs for t in ranked)
                    actual_is_new = [t not in files for t in theirs]
                    yield (
                        hit,
                        {
                            "path": module,
                            "symbol": finding.symbol,
                            "predicted": test_path,
                            "actual": theirs,
                            "actual_is_new": actual_is_new,
                            "candidate": candidate,
                            "stray": not hit and test_path not in files and not all(actual_is_new),
                        },
                    )


def _module_style(
    module: str,
    files: tuple[str, ...],
    before: Callable[[str], str | None],
    after: Callable[[str], str | None],
    repo_counts: dict[str, int],
) -> str | None:
    """The docstring style ttabot picks for ``module`` (module, package, repository)."""
    package = [
        p
        for p in files
        if p.endswith(".py")
        and not is_test_file(p)
        and p.rsplit("/", 1)[0] == module.rsplit("/", 1)[0]
        and p != module
    ]

    def package_counts() -> dict[str, int]:
        total_counts: dict[str, int] = {}
        for p in package:
            for s, n in style_counts(before(p) or "").items():
                total_counts[s] = total_counts.get(s, 0) + n
        return total_counts

    return detect_style(after(module) or "", DraftSettings(), package_counts, lambda: repo_counts)


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
