"""Paths a drafted implementation may write (ttabot/drafting/safepath.py)."""

from __future__ import annotations

import pytest

from ttabot.drafting.implement_answer import parse_answer
from ttabot.drafting.safepath import safe_relative_path


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("pkg/a.py", "pkg/a.py"),
        ("./pkg/a.py", "pkg/a.py"),
        ("pkg//a.py", "pkg/a.py"),
        ("pkg/sub/../a.py", "pkg/a.py"),  # stays inside after normalising
        ("docs/github.md", "docs/github.md"),
        ("pkg/.gitignore", "pkg/.gitignore"),  # only the exact components are refused
        ("pkg/github/x.py", "pkg/github/x.py"),
    ],
)
def test_paths_inside_the_project_are_normalised(path: str, normal: str) -> None:
    assert safe_relative_path(path) == normal


@pytest.mark.parametrize(
    "path",
    [
        "",
        ".",
        "/etc/passwd",
        "//etc/passwd",
        "../x.py",
        "a/../../b",
        "pkg/..",  # normalises to "." : the project root itself
        ".git/config",
        ".git/hooks/pre-commit",
        "sub/.git/hooks/post-checkout",  # a nested repository's hooks
        "pkg/../.git/config",
        ".github/workflows/x.yml",
        "./.github/workflows/x.yml",
        "docs/../.github/workflows/x.yml",
        "vendor/.github/workflows/x.yml",
        ".GIT/config",
        ".GitHub/workflows/x.yml",
        "a\\b.py",
        "a\0b.py",
        "a\nb.py",  # control characters: no file or tree entry is named with them
        "pkg/\x7fa.py",
        "pkg/\ud800.py",  # a lone surrogate from a JSON escape: not UTF-8
    ],
)
def test_paths_outside_or_into_git_and_ci_are_refused(path: str) -> None:
    assert safe_relative_path(path) is None


def test_the_answer_parser_uses_the_normalised_path() -> None:
    _, files = parse_answer('{"files": [{"path": "pkg/x/../a.py", "content": "A = 1"}]}')
    assert files == {"pkg/a.py": "A = 1\n"}
    with pytest.raises(ValueError, match="refusing"):
        parse_answer('{"files": [{"path": "docs/../.github/workflows/ci.yml", "content": ""}]}')


@pytest.mark.parametrize(
    "path",
    [
        # Other CI services build every branch pushed to the repository, with the
        # project's secrets, from the configuration in that branch: ttabot's own
        # ttabot/issue-N branch (pushed by GITHUB_TOKEN, which starts no GitHub
        # workflow) still started them. An issue anyone can write steers the model.
        ".circleci/config.yml",
        ".travis.yml",
        ".gitlab-ci.yml",
        "azure-pipelines.yml",
        "appveyor.yml",
        ".appveyor.yml",
        "bitbucket-pipelines.yml",
        ".drone.yml",
        "Jenkinsfile",
        ".cirrus.yml",
        ".buildkite/pipeline.yml",
        ".woodpecker.yml",
        ".woodpecker/build.yml",
        "cloudbuild.yaml",
        "buildspec.yml",
        # Code that runs on a reviewer's machine or Codespace when they check it out.
        ".pre-commit-config.yaml",
        ".devcontainer/devcontainer.json",
        # git's business: submodule URLs, filters and drivers.
        ".gitmodules",
        ".gitattributes",
        "sub/.gitmodules",
        ".CircleCI/config.yml",
        "JENKINSFILE",
        # The same services' other spellings, and two more that build every pushed branch.
        ".woodpecker.yaml",
        ".cirrus.star",
        "buildkite.yml",
        "buildkite.yaml",
        "buildkite.json",
        "cloudbuild.json",
        ".semaphore/semaphore.yml",
        ".gitpod.yml",
    ],
)
def test_other_ci_and_checkout_configuration_is_refused(path: str) -> None:
    assert safe_relative_path(path) is None
