"""tests-needed: changed code in a public function that no changed test names or runs."""

from __future__ import annotations

import pytest

from tests.analysis.marked import check, found, one
from ttabot.analysis.findings import AddedTestLines

FINDS = [
    pytest.param(
        """
         def load(x):
             return f'''
        +# {x} is text here
             '''
        """,
        {},
        {"load"},
        id="hash line inside a multi-line f-string is code",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {},
        {"load"},
        id="no test changed",
    ),
    pytest.param(
        """
         class Loader:
             def load(self):
        +        return 2
        """,
        {},
        {"Loader.load"},
        id="method",
    ),
    pytest.param(
        """
        +@functools.cache
         def load():
             return 1
        """,
        {},
        {"load"},
        id="added decorator is code",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"tests/test_mod.py": "+from pkg.mod import loader\n+assert loader()\n"},
        {"load"},
        id="whole word only: loader is not load",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"tests/test_mod.py": " from pkg.mod import load\n+assert True\n"},
        {"load"},
        id="the name on an unchanged test line does not count",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"pkg/helpers.py": "+load()\n"},
        {"load"},
        id="a non-test file naming it does not count",
    ),
    pytest.param(
        """
         def load():
        +    x = '''
        +    # not a comment: inside a string
        +    '''
        """,
        {},
        {"load"},
        id="hash line inside a multi-line string is code",
    ),
    pytest.param(
        """
         async def fetch():
        +    return 2
        """,
        {},
        {"fetch"},
        id="async def",
    ),
    pytest.param(
        """
         def outer():
             def inner():
        +        return 2
             return inner
        """,
        {},
        {"outer"},
        id="code in a nested function is code of the public outer",
    ),
]

LEAVES = [
    pytest.param(
        """
         def load():
             return call(
        +        # why the argument is 1
                 1,
             )
        """,
        {},
        id="comment inside a multi-line call",
    ),
    pytest.param(
        """
         def load():
             if x:
        +        # explain
                 return 1
        """,
        {},
        id="comment in a nested block",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"tests/test_mod.py": "+from pkg.mod import load\n"},
        id="a changed test names it",
    ),
    pytest.param(
        """
         class Loader:
             def load(self):
        +        return 2
        """,
        {"tests/test_mod.py": "+    assert Loader().load() == 2\n"},
        id="bare name of a method",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"pkg/mod_test.py": "+x = load()\n"},
        id="*_test.py counts",
    ),
    pytest.param(
        """
         def load():
        +    return 2
        """,
        {"conftest.py": "+@pytest.fixture\n+def thing():\n+    return load()\n"},
        id="conftest.py counts",
    ),
    pytest.param(
        """
         def load():
        +    # a comment
        +
             return 1
        """,
        {},
        id="comment and blank only",
    ),
    pytest.param(
        '''
         def load():
        +    """Load
        +    the thing.
        +    """
             return 1
        ''',
        {},
        id="docstring only",
    ),
    pytest.param(
        """
         class Loader:
        +    x = 2
        """,
        {},
        id="classes do not need tests",
    ),
    pytest.param(
        """
         def _load():
        +    return 2
        """,
        {},
        id="private",
    ),
    pytest.param(
        """
         class Loader:
             def __init__(self):
        +        self.x = 2
        """,
        {},
        id="dunder",
    ),
    pytest.param(
        """
        +@overload
        +def load(x: int) -> int: ...
        """,
        {},
        id="overload",
    ),
    pytest.param(
        """
         def load():
             return 1
        +x = 2
        """,
        {},
        id="module-level code",
    ),
]


@pytest.mark.parametrize(("snippet", "tests", "symbols"), FINDS)
def test_finds(snippet: str, tests: dict[str, str], symbols: set[str]) -> None:
    assert found(check(snippet, tests=tests), "tests-needed") == symbols


@pytest.mark.parametrize(("snippet", "tests"), LEAVES)
def test_leaves_alone(snippet: str, tests: dict[str, str]) -> None:
    assert found(check(snippet, tests=tests), "tests-needed") == set()


def test_message() -> None:
    result = check(
        """
         def load():
        +    return 2
        """
    )
    finding = one(result, "tests-needed")
    assert finding.message == "changed code in `load` is not exercised by any changed test"
    assert finding.task.value == "unit-tests"


def test_test_files_get_no_findings_of_their_own() -> None:
    result = check(
        """
         def load():
        +    return 2
        """,
        tests={"tests/helpers.py": "+def make():\n+    return 1\n"},
    )
    assert {f.path for f in result.findings} == {"pkg/mod.py"}


SNIPPET = """
 def load(x):
     if x:
+        return 1
+    return (
+        2
+    )
"""


@pytest.mark.parametrize(
    ("executed", "uncovered"),
    [
        pytest.param(frozenset(), (3, 4, 5, 6), id="nothing ran"),
        pytest.param(frozenset({1, 2, 4}), (3,), id="one branch ran"),
        pytest.param(frozenset({1, 2, 3}), (4, 5, 6), id="multi-line statement not run"),
    ],
)
def test_coverage_reports_uncovered_lines(
    executed: frozenset[int], uncovered: tuple[int, ...]
) -> None:
    result = check(SNIPPET, covered={"pkg/mod.py": executed})
    finding = one(result, "tests-needed")
    assert finding.details["uncovered_lines"] == uncovered
    assert "not run by any test" in finding.message


@pytest.mark.parametrize(
    "covered",
    [
        pytest.param({"pkg/mod.py": frozenset({1, 2, 3, 4})}, id="continuation lines map"),
        pytest.param({"pkg/mod.py": frozenset(range(1, 7))}, id="every line ran"),
    ],
)
def test_coverage_satisfies(covered: dict[str, frozenset[int]]) -> None:
    assert found(check(SNIPPET, covered=covered), "tests-needed") == set()


def test_file_missing_from_coverage_ran_nothing() -> None:
    result = check(SNIPPET, covered={"pkg/other.py": frozenset(range(1, 7))})
    assert found(result, "tests-needed") == {"load"}


def test_a_changed_test_naming_it_still_wins_with_coverage() -> None:
    result = check(SNIPPET, tests={"tests/test_mod.py": "+load(1)\n"}, covered={})
    assert found(result, "tests-needed") == set()


@pytest.mark.parametrize(
    ("line", "mentions"),
    [
        ("assert load() == 1", True),
        ("x = obj.load(1)", True),
        ("mock.patch('pkg.mod.load')", True),
        ("def test_load():", False),
        ("reload()", False),
        ("loader()", False),
        ("load_all()", False),
        ("LOAD()", False),
        ("# calls load", True),
    ],
)
def test_whole_word_evidence(line: str, mentions: bool) -> None:
    assert AddedTestLines([line]).mentions("load") is mentions


def test_evidence_for_names_outside_word_characters() -> None:
    # A combining mark is valid in an identifier but is not a regex word character.
    name = "cafe\u0301"
    assert AddedTestLines([f"x = {name}()"]).mentions(name)
    assert not AddedTestLines(["x = cafe()"]).mentions(name)


def test_getter_and_setter_changed_together_are_one_finding() -> None:
    result = check(
        """
        +class Pub:
        +    @property
        +    def v(self):
        +        return self._v
        +
        +    @v.setter
        +    def v(self, value):
        +        self._v = value
        """
    )
    needed = [f for f in result.findings if f.category.value == "tests-needed"]
    assert [(f.symbol, f.line) for f in needed] == [("Pub.v", 3)]
