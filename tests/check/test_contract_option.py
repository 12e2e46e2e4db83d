"""``--contract 1|2`` and ``contract =``: which Findings contract check and draft follow."""

from __future__ import annotations

import json

import pytest

from tests.check.conftest import RunCli
from tests.support.gitrepo import GitRepo
from ttabot.config import CheckSettings, parse_contract, settings_from_table
from ttabot.errors import TtabotError

# Keyword-only parameters: a refactor under v1 only.
WIDE = 'def wide(a, *, b, c, d, e, g):\n    """Doc."""\n    return a\n'


def _refactors(run_cli: RunCli, repo: GitRepo, *flags: str) -> list[str]:
    result = run_cli(["check", "--root", str(repo.path), "--format", "json", *flags])
    assert result.code in (0, 1), result
    return [f["symbol"] for f in json.loads(result.out)["findings"] if f["category"] == "refactor"]


@pytest.fixture
def wide(repo: GitRepo) -> GitRepo:
    repo.write("README", "base\n")
    repo.commit("base")
    repo.write("pkg/m.py", '"""M."""\n\n\n' + WIDE)
    repo.stage()
    return repo


def test_v2_is_the_default(wide: GitRepo, run_cli: RunCli) -> None:
    assert CheckSettings().contract == 2
    assert _refactors(run_cli, wide) == []


@pytest.mark.parametrize("flag", ["1", "v1"])
def test_flag_selects_v1(wide: GitRepo, run_cli: RunCli, flag: str) -> None:
    assert _refactors(run_cli, wide, "--contract", flag) == ["wide"]


def test_config_selects_v1_and_the_flag_wins(wide: GitRepo, run_cli: RunCli) -> None:
    wide.write("pyproject.toml", "[tool.ttabot]\ncontract = 1\n")
    assert _refactors(run_cli, wide) == ["wide"]
    assert _refactors(run_cli, wide, "--contract", "2") == []


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (2, 2), ("1", 1), ("v2", 2), ("V1", 1)])
def test_parse_contract_accepts(value: object, expected: int) -> None:
    assert parse_contract(value, "contract") == expected
    assert settings_from_table({"contract": value}, "test").check.contract == expected


@pytest.mark.parametrize("value", [0, 3, True, 1.0, "v3", "", "two", [1], None])
def test_parse_contract_rejects(value: object) -> None:
    with pytest.raises(TtabotError, match="contract: expected 1 or 2"):
        settings_from_table({"contract": value}, "test")


def test_bad_config_value_is_one_line_exit_2(wide: GitRepo, run_cli: RunCli) -> None:
    wide.write(".ttabot.toml", "contract = 3\n")
    result = run_cli(["check", "--root", str(wide.path)])
    assert result.code == 2
    assert result.err.startswith("ttabot: error: ") and "contract" in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_bad_flag_is_a_usage_error(wide: GitRepo, run_cli: RunCli) -> None:
    result = run_cli(["check", "--root", str(wide.path), "--contract", "3"])
    assert result.code == 2 and "Traceback" not in result.err


def test_draft_takes_the_same_option(
    wide: GitRepo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    kinds = {}
    for contract in ("1", "2"):
        args = ["draft", "--dry-run", "--format", "json", "--root", str(wide.path)]
        result = run_cli([*args, "--contract", contract])
        assert result.code == 0, result
        kinds[contract] = [t["kind"] for t in json.loads(result.out)["tasks"]]
    assert "refactoring" in kinds["1"]
    assert "refactoring" not in kinds["2"]


def test_json_says_the_contract_and_which_rule_fired(wide: GitRepo, run_cli: RunCli) -> None:
    wide.write("pkg/m.py", '"""M."""\n\n\n' + WIDE + "\n\ndef bare(a, b, c, d, e, f):\n    pass\n")
    wide.stage()
    args = ["check", "--root", str(wide.path), "--format", "json"]
    for contract, expected in (
        (
            "2",
            {
                ("docs-missing", "bare"): "no-docstring",
                ("tests-needed", "wide"): "new",
                ("tests-needed", "bare"): "new",
                ("refactor", "bare"): "positional-parameters",
            },
        ),
        (
            "1",
            {
                ("docs-missing", "bare"): "no-docstring",
                ("tests-needed", "wide"): "changed-code",
                ("tests-needed", "bare"): "changed-code",
                ("refactor", "wide"): "parameters",
                ("refactor", "bare"): "parameters",
            },
        ),
    ):
        doc = json.loads(run_cli([*args, "--contract", contract]).out)
        assert doc["contract"] == int(contract)
        rules = {(f["category"], f["symbol"]): f["details"]["rule"] for f in doc["findings"]}
        assert rules == expected


@pytest.mark.parametrize(
    ("contract", "tests_text", "refactor_text"),
    [
        (2, "New or changed behaviour", "positional parameters"),
        (1, "Changed code that no test", "too many parameters"),
    ],
)
def test_sarif_rule_texts_follow_the_contract(
    contract: int, tests_text: str, refactor_text: str
) -> None:
    from ttabot.records import Category, CheckResult
    from ttabot.report import Report
    from ttabot.report.sarif import as_sarif

    report = Report(CheckResult(()), frozenset({Category.DOCS_MISSING}), contract=contract)
    driver = as_sarif(report)["runs"][0]["tool"]["driver"]
    texts = {r["id"]: r["shortDescription"]["text"] for r in driver["rules"]}
    assert tests_text in texts["tests-needed"]
    assert refactor_text in texts["refactor"]
    assert driver["properties"] == {"contract": contract}
    inherited = "inherits" in next(
        r["fullDescription"]["text"] for r in driver["rules"] if r["id"] == "docs-missing"
    )
    assert inherited is (contract == 2)
