"""The messages that ask a model for JSON matching a schema, and that ask it again.

:func:`with_json_instruction` puts the schema in the system message;
:func:`feedback` shows the model its invalid answer and what was wrong with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def json_instruction(schema: Mapping[str, Any]) -> str:
    """The system-message text that asks for JSON matching ``schema``."""
    return (
        "Answer with a single JSON object and nothing else (no prose, no code fences). "
        "It must match this JSON schema:\n" + json.dumps(schema, separators=(",", ":"))
    )


def with_json_instruction(
    messages: Sequence[Mapping[str, str]], schema: Mapping[str, Any]
) -> list[dict[str, str]]:
    """``messages`` with the JSON instruction added to (or as) the system message.

    Messages whose system message carries the instruction already (a planned
    task's, which hold exactly what is sent) are returned as they are.
    """
    out = [dict(message) for message in messages]
    instruction = json_instruction(schema)
    if out and out[0].get("role") == "system" and instruction in out[0].get("content", ""):
        return out
    if out and out[0].get("role") == "system":
        out[0]["content"] = f"{out[0].get('content', '')}\n\n{instruction}".lstrip()
    else:
        out.insert(0, {"role": "system", "content": instruction})
    return out


def feedback(answer: str, problem: str) -> list[dict[str, str]]:
    """The two messages that show a model its invalid answer and what was wrong."""
    return [
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": f"That answer was not valid: {problem}. "
            "Reply again with only the corrected JSON object.",
        },
    ]
