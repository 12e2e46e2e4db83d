"""Settings: defaults, ``[tool.ttabot]`` / ``.ttabot.toml`` / ``--config``, environment.

Settings are one frozen value built once at the edge and passed down; nothing
reads configuration from a global. ``settings`` holds the records and defaults,
``tables`` turns a TOML table into settings (and rejects what it cannot mean),
with one value checked in ``values``, URLs and headers in ``urls`` and the
``[providers]`` and ``[chains]`` tables in ``providers``;
``files`` finds the table and lays the environment over it.
"""

from __future__ import annotations

from ttabot.config.files import find_config, load_settings, project_root
from ttabot.config.settings import (
    DEFAULT_CHAINS,
    DEFAULT_PROVIDERS,
    OPENROUTER_URL,
    CheckSettings,
    ClientSettings,
    DraftSettings,
    GitHubSettings,
    PathSettings,
    Provider,
    Settings,
    StateSettings,
    split_model_ref,
)
from ttabot.config.tables import settings_from_table
from ttabot.config.values import parse_categories, parse_contract

__all__ = [
    "DEFAULT_CHAINS",
    "DEFAULT_PROVIDERS",
    "OPENROUTER_URL",
    "CheckSettings",
    "ClientSettings",
    "DraftSettings",
    "GitHubSettings",
    "PathSettings",
    "Provider",
    "Settings",
    "StateSettings",
    "find_config",
    "load_settings",
    "parse_categories",
    "parse_contract",
    "project_root",
    "settings_from_table",
    "split_model_ref",
]
