"""The Action's trust boundary: settings from the base side, provider keys from inputs only.

A pull request can change any file in the checkout, ``.ttabot.toml`` and
``pyproject.toml`` included. Were ttabot to read them there, a fork could point a
provider's ``base_url`` at its own server and collect the model key (or name
``GITHUB_TOKEN`` as a key). So in ``ttabot action`` the project's settings are read
from a commit the PR cannot change (the PR's base commit; the default branch's
commit for issue events) with ``git show REV:PATH``, never from the working tree,
and each provider key given as an Action input goes only to the provider it was
given for.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from ttabot import git
from ttabot.config import Provider, Settings, load_settings
from ttabot.errors import TtabotError

#: The files a project configures ttabot in (read at the trusted commit only).
CONFIG_FILES = (".ttabot.toml", "pyproject.toml")

#: Action input ``openrouter-api-key``: the key of the provider named ``openrouter``.
OPENROUTER_INPUT = "OPENROUTER_API_KEY"
#: Action input ``provider-keys``: ``PROVIDER=KEY`` lines, one key per provider.
PROVIDER_KEYS_INPUT = "TTABOT_PROVIDER_KEYS"

#: The environment the model client sees names keys only like this, one per provider.
_KEY_VARIABLE = "TTABOT_ACTION_KEY_{index}"


class BoundKeys(NamedTuple):
    """Providers rewired to private key variables, and the only environment holding keys."""

    providers: Mapping[str, Provider]
    environ: Mapping[str, str]


def input_keys(environ: Mapping[str, str]) -> dict[str, str]:
    """``{provider: key}`` from the Action's inputs (never from other variables)."""
    keys: dict[str, str] = {}
    for number, line in enumerate(environ.get(PROVIDER_KEYS_INPUT, "").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, key = line.partition("=")
        if not sep or not name.strip() or not key.strip():
            # Never echo the line: it holds a secret.
            raise TtabotError(f"input provider-keys line {number}: expected PROVIDER=KEY")
        keys[name.strip()] = key.strip()
    if environ.get(OPENROUTER_INPUT, "").strip():
        keys.setdefault("openrouter", environ[OPENROUTER_INPUT].strip())
    return keys


def bind_keys(providers: Mapping[str, Provider], keys: Mapping[str, str]) -> BoundKeys:
    """Give each provider only its own input key, under a variable no other provider names.

    A provider without an input key keeps no key at all, whatever ``api_key_env``
    its config names (a keyless local server, ``api_key_env`` unset, stays usable).
    """
    rewired: dict[str, Provider] = {}
    environ: dict[str, str] = {}
    for index, (name, provider) in enumerate(sorted(providers.items())):
        if provider.api_key_env is None and name not in keys:
            rewired[name] = provider
            continue
        variable = _KEY_VARIABLE.format(index=index)
        rewired[name] = provider._replace(api_key_env=variable)
        if keys.get(name):
            environ[variable] = keys[name]
    return BoundKeys(rewired, environ)


def _show(root: Path, rev: str, path: str) -> bytes | None:
    """The blob ``rev:path``, or None when the commit has no such file (or it is a folder)."""
    done = git.run(root, "cat-file", "blob", f"{rev}:{path}")
    return done.stdout if done.returncode == 0 else None


def _config_input(raw: str) -> str:
    path = posixpath.normpath(raw.strip().replace("\\", "/"))
    if path.startswith(("/", "../")) or path == "..":
        raise TtabotError(f"input config {raw!r}: give a path inside the repository")
    return path


def is_git_checkout(root: Path) -> bool:
    """Whether ``root`` is inside a git work tree (the triage workflow checks nothing out)."""
    return git.run(root, "rev-parse", "--git-dir").returncode == 0


def settings_at(root: Path, rev: str | None, environ: Mapping[str, str]) -> Settings:
    """The project's settings as commit ``rev`` has them, plus the Action's inputs.

    ``rev`` None (no checkout to read) means the defaults. The ``config`` input
    (``TTABOT_CONFIG``) names a file read at ``rev`` too. The files are copied to a
    private folder and read there, so the loader never sees the working tree.
    """
    overrides = {
        k: v for k, v in environ.items() if k.startswith("TTABOT_") and k != "TTABOT_CONFIG"
    }
    with tempfile.TemporaryDirectory(prefix="ttabot-trusted-") as folder:
        copy = Path(folder)
        if rev is None:
            return load_settings(copy, None, overrides)
        explicit: Path | None = None
        wanted = list(CONFIG_FILES)
        if environ.get("TTABOT_CONFIG", "").strip():
            named = _config_input(environ["TTABOT_CONFIG"])
            data = _show(root, rev, named)
            if data is None:
                raise TtabotError(f"input config {named!r}: no such file at {rev[:12]}")
            explicit = copy / "explicit" / posixpath.basename(named)
            explicit.parent.mkdir()
            explicit.write_bytes(data)
            wanted = []
        for name in wanted:
            data = _show(root, rev, name)
            if data is not None:
                (copy / name).write_bytes(data)
        where = f"{rev[:12]}:"
        try:
            settings = load_settings(copy, explicit, overrides)
        except TtabotError as exc:
            # Name the file as the user knows it (BASE:path), not the private copy.
            message = str(exc).replace(f"{copy}/explicit/", where).replace(f"{copy}/", where)
            raise TtabotError(message) from None
    source = settings.source.replace(f"{copy}/explicit/", where).replace(f"{copy}/", where)
    return settings._replace(source=source)
