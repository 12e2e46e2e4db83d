"""What one Action run knows: where the checkout is, the settings, the API client.

The Action's inputs arrive as environment variables (``action.yml`` maps them in
``env:``), and are read here, once.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ttabot.config import DraftSettings, Settings, parse_categories
from ttabot.errors import TtabotError
from ttabot.github.api import GitHubApi
from ttabot.github.identity import DEFAULT_BOT_LOGIN, bot_login
from ttabot.github.trusted import bind_keys, input_keys, settings_at
from ttabot.review.inert import action_redactor

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
    #: The only keys the model client sees: the Action's inputs, one per provider
    #: (``settings.providers`` name these variables; see :mod:`ttabot.github.trusted`).
    model_environ: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: Removes every secret value from text bound for stdout, the summary or logs.
    redact: Callable[[str], str] = str
    #: The ``push-token`` input's client: used for commit-mode pushes only.
    push_api: GitHubApi | None = None
    #: The login ``api``'s token writes as: only its comments are ttabot's own.
    bot_login: str = DEFAULT_BOT_LOGIN


def action_settings(root: Path, environ: Mapping[str, str], rev: str | None = None) -> Settings:
    """Project settings at the trusted commit ``rev``, then the Action's inputs on top.

    Never the working tree: a PR's checkout may change any file (see
    :mod:`ttabot.github.trusted`). ``rev`` None (no checkout) means the defaults.
    """
    settings = settings_at(root, rev, environ)
    categories = environ.get("TTABOT_CATEGORIES", "").strip()
    if categories:
        check = settings.check._replace(categories=parse_categories(categories, "input categories"))
        settings = settings._replace(check=check)
    mode = environ.get("TTABOT_MODE", "").strip() or settings.github.mode
    if mode not in MODES:
        raise TtabotError(f"input mode {mode!r}: use one of {', '.join(MODES)}")
    github = settings.github._replace(mode=mode)
    clean = environ.get("TTABOT_COMMENT_WHEN_CLEAN", "").strip().lower()
    if clean:
        if clean not in ("true", "false"):
            raise TtabotError(f"input comment-when-clean {clean!r}: use true or false")
        github = github._replace(comment_when_clean=clean == "true")
    if not environ.get("TTABOT_FAIL_ON", "").strip():
        # The Action reports and does not block; blocking is opt-in through fail-on.
        settings = settings._replace(check=settings.check._replace(fail_on=frozenset()))
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


def make_api(
    environ: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    variable: str = "GITHUB_TOKEN",
) -> GitHubApi | None:
    """The API client for the token in ``variable`` (the ``github-token`` input), or None."""
    token = environ.get(variable, "").strip()
    if not token:
        return None
    return GitHubApi(
        token,
        environ.get("GITHUB_API_URL") or "https://api.github.com",
        write_interval=_float(environ, "TTABOT_GITHUB_WRITE_INTERVAL", 1.0),
        max_wait=_float(environ, "TTABOT_GITHUB_MAX_WAIT", 900.0),
        sleep=sleep,
        scrub=action_redactor(environ).data,
    )


def workspace(environ: Mapping[str, str]) -> Path:
    """The checkout GitHub's ``GITHUB_WORKSPACE`` names (the current folder outside Actions)."""
    return Path(environ.get("GITHUB_WORKSPACE") or ".").resolve()


def build_context(
    environ: Mapping[str, str],
    repository: str,
    api: GitHubApi | None,
    rev: str | None,
    push_api: GitHubApi | None = None,
) -> Context:
    """The run's context: settings read at the trusted commit ``rev``, keys from inputs."""
    root = workspace(environ)
    login = bot_login(environ)
    settings = action_settings(root, environ, rev)
    bound = bind_keys(settings.providers, input_keys(environ))
    settings = settings._replace(providers=bound.providers)
    return Context(
        environ=environ,
        root=root,
        settings=settings,
        repository=repository,
        mode=settings.github.mode,
        api=api,
        summary_path=environ.get("GITHUB_STEP_SUMMARY") or None,
        output_path=environ.get("GITHUB_OUTPUT") or None,
        model_environ=bound.environ,
        redact=action_redactor(environ),
        push_api=push_api,
        bot_login=login,
    )
