"""Settings: files, precedence, environment, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttabot.config import (
    DEFAULT_CHAINS,
    load_settings,
    parse_categories,
    project_root,
    settings_from_table,
    split_model_ref,
)
from ttabot.config.settings import Settings
from ttabot.errors import TtabotError
from ttabot.records import Category, TaskKind


def test_defaults_when_no_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.check.max_complexity == 10
    assert settings.check.max_params == 5
    assert settings.check.fail_on == {Category.DOCS_MISSING}
    assert settings.source == "defaults"


def test_default_chains_are_free_only_and_cover_every_kind() -> None:
    assert set(DEFAULT_CHAINS) == set(TaskKind)
    for refs in DEFAULT_CHAINS.values():
        assert refs
        assert all(ref.endswith(":free") for ref in refs), refs


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ttabot]\nmax-complexity = 7\nfail-on = ["refactor", "docs-missing"]\n'
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.check.max_complexity == 7
    assert settings.check.fail_on == {Category.REFACTOR, Category.DOCS_MISSING}


def test_dotfile_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ttabot]\nmax-params = 9\n")
    (tmp_path / ".ttabot.toml").write_text("max_params = 3\n")
    assert load_settings(tmp_path, environ={}).check.max_params == 3


def test_dotfile_and_pyproject_merge_key_by_key(tmp_path: Path) -> None:
    # Before: .ttabot.toml silently dropped every key of [tool.ttabot].
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ttabot]\nmax-params = 9\nmax-complexity = 4\n"
        "[tool.ttabot.client]\ndeadline = 50\nmax-attempts = 3\n"
    )
    (tmp_path / ".ttabot.toml").write_text("max-params = 3\n[client]\ndeadline = 7\n")
    settings = load_settings(tmp_path, environ={})
    assert settings.check.max_params == 3
    assert settings.check.max_complexity == 4
    assert settings.client.deadline == 7.0
    assert settings.client.max_attempts == 3
    assert ".ttabot.toml over " in settings.source and "[tool.ttabot]" in settings.source


def test_merge_treats_both_spellings_of_a_key_as_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ttabot]\nmax_params = 9\n")
    (tmp_path / ".ttabot.toml").write_text("max-params = 3\n")
    assert load_settings(tmp_path, environ={}).check.max_params == 3


def test_an_error_names_the_file_it_is_in(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ttabot]\nmax-parms = 9\n")
    (tmp_path / ".ttabot.toml").write_text("max-params = 3\n")
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={})
    assert str(tmp_path / "pyproject.toml") in str(info.value)
    assert "did you mean 'max-params'?" in str(info.value)


def test_a_tool_table_in_the_dotfile_gets_a_hint(tmp_path: Path) -> None:
    (tmp_path / ".ttabot.toml").write_text("[tool.ttabot]\nmax-params = 3\n")
    with pytest.raises(TtabotError, match=r"\.ttabot\.toml: holds a \[tool\] table.*top level"):
        load_settings(tmp_path, environ={})


def test_missing_file_named_by_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(TtabotError, match="TTABOT_CONFIG"):
        load_settings(tmp_path, environ={"TTABOT_CONFIG": str(tmp_path / "gone.toml")})


def test_bad_category_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(TtabotError, match="TTABOT_FAIL_ON"):
        load_settings(tmp_path, environ={"TTABOT_FAIL_ON": "docs"})


@pytest.mark.parametrize(
    ("table", "hint"),
    [
        ({"max-complexty": 3}, "did you mean 'max-complexity'?"),
        ({"max_compexity": 3}, "did you mean 'max_complexity'?"),
        ({"chain": {}}, "did you mean 'chains'?"),
        ({"client": {"deadlin": 3}}, "did you mean 'deadline'?"),
        ({"chains": {"documentaton": ["openrouter:m"]}}, "did you mean 'documentation'?"),
        ({"providers": {"x": {"base-ur": "http://h"}}}, "did you mean 'base-url'?"),
    ],
)
def test_a_typo_names_the_closest_known_key(table: dict[str, object], hint: str) -> None:
    with pytest.raises(TtabotError) as info:
        settings_from_table(table, "x")
    assert hint in str(info.value)


def test_no_hint_when_nothing_is_close() -> None:
    with pytest.raises(TtabotError) as info:
        settings_from_table({"zzzz": 1}, "x")
    assert "did you mean" not in str(info.value)


def test_project_root_is_the_nearest_folder_with_git(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert project_root(deep) == tmp_path.resolve()
    outside = tmp_path.parent / f"{tmp_path.name}-plain"
    outside.mkdir()
    assert project_root(outside) == outside


def test_explicit_config_and_environment_override(tmp_path: Path) -> None:
    (tmp_path / ".ttabot.toml").write_text("max-params = 3\n")
    other = tmp_path / "other.toml"
    other.write_text("max-params = 4\nmax-complexity = 12\n")
    settings = load_settings(tmp_path, other, environ={"TTABOT_MAX_COMPLEXITY": "20"})
    assert settings.check.max_params == 4
    assert settings.check.max_complexity == 20


def test_environment_names_a_config_file(tmp_path: Path) -> None:
    other = tmp_path / "c.toml"
    other.write_text('fail-on = "none"\n')
    settings = load_settings(tmp_path, environ={"TTABOT_CONFIG": str(other)})
    assert settings.check.fail_on == frozenset()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("max-complexty = 3\n", "'max-complexty'"),
        ("[client]\nretries = 3\n", "'client.retries'"),
        ("[providers.local]\nbase_url = 'http://x'\nmodel = 'y'\n", "'providers.local.model'"),
        ("[chains]\nunit_test = ['openrouter:a']\n", "'chains.unit_test'"),
        ("max-complexity = 'high'\n", "expected an integer"),
        ("fail-on = ['docs']\n", "unknown category 'docs'"),
        ("[chains]\ndocumentation = ['nowhere:m']\n", "provider 'nowhere'"),
        ("[chains]\ndocumentation = ['no-colon']\n", "PROVIDER:MODEL"),
        ("[providers.local]\nrpm = 10\n", "base_url is required"),
        ("max-params = [\n", "not valid TOML"),
        ("max-complexity = 0\n", "max-complexity: must be at least 1, not 0"),
        ("max-params = -1\n", "max-params: must be at least 0"),
        ("[draft]\ndocstring-style = 'rst'\n", "'rst' is not one of auto, google, numpy, sphinx"),
        ("[draft]\nreruns = -3\n", "draft.reruns: must be at least 0"),
        ("[client]\ndeadline = 0\n", "client.deadline: must be positive"),
        ("[client]\nbackoff = []\n", "client.backoff: expected a non-empty list"),
        ("[github]\nmode = 'push'\n", "'push' is not one of comment, suggest, commit"),
        ("max_params = 1\nmax-params = 30\n", "'max-params' is set twice (also as 'max_params')"),
    ],
)
def test_bad_config_is_a_one_line_error_naming_the_problem(
    tmp_path: Path, text: str, needle: str
) -> None:
    (tmp_path / ".ttabot.toml").write_text(text)
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={})
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_providers_and_chains_from_the_design_example() -> None:
    settings = settings_from_table(
        {
            "providers": {"local": {"base_url": "http://127.0.0.1:11434/v1", "rpm": 30}},
            "chains": {
                "documentation": [
                    "openrouter:mistralai/mistral-small-3.2-24b-instruct:free",
                    "local:qwen2.5-coder",
                ]
            },
        },
        "test",
    )
    assert settings.providers["local"].rpm == 30.0
    assert settings.providers["local"].api_key_env is None
    assert settings.providers["openrouter"].api_key_env == "OPENROUTER_API_KEY"
    assert settings.chains[TaskKind.DOCUMENTATION][1] == "local:qwen2.5-coder"
    assert settings.chains[TaskKind.UNIT_TESTS] == DEFAULT_CHAINS[TaskKind.UNIT_TESTS]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (
            "openrouter:deepseek/deepseek-r1-0528-qwen3-8b:free",
            ("openrouter", "deepseek/deepseek-r1-0528-qwen3-8b:free"),
        ),
        ("local:qwen2.5-coder:7b", ("local", "qwen2.5-coder:7b")),
    ],
)
def test_model_ref_splits_at_first_colon(ref: str, expected: tuple[str, str]) -> None:
    assert split_model_ref(ref) == expected


def test_parse_categories_all_and_none() -> None:
    assert parse_categories("all", "--fail-on") == frozenset(Category)
    assert parse_categories("none", "--fail-on") == frozenset()
    assert parse_categories("refactor,tests-needed", "x") == {
        Category.REFACTOR,
        Category.TESTS_NEEDED,
    }


def test_environment_values_are_range_checked_and_named(tmp_path: Path) -> None:
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={"TTABOT_MAX_PARAMS": "-2"})
    assert "TTABOT_MAX_PARAMS: must be at least 0" in str(info.value)


def test_empty_category_list_is_an_error_not_none() -> None:
    with pytest.raises(TtabotError, match="empty category list"):
        parse_categories(" ", "--fail-on")


def test_explicit_config_in_pyproject_shape_under_any_name(tmp_path: Path) -> None:
    other = tmp_path / "ci-settings.toml"
    other.write_text("[tool.ttabot]\nmax-params = 8\n")
    assert load_settings(tmp_path, other, environ={}).check.max_params == 8


def test_pyproject_that_never_names_ttabot_is_not_parsed(tmp_path: Path) -> None:
    # Not valid TOML, but not ours either: a project without [tool.ttabot] gets defaults.
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")
    assert load_settings(tmp_path, environ={}).source == "defaults"
    (tmp_path / "pyproject.toml").write_text("[tool.ttabot\nmax-params = 1\n")
    with pytest.raises(TtabotError, match="not valid TOML"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[client]\ndeadline = nan\n", "client.deadline: expected a finite number >= 0, not nan"),
        ("[client]\nattempt-timeout = inf\n", "client.attempt-timeout: expected a finite number"),
        ("[draft]\ntest-timeout = inf\n", "draft.test-timeout: expected a finite number"),
        ("[draft]\ntest-timeout = -inf\n", "draft.test-timeout: expected a finite number"),
        ("[client]\ndeadline = -5\n", "client.deadline: expected a finite number >= 0, not -5"),
        ("[client]\nbackoff = [1, nan]\n", "client.backoff: expected a finite number"),
        ("[client]\nbackoff = [1, -2]\n", "client.backoff: expected a finite number >= 0"),
        ("[providers.local]\nbase_url = 'http://x'\nrpm = inf\n", "providers.local.rpm"),
        ("[providers.local]\nbase_url = 'http://x'\nrpm = nan\n", "providers.local.rpm"),
        ("[draft]\nsandbox = 'none'\n", "'none' is not one of auto, bwrap"),
    ],
)
def test_durations_must_be_finite_and_not_negative(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / ".ttabot.toml").write_text(text)
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={})
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_a_chain_may_name_a_provider_from_the_other_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ttabot.providers.local]\nbase_url = "http://127.0.0.1:1/v1"\n'
    )
    (tmp_path / ".ttabot.toml").write_text('[chains]\ndocumentation = ["local:m"]\n')
    settings = load_settings(tmp_path, environ={})
    assert settings.chains[TaskKind.DOCUMENTATION] == ("local:m",)
    assert settings.providers["local"].base_url == "http://127.0.0.1:1/v1"


def test_an_error_in_the_dotfile_names_the_dotfile(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ttabot]\nmax-params = 9\n")
    (tmp_path / ".ttabot.toml").write_text("max-complexity = 0\n")
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={})
    assert str(info.value).startswith(f"{tmp_path / '.ttabot.toml'}: max-complexity")


def test_an_error_in_an_explicit_config_names_that_file(tmp_path: Path) -> None:
    other = tmp_path / "ci.toml"
    other.write_text("[client]\ndeadlne = 3\n")
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, other, environ={})
    message = str(info.value)
    assert message.startswith(f"{other}: unknown key 'client.deadlne'")
    assert "did you mean 'deadline'?" in message


def test_the_state_url_can_come_from_the_environment(tmp_path: Path) -> None:
    # A Redis URL carries a password: it belongs in a secret, not in a committed file.
    (tmp_path / ".ttabot.toml").write_text('[state]\nurl = "redis://127.0.0.1:1/0"\n')
    env = {"TTABOT_STATE_URL": "redis://:pw@127.0.0.1:6390/2"}
    assert load_settings(tmp_path, environ=env).state.url == "redis://:pw@127.0.0.1:6390/2"
    assert load_settings(tmp_path, environ={}).state.url == "redis://127.0.0.1:1/0"


def test_a_bad_state_url_from_the_environment_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={"TTABOT_STATE_URL": "http://127.0.0.1:6379"})
    assert "with the environment" in str(info.value) and "\n" not in str(info.value)


def test_a_config_nested_too_deeply_is_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    # tomllib parses nested arrays recursively: `a = [[[...]]]` 5,000 deep raised
    # RecursionError, a traceback from `ttabot check` instead of one line and exit 2.
    (tmp_path / ".ttabot.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(TtabotError, match="not valid TOML") as info:
        load_settings(tmp_path, environ={})
    assert "\n" not in str(info.value)


def test_two_configs_with_deep_tables_merge_to_one_line_not_a_recursion_error(
    tmp_path: Path,
) -> None:
    # Dotted keys make tables 3,000 deep without any recursion in the parser; merging
    # `.ttabot.toml` over `[tool.ttabot]` recursed once per level.
    deep = ".".join(["a"] * 3000)
    (tmp_path / ".ttabot.toml").write_text(f"[client]\n{deep} = 1\n")
    (tmp_path / "pyproject.toml").write_text(f"[tool.ttabot.client]\n{deep} = 2\n")
    with pytest.raises(TtabotError, match="nested too deeply") as info:
        load_settings(tmp_path, environ={})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", [".ttabot.toml", "pyproject.toml"])
def test_a_project_config_linked_out_of_the_repository_is_refused(
    tmp_path: Path, name: str
) -> None:
    outside = tmp_path / "home" / "settings.toml"
    outside.parent.mkdir()
    outside.write_text("[tool.ttabot]\nmax-params = 9\n" if name == "pyproject.toml" else "")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / name).symlink_to(outside)
    with pytest.raises(TtabotError, match="symbolic link out of the repository") as caught:
        load_settings(repo, environ={})
    assert "\n" not in str(caught.value)


def test_a_project_config_linked_inside_the_repository_is_read(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "ttabot.toml").write_text("max_params = 3\n")
    (tmp_path / ".ttabot.toml").symlink_to(Path("shared") / "ttabot.toml")
    assert load_settings(tmp_path, environ={}).check.max_params == 3


@pytest.mark.parametrize("name", [".ttabot.toml", "pyproject.toml"])
def test_a_project_config_linked_in_a_loop_is_no_config(tmp_path: Path, name: str) -> None:
    # A link to itself names no file: no settings, as before links were looked at
    # (Path.resolve raised RuntimeError on the loop: a traceback on the hook path).
    (tmp_path / name).symlink_to(name)
    assert load_settings(tmp_path, environ={}).check.max_params == Settings().check.max_params
