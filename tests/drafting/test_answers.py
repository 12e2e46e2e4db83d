"""Parsing model answers into per-kind shapes, whatever the model wrapped them in."""

from __future__ import annotations

import json

import pytest

from ttabot.drafting.answers import AnswerError, clean_docstring, parse_code, parse_docstrings

CODE = "def test_x():\n    assert 1\n"


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"code": CODE}),
        "<think>hmm {not json}</think>" + json.dumps({"code": CODE}),
        "Sure, here it is:\n```json\n" + json.dumps({"code": CODE}) + "\n```\nEnjoy!",
        json.dumps({"code": "```python\n" + CODE + "```"}),  # a fence inside the string
        "```python\n" + CODE + "```",  # bare code, no JSON at all
        "Here:\n```\n" + CODE,  # unterminated fence
        '{"code": "def test_x():\\n    assert 1\\n"',  # truncated JSON, repaired
    ],
)
def test_parse_code_tolerates_wrapping(content: str) -> None:
    assert parse_code(None, content) == CODE


def test_parse_code_prefers_already_parsed_data() -> None:
    assert parse_code({"code": CODE}, "ignored") == CODE


@pytest.mark.parametrize(
    "content",
    [
        "I cannot help with that.",
        json.dumps({"code": "  "}),
        "",
        # Over Python's 4,300-digit limit: a ValueError that is not a JSONDecodeError.
        '{"code": ' + "9" * 5000 + "}",
        # An array first, then objects nested past the recursion limit.
        "[1] " + '{"a":' * 50_000,
    ],
)
def test_parse_code_fails_with_a_reason(content: str) -> None:
    with pytest.raises(AnswerError, match="code"):
        parse_code(None, content)


def test_parse_docstrings_leaves_judging_the_text_to_the_gate() -> None:
    raw = '"""Do it.\n\n    Args:\n        a: A.\n    """'
    data = {
        "docstrings": [
            {"symbol": "f", "docstring": raw},
            {"symbol": "g", "docstring": "   "},  # empty: dropped
            "not an object",
        ]
    }
    assert parse_docstrings(data, "") == {"f": raw}


@pytest.mark.parametrize(
    "content", ["[1, 2]", json.dumps({"docstrings": []}), json.dumps({"other": 1}), "nothing"]
)
def test_parse_docstrings_fails_with_a_reason(content: str) -> None:
    with pytest.raises(AnswerError):
        parse_docstrings(None, content)


def test_clean_docstring_keeps_relative_indentation() -> None:
    assert clean_docstring("Sum.\n\n      Args:\n          a: A.") == "Sum.\n\nArgs:\n    a: A."


def test_an_answer_of_endless_false_object_starts_costs_bounded_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # loose_json tried a decode at every "{" of an answer; each failed decode scans back
    # to the text's start for its error position: quadratic (400 KB took 12 s, an 8 MB
    # answer, within the client's body cap, over an hour, in the event loop).
    attempts: list[int] = []

    class Counting(json.JSONDecoder):
        def raw_decode(self, s: str, idx: int = 0) -> tuple[object, int]:
            attempts.append(idx)
            return super().raw_decode(s, idx)

    monkeypatch.setattr(json, "JSONDecoder", Counting)
    for hostile in ('{"x' * 5_000, "{x" * 5_000):
        attempts.clear()
        with pytest.raises(AnswerError):
            parse_code(None, hostile)
        assert len(attempts) <= 200
    assert parse_code(None, "{x} " * 500 + json.dumps({"code": CODE})) == CODE
