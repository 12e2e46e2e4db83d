"""Before asking for tests or refactors: can the project's interpreter run them at all?

Where the interpreter lacks pytest or cannot find the package under test,
every answer fails the same way; asking a model would spend requests that
cannot succeed. The check finds modules without importing them
(``importlib.util.find_spec`` on top-level names executes no project code),
in isolated mode, with nothing of the parent's environment but ``PATH``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ttabot.drafting.sandbox import RunResult, run

_SCRIPT = (
    "import importlib.util, sys\n"
    "root = sys.argv[1]\n"
    "sys.path[:0] = [root, root + '/src']\n"
    "print('missing:' + ' '.join(n for n in sys.argv[2:] if importlib.util.find_spec(n) is None))\n"
)


def missing_modules(
    python: str,
    root: Path,
    names: Sequence[str],
    environ: Mapping[str, str],
    timeout: float,
    *,
    runner: Callable[[Sequence[str]], RunResult] | None = None,
) -> str | None:
    """Why ``python`` cannot run tests of ``names`` under ``root``, or None when it can.

    ``runner`` runs the check (a project copy's :meth:`~ttabot.drafting.sandbox.Sandbox.run`,
    so an interpreter the tree itself holds runs sandboxed, like generated code).
    """
    env = {"PATH": environ.get("PATH", os.defpath), "PYTHONIOENCODING": "utf-8"}
    argv = [python, "-I", "-c", _SCRIPT, str(root), *names]
    try:
        result = run(argv, root, env, timeout) if runner is None else runner(argv)
    except OSError as exc:
        return f"cannot run the interpreter {python}: {exc.strerror or exc}"
    line = next((ln for ln in result.output.splitlines() if ln.startswith("missing:")), None)
    if result.returncode != 0 or line is None:
        return f"cannot run the interpreter {python}: {result.output.strip()[-200:]}"
    missing = line[len("missing:") :].split()
    if not missing:
        return None
    return (
        f"{python} cannot import {', '.join(missing)}: install them in the project's "
        "environment or set draft.python; no model was asked"
    )
