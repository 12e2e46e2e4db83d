"""The test-code stage: what a drafted test and the code it brings may do, judged
from the answer alone."""

from __future__ import annotations

import pytest

from tests.drafting.test_testmerge import COPIED_FIXTURE, JOINED
from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.module_scope import module_names
from ttabot.drafting.testcode import test_code_problem as code_problem
from ttabot.drafting.testmerge import merge


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
        # An assert no run reaches: under a constant false test, after a return or raise.
        ("def test_x():\n    f()\n    if False:\n        assert f()\n", False),
        ("def test_x():\n    f()\n    while 0:\n        assert f()\n", False),
        ("def test_x():\n    f()\n    return\n    assert f()\n", False),
        ("def test_x():\n    f()\n    raise SystemExit\n    assert f()\n", False),
        ("def test_x():\n    if True:\n        f()\n    else:\n        assert f()\n", False),
        ("def test_x():\n    if DEBUG:\n        assert f()\n", True),
        ("def test_x():\n    if False:\n        f()\n    else:\n        assert f()\n", True),
        (
            "def test_x():\n    try:\n        raise KeyError\n    except KeyError:\n"
            "        assert f()\n",
            True,
        ),
        # A raise on a condition the test checks is an assert written out; one the test
        # always runs only fails, and one in a handler turns the code's own exception
        # into a failure, which pytest does anyway (tenacity's test_reraise: the else).
        ("def test_x():\n    if f() != 3:\n        raise ValueError('not 3')\n", True),
        (
            "def test_x():\n    try:\n        f()\n    except KeyError:\n        pass\n"
            "    else:\n        raise AssertionError('no KeyError')\n",
            True,
        ),
        (
            "def test_x():\n    try:\n        f()\n    except Exception:\n"
            "        raise AssertionError('raised')\n",
            False,
        ),
        ("def test_x():\n    f()\n    raise AssertionError\n", False),
        ("def test_x():\n    if False:\n        raise ValueError\n    f()\n", False),
        (
            "def test_x():\n    for _ in f():\n        try:\n            g()\n"
            "        except KeyError:\n            raise\n",
            False,
        ),
        # A raise under a condition no result decides is the assert the gate refuses
        # (assert 1 != 2, assert r is r): never raised, or always.
        ("def test_x():\n    f()\n    if 1 == 2:\n        raise AssertionError\n", False),
        ("def test_x():\n    r = f()\n    if r is not r:\n        raise ValueError\n", False),
        ("def test_x():\n    f()\n    for _ in ():\n        raise AssertionError\n", False),
        ("def test_x():\n    f()\n    while 1 > 2:\n        raise AssertionError\n", False),
        (
            "def test_x():\n    for n in (1, 2):\n        if f(n) != n:\n"
            "            raise AssertionError\n",
            True,
        ),
        # A raise that skips the test hides a wrong result instead of failing on it.
        (
            "import unittest\n\n\ndef test_x():\n    if f() != 3:\n"
            "        raise unittest.SkipTest('not 3')\n",
            False,
        ),
        ("def test_x():\n    if f() != 3:\n        raise pytest.skip.Exception('x')\n", False),
        ("def test_x():\n    if f() != 3:\n        raise pytest.xfail.Exception\n", False),
        ("def test_x():\n    if f() != 3:\n        raise SkipTest\n", False),
        # A try's else never runs when its body ends with a return (or raise).
        (
            "def test_x():\n    try:\n        f()\n        return\n    except KeyError:\n"
            "        pass\n    else:\n        raise AssertionError('no KeyError')\n",
            False,
        ),
        (
            "def test_x():\n    try:\n        r = f()\n        return\n    except KeyError:\n"
            "        pass\n    else:\n        assert r == 3\n",
            False,
        ),
    ],
)
def test_a_test_asserts_something_itself_or_through_its_helpers(test: str, checks: bool) -> None:
    from ttabot.drafting.testasserts import asserts_something

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
    from ttabot.drafting.testasserts import asserts_something

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
    from ttabot.drafting.testeffects import import_time_change

    parts = split_answer(
        f"import m\n\n{support}\n\n\ndef test_x():\n    assert LOW or make or numpy\n"
    )
    assert import_time_change(parts, "test_x") == change


# An existing test module the answers below join: a fixture, an import, a guarded test.


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
    from ttabot.drafting.testcode import rebinding

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
    from ttabot.drafting.testeffects import import_time_change

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
    from ttabot.drafting.testcode import inherited_tests

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
    from ttabot.drafting.testcode import rebinding

    existing = (
        "import pytest\n\n\n@pytest.fixture\ndef logged_in(client):\n    return client\n\n\n"
        "def test_save(tmp_path, logged_in):\n    assert tmp_path\n\n\n"
        "@pytest.mark.usefixtures('db')\nclass TestStore:\n"
        "    def test_load(self):\n        assert self\n"
    )
    name = "client" if "client" in fixture else fixture.split("def ")[1].split("(")[0]
    answer = f"import pytest\n{fixture}\n\n\ndef test_new({name}):\n    assert {name} is None\n"
    assert rebinding(split_answer(answer), "test_new", existing) == rebound


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
    from ttabot.drafting.testcode import unjudged_test

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
    from ttabot.drafting.testcode import rebinding

    existing = "from unittest import mock\n\n\ndef test_old():\n    assert mock\n"
    answer = "import unittest.mock as mock\n\n\ndef test_new():\n    assert mock.sentinel\n"
    assert rebinding(split_answer(answer), "test_new", existing) is None
    other = "from pkg import mock\n\n\ndef test_new():\n    assert mock.sentinel\n"
    assert rebinding(split_answer(other), "test_new", existing) == "mock"


@pytest.mark.parametrize(
    ("existing", "refused"),
    [
        # Merged after the module's own imports, it could rebind any of them unseen.
        ("from pkg.other import clamp\n\n\ndef test_old():\n    assert clamp(1) == 1\n", True),
        # The module's own star import, repeated: nothing new.
        ("from pkg.calc import *\n\n\ndef test_old():\n    assert clamp(1) == 1\n", False),
        ("", False),  # a new test module has nothing to shadow
    ],
)
def test_a_star_import_may_not_join_a_module_with_names_of_its_own(
    existing: str, refused: bool
) -> None:
    from ttabot.drafting.testcode import test_code_problem

    parts = split_answer("from pkg.calc import *\n\n\ndef test_new():\n    assert clamp(-5) == 0\n")
    problem = test_code_problem(parts, "test_new", existing)
    assert (problem is not None and "import *" in problem) is refused, problem


@pytest.mark.parametrize(
    ("test", "reaches"),
    [
        # Lines claimed for the test's own context without running them: coverage credit.
        (
            "import coverage\n\n\ndef test_x():\n"
            "    data = coverage.Coverage.current().get_data()\n"
            "    data.add_lines({'pkg/calc.py': [5]})\n    assert clamp(3) == 3\n",
            True,
        ),
        ("import sys\n\n\ndef test_x():\n    sys.settrace(None)\n    assert clamp(3) == 3\n", True),
        (
            "import importlib\n\n\ndef test_x():\n    importlib.import_module('coverage')\n"
            "    assert clamp(3) == 3\n",
            True,
        ),
        ("def test_x():\n    assert clamp(3) == 3, 'full coverage of clamp'\n", False),
    ],
)
def test_a_test_may_not_reach_the_measurement_that_judges_it(test: str, reaches: bool) -> None:
    # Attack: the coverage stage credits a test with the lines recorded under its node
    # id; a test that writes into coverage's data, or turns the tracer off for others,
    # decides its own verdict.
    from ttabot.drafting.testcode import test_code_problem

    parts = split_answer(f"from pkg.calc import clamp\n{test}")
    problem = test_code_problem(parts, "test_x", "")
    assert (problem is not None and "measure" in problem) is reaches, problem


@pytest.mark.parametrize(
    ("test", "changed"),
    [
        # Left changed after the test: every test that runs later in the session (other
        # test modules too, which the existing stage does not run) sees it.
        ("def test_x():\n    pkg.calc.LIMIT = 2\n    assert clamp(5) == 2\n", "pkg.calc.LIMIT"),
        ("def test_x():\n    clamp.__defaults__ = (0, 2)\n    assert clamp(5) == 2\n", "clamp"),
        ("def test_x():\n    os.environ['TZ'] = 'UTC'\n    assert clamp(5) == 5\n", "os.environ"),
        ("def test_x():\n    del pkg.calc.LIMIT\n    assert clamp(5) == 5\n", "pkg.calc.LIMIT"),
        (
            "def test_x():\n    setattr(pkg.calc, 'LIMIT', 2)\n    assert clamp(5) == 2\n",
            "pkg.calc",
        ),
        # monkeypatch undoes it; objects the test made are its own.
        (
            "def test_x(monkeypatch):\n    monkeypatch.setattr(pkg.calc, 'LIMIT', 2)\n"
            "    assert clamp(5) == 2\n",
            None,
        ),
        ("def test_x():\n    box = Box()\n    box.size = 2\n    assert clamp(5, box) == 2\n", None),
        (
            "class TestX:\n    def test_x(self):\n        self.low = 0\n        assert clamp(5)\n",
            None,
        ),
    ],
)
def test_a_test_may_not_leave_an_imported_object_changed(test: str, changed: str | None) -> None:
    from ttabot.drafting.testcode import test_code_problem

    parts = split_answer(
        f"import os\n\nimport pkg.calc\nfrom pkg.calc import Box, clamp\n\n\n{test}"
    )
    (name,) = parts.tests
    problem = test_code_problem(parts, name, "")
    if changed is None:
        assert problem is None, problem
    else:
        assert problem is not None and "monkeypatch" in problem and changed in problem, problem


@pytest.mark.parametrize(
    ("test", "changed"),
    [
        # A name the test binds itself is its own local, whatever the module imports under
        # it: configuring the app it made changes no imported object.
        (
            "def test_x():\n    app = create_app()\n    app.config['TESTING'] = True\n"
            "    assert app.config['TESTING']\n",
            None,
        ),
        (
            "def test_x():\n    with create_app() as app:\n        app.debug = True\n"
            "        assert app.debug\n",
            None,
        ),
        (
            "def test_x():\n    app = create_app()\n\n    def configure():\n"
            "        app.debug = True\n\n    configure()\n    assert app.debug\n",
            None,
        ),
        # The module's own app, changed: imported. So is a name declared global.
        ("def test_x():\n    app.debug = True\n    assert app.debug\n", "app.debug"),
        (
            "def test_x():\n    global app\n    app = create_app()\n    app.debug = True\n"
            "    assert app.debug\n",
            "app.debug",
        ),
    ],
)
def test_a_test_may_change_what_it_binds_itself(test: str, changed: str | None) -> None:
    from ttabot.drafting.testcode import test_code_problem

    existing = "from myapp import app, create_app\n\n\ndef test_old():\n    assert app.name\n"
    parts = split_answer(f"from myapp import create_app\n\n\n{test}", module_names(existing))
    (name,) = parts.tests
    problem = test_code_problem(parts, name, existing)
    if changed is None:
        assert problem is None, problem
    else:
        assert problem is not None and f"leaves {changed} changed" in problem, problem


@pytest.mark.parametrize(
    ("imports", "test", "changed"),
    [
        # Flask's context-local proxies: what is set through them lives in the request or
        # app context the test runs, as in flask's own tests (a view writing the session).
        (
            "import flask",
            "def test_x(app, client):\n    @app.post('/')\n    def view():\n"
            "        flask.session['v'] = 1\n        flask.session.permanent = True\n"
            "        return ''\n\n    assert client.post('/').status_code == 200\n",
            None,
        ),
        (
            "from flask import g, session",
            "def test_x(app):\n    with app.test_request_context():\n        g.user = 'a'\n"
            "        session['k'] = 2\n        assert handler() == 'a'\n",
            None,
        ),
        (
            "from flask.globals import request as rq",
            "def test_x(app):\n    with app.test_request_context():\n"
            "        rq.max_form_parts = 10\n        assert handler()\n",
            None,
        ),
        (
            "def test_x(app):\n    import flask\n\n    with app.app_context():\n"
            "        flask.g.db = 1\n        assert handler()\n",
            "",
            None,
        ),
        # Not the proxy itself: the flask module, an object under g, the app, a look-alike.
        ("import flask", "def test_x():\n    flask.g = 1\n    assert handler()\n", "flask.g"),
        (
            "from flask import g",
            "def test_x():\n    g.cache['k'] = 1\n    assert handler()\n",
            "g.cache",
        ),
        (
            "from flask import current_app",
            "def test_x():\n    current_app.config['X'] = 1\n    assert handler()\n",
            "current_app.config",
        ),
        (
            "from myflask import session",
            "def test_x():\n    session['k'] = 1\n    assert handler()\n",
            "session",
        ),
        (
            "from .flask import session",
            "def test_x():\n    session['k'] = 1\n    assert handler()\n",
            "session",
        ),
    ],
)
def test_flasks_context_locals_are_the_contexts_own(
    imports: str, test: str, changed: str | None
) -> None:
    from ttabot.drafting.testcode import test_code_problem

    if not test:  # the import is inside the test itself
        imports, test = "", imports
    parts = split_answer(f"{imports}\nfrom app import handler\n\n\n{test}")
    problem = test_code_problem(parts, "test_x", "")
    if changed is None:
        assert problem is None, problem
    else:
        assert problem is not None and f"leaves {changed} changed" in problem, problem


@pytest.mark.parametrize(
    ("existing", "answer"),
    [
        # Attack: the name flask's proxy was imported as, bound again to a shared object
        # (by the test through ``global``, by module-level code of the answer or of the
        # module), is that object: what the test sets on it stays for later tests.
        (
            "",
            "from flask import g\nfrom app import handler, registry\n\n\n"
            "def test_x():\n    global g\n    g = registry\n    g.count = 5\n"
            "    assert handler()\n",
        ),
        (
            "",
            "from flask import g\nfrom app import handler, registry\n\ng = registry\n\n\n"
            "def test_x():\n    g.count = 5\n    assert handler()\n",
        ),
        (
            "from flask import g\nfrom app import registry\n\nif True:\n    g = registry\n",
            "from flask import g\nfrom app import handler\n\n\n"
            "def test_x():\n    g.count = 5\n    assert handler()\n",
        ),
        (
            "from flask import session\nfrom app import Store\n\n\nclass session(Store):\n"
            "    pass\n",
            "from flask import session\nfrom app import handler\n\n\n"
            "def test_x():\n    session['k'] = 1\n    assert handler()\n",
        ),
    ],
)
def test_a_context_local_name_bound_again_is_what_it_was_bound_to(
    existing: str, answer: str
) -> None:
    from ttabot.drafting.testcode import test_code_problem

    parts = split_answer(answer, module_names(existing))
    problem = test_code_problem(parts, "test_x", existing)
    assert problem is not None and "an imported object" in problem, problem


@pytest.mark.parametrize(
    "test",
    [
        # Bound elsewhere than in the test's own scope: the name stays the imported one.
        "def test_x():\n    [os for os in ()]\n    os.environ['TZ'] = 'UTC'\n    assert f()\n",
        "def test_x():\n    def inner():\n        os = 1\n\n    os.environ['TZ'] = 'UTC'\n"
        "    assert f()\n",
        "def test_x():\n    class C:\n        os = 1\n\n    os.environ['TZ'] = 'UTC'\n"
        "    assert f()\n",
        # A local import binds a local name to the shared module.
        "def test_x():\n    import sys\n    sys.path[:] = []\n    assert f()\n",
        "def test_x():\n    def inner():\n        os.environ['TZ'] = 'UTC'\n\n    inner()\n"
        "    assert f()\n",
    ],
)
def test_only_the_tests_own_names_are_its_own(test: str) -> None:
    from ttabot.drafting.testcode import test_code_problem

    parts = split_answer(f"import os\n\nfrom pkg import f\n\n\n{test}")
    problem = test_code_problem(parts, "test_x", "")
    assert problem is not None and "changed, an imported object" in problem, problem


@pytest.mark.parametrize(
    ("test", "reaches"),
    [
        # A project's own data and objects that merely share a name with the measurement.
        ("def test_x():\n    assert report()['coverage'] == 80\n", False),
        ("def test_x():\n    assert report() == {'coverage': 80}\n", False),
        ("def test_x():\n    app = make_app()\n    assert app.monitoring.enabled\n", False),
        # ... and the measurement reached by name, however spelled.
        (
            "import sys\n\n\ndef test_x():\n    sys.monitoring.free_tool_id(1)\n    assert f()\n",
            True,
        ),
        (
            "from sys import monitoring\n\n\ndef test_x():\n    monitoring.free_tool_id(1)\n"
            "    assert f()\n",
            True,
        ),
        (
            "import sys\n\n\ndef test_x():\n    cov = sys.modules['coverage']\n    assert f(cov)\n",
            True,
        ),
        ("import sys\n\n\ndef test_x():\n    assert f(sys.modules.get('coverage'))\n", True),
        ("def test_x():\n    assert f(__import__('coverage.data'))\n", True),
        ("import sys\n\n\ndef test_x():\n    assert f(getattr(sys, 'monitoring'))\n", True),
    ],
)
def test_only_the_measurement_itself_is_out_of_reach(test: str, reaches: bool) -> None:
    from ttabot.drafting.testcode import test_code_problem

    parts = split_answer(f"from pkg import f, make_app, report\n{test}")
    problem = test_code_problem(parts, "test_x", "")
    assert (problem is not None and "measure" in problem) is reaches, problem


@pytest.mark.parametrize(
    ("body", "named"),
    [
        # pytest runs the last test_a: the asserting one above it carried it.
        (
            "    def test_a(self):\n        assert f() == 1\n\n"
            "    def test_a(self):\n        f()\n",
            "test_a",
        ),
        # test_b is the helper that only runs code, under a test's name.
        (
            "    def test_a(self):\n        assert f() == 1\n\n    def run(self):\n        f()\n\n"
            "    test_b = run\n",
            "test_b",
        ),
        ("    def test_a(self):\n        assert f() == 1\n\n    from m import test_b\n", "test_b"),
        # pytest collects a nested test class too.
        (
            "    def test_a(self):\n        assert f() == 1\n\n    class TestInner:\n"
            "        def test_b(self):\n            f()\n",
            "TestInner",
        ),
    ],
)
def test_each_test_of_a_class_is_one_method_of_its_own(body: str, named: str) -> None:
    parts = split_answer(f"from m import f\n\n\nclass TestX:\n{body}")
    problem = code_problem(parts, "TestX", "")
    assert problem is not None
    assert named in problem


@pytest.mark.parametrize(
    "body",
    [
        "    def test_a(self):\n        assert f() == 1\n\n"
        "    def test_b(self):\n        assert f()\n",
        "    def test_a(self):\n        assert self.run() == 1\n\n    run = staticmethod(f)\n",
        "    class Box:\n        pass\n\n    def test_a(self):\n        assert f(self.Box())\n",
    ],
)
def test_a_class_whose_tests_are_each_one_method_passes(body: str) -> None:
    parts = split_answer(f"from m import f\n\n\nclass TestX:\n{body}")
    assert code_problem(parts, "TestX", "") is None
