"""Run the docstring gate over every docstring of real repositories: what does it reject?

The gate is meant for drafted docstrings, but a rule that rejects what maintainers
write is too broad. For every ``def``/``class`` docstring in the ``.py`` files at
HEAD of each repository (read from git objects; no project code runs), the gate
judges the docstring on its own definition, with no line limit and no style asked,
and the rejections are counted by reason.

    .venv/bin/python bench/gate_bench.py GIT_DIR [GIT_DIR ...] [--show REASON]

GIT_DIR may be a bare clone. ``--show`` lists the docstrings rejected for a reason
that contains REASON (e.g. ``"active HTML"``).
"""

from __future__ import annotations

import argparse
import ast
import collections
import subprocess
from collections.abc import Iterator

from ttabot.drafting.gate import gate_docstring

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _git(git_dir: str, *args: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", git_dir, *args], check=True, capture_output=True, timeout=60
    ).stdout


def python_files(git_dir: str) -> Iterator[tuple[str, bytes]]:
    """``(path, content)`` of each regular ``.py`` file at HEAD."""
    for entry in _git(git_dir, "ls-tree", "-r", "-z", "HEAD").decode().split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob" and mode == "100644" and path.endswith(".py"):
            yield path, _git(git_dir, "cat-file", "blob", sha)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dirs", nargs="+")
    parser.add_argument("--show", default="")
    args = parser.parse_args()
    total = 0
    reasons: collections.Counter[str] = collections.Counter()
    shown: list[str] = []
    for git_dir in args.git_dirs:
        head = _git(git_dir, "rev-parse", "--short", "HEAD").decode().strip()
        print(f"{git_dir} @ {head}")
        for path, data in python_files(git_dir):
            try:
                tree = ast.parse(data)
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if not isinstance(node, Definition):
                    continue
                doc = ast.get_docstring(node, clean=False)
                if not doc or not doc.strip():
                    continue
                total += 1
                result = gate_docstring(doc, node, max_lines=10**6)
                if result.text is None:
                    reasons[result.reason.split(" (")[0].split(":")[0]] += 1
                    if args.show and args.show in result.reason:
                        shown.append(f"  {path}:{node.lineno} {node.name}: {result.reason}")
    print(f"docstrings: {total}; rejected: {sum(reasons.values())}")
    for reason, count in reasons.most_common():
        print(f"  {count:5d} {reason}")
    print("\n".join(shown))


if __name__ == "__main__":
    main()
