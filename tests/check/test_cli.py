"""``ttabot check`` end to end: options, config, formats and exit codes on real repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.check.conftest import CliRun, RunCli
from tests.support.gitrepo import GitRepo

UNDOCUMENTED = "def greet(name):\n    return 'hi ' + name\n"
DOCUMENTED = 'def greet(name):\n    """Say hi."""\n    return "hi " + name\n'
MANY_PARAMS = 'def wide(a, b, c):\n    """Doc."""\n    return a + b + c\n'
PROJECT = Path(__file__).resolve().parents[2]


def staged(repo: GitRepo, files: dict[str, str | bytes]) -> None:
    """A base commit, then ``files`` written and staged."""
    repo.write("README", "base\n")
    repo.commit("base")
    for rel, text in files.items():
        repo.write(rel, text)
    repo.stage()


def assert_usage_error(run: CliRun, fragment: str) -> None:
    """Exit 2, one ``ttabot: error:`` line naming the problem, no traceback anywhere."""
    assert run.code == 2, run
    assert run.err.startswith("ttabot: error: "), run.err
    assert run.err.count("\n") == 1, run.err
    assert fragment in run.err
    assert "Traceback" not in run.err + run.out


def test_undocumented_public_function_fails(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"pkg/mod.py": UNDOCUMENTED})
    run = run_cli(["check"])
    assert run.code == 1
    assert "pkg/mod.py" in run.out
    assert "docs-missing" in run.out and "greet" in run.out
    assert "\x1b[" not in run.out  # no colour when not a terminal


def test_documented_function_passes_and_tests_needed_does_not_fail_by_default(
    repo: GitRepo, run_cli: RunCli
) -> None:
    staged(repo, {"pkg/mod.py": DOCUMENTED})
    run = run_cli(["check"])
    assert run.code == 0
    assert "tests-needed" in run.out


def test_a_changed_test_naming_the_function_satisfies_tests_needed(
    repo: GitRepo, run_cli: RunCli
) -> None:
    staged(
        repo,
        {
            "pkg/mod.py": DOCUMENTED,
            "tests/test_mod.py": "from pkg.mod import greet\n\ndef test_it():\n    greet('x')\n",
        },
    )
    data = json.loads(run_cli(["check", "--format", "json"]).out)
    assert data["findings"] == []
    assert data["summary"]["files_checked"] == 2


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        (["--fail-on", "tests-needed"], 1),
        (["--fail-on", "none"], 0),
        (["--fail-on", "all", "--categories", "docs-missing"], 0),
        (["--max-params", "2", "--fail-on", "refactor"], 1),
    ],
)
def test_policy_flags(repo: GitRepo, run_cli: RunCli, flags: list[str], code: int) -> None:
    staged(repo, {"m.py": MANY_PARAMS})
    assert run_cli(["check", *flags]).code == code


def test_refactor_threshold_flag_shows_the_measure(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"m.py": MANY_PARAMS})
    data = json.loads(run_cli(["check", "--max-params", "2", "--format", "json"]).out)
    (refactor,) = [f for f in data["findings"] if f["category"] == "refactor"]
    assert (refactor["symbol"], refactor["line"], refactor["task"]) == ("wide", 1, "refactoring")
    assert refactor["fails"] is False


def test_config_file_applies_and_flags_override_it(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", 'fail-on = ["tests-needed"]\n')
    staged(repo, {"m.py": DOCUMENTED})
    assert run_cli(["check"]).code == 1
    assert run_cli(["check", "--fail-on", "docs-missing"]).code == 0
    other = repo.write("other.toml", 'fail-on = "none"\nmax-params = 0\n')
    data = json.loads(run_cli(["check", "--config", str(other), "--format", "json"]).out)
    assert data["summary"]["fail_on"] == []
    assert data["summary"]["by_category"]["refactor"] == 1


def test_json_format(repo: GitRepo, run_cli: RunCli) -> None:
    staged(repo, {"pkg/mod.py": UNDOCUMENTED, "broken.py": "def (:\n"})
    run = run_cli(["check", "--format", "json"])
    assert run.code == 1
    data = json.loads(run.out)
    docs = [f for f in data["findings"] if f["category"] == "docs-missing"]
    assert docs == [
        {
            "category": "docs-missing",
            "path": "pkg/mod.py",
            "symbol": "greet",
            "line": 1,
            "end_line": 2,
            "task": "documentation",
            "message": docs[0]["message"],
            "details": docs[0]["details"],
            "fails": True,
        }
    ]
    assert [w["path"] for w in data["warnings"]] == ["broken.py"]
    summary = data["summary"]
    assert summary["failed"] is True
    assert summary["by_category"] == {"docs-missing": 1, "tests-needed": 1, "refactor": 0}
    assert summary["findings"] == 2 and summary["failing"] == 1


def test_range_and_github_annotations(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write("m.py", "x = 1\n")
    base = repo.commit("base")
    repo.write("m.py", "x = 1\n\n\n" + UNDOCUMENTED)
    repo.commit("add greet")
    repo.write("m.py", "x = 1\n\n\n" + DOCUMENTED)  # the work tree does not count for a range
    run = run_cli(["check", "--range", f"{base}..HEAD", "--format", "github"])
    assert run.code == 1
    lines = run.out.splitlines()
    assert "::error file=m.py,line=4,endLine=5,title=ttabot docs-missing%3A greet::" in lines[0]
    assert any(line.startswith("::warning file=m.py,") for line in lines)


def test_diff_from_stdin_with_root(tmp_path: Path, run_cli: RunCli) -> None:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text(UNDOCUMENTED)
    diff = (
        "diff --git a/pkg/mod.py b/pkg/mod.py\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/pkg/mod.py\n@@ -0,0 +1,2 @@\n"
        "+def greet(name):\n+    return 'hi ' + name\n"
    )
    run = run_cli(["check", "--diff", "-", "--root", str(root), "--format", "json"], input=diff)
    assert run.code == 1
    data = json.loads(run.out)
    assert [f["symbol"] for f in data["findings"]] == ["greet", "greet"]
    assert data["source"] == "diff from stdin"
    patch = tmp_path / "change.diff"
    patch.write_text(diff)
    assert run_cli(["check", "--diff", str(patch), "--root", str(root)]).code == 1


def test_coverage_xml_removes_tests_needed_for_executed_lines(
    repo: GitRepo, run_cli: RunCli
) -> None:
    staged(repo, {"m.py": DOCUMENTED})
    xml = (
        '<?xml version="1.0" ?>\n<coverage version="7"><sources><source>'
        f"{repo.path}</source></sources><packages><package><classes>"
        '<class filename="m.py"><lines><line number="1" hits="1"/>'
        '<line number="2" hits="1"/><line number="3" hits="1"/></lines></class>'
        "</classes></package></packages></coverage>\n"
    )
    report = repo.path.parent / "coverage.xml"
    report.write_text(xml)
    without = json.loads(run_cli(["check", "--format", "json"]).out)
    with_cov = json.loads(run_cli(["check", "--format", "json", "--coverage", str(report)]).out)
    assert [f["category"] for f in without["findings"]] == ["tests-needed"]
    assert with_cov["findings"] == []


def test_rename_binary_deletion_and_unparsable_file_in_one_change(
    repo: GitRepo, run_cli: RunCli
) -> None:
    body = 'def kept():\n    """Doc."""\n' + "".join(f"    v{i} = {i}\n" for i in range(20))
    repo.write("old_name.py", body)
    repo.write("gone.py", UNDOCUMENTED)
    repo.commit("base")
    repo.git("mv", "old_name.py", "new_name.py")
    repo.git("rm", "-q", "gone.py")
    repo.write("data.bin.py", b"\x00\xff\x00")
    repo.write("bad.py", "def broken(:\n")
    repo.stage()
    run = run_cli(["check", "--format", "json"])
    data = json.loads(run.out)
    assert run.code == 0, run
    assert data["findings"] == []
    assert [w["path"] for w in data["warnings"]] == ["bad.py"]


def test_help_answers_the_usual_questions(run_cli: RunCli) -> None:
    run = run_cli(["check", "--help"])
    assert run.code == 0
    for needle in (
        "Exit codes",
        "docs-missing",
        "tests-needed",
        "refactor",
        "--range A..B",
        "Examples",
        "--format",
        "--coverage",
        "--fail-on",
        "last commit",
    ):
        assert needle in run.out, needle


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--range", "nope..HEAD"], "unknown revision 'nope'"),
        (["--diff", "does-not-exist.diff"], "cannot read --diff does-not-exist.diff"),
        (["--range", "HEAD~1..HEAD", "--diff", "-"], "cannot be used together"),
        (["--config", "missing.toml"], "missing.toml"),
        (["--fail-on", "typos"], "unknown category 'typos'"),
        (["--coverage", "nothing.xml"], "nothing.xml"),
        (["--root", "no/such/dir"], "no/such/dir is not a directory"),
        (["--root", "no/such/dir", "--diff", "-"], "no/such/dir is not a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    repo: GitRepo, run_cli: RunCli, args: list[str], fragment: str
) -> None:
    staged(repo, {"m.py": DOCUMENTED})
    assert_usage_error(run_cli(["check", *args]), fragment)


def test_bad_config_key_names_the_key(repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", "max-complexty = 3\n")
    staged(repo, {"m.py": DOCUMENTED})
    assert_usage_error(run_cli(["check"]), "max-complexty")


def test_text_that_is_not_a_diff(tmp_path: Path, run_cli: RunCli) -> None:
    assert_usage_error(
        run_cli(["check", "--diff", "-", "--root", str(tmp_path)], input="just words\n"),
        "not a diff",
    )


def test_not_a_git_repository(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_usage_error(run_cli(["check"]), "not a git repository")


def _python_m_ttabot(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "ttabot", "check", *args], cwd=cwd, env=env, capture_output=True
    )


def test_whole_process_non_ascii_path_and_latin1_source(repo: GitRepo) -> None:
    latin1 = "# -*- coding: latin-1 -*-\r\ndef caf\xe9():\r\n    return '\xe9'".encode("latin-1")
    staged(repo, {"données/é t.py": latin1})
    done = _python_m_ttabot(repo.path)
    out = done.stdout.decode()
    assert done.returncode == 1, done
    assert "données/é t.py" in out
    assert "café" in out
    assert b"Traceback" not in done.stderr


def test_whole_process_outside_a_repository(tmp_path: Path) -> None:
    done = _python_m_ttabot(tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"ttabot: error: not a git repository: {tmp_path} (or pass --diff with --root)"
    ]


def test_path_that_is_not_utf8_is_reported_not_crashed_on(repo: GitRepo) -> None:
    repo.write("README", "base\n")
    repo.commit("base")
    raw = os.fsencode(str(repo.path)) + b"/caf\xe9.py"
    with open(raw, "wb") as fh:
        fh.write(UNDOCUMENTED.encode())
    repo.stage()
    # SARIF wants a URI, where the original byte survives percent-encoded; JSON names
    # the file as git quotes it, which keeps the byte too.
    expected = {"text": "caf\ufffd.py", "json": '"\\"caf\\\\351.py\\""', "sarif": "caf%E9.py"}
    expected["github"] = "file=caf\ufffd.py,"
    for fmt, shown in expected.items():
        done = _python_m_ttabot(repo.path, "--format", fmt)
        assert done.returncode == 1, done
        assert shown in done.stdout.decode(), fmt
    data = json.loads(_python_m_ttabot(repo.path, "--format", "json").stdout)
    assert data["findings"][0]["path"] == '"caf\\351.py"'


def test_root_names_the_repository_to_check(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged(repo, {"m.py": UNDOCUMENTED})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run = run_cli(["check", "--root", str(repo.path)])
    assert run.code == 1
    assert "m.py" in run.out


def test_git_missing_from_path_is_one_line(repo: GitRepo) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "PATH": str(repo.path / "no-bin")}
    done = subprocess.run(
        [sys.executable, "-m", "ttabot", "check"], cwd=repo.path, env=env, capture_output=True
    )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "ttabot: error: git is not installed (or not on PATH)"
    ]


#: Slow to import, or (``dataclasses``) slow to define classes with: records are NamedTuples.
HEAVY = (
    "libcst",
    "github",
    "httpx",
    "coverage",
    "tenacity",
    "json",
    "xml.etree.ElementTree",
    "dataclasses",
    "tomllib",  # a project that configures nothing has nothing to parse
    "click",  # the console script (ttabot.entry) runs the hook's invocation without it
)


def test_the_hook_path_imports_nothing_heavy(repo: GitRepo) -> None:
    """Speed is measured in bench/; this guards its cause: no heavy import on ``ttabot check``."""
    staged(repo, {"pkg/mod.py": UNDOCUMENTED, "tests/test_mod.py": "def test_x():\n    pass\n"})
    repo.write("pyproject.toml", '[project]\nname = "demo"\n')
    probe = (
        "import sys\nfrom ttabot.entry import main\ncode = main(['check'])\n"
        f"print(code, [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=repo.path, env=env, capture_output=True, text=True
    )
    assert done.stdout.splitlines()[-1] == "1 []", done.stdout + done.stderr


def test_hundred_thousand_line_change_end_to_end(repo: GitRepo, run_cli: RunCli) -> None:
    # One long string literal: a 100,000-line diff that Python parses quickly.
    body = 'DATA = """\n' + "".join(f"row {i}\n" for i in range(99_998)) + '"""\n' + UNDOCUMENTED
    staged(repo, {"big.py": body})
    run = run_cli(["check", "--format", "json"])
    assert run.code == 1
    (docs,) = [f for f in json.loads(run.out)["findings"] if f["category"] == "docs-missing"]
    assert (docs["path"], docs["symbol"], docs["line"]) == ("big.py", "greet", 100_001)


def test_diff_file_with_latin1_bytes_and_crlf(tmp_path: Path, run_cli: RunCli) -> None:
    source = "# -*- coding: latin-1 -*-\r\ndef caf\xe9():\r\n    return '\xe9'\r\n".encode(
        "latin-1"
    )
    (tmp_path / "l1.py").write_bytes(source)
    added = b"".join(b"+" + line + b"\n" for line in source.split(b"\n")[:-1])
    diff = b"--- /dev/null\n+++ b/l1.py\n@@ -0,0 +1,3 @@\n" + added
    patch = tmp_path / "latin1.diff"
    patch.write_bytes(diff)
    run = run_cli(["check", "--diff", str(patch), "--root", str(tmp_path), "--format", "json"])
    assert run.code == 1, run
    (docs,) = [f for f in json.loads(run.out)["findings"] if f["category"] == "docs-missing"]
    assert (docs["path"], docs["symbol"], docs["line"]) == ("l1.py", "café", 2)


def test_diff_whose_files_are_not_under_root_is_a_usage_error(
    tmp_path: Path, run_cli: RunCli
) -> None:
    diff = "--- /dev/null\n+++ b/pkg/mod.py\n@@ -0,0 +1,2 @@\n+def f():\n+    return 1\n"
    run = run_cli(["check", "--diff", "-", "--root", str(tmp_path)], input=diff)
    assert_usage_error(run, "none of the Python files the diff names (1) exists under")


def test_a_python_file_with_a_newline_in_its_name_is_checked(
    repo: GitRepo, run_cli: RunCli
) -> None:
    staged(repo, {"odd\nname.py": UNDOCUMENTED})
    run = run_cli(["check", "--format", "json"])
    assert run.code == 1, run.err
    assert {f["path"] for f in json.loads(run.out)["findings"]} == {"odd\nname.py"}


def test_an_index_with_unmerged_paths_is_one_line_and_exit_2(
    repo: GitRepo, run_cli: RunCli
) -> None:
    staged(repo, {"x.py": DOCUMENTED})
    repo.commit("x")
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("x.py", DOCUMENTED + "X = 1\n")
    repo.commit("topic")
    repo.git("checkout", "-q", "main")
    repo.write("x.py", DOCUMENTED + "X = 2\n")
    repo.commit("main")
    merge = subprocess.run(["git", "merge", "-q", "topic"], cwd=repo.path, capture_output=True)
    assert merge.returncode != 0
    run = run_cli(["check"])
    assert run.code == 2
    assert run.err.splitlines() == [
        "ttabot: error: the index has unmerged paths (x.py): finish or abort the merge "
        "(resolve and 'git add' them), or pass --range"
    ]
