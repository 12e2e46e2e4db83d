"""JSON out of model text, and the schema subset answers are checked against."""

from __future__ import annotations

from typing import Any

import pytest

from ttabot.llm.json_prompt import with_json_instruction
from ttabot.llm.schema import SchemaError, validate
from ttabot.llm.structured import JSONExtractionError, extract_json, strip_reasoning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("  [1, 2]  ", [1, 2]),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('Here you go:\n```\n{"a": "x"}\n```\nHope it helps!', {"a": "x"}),
        ('Sure. {"a": {"b": [1, 2]}} Done.', {"a": {"b": [1, 2]}}),
        ('See [1] and then {"a": 2}', {"a": 2}),  # an object beats an array in prose
        ('<think>maybe {"a": 0}?</think>{"a": 1}', {"a": 1}),
        ('reasoning without an opening tag</think>\n{"a": 3}', {"a": 3}),
        ('{"a": [1, 2], "b": "cut off mid-str', {"a": [1, 2], "b": "cut off mid-str"}),
        ('{"a": [1, 2], "b": ', {"a": [1, 2]}),
        ('```json\n{"a": {"c": 3, "d": [1, {"x": "y', {"a": {"c": 3, "d": [1, {"x": "y"}]}}),
        ('{"s": "a } inside [ string", "n": 1}', {"s": "a } inside [ string", "n": 1}),
    ],
)
def test_extract_json(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize("text", ["", "no json here", '<think>{"a": 1}</think>', "{{{"])
def test_extract_json_fails_with_a_named_error(text: str) -> None:
    with pytest.raises(JSONExtractionError):
        extract_json(text)


def test_strip_reasoning() -> None:
    assert strip_reasoning("<think>a\nb</think>answer") == "answer"
    assert strip_reasoning("<THINK>x</THINK>y<think>z</think>") == "y"
    assert strip_reasoning("<think>never closed") == ""
    assert strip_reasoning("plain") == "plain"


SCHEMA = {
    "type": "object",
    "required": ["docstring", "kind"],
    "additionalProperties": False,
    "properties": {
        "docstring": {"type": "string", "minLength": 3},
        "kind": {"enum": ["function", "class"]},
        "lines": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
        "score": {"type": ["number", "null"]},
    },
}


@pytest.mark.parametrize(
    "value",
    [
        {"docstring": "Add.", "kind": "function"},
        {"docstring": "Add.", "kind": "class", "lines": [1, 2], "score": 0.5},
        {"docstring": "Add.", "kind": "class", "score": None},
    ],
)
def test_valid_values_pass(value: Any) -> None:
    try:
        validate(value, SCHEMA)  # returns None; a mismatch raises SchemaError
    except SchemaError as exc:
        pytest.fail(f"a valid value was rejected: {exc}")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "$: expected object, got list"),
        ({"kind": "function"}, "$: missing required key 'docstring'"),
        ({"docstring": "Add.", "kind": "module"}, "$.kind: 'module' is not one of"),
        ({"docstring": "A", "kind": "class"}, "$.docstring: shorter than 3"),
        ({"docstring": "Add.", "kind": "class", "x": 1}, "$: unexpected key 'x'"),
        ({"docstring": "Add.", "kind": "class", "lines": [1, "2"]}, "$.lines[1]: expected integer"),
        ({"docstring": "Add.", "kind": "class", "lines": [True]}, "$.lines[0]: expected integer"),
        ({"docstring": "Add.", "kind": "class", "lines": []}, "$.lines: fewer than 1"),
    ],
)
def test_invalid_values_name_the_path(value: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message.replace("[", r"\[").replace("$", r"\$")):
        validate(value, SCHEMA)


def test_json_instruction_joins_an_existing_system_message() -> None:
    out = with_json_instruction(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        {"type": "object"},
    )
    assert out[0]["content"].startswith("Be brief.\n\nAnswer with a single JSON object")
    assert len(out) == 2
    fresh = with_json_instruction([{"role": "user", "content": "hi"}], {"type": "object"})
    assert fresh[0]["role"] == "system" and '{"type":"object"}' in fresh[0]["content"]


def test_a_hostile_unclosed_answer_costs_a_bounded_number_of_parse_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A model answer of brackets that never close and many commas: every opening
    # bracket was "repaired" in turn, and each repair built one copy of the text per
    # comma up front, then parsed each. A 100 KB answer took gigabytes and minutes
    # (quadratic memory, cubic time); an 8 MB body, which the client accepts, never ended.
    import ttabot.llm.structured as structured

    parses: list[int] = []
    real = structured._loads

    def counting(text: str) -> Any:
        parses.append(len(text))
        return real(text)

    monkeypatch.setattr(structured, "_loads", counting)
    with pytest.raises(JSONExtractionError):
        extract_json("[" * 40 + "x," * 2000)
    assert len(parses) <= 400
    assert sum(parses) <= 400 * 4100  # never a copy of the text per comma


def test_a_truncated_answer_after_prose_braces_is_still_repaired() -> None:
    text = 'Use {x} and {y}; here: {"a": [1, 2], "b": {"c": 3}, "d": "cut'
    assert extract_json(text) == {"a": [1, 2], "b": {"c": 3}, "d": "cut"}
    # Brackets that cannot start JSON are not counted against the answer.
    assert extract_json("see {x} " * 200 + '{"a": 1}') == {"a": 1}


def test_reasoning_tags_that_never_close_are_stripped_in_one_pass() -> None:
    # The lazy "<think>.*?</think>" searched to the end of the text from every opening
    # tag: quadratic, in the event loop, on every answer (a 280 KB answer of opening
    # tags took 50 s; this 2 MB one, which the body cap allows, about 45 minutes,
    # far past the suite's 120 s timeout). Now one scan over the tags.
    hostile = "<think>" * 300_000
    assert strip_reasoning(hostile) == ""
    assert strip_reasoning("answer " + hostile) == "answer " + hostile
    assert strip_reasoning("a</think>" + hostile) == hostile


@pytest.mark.parametrize(
    "text",
    [
        "<think>a<think>b</think>c</think>d",
        "x</think>y<THINK>z</ThInK>w",
        "  <Think>open",
        "</thi<think>x</think>nk>tail",
        "<think></think><think>",
        "no tags at all",
        "İ<think>x</think>y",  # lowercasing changes this text's length
    ],
)
def test_strip_reasoning_keeps_its_meaning(text: str) -> None:
    import re

    def reference(text: str) -> str:  # the former implementation (regex, then the cut)
        text = re.sub(r"<think>.*?</think>", "", text, flags=re.DOTALL | re.IGNORECASE)
        if "</think>" in text.lower():
            return text[text.lower().rindex("</think>") + len("</think>") :]
        return "" if text.lower().lstrip().startswith("<think>") else text

    assert strip_reasoning(text) == reference(text)


def test_a_schema_error_quotes_a_huge_value_or_key_only_in_part() -> None:
    # The message becomes the request's error (shown on one line, in reports and PR
    # comments) and the feedback sent back to the model: a megabyte-long value or key
    # in the answer was quoted whole.
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"kind": {"enum": ["function", "class"]}},
    }
    for value in ({"kind": "x" * 1_000_000}, {"k" * 1_000_000: 1}):
        with pytest.raises(SchemaError) as caught:
            validate(value, schema)
        assert len(str(caught.value)) < 300
        assert "xxxx" in str(caught.value) or "kkkk" in str(caught.value)
