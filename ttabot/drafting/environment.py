"""What generated code runs with: an environment from an allowlist, and an interpreter.

No token or key of the parent reaches the code: only the variables in
:data:`ENV_ALLOWLIST` pass, and HOME, the temporary folder and ``PYTHONPATH``
are the sandbox's own. The interpreter is the project's (its ``.venv``, an
active ``VIRTUAL_ENV``) unless one is configured, since ttabot's own often
lacks the project's dependencies.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: Environment variables passed through; everything else (tokens, keys, proxies) is dropped.
ENV_ALLOWLIST = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "COMSPEC")


def scrubbed_env(
    environ: Mapping[str, str], home: Path, tmp: Path, pythonpath: str
) -> dict[str, str]:
    """The environment generated code runs with: allowlisted variables plus our own."""
    env = {key: environ[key] for key in ENV_ALLOWLIST if key in environ}
    env.setdefault("PATH", os.defpath)
    env.update(
        HOME=str(home),
        USERPROFILE=str(home),
        TMPDIR=str(tmp),
        TEMP=str(tmp),
        TMP=str(tmp),
        PYTHONPATH=pythonpath,
        PYTHONNOUSERSITE="1",
        PYTHONIOENCODING="utf-8",
        NO_COLOR="1",
    )
    return env


def choose_python(root: Path, configured: str, environ: Mapping[str, str]) -> str:
    """The interpreter for generated tests: configured, else the project's environment.

    ttabot often runs from its own environment (pipx, pre-commit) that lacks the
    project's dependencies and pytest, so the project's ``.venv``/``venv`` and an
    active ``VIRTUAL_ENV`` come before ttabot's own interpreter.
    """
    if configured:
        return configured
    bindir = "Scripts" if os.name == "nt" else "bin"
    exe = "python.exe" if os.name == "nt" else "python"
    candidates = [root / name / bindir / exe for name in (".venv", "venv")]
    if environ.get("VIRTUAL_ENV"):
        candidates.append(Path(environ["VIRTUAL_ENV"], bindir, exe))
    found = next((c for c in candidates if c.is_file()), None)
    return str(found) if found is not None else sys.executable
