"""Output: drafts of one file compose, only applicable drafts reach diff and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttabot.drafting import output
from ttabot.records import Category, Draft, Finding, TaskKind, ValidationStage

FINDING = Finding(Category.DOCS_MISSING, "m.py", "f", 1, 2, TaskKind.DOCUMENTATION, "no docstring")


def make(
    original: str,
    proposed: str,
    *,
    accepted: bool = True,
    applicable: bool = True,
    path: str = "m.py",
) -> Draft:
    return Draft(
        TaskKind.DOCUMENTATION,
        (FINDING,),
        path,
        original,
        proposed,
        accepted,
        (ValidationStage("parses", accepted, "detail"),),
        "fake:m",
        1,
        10,
        5,
        "" if accepted else "bad",
        applicable,
    )


V0, V1, V2 = "a\n", "a\nb\n", "a\nb\nc\n"


def test_drafts_of_one_file_compose_and_rejected_or_suggested_ones_are_left_out() -> None:
    drafts = [
        make(V0, V1),
        make(V1, "zzz\n", accepted=False),
        make(V1, V2),
        make(V2, "suggested\n", applicable=False),
        make("", "new\n", path="t.py"),
    ]
    assert output.applied(drafts) == {"m.py": (V0, V2), "t.py": ("", "new\n")}
    diff = output.unified_diff(drafts)
    assert "+b\n+c\n" in diff and "zzz" not in diff and "suggested" not in diff
    assert "--- /dev/null\n+++ b/t.py\n" in diff and "new file mode" in diff


def test_json_keeps_every_draft_with_its_record() -> None:
    drafts = [make(V0, V1), make(V0, "x\n", accepted=False), make(V0, V1, applicable=False)]
    doc = json.loads(json.dumps(output.to_json(drafts, {"metrics": {}})))
    assert doc["counts"] == {"accepted": 1, "suggestion": 1, "rejected": 1, "no-answer": 0}
    first = doc["drafts"][0]
    assert first["stages"] == [{"name": "parses", "passed": True, "detail": "detail"}]
    assert (first["model"], first["requests"], first["prompt_tokens"]) == ("fake:m", 1, 10)
    assert first["attempts"] == [] and first["cleaned"] == []
    assert doc["drafts"][1]["reason"] == "bad"


NO_ANSWER = make(V0, V0, accepted=False)._replace(
    stages=(ValidationStage("model", False, "gave up: ConnectError"),), model=None
)
ANSWERED_BADLY = make(V0, V0, accepted=False)._replace(
    stages=(ValidationStage("answer", False, "not JSON"),)
)


@pytest.mark.parametrize(
    ("drafts", "skipped", "code"),
    [
        ([], [], 0),
        ([make(V0, V1), make(V0, V1, applicable=False)], [], 0),
        ([make(V0, V1)], ["m.py: the file differs"], 1),
        ([make(V0, V1), make(V0, "x\n", accepted=False)], [], 1),
        ([ANSWERED_BADLY], [], 1),
        ([make(V0, V1), NO_ANSWER], [], 1),
        ([ANSWERED_BADLY, NO_ANSWER], [], 1),
        ([NO_ANSWER, NO_ANSWER], [], 2),
    ],
)
def test_exit_code(drafts: list[Draft], skipped: list[str], code: int) -> None:
    assert output.exit_code(drafts, skipped) == code


def test_no_answer_is_its_own_status_in_json_and_summary() -> None:
    assert output.verdict(NO_ANSWER) == "no-answer"
    assert output.verdict(ANSWERED_BADLY) == "rejected"
    doc = output.to_json([NO_ANSWER, ANSWERED_BADLY])
    assert doc["counts"] == {"accepted": 0, "suggestion": 0, "rejected": 1, "no-answer": 1}
    assert [d["status"] for d in doc["drafts"]] == ["no-answer", "rejected"]
    assert output.summary([NO_ANSWER]).startswith("no-answer  documentation m.py (f)")


def test_apply_skips_a_file_edited_since_it_was_read(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("edited meanwhile\n")
    written, skipped = output.apply(tmp_path, [make(V0, V1), make("", "new\n", path="d/t.py")])
    assert written == ["d/t.py"] and skipped and skipped[0].startswith("m.py")
    assert (tmp_path / "m.py").read_text() == "edited meanwhile\n"
    assert (tmp_path / "d/t.py").read_text() == "new\n"


def test_the_summary_shows_control_characters_in_a_reason_or_path_as_escapes() -> None:
    # A rejected draft's reason quotes the model's answer or test output; an escape
    # sequence in it (or in the file's name) reached the terminal raw.
    draft = make(V0, V1, accepted=False, path="a\x1b]0;t\x07.py")._replace(
        reason="the answer: \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2K"
    )
    line = output.summary([draft])
    assert "\x1b" not in line and "\x07" not in line
    assert "a\\x1b]0;t\\x07.py" in line and "\\x1b]52;c;" in line


@pytest.mark.parametrize(
    "path",
    ["odd\nname.py", "ta\tb.py", 'q"uo\\te.py', "caf\udce9.py", "esc\x1b[2J.py", "é t.py"],
)
def test_the_diff_quotes_a_file_name_as_git_does(path: str, tmp_path: Path) -> None:
    # The diff named files raw: a newline or tab in a name (git allows both) broke
    # it for `git apply` and for ttabot's own parser, and a name that is not UTF-8
    # (held as surrogates) could not even be printed to a strict UTF-8 stdout.
    import subprocess

    from ttabot.change import parse_diff

    drafts = [make("", "new\n", path=path), make(V0, V1, path=f"d/{path}")]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / path).write_text(V0)  # surrogates name the file's own bytes
    for diff in (output.unified_diff(drafts), *(output.draft_record(d)["diff"] for d in drafts)):
        diff.encode("utf-8")  # no surrogate left: any stdout can print it
    diff = output.unified_diff(drafts)
    assert {f.path for f in parse_diff(diff).files} == {path, f"d/{path}"}
    done = subprocess.run(
        ["git", "apply", "-"], cwd=tmp_path, input=diff.encode(), capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / path).read_text() == "new\n"
    assert (tmp_path / "d" / path).read_text() == V1
