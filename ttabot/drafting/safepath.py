"""Which paths a drafted change may write: a pure check on the path's text.

A model's answer (prompted partly by an issue anyone may write) names the files
it changes. Written as they come, ``../x``, ``/etc/x``, ``.git/hooks/x`` or
``.github/workflows/x`` would escape the project, plant a git hook or change the
repository's CI (which runs with its secrets). So a path is normalised with
``posixpath.normpath`` and refused when it is absolute, climbs out with ``..``, or
has a ``.git`` or ``.github`` component anywhere (in any letter case: some file
systems and git itself on them do not tell ``.GIT`` from ``.git``). Other CI
services' configuration (:data:`FORBIDDEN_PARTS`, :data:`FORBIDDEN_FILES`) is
refused the same way: they build ttabot's pushed branch with the project's secrets.
Control characters (NUL, newlines) and text that is not UTF-8 are refused too: no
file system or git tree entry should be named with them.

What the project's tree holds at that path (a symbolic link on the way, a file
where a folder should be) is checked against the checkout, by the caller.
"""

from __future__ import annotations

import posixpath
import re

#: Components that are never written, wherever they appear in a path (lower case):
#: git's folder, GitHub's, and those of CI services that build every pushed branch,
#: with the project's secrets, from the configuration in that branch (a push with
#: GITHUB_TOKEN starts no GitHub workflow, but it does start these), and a dev
#: container (a Codespace runs its commands with the user's secrets).
FORBIDDEN_PARTS = frozenset(
    {".git", ".github", ".circleci", ".buildkite", ".woodpecker", ".semaphore", ".devcontainer"}
)

#: File names that are never written, in any folder (lower case): other CI services'
#: configuration, pre-commit's (hooks a reviewer's ``git commit`` runs), Gitpod's (tasks a
#: workspace or prebuild runs with the user's variables), and git's own
#: (submodule URLs, filter and diff drivers).
FORBIDDEN_FILES = frozenset(
    {
        ".travis.yml",
        ".gitlab-ci.yml",
        "azure-pipelines.yml",
        "appveyor.yml",
        ".appveyor.yml",
        "bitbucket-pipelines.yml",
        ".drone.yml",
        "jenkinsfile",
        ".cirrus.yml",
        ".cirrus.star",
        ".woodpecker.yml",
        ".woodpecker.yaml",
        "buildkite.yml",
        "buildkite.yaml",
        "buildkite.json",
        "cloudbuild.yaml",
        "cloudbuild.yml",
        "cloudbuild.json",
        "buildspec.yml",
        ".pre-commit-config.yaml",
        ".gitpod.yml",
        ".gitmodules",
        ".gitattributes",
    }
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_relative_path(path: str) -> str | None:
    """The normalised project-relative path, or None when ``path`` may not be written."""
    if not path or "\\" in path or _CONTROL.search(path) or path.startswith("/"):
        return None
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape
        return None
    normal = posixpath.normpath(path)
    parts = normal.split("/")
    if normal in (".", "") or normal.startswith("/") or ".." in parts:
        return None
    if any(part.lower() in FORBIDDEN_PARTS for part in parts):
        return None
    if parts[-1].lower() in FORBIDDEN_FILES:
        return None
    return normal
