"""Benchmark ``ttabot check``: the pre-commit hook, a 20,000-line diff, and interrogate beside it.

Run: ``python bench/check_bench.py`` (with the project's venv; interrogate from
the ``bench`` extra: ``pip install -e '.[bench]'``). It builds its own
temporary repositories, prints a table and the machine it ran on, and changes
nothing outside its temporary folder. Figures go in docs/check.md.

1. hook: median whole-process wall time of ``ttabot check`` on a typical
   staged commit (a few files), over ``--runs`` runs (default 21), as a
   regular install runs it (see :func:`regular_install`), and as this venv's
   editable install runs it.
2. big diff: median in-process time to parse and analyse a diff that adds
   20,000 lines (``parse_diff`` + ``run_check``).
3. interrogate: median whole-process wall time of ``interrogate`` on the same
   files as (1), and the ratio ttabot / interrogate; and interrogate over
   click's sources, the issue's yardstick (0.24 s "on these machines"), which
   shows how fast this shared machine is running at the time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import click
import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.machine import describe as describe_machine
from ttabot.change import parse_diff
from ttabot.check import run_check
from ttabot.config import Settings
from ttabot.records import Change
from ttabot.sources import Selection

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def module_text(name: str, functions: int, documented: bool) -> str:
    """A plausible module: a class and ``functions`` small functions, some branching."""
    doc = '    """Return a value computed from ``x``."""\n' if documented else ""
    parts = [f'"""Module {name}."""\n\nimport os\n\n\nclass {name.title()}Store:\n']
    parts.append('    """A store."""\n\n    def get(self, key):\n        """Get."""\n')
    parts.append("        return os.environ.get(key)\n")
    for i in range(functions):
        parts.append(
            f"\n\ndef {name}_step_{i}(x, y=1):\n{doc}"
            f"    if x > {i}:\n        return x - y\n    for k in range(y):\n"
            f"        x += k\n    return x\n"
        )
    return "".join(parts)


def git(root: Path, *args: str) -> None:
    """Run git in ``root`` with a fixed identity and no user configuration."""
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=_git_env())


def _git_env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV}


def typical_commit(root: Path) -> list[Path]:
    """A repository whose staged change edits three modules and a test (~60 changed lines)."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    names = ["orders", "billing", "shipping"]
    for name in names:
        (root / f"{name}.py").write_text(module_text(name, 30, documented=True))
    (root / "tests").mkdir()
    (root / "tests" / "test_orders.py").write_text("def test_nothing():\n    assert True\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for name in names:
        text = module_text(name, 30, documented=True)
        (root / f"{name}.py").write_text(text + module_text(f"{name}_new", 3, documented=False))
    (root / "tests" / "test_orders.py").write_text(
        "from orders import orders_step_1\n\n\ndef test_step():\n    assert orders_step_1(5)\n"
    )
    git(root, "add", "-A")
    return [root / f"{name}.py" for name in names] + [root / "tests" / "test_orders.py"]


def process_times(
    cmds: Mapping[str, Sequence[str]], cwd: Path, runs: int, env: dict[str, str]
) -> dict[str, tuple[list[float], list[float]]]:
    """Whole-process wall and CPU (user + system, children included) times of each command.

    One warm-up run each, then the commands take turns, so a burst of load on
    this shared machine falls on all of them alike and the ratio stays fair.
    CPU time is kept beside wall time: other processes stretch wall time far
    more than CPU time.
    """
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cmds}
    for cmd in cmds.values():
        subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    for _ in range(runs):
        for name, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            times[name][0].append(elapsed)
            times[name][1].append(cpu)
    return times


def regular_install(tmp: Path, package: Path | None = None) -> list[str]:
    """A command that runs ``ttabot`` as a regular (non-editable) install would.

    pre-commit installs ttabot normally into its own environment; this venv's
    editable install adds an import hook that costs ~15 ms at every start. So
    the bench builds a bare venv whose ``.pth`` puts a copy of the package and
    this venv's dependencies on the path (no network, no pip), and a script
    identical to pip's console-script wrapper. ``package`` is the ``ttabot``
    folder to install (default: this checkout's).
    """
    tmp.mkdir(parents=True, exist_ok=True)
    venv = tmp / "regular-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    source = tmp / "regular-src"
    package = package or Path(__file__).resolve().parents[1] / "ttabot"
    shutil.copytree(package, source / "ttabot", ignore=shutil.ignore_patterns("__pycache__"))
    deps = sysconfig.get_paths()["purelib"]
    Path(purelib, "ttabot-bench.pth").write_text(f"{source}\n{deps}\n")
    script = venv / "bin" / "ttabot"
    module, _, func = console_script(package).partition(":")
    script.write_text(f"import sys\nfrom {module} import {func}\nsys.exit({func}())\n")
    return [str(python), str(script)]


def console_script(package: Path) -> str:
    """The ``ttabot`` console script's ``module:function`` for the ``ttabot`` folder ``package``.

    Read from the pyproject.toml beside it; a folder exported without one (a
    ``--baseline``) gets ``ttabot.entry:script`` when its entry module has it
    (the hook ends without the interpreter's teardown), else
    ``ttabot.entry:main`` when it has that module (the hook's click-free fast
    path), else the older ``ttabot.cli:main``.
    """
    pyproject = package.parent / "pyproject.toml"
    if pyproject.is_file():
        scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
        return str(scripts["ttabot"])
    entry = package / "entry.py"
    if not entry.is_file():
        return "ttabot.cli:main"
    return "ttabot.entry:script" if "\ndef script(" in entry.read_text() else "ttabot.entry:main"


def big_diff(lines: int) -> tuple[str, dict[str, bytes]]:
    """A diff adding a module of ``lines`` lines (functions of 8 lines), and the module itself."""
    per_function = 8
    text = module_text("bulk", lines // per_function, documented=False)
    body = text.splitlines()[:lines]
    content = "\n".join(body) + "\n"
    header = "diff --git a/bulk.py b/bulk.py\nnew file mode 100644\n--- /dev/null\n+++ b/bulk.py\n"
    hunk = f"@@ -0,0 +1,{len(body)} @@\n" + "".join(f"+{line}\n" for line in body)
    return header + hunk, {"bulk.py": content.encode()}


def in_process_times(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall time of ``fn()`` over ``runs`` calls in this process."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


Row = tuple[str, float, str]


def hook_rows(ttabot: str, interrogate: str, runs: int, baseline: Path | None = None) -> list[Row]:
    """Measures 1 and 3: the hook and interrogate on the same typical commit, taking turns."""
    # Installed packages have bytecode; a PYTHONDONTWRITEBYTECODE environment would make
    # every run compile ttabot from source, which no user's hook does.
    env = {k: v for k, v in _git_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="ttabot-bench-") as tmp:
        root = Path(tmp) / "repo"
        files = typical_commit(root)
        rel = [str(f.relative_to(root)) for f in files]
        cmds: dict[str, list[str]] = {
            "regular": [*regular_install(Path(tmp)), "check"],
            "editable": [ttabot, "check"],
            "interrogate": [interrogate, "--fail-under", "0", "-q", *rel],
            # The issue's yardstick, "interrogate over click's src/ takes 0.24 s on these
            # machines": timed in the same rounds, it shows how fast the machine is today.
            "yardstick": [interrogate, "--fail-under", "0", "-q", str(Path(click.__file__).parent)],
        }
        if baseline is not None:
            # Another checkout's package (e.g. `git archive main ttabot`), timed in the same
            # rounds as this one, so "before and after" share the machine's load.
            cmds["baseline"] = [*regular_install(Path(tmp) / "base", baseline), "check"]
        check = subprocess.run(cmds["regular"], cwd=root, env=env, capture_output=True)
        findings = check.stdout.decode().strip().splitlines()[-1]
        times = process_times(cmds, root, runs, env)
    med = {name: (statistics.median(w), statistics.median(c)) for name, (w, c) in times.items()}
    compared: list[Row] = []
    if "baseline" in med:
        compared = [
            ("baseline: the same hook, --baseline package", med["baseline"][0], ""),
            ("  (CPU time, user + system)", med["baseline"][1], ""),
            ("ratio this / baseline, wall", med["regular"][0] / med["baseline"][0], "x"),
            ("ratio this / baseline, CPU", med["regular"][1] / med["baseline"][1], "x"),
        ]
    return [
        *compared,
        ("hook: ttabot check, typical commit", med["regular"][0], findings),
        ("  (CPU time, user + system)", med["regular"][1], ""),
        ("  same, this venv's editable install", med["editable"][0], ""),
        ("interrogate, same files", med["interrogate"][0], f"{len(rel)} files"),
        ("  (CPU time, user + system)", med["interrogate"][1], ""),
        ("ratio ttabot / interrogate, wall", med["regular"][0] / med["interrogate"][0], "x"),
        ("ratio ttabot / interrogate, CPU", med["regular"][1] / med["interrogate"][1], "x"),
        ("yardstick: interrogate over click's sources", med["yardstick"][0], "0.24 s in the issue"),
    ]


def big_diff_row(lines: int, runs: int) -> Row:
    """Measure 2: parse and analyse a diff adding ``lines`` lines, in process."""
    diff_text, contents = big_diff(lines)
    settings = Settings()

    def analyse_big() -> None:
        change: Change = parse_diff(diff_text, "bench")
        selection = Selection(Path("."), change, contents.get, None, None)
        run_check(selection, settings)

    analyse_big()  # warm-up: imports
    big = in_process_times(analyse_big, runs)
    return (f"{lines:,}-added-line diff: parse + analyse", statistics.median(big), "in process")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three measures and print the table; 2 when a tool is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="whole-process runs per tool")
    parser.add_argument("--big-lines", type=int, default=20_000)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another ttabot package folder to time beside this one (before/after)",
    )
    args = parser.parse_args(argv)

    bindir = Path(sys.executable).parent
    ttabot = shutil.which("ttabot", path=str(bindir)) or shutil.which("ttabot")
    interrogate = shutil.which("interrogate", path=str(bindir)) or shutil.which("interrogate")
    if ttabot is None:
        print("ttabot is not installed in this environment (pip install -e .)", file=sys.stderr)
        return 2
    if interrogate is None:
        print("interrogate is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    rows = hook_rows(ttabot, interrogate, args.runs, args.baseline)
    rows.append(big_diff_row(args.big_lines, max(5, args.runs // 4)))
    print(f"machine: {describe_machine()}")
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"runs: {args.runs} whole-process runs per tool (median), after one warm-up")
    print()
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'median':>9}  note")
    for name, value, note in rows:
        if note == "x":
            print(f"{name:<{width}}  {value:>9.2f}")
        else:
            print(f"{name:<{width}}  {value:>8.3f}s  {note}")
    print()
    print("targets: hook <= 0.150 s; 20,000-line diff < 1 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
