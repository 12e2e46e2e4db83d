"""check and drafting find definitions the same way (issue 10 item 7).

A public function under ``if``/``try``/``with`` that ``check`` reports must be
found by drafting, and when a name is defined twice both pick the same one.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

from tests.analysis.marked import check, unmark
from tests.drafting.conftest import answer, configure, user_prompt
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.analysis.resolve import find_definition as analysis_find
from ttabot.cli import main
from ttabot.drafting import docstring_check, refactor_measures
from ttabot.drafting.docstrings import find_definition, params_mismatch
from ttabot.drafting.prompt_context import definition_source
from ttabot.records import Finding

NESTED = [
    pytest.param(
        """
         import sys
         if sys.version_info >= (3, 11):
        +    def load(a):
        +        return a
        """,
        id="under if",
    ),
    pytest.param(
        """
         try:
             import fast
         except ImportError:
        +    def load(a):
        +        return a
        """,
        id="under try/except",
    ),
    pytest.param(
        """
         with open(__file__) as handle:
        +    def load(a):
        +        return a
        """,
        id="under with",
    ),
    pytest.param(
        """
         class Store:
             '''A store.'''
             if True:
        +        def load(self, a):
        +            return a
        """,
        id="method under if in a class",
    ),
]


def _findings(snippet: str) -> tuple[str, list[Finding]]:
    text, _ = unmark(snippet)
    return text, list(check(snippet).findings)


@pytest.mark.parametrize("snippet", NESTED)
def test_drafting_finds_what_check_reports(snippet: str) -> None:
    text, findings = _findings(snippet)
    assert {f.category.value for f in findings} >= {"docs-missing", "tests-needed"}
    tree = ast.parse(text)
    for finding in findings:
        node = find_definition(tree, finding.symbol, finding.line)
        assert node is not None and node.lineno == finding.line
        # Without the line, the same (only) definition.
        assert find_definition(tree, finding.symbol) is node
        # What the prompt shows is the definition itself, not a guess from line numbers.
        assert "return a" in definition_source(text, finding)
    symbol = findings[0].symbol
    assert params_mismatch(tree, symbol, "Load.\n\nArgs:\n    a: A.") is None
    assert refactor_measures.measures(text, symbol) is not None


@pytest.mark.parametrize("snippet", NESTED)
def test_docstring_for_a_nested_definition_is_accepted(snippet: str) -> None:
    text, findings = _findings(snippet)
    symbol = next(f.symbol for f in findings if f.category.value == "docs-missing")
    result = docstring_check.check_docstrings(text, {symbol: "Load.\n\nArgs:\n    a: A."}, [symbol])
    assert result.accepted == (symbol,), result.rejected


REDEFINED = [
    pytest.param(
        """
        +def load(a):
        +    return a
        +def load(a, b):
        +    return a + b
        """,
        1,
        id="both touched: the first",
    ),
    pytest.param(
        """
         def load(a):
             '''Documented.'''
             return a
        +def load(a, b):
        +    return a + b
        """,
        4,
        id="only the second touched: the second",
    ),
    pytest.param(
        """
         import sys
         if sys.platform == "win32":
        +    def load(a):
        +        return a
         else:
        +    def load(a):
        +        return -a
        """,
        3,
        id="if/else branches: the first",
    ),
]


@pytest.mark.parametrize(("snippet", "line"), REDEFINED)
def test_redefinitions_pick_the_same_definition(snippet: str, line: int) -> None:
    text, findings = _findings(snippet)
    docs = [f for f in findings if f.category.value == "docs-missing"]
    assert [f.line for f in docs] == [line]
    tree = ast.parse(text)
    node = find_definition(tree, "load", docs[0].line)
    assert node is not None and node.lineno == line
    assert analysis_find(tree, "load", line) is node


def test_without_a_line_the_first_definition_wins() -> None:
    tree = ast.parse("def f():\n    return 1\n\n\ndef f():\n    return 2\n")
    node = find_definition(tree, "f")
    assert node is not None and node.lineno == 1
    assert find_definition(tree, "f", 5) is not None
    assert find_definition(tree, "g") is None
    assert find_definition(tree, "f.inner") is None


def test_draft_drafts_a_function_under_try_that_check_reports(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    def responder(model: str, body: Any) -> Reply:
        assert "load" in user_prompt(body)
        items = [{"symbol": "load", "docstring": "Load it.\n\nArgs:\n    a: What to load."}]
        return answer({"docstrings": items})

    repo.write("pkg/__init__.py", "")
    repo.write("pkg/fast.py", '"""Fast paths."""\n')
    repo.commit("init")
    repo.write(
        "pkg/fast.py",
        '"""Fast paths."""\n\ntry:\n    import _fast\nexcept ImportError:\n'
        "    def load(a):\n        return a\n",
    )
    configure(repo, fake, responder)
    repo.stage()
    assert main(["draft", "--only", "docs-missing", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (drafted,) = doc["drafts"]
    assert drafted["status"] == "accepted", drafted
    assert [f["symbol"] for f in drafted["findings"]] == ["load"]
    assert '        """Load it.' in drafted["diff"]
