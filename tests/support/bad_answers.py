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


# --- hostile docstring answers: each must end rejected at stage docstring-text ----------


def hostile_docstrings(docstring: str) -> dict[str, str]:
    """``name -> answer``: wrappings and smuggled text the docstring gate must refuse."""
    return {
        "thinking tag": f"<thinking>The user wants a docstring.</thinking>\n{docstring}",
        "reasoning tag": f"<reasoning>\nsay what it does\n</reasoning>\n{docstring}",
        "docstring tag": f"<docstring>\n{docstring}\n</docstring>",
        "curly apostrophe": f"Here\u2019s the docstring:\n\n{docstring}",
        "here you go": f"Here you go:\n\n{docstring}",
        "markdown label": f"**Docstring:**\n\n{docstring}",
        "markdown heading": f"## Docstring\n\n{docstring}",
        "postamble": f"{docstring}\n\nLet me know if you would like any changes!",
        "hope it helps": f"{docstring}\n\nI hope this helps.",
        "about itself": f"{docstring}\n\nThis docstring follows the Google style guide.",
        "style named": f"{docstring}\n\n(Google-style docstring, as requested.)",
        "tilde fence": f"~~~\n{docstring}\n~~~",
        "bidi override": docstring.replace(".", ".\u202e", 1),
        "zero-width space": docstring.replace(" ", " \u200b", 1),
        "nul": docstring.replace(".", ".\x00", 1),
        "escape": docstring.replace(".", ".\x1b[2J", 1),
        "compound import": f"{docstring}\n\nif True: import os",
        "compound assignment": f"{docstring}\n\nfor name in dir(): x = name",
        "walrus": f"{docstring}\n\n(x := 1)",
        "one long line": docstring + " " + "word " * 2000,
        "json again": json.dumps({"docstring": docstring}),
        "json list": json.dumps([docstring]),
    }
