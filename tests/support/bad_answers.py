"""Realistic bad answers free models give, for scripting the fake model in drafting tests.

Each builder returns the answer *content* (a string), to be served with
:func:`tests.support.fake_openai.ok`. They reproduce what was seen on real runs:
a docstring wrapped in the whole function, in a Markdown fence or in chat
prose, reasoning left in, a test answer that mixes a good test with useless
or secret-printing ones.
"""

from __future__ import annotations

import json
import textwrap


def docstrings_json(items: dict[str, str], *, prose: str = "") -> str:
    """A documentation answer in the expected JSON shape, optionally after prose."""
    text = json.dumps({"docstrings": [{"symbol": s, "docstring": d} for s, d in items.items()]})
    return f"{prose}\n{text}" if prose else text


def wrapped_in_definition(header: str, docstring: str, body: str) -> str:
    """The whole function with the docstring in it (``def restock(...):\\n    \"\"\"...\"\"\"``)."""
    doc = textwrap.indent(f'"""{docstring}\n"""', "    ").lstrip()
    return f"{header}\n    {doc}\n{textwrap.indent(body, '    ')}"


def wrapped_in_fence(docstring: str, lang: str = "") -> str:
    """A docstring inside a Markdown fence and nothing else."""
    return f"```{lang}\n{docstring}\n```"


def chat_preamble(symbol: str, docstring: str) -> str:
    """Prose before a fenced docstring, as chat models answer."""
    return f"Sure! Here is a Google-style docstring for `{symbol}`:\n```python\n{docstring}\n```"


def with_reasoning(docstring: str) -> str:
    """A docstring with the model's reasoning left in."""
    return f"<think>The function restocks items, so say that.</think>\n{docstring}"


def with_nested_quotes(docstring: str) -> str:
    """A docstring that closes and reopens triple quotes inside."""
    return f'{docstring}\n"""\nx = 1\n"""'


def mixed_tests(import_line: str, good: str, useless: str, leaky: str) -> str:
    """A test answer with a good test, one that adds no coverage, one that prints a token."""
    return f"import os\n\n{import_line}\n\n\n{good}\n\n\n{useless}\n\n\n{leaky}\n"


def leaking_test(name: str = "test_token_shown") -> str:
    """A test that fails only where a token is set, and prints it in the failure."""
    return (
        f"def {name}():\n"
        "    token = os.environ.get('OPENROUTER_API_KEY', '')\n"
        "    assert not token, token\n"
        "    assert os.environ.get('GITHUB_TOKEN') is None\n"
        "    open('stolen.txt', 'w').write(token)\n"
    )
