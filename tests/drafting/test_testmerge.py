"""Splitting drafted tests per function and merging only the kept ones into a test module."""

from __future__ import annotations

import ast

import pytest

from ttabot.drafting.testmerge import defined_names, merge, split_answer

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
    import pytest

    from ttabot.analysis.source import parse_python
    from ttabot.drafting import gate, refactor

    for deep in DEEP:
        with pytest.raises(SyntaxError, match="nested too deeply"):
            parse_python(deep)
        with pytest.raises(SyntaxError, match="nested too deeply"):
            split_answer(deep)
        with pytest.raises(SyntaxError, match="nested too deeply"):
            merge(deep, split_answer("def test_a():\n    pass\n"), ["test_a"])
        assert defined_names(deep) == []
        assert refactor.measures(deep, "f") is None
        gate.gate_docstring(deep, None, 60)  # a verdict, whichever: no exception
        gate.gate_docstring("Doc.\n\n" + deep, None, 60)


def test_nesting_past_the_parser_in_refactors_styles_and_old_versions_is_no_crash() -> None:
    # The same attack on the refactor check (a model's proposal), the docstring style of
    # a module placement reads, and the definitions of a file's old version.
    from ttabot.analysis.scope import dotted_names
    from ttabot.config import CheckSettings
    from ttabot.drafting import validate
    from ttabot.drafting.docstrings import style_counts

    original = "def f(x):\n    return x\n"
    for deep in DEEP:
        check = validate.check_refactor_code(original, deep, "f", CheckSettings())
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


@pytest.mark.parametrize(
    ("test", "checks"),
    [
        ("def test_x():\n    assert f()\n", True),
        ("def test_x(self):\n    self.assertEqual(f(), 1)\n", True),
        ("def test_x(m):\n    f(m)\n    m.assert_called_once_with(1)\n", True),
        ("def test_x():\n    with pytest.raises(ValueError):\n        f()\n", True),
        ("def test_x(page):\n    f(page)\n    expect(page).to_have_title('x')\n", True),
        ("def test_x():\n    helper()\n", True),  # the helper asserts
        ("def test_x():\n    f()\n", False),
        ("def test_x():\n    try:\n        f()\n    except Exception:\n        pass\n", False),
        ("def test_x():\n    print(f())\n", False),
        # An assertion of a constant holds whatever the code did.
        ("def test_x():\n    f()\n    assert True\n", False),
        ("def test_x():\n    f()\n    assert 1, 'ran'\n", False),
        (
            "class TestX:\n    def test_x(self):\n        f()\n        self.assertTrue(True)\n",
            False,
        ),
        ("def test_x():\n    assert f() is not None\n    assert True\n", True),
        # ... and so does one that is true whatever its values: constants alone, a
        # non-empty tuple (the classic "assert (f() == 1, 'msg')"), a thing and itself.
        ("def test_x():\n    f()\n    assert 1 == 1\n", False),
        ("def test_x():\n    f()\n    assert not False\n", False),
        ("def test_x():\n    assert (f() == 1, 'one')\n", False),
        ("def test_x():\n    assert [f()]\n", False),
        ("def test_x():\n    result = f()\n    assert result == result\n", False),
        ("def test_x(self):\n    f()\n    self.assertEqual(1, 1)\n", False),
        ("def test_x(self):\n    r = f()\n    self.assertEqual(r, r)\n", False),
        ("def test_x():\n    assert (f(), 1) == (1, 1)\n", True),
        ("def test_x():\n    assert f() == f()\n", True),  # two calls: stable output
        ("def test_x():\n    assert f() != f\n", True),
        # A checking function defined in the test and never called checks nothing.
        ("def test_x():\n    f()\n\n    def check():\n        assert f()\n", False),
        ("def test_x():\n    def check():\n        assert f()\n\n    check()\n", True),
        ("def test_x():\n    def check():\n        assert f()\n\n    run(check)\n", True),
    ],
)
def test_a_test_asserts_something_itself_or_through_its_helpers(test: str, checks: bool) -> None:
    from ttabot.drafting.testmerge import asserts_something

    parts = split_answer(f"import pytest\n\n\ndef helper():\n    assert f()\n\n\n{test}")
    assert asserts_something(parts, "TestX" if "class" in test else "test_x") is checks


CHECKING_HELPERS = """\
import unittest

from shop import area


def check_area(w, h, out):
    assert area(w, h) == out


def _via(w):
    check_area(w, 1, w)


class AreaCase(unittest.TestCase):
    def check(self, w):
        self.assertEqual(area(w, 1), w)


def make(w):
    return area(w, 1)
"""


@pytest.mark.parametrize(
    ("test", "checks"),
    [
        ("def test_x():\n    check_area(3, 4, 12)\n", True),
        ("def test_x():\n    _via(3)\n", True),  # through a helper of the helper
        ("class TestX(AreaCase):\n    def test_x(self):\n        self.check(3)\n", True),
        ("def test_x():\n    make(3)\n", False),
    ],
)
def test_a_test_may_check_through_the_existing_modules_helpers(test: str, checks: bool) -> None:
    from ttabot.drafting.testmerge import asserts_something

    parts = split_answer(f"from shop import area\n\n\n{test}")
    name = "TestX" if "class" in test else "test_x"
    assert asserts_something(parts, name, CHECKING_HELPERS) is checks


@pytest.mark.parametrize(
    ("support", "change"),
    [
        ("LOW = 1", None),
        ("try:\n    import numpy\nexcept ImportError:\n    numpy = None", None),
        ("def make():\n    return 1", None),
        ("LOW, HIGH = 1, 2", None),  # unpacking into names defines names
        ("[LOW, *REST] = [1, 2]", None),
        ("LOW, m.LIMIT = 1, 2", "LOW, m.LIMIT = (1, 2)"),
        ("LOW, m.ITEMS[0] = 1, 2", "LOW, m.ITEMS[0] = (1, 2)"),
        # A value whose call changes another object by name, or runs a string.
        ("LOW = setattr(m, 'LIMIT', 2)", "LOW = setattr(m, 'LIMIT', 2)"),
        ("LOW = (delattr(m, 'LIMIT'), 1)[1]", "LOW = (delattr(m, 'LIMIT'), 1)[1]"),
        ("LOW: int = m.f.__setattr__('x', 1)", "LOW: int = m.f.__setattr__('x', 1)"),
        ("LOW = vars(m).update(LIMIT=2)", "LOW = vars(m).update(LIMIT=2)"),
        ("LOW = m.__dict__.pop('LIMIT')", "LOW = m.__dict__.pop('LIMIT')"),
        ("LOW = exec('m.LIMIT = 2')", "LOW = exec('m.LIMIT = 2')"),
        ("LOW = getattr(m, 'LIMIT', 1)", None),  # reading is fine
        ("LOW = vars(m)['LIMIT']", None),
        ("LOW = globals().get('LIMIT', m.__dict__.get('LIMIT'))", None),
        ("LOW = m.f.__defaults__ = (1,)", "LOW = m.f.__defaults__ = (1,)"),
        ("if True:\n    m.LIMIT = 2\n    LOW = 1", "m.LIMIT = 2"),
        ("for LOW in [1]:\n    pass", "for LOW in [1]:"),
        # What else runs at import: a class body, decorators, defaults, annotations, bases,
        # an if's test; and a changing builtin reached by attribute or passed by name.
        ("class make:\n    m.LIMIT = 2", "m.LIMIT = 2"),
        (
            "class make:\n    '''Doc.'''\n    LIMIT = 2\n\n    def f(self):\n        m.LIMIT = 3",
            None,
        ),
        (
            "def make(x=setattr(m, 'LIMIT', 2)):\n    return x",
            "def make(x=setattr(m, 'LIMIT', 2)):",
        ),
        (
            "def make(x: setattr(m, 'LIMIT', 2)):\n    return x",
            "def make(x: setattr(m, 'LIMIT', 2)):",
        ),
        (
            "@(lambda f: (setattr(m, 'LIMIT', 2), f)[1])\ndef make():\n    return 1",
            "@lambda f: (setattr(m, 'LIMIT', 2), f)[1]",
        ),
        (
            "class make(setattr(m, 'LIMIT', 2) or object):\n    pass",
            "class make(setattr(m, 'LIMIT', 2) or object):",
        ),
        ("if setattr(m, 'LIMIT', 2) is None:\n    LOW = 1", "if setattr(m, 'LIMIT', 2) is None:"),
        ("LOW: setattr(m, 'LIMIT', 2) = 1", "LOW: setattr(m, 'LIMIT', 2) = 1"),
        ("LOW = builtins.setattr(m, 'LIMIT', 2)", "LOW = builtins.setattr(m, 'LIMIT', 2)"),
        (
            "LOW = operator.setitem(vars(m), 'LIMIT', 2)",
            "LOW = operator.setitem(vars(m), 'LIMIT', 2)",
        ),
        (
            "LOW = list(map(setattr, [m], ['LIMIT'], [2]))",
            "LOW = list(map(setattr, [m], ['LIMIT'], [2]))",
        ),
        ("def make(x=m.f(1)):\n    return x", None),  # a call: beyond a static check
    ],
)
def test_module_level_code_a_test_needs_may_only_define_names(
    support: str, change: str | None
) -> None:
    from ttabot.drafting.testmerge import import_time_change

    parts = split_answer(
        f"import m\n\n{support}\n\n\ndef test_x():\n    assert LOW or make or numpy\n"
    )
    assert import_time_change(parts, "test_x") == change


# An existing test module the answers below join: a fixture, an import, a guarded test.
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
    from ttabot.drafting.testmerge import module_names

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


@pytest.mark.parametrize(
    ("support", "rebound"),
    [
        (COPIED_FIXTURE, None),  # the module's own fixture, copied: nothing changes
        ("import pkg.calc", None),  # binds a new name: pkg
        ("from pkg.calc import clamp as clamp", None),  # the same import, spelt otherwise
        # The maintainers' fixture replaced: test_inside would run with (-100, 100).
        ("@pytest.fixture\ndef bounds():\n    return (-100, 100)\n", "bounds"),
        ("def bounds():\n    return (-100, 100)\n", "bounds"),
        ("bounds = (-100, 100)", "bounds"),
        ("pytestmark = pytest.mark.skip", None),  # a new name: the existing stage judges it
        ("from pkg.other import clamp", "clamp"),
        ("import os as pytest", "pytest"),
        # A builtin the module's own code uses, shadowed for the whole module.
        ("def len(x):\n    return 2\n", "len"),
        ("from pkg.calc import len", "len"),
        ("@pytest.fixture\ndef input():\n    return 1\n", None),  # one the module does not use
    ],
)
def test_code_a_test_brings_may_not_bind_again_a_name_the_module_binds(
    support: str, rebound: str | None
) -> None:
    from ttabot.drafting.testmerge import rebinding

    answer = (
        f"import pytest\n{support}\n\n\n"
        "def test_low(bounds, input):\n"
        "    assert pytest and pkg and len(bounds) and clamp(-5, *bounds) == 0\n"
    )
    parts = split_answer(answer)
    assert rebinding(parts, "test_low", JOINED) == rebound
    if rebound is None:
        merged = merge(JOINED, parts, ["test_low"])
        assert merged.count("def bounds(") == 1 and "def test_low(bounds, input):" in merged


@pytest.mark.parametrize(
    ("test", "change"),
    [
        (
            "class TestX:\n    m.LIMIT = 2\n\n    def test_x(self):\n        assert m\n",
            "m.LIMIT = 2",
        ),
        (
            "@pytest.mark.parametrize('v', [setattr(m, 'LIMIT', 2)])\n"
            "def test_x(v):\n    assert m\n",
            "@pytest.mark.parametrize('v', [setattr(m, 'LIMIT', 2)])",
        ),
        (
            "def test_x(v=vars(m).update(LIMIT=2)):\n    assert m\n",
            "def test_x(v=vars(m).update(LIMIT=2)):",
        ),
        (
            "class TestX:\n    '''Doc.'''\n    LIMIT = 2\n\n    def test_x(self):\n"
            "        m.LIMIT = 3\n        assert m\n",
            None,
        ),
    ],
)
def test_a_test_may_not_change_other_objects_when_its_module_is_imported(
    test: str, change: str | None
) -> None:
    # Attack: a test class's body, or a test's decorators and defaults, run when pytest
    # collects the module, before any test: for every other test module too.
    from ttabot.drafting.testmerge import import_time_change

    parts = split_answer(f"import m\nimport pytest\n\n\n{test}")
    (name,) = parts.tests
    assert import_time_change(parts, name) == change


@pytest.mark.parametrize(
    ("existing", "answer", "base"),
    [
        # unittest style: the module's setUp is what the model wants, its tests come along.
        (
            "import unittest\n\n\nclass CalcTests(unittest.TestCase):\n"
            "    def setUp(self):\n        self.low = 0\n\n"
            "    def test_inside(self):\n        assert self.low == 0\n",
            "class TestEdges(CalcTests):\n    def test_low(self):\n        assert self.low == 0\n",
            "CalcTests",
        ),
        # Through a base of the answer's own that inherits them.
        (
            "class TestCalc:\n    def test_inside(self):\n        assert 1\n",
            "class Mixin(TestCalc):\n    pass\n\n\n"
            "class TestEdges(Mixin):\n    def test_low(self):\n        assert 2\n",
            "TestCalc",
        ),
        # Another drafted test class: its tests would run twice too.
        (
            "",
            "class TestBase:\n    def test_a(self):\n        assert 1\n\n\n"
            "class TestEdges(TestBase):\n    def test_low(self):\n        assert 2\n",
            "TestBase",
        ),
        # A base with setUp and helpers but no tests is what a shared base is for.
        (
            "import unittest\n\n\nclass CalcCase(unittest.TestCase):\n"
            "    def setUp(self):\n        self.low = 0\n",
            "class TestEdges(CalcCase):\n    def test_low(self):\n        assert self.low == 0\n",
            None,
        ),
    ],
)
def test_a_drafted_test_class_may_not_inherit_test_methods(
    existing: str, answer: str, base: str | None
) -> None:
    # Attack: the written module would run the inherited tests a second time under the
    # drafted class; each of its own methods still adds coverage, so nothing else objects.
    from ttabot.drafting.testmerge import inherited_tests, module_names

    parts = split_answer(answer, module_names(existing))
    assert inherited_tests(parts, "TestEdges", existing) == base


@pytest.mark.parametrize(
    ("fixture", "rebound"),
    [
        # pytest's own tmp_path, or a conftest.py fixture, that an existing test requests:
        # defined in the module, the drafted fixture would serve that test instead.
        ("@pytest.fixture\ndef tmp_path():\n    return '/tmp'\n", "tmp_path"),
        ("@pytest.fixture\ndef client():\n    return None\n", "client"),
        ("@pytest.fixture\ndef db():\n    return None\n", "db"),  # through usefixtures
        ("@pytest.fixture(name='client')\ndef _client():\n    return None\n", "client"),
        # One no existing test or fixture of the module requests reaches only new tests.
        ("@pytest.fixture\ndef order():\n    return None\n", None),
        # A plain name is no fixture: pytest still serves its own to the existing tests.
        ("from urllib import request as client", None),
    ],
)
def test_a_drafted_fixture_may_not_replace_one_the_modules_tests_request(
    fixture: str, rebound: str | None
) -> None:
    from ttabot.drafting.testmerge import rebinding

    existing = (
        "import pytest\n\n\n@pytest.fixture\ndef logged_in(client):\n    return client\n\n\n"
        "def test_save(tmp_path, logged_in):\n    assert tmp_path\n\n\n"
        "@pytest.mark.usefixtures('db')\nclass TestStore:\n"
        "    def test_load(self):\n        assert self\n"
    )
    name = "client" if "client" in fixture else fixture.split("def ")[1].split("(")[0]
    answer = f"import pytest\n{fixture}\n\n\ndef test_new({name}):\n    assert {name} is None\n"
    assert rebinding(split_answer(answer), "test_new", existing) == rebound


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


@pytest.mark.parametrize(
    "support",
    [
        "if True:\n    HELPER = 1\n\n    def test_evil():\n        assert False\n",
        "try:\n    HELPER = 1\n\n    class TestEvil:\n        def test_x(self):\n"
        "            assert False\nexcept ImportError:\n    pass\n",
    ],
)
def test_code_a_test_needs_may_not_define_tests_no_stage_judges(support: str) -> None:
    # Attack: a test defined under an "if" is support code to the split, yet pytest
    # collects it; brought along with a kept test that uses HELPER, it lands unjudged.
    from ttabot.drafting.testmerge import unjudged_test

    parts = split_answer(f"{support}\n\ndef test_low():\n    assert HELPER\n")
    assert "HELPER" in parts.support[0].binds
    assert unjudged_test(parts, "test_low") in ("test_evil", "TestEvil")
    assert (
        unjudged_test(
            split_answer("HELPER = 1\n\n\ndef test_low():\n    assert HELPER\n"), "test_low"
        )
        is None
    )


def test_an_import_of_the_same_module_spelt_otherwise_binds_nothing_new() -> None:
    from ttabot.drafting.testmerge import rebinding

    existing = "from unittest import mock\n\n\ndef test_old():\n    assert mock\n"
    answer = "import unittest.mock as mock\n\n\ndef test_new():\n    assert mock.sentinel\n"
    assert rebinding(split_answer(answer), "test_new", existing) is None
    other = "from pkg import mock\n\n\ndef test_new():\n    assert mock.sentinel\n"
    assert rebinding(split_answer(other), "test_new", existing) == "mock"


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
