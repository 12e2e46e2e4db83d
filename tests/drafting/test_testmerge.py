"""Splitting drafted tests per function and merging only the kept ones into a test module."""

from __future__ import annotations

import ast

import pytest

from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.module_scope import defined_names
from ttabot.drafting.testmerge import merge

EXISTING = '''\
"""Tests for tenacity."""
import unittest

from tenacity import retry


class TestRetry(unittest.TestCase):
    def test_retry(self):
        self.assertTrue(retry)


if __name__ == "__main__":
    unittest.main()
'''

ANSWER = '''\
"""Drafted tests."""
import os
import unittest
import pytest
from tenacity import retry, stop_after_attempt
from tenacity import wait_fixed as wf


@pytest.fixture
def attempts():
    return 3


def helper():
    return wf(1)


def test_stops(attempts):
    assert stop_after_attempt(attempts)


def test_waits():
    assert helper()


def test_env():
    assert os.environ


if __name__ == "__main__":
    unittest.main()
'''


def top_level_order(text: str) -> list[str]:
    tree = ast.parse(text)
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append("import")
        elif isinstance(node, ast.If):
            out.append("main")
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            out.append(node.name)
    return out


def test_imports_go_to_the_top_deduplicated_and_code_before_the_main_block() -> None:
    parts = split_answer(ANSWER, defined_names(EXISTING))
    merged = merge(EXISTING, parts, ["test_stops", "test_waits"])
    order = top_level_order(merged)
    assert order[-1] == "main" and order.count("main") == 1
    # Every import comes before every definition (no E402), none twice.
    first_def = next(i for i, kind in enumerate(order) if kind != "import")
    assert "import" not in order[first_def:]
    assert merged.count("import unittest") == 1
    assert "from tenacity import stop_after_attempt, wait_fixed as wf\n" in merged
    # Only what the kept tests use: the fixture and helper, not os (test_env was dropped).
    assert "import os" not in merged and "def test_env" not in merged
    assert order.index("attempts") < order.index("test_stops")
    assert "helper" in order
    assert merged.startswith('"""Tests for tenacity."""\nimport unittest\n')
    ast.parse(merged)


def test_support_code_no_kept_test_uses_is_left_out() -> None:
    parts = split_answer(ANSWER)
    merged = merge("", parts, ["test_env"])
    assert "def attempts" not in merged and "def helper" not in merged
    assert "import os" in merged and "import pytest" not in merged
    assert "__main__" not in merged and "Drafted tests" not in merged


def test_clashing_names_are_renamed_before_merging() -> None:
    existing = "def test_stops():\n    pass\n"
    parts = split_answer(ANSWER, defined_names(existing))
    assert "test_stops_2" in parts.tests
    merged = merge(existing, parts, ["test_stops_2"])
    assert merged.count("def test_stops(") == 1 and "def test_stops_2(attempts):" in merged


def test_autouse_fixtures_and_pytestmark_stay_with_any_kept_test() -> None:
    answer = (
        "import pytest\n\npytestmark = pytest.mark.slow\n\n\n"
        "@pytest.fixture(autouse=True)\ndef reset():\n    yield\n\n\n"
        "def test_a():\n    assert 1\n"
    )
    merged = merge("", split_answer(answer), ["test_a"])
    assert "pytestmark" in merged and "def reset" in merged and "import pytest" in merged


DEEP = ["X = " + "-" * 100_000 + "1\n", "X = " + "not " * 100_000 + "1\n", "a" + ".a" * 100_000]


def test_code_nested_past_the_parser_is_a_syntax_error_everywhere_it_is_parsed() -> None:
    # Attack: a model's test answer, or the project's own test module, holding an
    # expression 3.11's parser refuses with MemoryError or RecursionError. Only
    # SyntaxError was expected, so the draft ended in a traceback.

    from ttabot.analysis.source import parse_python
    from ttabot.drafting import gate, refactor_measures

    for deep in DEEP:
        with pytest.raises(SyntaxError, match="nested too deeply"):
            parse_python(deep)
        with pytest.raises(SyntaxError, match="nested too deeply"):
            split_answer(deep)
        with pytest.raises(SyntaxError, match="nested too deeply"):
            merge(deep, split_answer("def test_a():\n    pass\n"), ["test_a"])
        assert defined_names(deep) == []
        assert refactor_measures.measures(deep, "f") is None
        gate.gate_docstring(deep, None, 60)  # a verdict, whichever: no exception
        gate.gate_docstring("Doc.\n\n" + deep, None, 60)


def test_nesting_past_the_parser_in_refactors_styles_and_old_versions_is_no_crash() -> None:
    # The same attack on the refactor check (a model's proposal), the docstring style of
    # a module placement reads, and the definitions of a file's old version.
    from ttabot.analysis.scope import dotted_names
    from ttabot.config import CheckSettings
    from ttabot.drafting import refactor_check
    from ttabot.drafting.docstrings import style_counts

    original = "def f(x):\n    return x\n"
    for deep in DEEP:
        check = refactor_check.check_refactor_code(original, deep, "f", CheckSettings())
        assert not check.accepted and check.reason == "nested too deeply for the parser"
        assert style_counts(deep) == {"google": 0, "numpy": 0, "sphinx": 0}
        assert dotted_names(deep.encode()) is None


def test_characters_str_splitlines_breaks_on_do_not_move_the_merge() -> None:
    # Form feeds (and \x1c, \u2028, ...) end a line for str.splitlines, not for Python:
    # counted as lines, they moved the main-block cut up into test_inside, whose last
    # asserts then became the end of the new test's body.
    existing = (
        '"""Tests.\x0c\x0c\x0c\x0c\u2028\u2028"""\nfrom pkg.calc import clamp\n\n\n'
        "def test_inside():\n    assert clamp(3) == 3\n    assert clamp(5) == 5\n"
        "    assert clamp(7) == 7\n\n\n"
        'if __name__ == "__main__":\n    pass\n'
    )
    answer = split_answer("import sys\n# \x0c\u2028\n\n\ndef test_new():\n    assert sys\n")
    merged = merge(existing, answer, ["test_new"])
    tree = ast.parse(merged)
    inside = next(n for n in tree.body if getattr(n, "name", "") == "test_inside")
    assert isinstance(inside, ast.FunctionDef) and len(inside.body) == 3
    new = next(n for n in tree.body if getattr(n, "name", "") == "test_new")
    assert isinstance(new, ast.FunctionDef) and len(new.body) == 1
    assert merged.startswith(
        '"""Tests.\x0c\x0c\x0c\x0c\u2028\u2028"""\nfrom pkg.calc import clamp\nimport sys\n'
    )


def test_a_crlf_test_module_stays_crlf() -> None:
    existing = "import os\r\n\r\n\r\ndef test_old():\r\n    assert os\r\n"
    merged = merge(
        existing, split_answer("import sys\n\n\ndef test_new():\n    assert sys\n"), ["test_new"]
    )
    assert merged == (
        "import os\r\nimport sys\r\n\r\n\r\ndef test_old():\r\n    assert os\r\n\r\n\r\n"
        "def test_new():\r\n    assert sys\r\n"
    )


JOINED = """\
import pytest
from pkg.calc import clamp


@pytest.fixture
def bounds():
    return (0, 10)


if clamp:
    def test_guarded():
        assert clamp(3) == 3


def test_inside(bounds):
    assert len(bounds) == 2 and clamp(3, *bounds) == 3
"""

COPIED_FIXTURE = "@pytest.fixture\ndef bounds():\n    return (0, 10)\n"


def test_a_drafted_test_named_like_one_defined_under_if_gets_a_fresh_name() -> None:
    # Attack: the maintainers' test_guarded is defined under an "if": a drafted
    # test_guarded merged below it would replace it, and its node id would pass.
    from ttabot.drafting.module_scope import module_names

    answer = "from pkg.calc import clamp\n\n\ndef test_guarded():\n    assert clamp(-5) == 0\n"
    parts = split_answer(answer, module_names(JOINED))
    assert list(parts.tests) == ["test_guarded_2"]
    assert {"pytest", "clamp", "bounds", "test_guarded", "test_inside"} <= module_names(JOINED)


def test_a_drafted_copy_of_one_of_the_modules_own_helpers_is_not_written_twice() -> None:
    # Models copy the fixtures the prompt shows them: the copy is the module's own.
    answer = (
        f"import pytest\nfrom pkg.calc import clamp\n\n\n{COPIED_FIXTURE}\n\n"
        "def test_low(bounds):\n    assert clamp(-5, *bounds) == 0\n"
    )
    merged = merge(JOINED, split_answer(answer), ["test_low"])
    assert merged.count("def bounds(") == 1 and "def test_low(bounds):" in merged
    ast.parse(merged)


def test_a_unittest_class_of_any_name_is_a_test_judged_like_the_others() -> None:
    # pytest collects a TestCase subclass whatever its name: were it support code, a
    # kept test naming it would bring its test methods into the module unjudged.
    answer = (
        "import unittest\n\n\nclass EdgeTests(unittest.TestCase):\n"
        "    def test_bad(self):\n        self.assertEqual(1, 2)\n\n\n"
        "def test_low():\n    assert EdgeTests\n"
    )
    parts = split_answer(answer)
    assert list(parts.tests) == ["EdgeTests", "test_low"]
    assert "class EdgeTests" not in merge("", parts, ["test_low"])


def test_a_clashing_test_is_renamed_on_its_own_def_line_not_in_a_string_above_it() -> None:
    # Attack: a decorator's string holds a line "def test_inside():" first; renaming the
    # first such line left the real definition named test_inside, and merged below the
    # module's own, it replaced the maintainers' test under the same node id.
    existing = "def test_inside():\n    assert 1\n"
    answer = (
        "import pytest\n\n\n@pytest.mark.parametrize('src', ['''\ndef test_inside():\n"
        "    pass\n'''])\ndef test_inside(src):\n    assert src\n"
    )
    parts = split_answer(answer, defined_names(existing))
    merged = merge(existing, parts, list(parts.tests))
    tree = ast.parse(merged)
    assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] == [
        "test_inside",
        "test_inside_2",
    ]
    assert "'''\ndef test_inside():\n    pass\n'''" in merged  # the string is left as it was
    # A line continuation between the keyword and the name: renamed all the same.
    continued = "def \\\n    test_inside():\n    assert 2\n"
    parts = split_answer(continued, defined_names(existing))
    assert list(parts.tests) == ["test_inside_2"]
    assert "test_inside_2():" in parts.tests["test_inside_2"].source
