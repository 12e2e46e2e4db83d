"""What one Action run knows: where the checkout is, the settings, the API client.

The Action's inputs arrive as environment variables (``action.yml`` maps them in
``env:``), and are read here, once.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ttabot.config import DraftSettings, Settings, load_settings, parse_categories
from ttabot.errors import TtabotError
from ttabot.github.api import GitHubApi

MODES = ("comment", "suggest", "commit")


@dataclass(frozen=True)
class Context:
    """The run's fixed facts. ``api`` is None when no token was given."""

    environ: Mapping[str, str]
    root: Path
    settings: Settings
    repository: str
    mode: str
    api: GitHubApi | None
    summary_path: str | None = None
    output_path: str | None = None


@dataclass(frozen=True)
class RunResult:
    """What a run produced, for the step outputs and the job summary."""

    findings: int = 0
    drafts: int = 0
    comment_url: str = ""
    summary: str = ""
    failed: bool = False


def action_settings(root: Path, environ: Mapping[str, str]) -> Settings:
    """Project settings, then the Action's inputs on top (mode, categories, fail-on, config)."""
    settings = load_settings(root, None, environ)
    categories = environ.get("TTABOT_CATEGORIES", "").strip()
    if categories:
        check = settings.check._replace(categories=parse_categories(categories, "input categories"))
        settings = settings._replace(check=check)
    mode = environ.get("TTABOT_MODE", "").strip() or settings.github.mode
    if mode not in MODES:
        raise TtabotError(f"input mode {mode!r}: use one of {', '.join(MODES)}")
    github = settings.github._replace(mode=mode)
    # In the Action no generated code runs outside bubblewrap, whatever the project says.
    draft = _job_python(root, settings, environ)._replace(sandbox="bwrap")
    return settings._replace(github=github, draft=draft)


def _job_python(root: Path, settings: Settings, environ: Mapping[str, str]) -> DraftSettings:
    """Generated tests run with the job's Python, not the Action's private venv.

    The Action installs ttabot in a venv of its own (setup-python with
    ``update-environment: false``), which lacks the project's dependencies; the
    job's ``python`` on PATH is where a workflow installs them. A configured
    interpreter or the project's own ``.venv``/``venv`` still come first.
    """
    draft = settings.draft
    if draft.python or any((root / name).is_dir() for name in (".venv", "venv")):
        return draft
    found = shutil.which("python", path=environ.get("PATH")) or shutil.which(
        "python3", path=environ.get("PATH")
    )
    return draft._replace(python=found) if found else draft


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise TtabotError(f"{name}={raw!r}: expected a number of seconds") from None


def build_context(
    environ: Mapping[str, str], repository: str, *, sleep: Callable[[float], None] = time.sleep
) -> Context:
    """Read the workspace, settings and token from the Action's environment."""
    root = Path(environ.get("GITHUB_WORKSPACE") or ".").resolve()
    settings = action_settings(root, environ)
    token = environ.get("GITHUB_TOKEN", "")
    api = None
    if token:
        api = GitHubApi(
            token,
            environ.get("GITHUB_API_URL") or "https://api.github.com",
            write_interval=_float(environ, "TTABOT_GITHUB_WRITE_INTERVAL", 1.0),
            max_wait=_float(environ, "TTABOT_GITHUB_MAX_WAIT", 900.0),
            sleep=sleep,
        )
    return Context(
        environ=environ,
        root=root,
        settings=settings,
        repository=repository,
        mode=settings.github.mode,
        api=api,
        summary_path=environ.get("GITHUB_STEP_SUMMARY") or None,
        output_path=environ.get("GITHUB_OUTPUT") or None,
    )
