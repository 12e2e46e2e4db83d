"""``ttabot check`` as a newcomer uses it: suppression, per-path settings, fail-on-scope,
--worktree, paths, --quiet, --format concise, colour, and "nothing to check"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check.conftest import RunCli
from tests.check.test_cli import assert_usage_error, staged
from tests.support.gitrepo import GitRepo

UNDOC = "def greet(name):\n    return 'hi ' + name\n"


# --- suppression ------------------------------------------------------------------


def test_bare_ignore_on_the_def_line_drops_every_finding(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"m.py": "def greet(name):  # ttabot: ignore\n    return 'hi ' + name\n"})
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 0, run
    assert "greet" not in run.out


def test_bracketed_ignore_drops_only_the_named_categories(repo: GitRepo, run_cli: RunCli) -> None:
    text = "def greet(name):  # ttabot: ignore[docs-missing]\n    return 'hi ' + name\n"
    staged(repo, {"m.py": text})
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 0, run
    assert "m.py:1: tests-needed" in run.out
    assert "docs-missing" not in run.out


def test_ignore_elsewhere_than_the_def_line_does_nothing(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"m.py": "# ttabot: ignore\ndef greet(name):\n    return 'hi ' + name\n"})
    assert run_cli(["check"]).code == 1


def test_unknown_category_in_brackets_is_a_warning_and_suppresses_nothing_of_it(
    repo: GitRepo, run_cli: RunCli
) -> None:
    text = "def greet(name):  # ttabot: ignore[docs-mising]\n    return 'hi ' + name\n"
    staged(repo, {"m.py": text})
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 1
    assert "m.py:1: docs-missing" in run.out
    assert "warning" in run.out and "'docs-mising'" in run.out


# --- per-path settings -----------------------------------------------------------------


def test_per_path_table_overrides_check_settings_for_matching_paths(
    repo: GitRepo, run_cli: RunCli
) -> None:
    repo.write(
        "pyproject.toml",
        '[tool.ttabot.per-path."fixtures/**"]\nfail-on = []\ncategories = ["refactor"]\n',
    )
    staged(repo, {"fixtures/f.py": UNDOC, "pkg/m.py": UNDOC})
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 1  # pkg/m.py still fails
    assert "pkg/m.py:1: docs-missing" in run.out
    assert "fixtures/f.py" not in run.out


def test_per_path_can_stop_a_path_failing_while_still_reporting(
    repo: GitRepo, run_cli: RunCli
) -> None:
    repo.write(".ttabot.toml", '[per-path."legacy/*.py"]\nfail-on = "none"\n')
    staged(repo, {"legacy/old.py": UNDOC})
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 0, run
    assert "legacy/old.py:1: docs-missing" in run.out


def test_per_path_rejects_keys_that_cannot_vary_by_path(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", '[per-path."a/**"]\ninclude = ["x"]\n')
    staged(repo, {"m.py": UNDOC})
    assert_usage_error(run_cli(["check"]), "cannot be set per path")


# --- fail-on-scope ------------------------------------------------------------------


def test_fail_on_scope_new_blocks_only_new_definitions(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write("m.py", "def old(x):\n    return x\n")
    repo.commit("legacy")
    repo.write(".ttabot.toml", 'fail-on-scope = "new"\n')
    repo.write("m.py", "def old(x):\n    return x + 1\n")
    repo.stage()
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 0, run  # legacy code reported, not blocking
    assert "m.py:1: docs-missing" in run.out and "(fails)" not in run.out
    repo.write("m.py", "def old(x):\n    return x + 1\n\n\ndef fresh(y):\n    return y\n")
    repo.stage()
    run = run_cli(["check", "--format", "concise"])
    assert run.code == 1
    assert (
        "m.py:5: docs-missing public function `fresh`" in run.out and run.out.count("(fails)") == 1
    )


def test_fail_on_scope_new_follows_a_range_and_a_rename(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", 'fail-on-scope = "new"\n')
    base = repo.commit("legacy", **{"a.py": "class K:\n    def m(self):\n        return 1\n"})
    repo.git("mv", "a.py", "b.py")
    repo.write("b.py", "class K:\n    def m(self):\n        return 2\n")
    repo.stage()
    repo.commit("rename and edit")
    run = run_cli(["check", "--range", f"{base}..HEAD", "--format", "concise"])
    assert run.code == 0, run
    assert "b.py:2: docs-missing" in run.out


def test_fail_on_scope_all_is_the_default(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write("m.py", "def old(x):\n    return x\n")
    repo.commit("legacy")
    repo.write("m.py", "def old(x):\n    return x + 1\n")
    repo.stage()
    assert run_cli(["check"]).code == 1


# --- which change: --worktree, paths ---------------------------------------------------


def test_worktree_checks_unstaged_edits_only(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"staged.py": UNDOC})
    repo.write("edited.py", "x = 1\n")
    repo.stage()
    repo.commit("files")
    repo.write("edited.py", "x = 1\n\n\ndef late(a):\n    return a\n")
    run = run_cli(["check", "--worktree", "--format", "concise"])
    assert run.code == 1
    assert "edited.py:4: docs-missing public function `late`" in run.out
    assert "staged.py" not in run.out


def test_worktree_with_a_range_is_a_usage_error(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"m.py": UNDOC})
    assert_usage_error(run_cli(["check", "--worktree", "--range", "HEAD..HEAD"]), "--worktree")


def test_paths_limit_the_check_to_files_under_them(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"src/a.py": UNDOC, "other/b.py": UNDOC})
    run = run_cli(["check", "--format", "concise", "src"])
    assert "src/a.py" in run.out and "other/b.py" not in run.out
    run = run_cli(["check", "--format", "concise", "src/a.py", "other/"])
    assert "src/a.py" in run.out and "other/b.py" in run.out


def test_a_path_with_no_changed_file_says_so(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"src/a.py": UNDOC})
    run = run_cli(["check", "docs"])
    assert run.code == 0
    assert "no changed file under docs" in run.err
    assert "nothing to check" in run.err


def test_a_path_outside_the_repository_is_an_error(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    staged(repo, {"src/a.py": UNDOC})
    assert_usage_error(run_cli(["check", str(tmp_path)]), "outside")


# --- output -------------------------------------------------------------------------


def test_concise_is_one_line_per_finding(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"pkg/m.py": UNDOC})
    run = run_cli(["check", "--format", "concise"])
    lines = run.out.splitlines()
    assert lines == [
        "pkg/m.py:1: docs-missing public function `greet` has no docstring (fails)",
        lines[1],
    ], run.out
    assert lines[1].startswith("pkg/m.py:1: tests-needed ")


def test_quiet_shows_only_failing_findings_and_no_summary(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"pkg/m.py": 'def greet(name):\n    """Hi."""\n    return name\n'})
    run = run_cli(["check", "--quiet"])
    assert run.code == 0
    assert run.out == ""
    staged(repo, {"pkg/n.py": UNDOC})
    run = run_cli(["check", "-q"])
    assert run.code == 1
    assert "docs-missing" in run.out and "tests-needed" not in run.out
    assert "finding" not in run.out  # no summary line


@pytest.mark.parametrize(
    ("args", "env", "colored"),
    [
        ([], {}, False),
        (["--color"], {}, True),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color"], {"NO_COLOR": "1"}, True),
        (["--no-color"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": ""}, False),
    ],
)
def test_colour_follows_flags_then_no_color_then_force_color(
    repo: GitRepo,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    colored: bool,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    staged(repo, {"m.py": UNDOC})
    run = run_cli(["check", *args])
    assert ("\x1b[" in run.out) is colored, run.out


# --- nothing to check ---------------------------------------------------------------


def test_an_empty_range_exits_0_with_nothing_to_check(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"m.py": UNDOC})
    repo.commit("m")
    run = run_cli(["check", "--range", "HEAD..HEAD"])
    assert run.code == 0, run
    assert "nothing to check" in run.err


def test_an_empty_diff_on_stdin_exits_0_with_nothing_to_check(
    tmp_path: Path, run_cli: RunCli
) -> None:
    run = run_cli(["check", "--diff", "-", "--root", str(tmp_path)], input="")
    assert run.code == 0, run
    assert "nothing to check" in run.err


def test_fail_on_scope_new_with_worktree_compares_against_the_index(
    repo: GitRepo, run_cli: RunCli
) -> None:
    repo.write(".ttabot.toml", 'fail-on-scope = "new"\n')
    repo.write("m.py", "def old(x):\n    return x\n")
    repo.stage()  # staged, never committed: the index is the old version
    repo.write("m.py", "def old(x):\n    return x + 1\n")
    run = run_cli(["check", "--worktree", "--format", "concise"])
    assert run.code == 0, run
    assert "m.py:1: docs-missing" in run.out


def test_fail_on_scope_new_on_a_diff_judges_against_the_undone_hunks(
    tmp_path: Path, run_cli: RunCli
) -> None:
    # A diff's old version is the file under --root with its hunks undone: a function
    # the diff only edits is old (reported, not failing); one it adds is new (fails).
    root = tmp_path / "p"
    root.mkdir()
    (root / "m.py").write_text("def old(x):\n    return x + 1\n")
    (root / "c.toml").write_text('fail-on-scope = "new"\n')
    edit = "--- a/m.py\n+++ b/m.py\n@@ -2 +2 @@\n-    return x\n+    return x + 1\n"
    args = ["check", "--diff", "-", "--root", str(root), "--config", str(root / "c.toml")]
    edited = run_cli(args, input=edit)
    assert edited.code == 0, edited
    assert "docs-missing" in edited.out
    (root / "m.py").write_text("def old(x):\n    return x + 1\n\n\ndef fresh(y):\n    return y\n")
    add = "--- a/m.py\n+++ b/m.py\n@@ -2,0 +3,4 @@\n+\n+\n+def fresh(y):\n+    return y\n"
    added = run_cli(args, input=add)
    assert added.code == 1, added
    assert "fresh" in added.out


def test_per_path_thresholds_change_what_is_found(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", '[per-path."wide/**"]\nmax-params = 8\n')
    wide = 'def f(a, b, c, d, e, g):\n    """Doc."""\n    return a\n'
    staged(repo, {"wide/m.py": wide, "narrow/m.py": wide})
    run = run_cli(["check", "--format", "concise", "--categories", "refactor"])
    assert "narrow/m.py:1: refactor" in run.out
    assert "wide/m.py" not in run.out
