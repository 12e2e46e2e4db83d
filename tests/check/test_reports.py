"""The four report formats, from hand-made results (pure: no git, no analysis)."""

from __future__ import annotations

import json

import pytest

from ttabot.records import Category, CheckResult, CheckWarning, Finding, TaskKind
from ttabot.report import Report, render
from ttabot.report.annotations import command, escape_data, escape_property


def finding(category: Category, path: str, symbol: str, line: int) -> Finding:
    task = {
        Category.DOCS_MISSING: TaskKind.DOCUMENTATION,
        Category.TESTS_NEEDED: TaskKind.UNIT_TESTS,
        Category.REFACTOR: TaskKind.REFACTORING,
    }[category]
    return Finding(
        category=category,
        path=path,
        symbol=symbol,
        line=line,
        end_line=line + 3,
        task=task,
        message=f"{category.value} for {symbol}",
        details={"complexity": 12, "lines": (1, 2)} if category is Category.REFACTOR else {},
    )


RESULT = CheckResult(
    findings=(
        finding(Category.REFACTOR, "b/z.py", "Big.run", 40),
        finding(Category.DOCS_MISSING, "a.py", "f", 3),
        finding(Category.TESTS_NEEDED, "b/z.py", "helper", 2),
        finding(Category.DOCS_MISSING, "dir with space/é.py", "g", 1),
    ),
    warnings=(CheckWarning("broken.py", "does not parse: invalid syntax (line 1)"),),
    files_checked=4,
)
REPORT = Report(RESULT, frozenset({Category.DOCS_MISSING}), "staged change")


def test_text_groups_by_file_in_order_and_marks_failing_findings() -> None:
    text = render("text", REPORT)
    lines = text.splitlines()
    assert lines[0] == "a.py"
    assert lines[1] == "      3  docs-missing  docs-missing for f (fails)"
    assert lines[2] == "b/z.py"
    assert "helper" in lines[3] and "Big.run" in lines[4]  # sorted by line inside a file
    assert "(fails)" not in lines[3] + lines[4]
    assert lines[5] == "dir with space/é.py"
    assert lines[7] == "warning: broken.py: does not parse: invalid syntax (line 1)"
    assert lines[8] == (
        "4 findings in staged change (2 docs-missing, 1 tests-needed, 1 refactor; "
        "4 Python files checked); 2 fail the run (fail-on: docs-missing)."
    )
    assert "\x1b[" not in text


def test_text_names_the_symbol_once_through_the_message() -> None:
    message = "changed code in `RotatingClient.send` is not exercised by any changed test"
    found = finding(Category.TESTS_NEEDED, "llm.py", "RotatingClient.send", 407)._replace(
        message=message
    )
    report = Report(CheckResult(findings=(found,), files_checked=1), frozenset(), "x")
    assert render("text", report).splitlines()[1] == f"    407  tests-needed  {message}"


def test_text_colour_only_when_asked() -> None:
    coloured = render("text", Report(RESULT, frozenset(), "x", color=True))
    assert "\x1b[" in coloured
    assert "none fails the run" in coloured


def test_text_for_a_clean_change() -> None:
    clean = Report(CheckResult(findings=(), files_checked=1), frozenset(Category), "range a..b")
    assert render("text", clean) == "Nothing left undone in range a..b (1 Python file checked).\n"


def test_json_details_and_summary() -> None:
    data = json.loads(render("json", REPORT))
    assert data["version"] == 1
    assert data["source"] == "staged change"
    refactor = data["findings"][0]
    assert refactor["details"] == {"complexity": 12, "lines": [1, 2]}
    assert refactor["fails"] is False
    assert data["summary"] == {
        "files_checked": 4,
        "findings": 4,
        "by_category": {"docs-missing": 2, "tests-needed": 1, "refactor": 1},
        "failing": 2,
        "fail_on": ["docs-missing"],
        "failed": True,
    }
    assert data["warnings"] == [
        {"path": "broken.py", "message": "does not parse: invalid syntax (line 1)"}
    ]


def test_sarif_structure() -> None:
    log = json.loads(render("sarif", REPORT))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ttabot"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == ["docs-missing", "tests-needed", "refactor"]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in driver["rules"]}
    assert levels == {"docs-missing": "error", "tests-needed": "warning", "refactor": "warning"}
    assert len(run["results"]) == 4
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["endLine"] >= physical["region"]["startLine"]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert "dir%20with%20space/%C3%A9.py" in uris
    by_rule = {r["ruleId"]: r["level"] for r in run["results"]}
    assert by_rule == {"refactor": "warning", "docs-missing": "error", "tests-needed": "warning"}
    fingerprints = {r["partialFingerprints"]["ttabotDefinition/v1"] for r in run["results"]}
    assert len(fingerprints) == 4
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("does not parse")


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a: b, c", "a: b, c", "a%3A b%2C c"),
        ("%0A", "%250A", "%250A"),  # an escape sequence in the text is not taken as one
        ("::stop-commands::x", "::stop-commands::x", "%3A%3Astop-commands%3A%3Ax"),
    ],
)
def test_annotation_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_annotation_lines() -> None:
    assert (
        command("warning", "m\nx", file="a,b.py", line=3) == "::warning file=a%2Cb.py,line=3::m%0Ax"
    )
    assert command("notice", "hi") == "::notice::hi"
    lines = render("github", REPORT).splitlines()
    assert len(lines) == 5
    assert lines[1] == (
        "::error file=a.py,line=3,endLine=6,title=ttabot docs-missing%3A f::docs-missing for f"
    )
    assert lines[0].startswith("::warning file=b/z.py,line=40,endLine=43,")
    assert (
        lines[4] == "::warning file=broken.py,title=ttabot::does not parse: invalid syntax (line 1)"
    )


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_file_name_cannot_send_escape_sequences_to_the_terminal(fmt: str) -> None:
    # git keeps any byte but NUL and "/" in a file name, and quotes them in its own
    # output; ttabot printed the decoded name raw. A staged `a\x1b]52;c;...\x07.py`
    # wrote the reader's clipboard (OSC 52), `\x1b[2K\r` erased the finding's line,
    # `\x1b]0;...\x07` retitled the terminal: on every `git commit` with the hook.
    # `--format github` escaped only what GitHub's own escaping covers (%, CR, LF),
    # so a pull request's file name put its escape sequences in the workflow log
    # (and in the terminal of whoever tried the format locally).
    path = "a\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2K\r\x9b31mb.py"
    finding = Finding(Category.DOCS_MISSING, path, "f", 1, 2, TaskKind.DOCUMENTATION, "m `f`")
    result = CheckResult((finding,), (CheckWarning(path, "does not parse: x\x1b[2J"),))
    out = render(fmt, Report(result, frozenset({Category.DOCS_MISSING})))
    assert not any(ch in out for ch in "\x1b\x07\r\x9b")
    assert "a\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2K\\r\\x9b31mb.py" in out


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_file_name_cannot_reorder_or_break_the_line_it_is_shown_on(fmt: str) -> None:
    # Bidirectional overrides (the "Trojan Source" characters) are not control
    # characters, so they reached the terminal: `tests\u202e.yp.evil` shows as
    # `tests` + `live.py.`, and the text after it on the line turned around too.
    # U+2028/U+2029 break a line in the log viewers that follow Unicode.
    path = "evil\u202e\u2066yp.\u2069tset_\u200f\u061c\u2028\u2029.py"
    finding = Finding(Category.DOCS_MISSING, path, "f", 1, 2, TaskKind.DOCUMENTATION, "m `f`")
    out = render(fmt, Report(CheckResult((finding,)), frozenset({Category.DOCS_MISSING})))
    assert not any(ch in out for ch in "\u202e\u2066\u2069\u200f\u061c\u2028\u2029")
    assert "evil\\u202e\\u2066yp.\\u2069tset_\\u200f\\u061c\\u2028\\u2029.py" in out


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("pkg/mod.py", "pkg/mod.py"),
        ("données/é t.py", "données/é t.py"),  # UTF-8 text: as it is
        ("tab\tname.py", "tab\tname.py"),  # JSON escapes it itself
        ("caf\udce9.py", '"caf\\351.py"'),  # not UTF-8: quoted as git quotes it
        ('d\udcff/\udce9 "x".py', '"d\\377/\\351 \\"x\\".py"'),
        ('"caf\\351.py"', '"\\"caf\\\\351.py\\""'),  # a name that would read as quoted
    ],
)
def test_machine_formats_name_a_file_that_is_not_utf8_as_git_quotes_it(
    name: str, shown: str
) -> None:
    from ttabot.report import machine_path

    assert machine_path(name) == shown


def test_json_gives_a_name_that_is_not_utf8_exactly_and_as_utf8() -> None:
    found = finding(Category.DOCS_MISSING, "caf\udce9.py", "f", 1)
    other = finding(Category.DOCS_MISSING, "caf\udce8.py", "f", 1)
    warned = CheckWarning("\udcff.py", "\udcff.py does not parse")
    report = Report(CheckResult((found, other), (warned,), 3), frozenset())
    out = render("json", report)
    out.encode("utf-8")  # no lone surrogate left: strictly encodable
    data = json.loads(out)
    assert [f["path"] for f in data["findings"]] == ['"caf\\351.py"', '"caf\\350.py"']
    assert data["warnings"] == [{"path": '"\\377.py"', "message": "\ufffd.py does not parse"}]
