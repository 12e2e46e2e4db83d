"""docs/model-io.md documents the answer schema of every task kind, exactly as sent."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ttabot.drafting.kinds import KINDS
from ttabot.records import TaskKind

DOC = Path(__file__).resolve().parents[2] / "docs" / "model-io.md"


def json_blocks(text: str) -> list[Any]:
    """Every ```` ```json ```` block of ``text`` that parses (examples with ``...`` do not)."""
    found = []
    for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL):
        try:
            found.append(json.loads(block))
        except json.JSONDecodeError:
            continue
    return found


@pytest.mark.parametrize("kind", list(TaskKind))
def test_every_kind_s_answer_schema_is_in_the_doc(kind: TaskKind) -> None:
    schema = KINDS[kind].schema
    assert isinstance(schema, Mapping), f"{kind.value} has no answer schema"
    assert dict(schema) in json_blocks(DOC.read_text(encoding="utf-8"))


def test_a_schema_the_doc_lacks_is_caught() -> None:
    text = '```json\n{"type": "object"}\n```\n```json\n{"not": "json"...}\n```\n'
    assert json_blocks(text) == [{"type": "object"}]
    assert {"type": "array"} not in json_blocks(text)
