"""Settings and inputs that select nothing say so instead of reporting "nothing left undone"."""

from __future__ import annotations

from pathlib import Path

from tests.check.conftest import RunCli
from tests.check.test_cli import UNDOCUMENTED, assert_usage_error, staged
from tests.support.gitrepo import GitRepo

NEW_FILE_DIFF = (
    "diff --git a/pkg/mod.py b/pkg/mod.py\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/pkg/mod.py\n@@ -0,0 +1,2 @@\n"
    "+def greet(name):\n+    return 'hi ' + name\n"
)


def test_include_pattern_matching_no_file_warns(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", 'include = ["scr/**", "lib"]\n')  # a typo for src/**
    staged(repo, {"src/m.py": UNDOCUMENTED})
    repo.write("lib/x.py", "x = 1\n")
    repo.stage()
    repo.commit("lib")
    repo.write("src/m.py", UNDOCUMENTED + "\n\ndef more():\n    return 1\n")
    repo.stage()
    run = run_cli(["check"])
    assert run.code == 0
    assert "warning:" in run.out and "include pattern 'scr/**' matches no file" in run.out
    assert "'lib'" not in run.out


def test_a_change_outside_a_sound_include_is_not_warned_about(
    repo: GitRepo, run_cli: RunCli
) -> None:
    repo.write(".ttabot.toml", 'include = ["lib/**"]\n')
    staged(repo, {"lib/a.py": "a = 1\n"})
    repo.commit("lib")
    repo.write("scripts/s.py", UNDOCUMENTED)
    repo.stage()
    run = run_cli(["check"])
    assert run.code == 0 and "warning" not in run.out


def test_include_on_a_diff_outside_a_repository_checks_the_diffs_files(
    tmp_path: Path, run_cli: RunCli
) -> None:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text(UNDOCUMENTED)
    (root / "c.toml").write_text('include = ["src"]\n')
    args = ["check", "--diff", "-", "--root", str(root), "--config", str(root / "c.toml")]
    run = run_cli(args, input=NEW_FILE_DIFF)
    assert run.code == 0 and "include pattern 'src' matches no file" in run.out


def test_include_that_matches_says_nothing(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", 'include = ["lib"]\n')
    staged(repo, {"lib/m.py": UNDOCUMENTED})
    run = run_cli(["check"])
    assert run.code == 1 and "warning" not in run.out


def test_coverage_naming_no_changed_file_warns(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"m.py": UNDOCUMENTED})
    xml = (
        '<?xml version="1.0" ?>\n<coverage version="7"><sources><source>'
        f"{repo.path}</source></sources><packages><package><classes>"
        '<class filename="elsewhere.py"><lines><line number="1" hits="1"/></lines></class>'
        "</classes></package></packages></coverage>\n"
    )
    report = repo.path.parent / "coverage.xml"
    report.write_text(xml)
    run = run_cli(["check", "--coverage", str(report), "--format", "concise"])
    assert f"{report}: warning: names none of the 1 changed file(s), nor any file under" in (
        run.out
    )
    assert "(it has: elsewhere.py)" in run.out


def test_coverage_of_other_existing_files_is_no_mismatch(repo: GitRepo, run_cli: RunCli) -> None:
    # Tests ran other.py but not m.py: m.py is unrun (tests-needed says so), not misread.
    staged(repo, {"m.py": UNDOCUMENTED, "other.py": "x = 1\n"})
    xml = (
        '<?xml version="1.0" ?>\n<coverage version="7"><sources><source>'
        f"{repo.path}</source></sources><packages><package><classes>"
        '<class filename="other.py"><lines><line number="1" hits="1"/></lines></class>'
        "</classes></package></packages></coverage>\n"
    )
    report = repo.path.parent / "coverage.xml"
    report.write_text(xml)
    run = run_cli(["check", "--coverage", str(report), "--format", "concise"])
    assert "warning" not in run.out
    assert "m.py:1: tests-needed" in run.out


def test_diff_whose_added_lines_do_not_match_the_root_is_an_error(
    tmp_path: Path, run_cli: RunCli
) -> None:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n")  # the old version, not the diff's new one
    run = run_cli(["check", "--diff", "-", "--root", str(root)], input=NEW_FILE_DIFF)
    assert_usage_error(run, "do not match the files under")
    assert "pkg/mod.py line 1" in run.err


def test_diff_matching_despite_crlf_and_later_edits_is_accepted(
    tmp_path: Path, run_cli: RunCli
) -> None:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_bytes(b"def greet(name):\r\n    return 'hello ' + name\r\n")
    run = run_cli(["check", "--diff", "-", "--root", str(root)], input=NEW_FILE_DIFF)
    assert run.code == 1, run  # one added line still matches: it is this file
