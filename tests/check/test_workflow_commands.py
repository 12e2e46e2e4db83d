"""A change's file names cannot give a CI runner workflow commands through ``ttabot check``.

``ttabot check`` (and the pre-commit hook, which CI runs as ``pre-commit run``) prints
in GitHub Actions logs, and the runner obeys ``::name::data`` at a line's start (after
white space) and ``##[name]data`` anywhere in a line, on stdout and stderr alike. A
pull request names its files: ``::error file=README.md::…`` as a top-level file name
opened the text report's line for that file, ``x ##[add-mask]ttabot.py`` masked what
followed it, ``##[stop-commands]t`` switched off every later annotation, and
``##[set-output name=…]`` set a step output a later step trusted.
"""

from __future__ import annotations

import json

import pytest

from tests.check.conftest import RunCli
from tests.support.gitrepo import GitRepo
from tests.support.workflow_commands import workflow_commands
from ttabot.records import Category, CheckResult, CheckWarning, Finding, TaskKind
from ttabot.report import Report, render

#: File names a pull request may choose (no "/" in the first two: top-level files).
HOSTILE_NAMES = (
    "::error file=README.md,line=1::Your token expired, paste it in a comment.py",
    "\u00a0\u2003::add-mask::ttabot.py",  # .NET trims Unicode white space before "::"
    "x ##[stop-commands]t0k3n.py",
    "pkg/##[set-output name=findings]0.py",
    "pkg/y ##[add-mask]ttabot.py",
)


def hostile_result() -> CheckResult:
    findings = tuple(
        Finding(Category.DOCS_MISSING, name, "f", 1, 2, TaskKind.DOCUMENTATION, "`f` has none")
        for name in HOSTILE_NAMES
    )
    warnings = (CheckWarning(HOSTILE_NAMES[2], "does not parse: ##[add-mask]line 1"),)
    return CheckResult(findings, warnings, files_checked=len(HOSTILE_NAMES))


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "sarif"])
def test_no_report_for_people_or_programs_gives_a_workflow_command(fmt: str) -> None:
    out = render(fmt, Report(hostile_result(), frozenset({Category.DOCS_MISSING}), "PR #7"))
    assert workflow_commands(out) == []


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_reports_keep_the_names_exactly(fmt: str) -> None:
    # JSON may spell "#" as \u0023: a reader gets the same string back, a runner no command.
    out = render(fmt, Report(hostile_result(), frozenset({Category.DOCS_MISSING})))
    data = json.loads(out)
    if fmt == "json":
        assert [f["path"] for f in data["findings"]] == list(HOSTILE_NAMES)
        assert data["warnings"][0]["message"] == "does not parse: ##[add-mask]line 1"
    else:
        messages = [r["message"]["text"] for r in data["runs"][0]["results"]]
        assert messages == ["`f` has none"] * len(HOSTILE_NAMES)
        note = data["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
        assert note["message"]["text"] == "does not parse: ##[add-mask]line 1"


def test_annotations_are_ttabots_own_commands_only() -> None:
    out = render("github", Report(hostile_result(), frozenset({Category.DOCS_MISSING})))
    commands = workflow_commands(out)
    assert [c.name for c in commands] == ["error"] * len(HOSTILE_NAMES) + ["warning"]
    assert all(set(c.properties) <= {"file", "line", "endLine", "title"} for c in commands)
    # Each names its own file, whatever the name holds (the file property is escaped).
    assert [c.properties["file"] for c in commands[:2]] == list(HOSTILE_NAMES[:2])


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_check_on_a_pull_requests_files_gives_the_runner_no_command(
    repo: GitRepo, run_cli: RunCli, fmt: str
) -> None:
    repo.commit("init", **{"README.md": "hi\n"})
    for name in HOSTILE_NAMES:
        repo.write(name, "def f():\n    return 1\n")
    repo.stage()
    run = run_cli(["check", "--format", fmt])
    assert run.code == 1, run.err  # docs-missing fails by default
    assert run.out.count("f") >= len(HOSTILE_NAMES)
    assert workflow_commands(run.out) == [] and workflow_commands(run.err) == []


def test_the_summary_line_shows_the_range_it_names_as_text(repo: GitRepo, run_cli: RunCli) -> None:
    # A CI job checks `--range origin/main...$PR_BRANCH`: git takes a branch name with a
    # bidi override, and the summary line on stdout printed the range raw, turning the
    # rest of the line around (git refuses control characters and "[" in ref names).
    repo.commit("init", **{"README.md": "hi\n"})
    repo.git("checkout", "-q", "-b", "fix\u202egnp.exe")
    repo.commit("change", **{"a.py": '"""A module."""\n'})
    run = run_cli(["check", "--range", "main...fix\u202egnp.exe"])
    assert run.code == 0, run.err
    assert "\u202e" not in run.out
    assert "range main...fix\\u202egnp.exe" in run.out


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_reports_spell_invisible_characters_as_escapes(fmt: str) -> None:
    # JSON escapes only C0 controls; written raw, a name's 8-bit CSI (U+009B) reached
    # a terminal that obeys C1 controls, a bidi override turned the line around, and
    # U+2028 broke the line in viewers (and JavaScript before ES2019) that end lines there.
    path = "a\x9b2J\x7f\u202eyp.\u2066b\u2028c\u200f.py"
    finding = Finding(Category.DOCS_MISSING, path, "f", 1, 2, TaskKind.DOCUMENTATION, "m")
    result = CheckResult((finding,), (CheckWarning(path, f"cannot read {path}"),))
    out = render(fmt, Report(result, frozenset({Category.DOCS_MISSING})))
    assert not any(ch in out for ch in "\x9b\x7f\u202e\u2066\u2028\u200f")
    data = json.loads(out)
    if fmt == "json":
        assert data["findings"][0]["path"] == path
        assert data["warnings"][0]["message"] == f"cannot read {path}"
    else:
        note = data["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
        assert note["message"]["text"] == f"cannot read {path}"


@pytest.mark.parametrize(
    "name",
    ["a,line=99,title=x.py", "b%0A::error::c.py", "c::d%25%3A%2C.py", "d\n::error::e.py", "e%.py"],
)
def test_an_annotation_names_its_file_exactly_whatever_the_name_holds(name: str) -> None:
    finding = Finding(Category.DOCS_MISSING, name, "f", 3, 4, TaskKind.DOCUMENTATION, "m,%0A::x")
    out = render("github", Report(CheckResult((finding,)), frozenset()))
    (command,) = workflow_commands(out)
    assert command.name == "warning" and command.data == "m,%0A::x"
    assert command.properties == {
        "file": name,
        "line": "3",
        "endLine": "4",
        "title": "ttabot docs-missing: f",
    }
