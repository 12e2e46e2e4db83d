"""Refactor measures and putting a rewritten definition in place."""

from __future__ import annotations

import ast
import textwrap

import pytest

from ttabot.config import CheckSettings
from ttabot.drafting.docstrings import find_definition
from ttabot.drafting.refactor import replace_definition
from ttabot.drafting.refactor_measures import Measures, lowered, measures

SOURCE = (
    "import x\n\n\nclass A:\n    @staticmethod\n    @other\n    def m(a, b):\n        return a\n\n"
    "    def n(self):\n        pass\n"
)


def test_replace_definition_reindents_and_keeps_the_rest() -> None:
    out = replace_definition(SOURCE, "A.m", "@staticmethod\ndef m(a, b):\n    return b\n")
    assert out == (
        "import x\n\n\nclass A:\n    @staticmethod\n    def m(a, b):\n        return b\n\n"
        "    def n(self):\n        pass\n"
    )


def test_replace_definition_of_a_missing_symbol_fails() -> None:
    with pytest.raises(ValueError, match="not defined"):
        replace_definition(SOURCE, "A.zz", "def zz(): pass")


def test_measures_skip_self_for_methods() -> None:
    assert measures(SOURCE, "A.n") == Measures(complexity=1, parameters=0)
    assert measures(SOURCE, "A.m") == Measures(complexity=1, parameters=2)
    assert measures("def f(:", "f") is None


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (Measures(12, 2), Measures(4, 2), None),
        (Measures(12, 2), Measures(12, 1), "complexity 12 -> 12"),
        (Measures(3, 7), Measures(3, 5), None),
        (Measures(12, 7), Measures(5, 7), "parameters 7 -> 7"),
    ],
)
def test_lowered(before: Measures, after: Measures, problem: str | None) -> None:
    found = lowered(before, after, CheckSettings())
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_replace_definition_keeps_a_docstring_the_rewrite_dropped() -> None:
    source = 'def f(x):\n    """Return x.\n\n    Args:\n        x: X.\n    """\n    return x\n'
    out = replace_definition(source, "f", "def f(x):\n    return +x\n")
    assert (
        out == 'def f(x):\n    """Return x.\n\n    Args:\n        x: X.\n    """\n    return +x\n'
    )


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ('def f(x):\n    """Return x."""\n    return x\n', "Return x."),
        ("def f(x):\n    return x\n", None),
    ],
)
def test_a_rewrite_never_brings_a_docstring_of_its_own(source: str, kept: str | None) -> None:
    # Attack: the rewrite's docstring never passed the docstring gate: chat prose, a
    # script, a note about the refactor would land in the file with the new code.
    code = (
        'def f(x):\n    """Sure! I refactored this for you.\n\n    <script>x()</script>\n    """\n'
        "    return +x\n"
    )
    out = replace_definition(source, "f", code)
    node = find_definition(ast.parse(out), "f")
    assert node is not None and ast.get_docstring(node) == kept
    assert "return +x" in out and "Sure" not in out


BRANCHY = (
    "import functools\n\nLIMIT = 10\n\n\ndef other(a, b):\n    return a\n\n\n"
    "@functools.cache\ndef grade(n):\n"
    + "".join(f"    if n == {i}:\n        return {i}\n" for i in range(10))
    + "    return -1\n\n\nclass K:\n    def __init__(self, x):\n        self.x = x\n\n"
    "    def m(self, n):\n"
    + "".join(f"        if n == {i}:\n            return {i}\n" for i in range(10))
    + "        return -1\n"
)
REWRITE = "@functools.cache\ndef grade(n):\n    return n if 0 <= n < 10 else -1\n"
METHOD = "def m(self, n):\n    return n if 0 <= n < 10 else -1\n"


@pytest.mark.parametrize(
    ("symbol", "code", "why"),
    [
        # A second definition wins at run time: the checked first one is a decoy.
        ("grade", REWRITE + "\n\ndef grade(*args, **kwargs):\n    return -1\n", "grade"),
        ("grade", REWRITE + "\n\ngrade = functools.lru_cache(grade)\n", "grade"),
        # Another public function of the module, redefined with another signature.
        ("grade", REWRITE + "\n\ndef other(a):\n    return a\n", "other"),
        ("grade", REWRITE + "\n\nLIMIT = 11\n", "LIMIT"),
        ("grade", REWRITE + "\n\ndef len(x):\n    return 0\n", "len"),
        # Decorators are part of how a function is called: dropped, added or changed.
        ("grade", REWRITE.replace("@functools.cache\n", ""), "decorators"),
        ("grade", "@property\n" + REWRITE, "decorators"),
        ("K.m", "@staticmethod\n" + METHOD, "decorators"),
        ("K.m", METHOD + "\ndef __init__(self):\n    self.x = 0\n", "__init__"),
        # A method named like a builtin that the class body itself then uses.
        (
            "K.m",
            METHOD
            + "\ndef property(self):\n    return 1\n\n@property\ndef _n(self):\n    return 1\n",
            "property",
        ),
        ("K.m", METHOD + "\ndef format(self):\n    return 1\n\nf = format(1, 'x')\n", "format"),
        # One statement, two definitions: the checked one, and the one that wins.
        (
            "grade",
            "try:\n" + textwrap.indent(REWRITE, "    ") + "except ImportError:\n    pass\n"
            "else:\n    def grade(*args, **kwargs):\n        return -1\n",
            "grade",
        ),
        # A statement that runs at import and changes what other code sees.
        ("grade", REWRITE + "\n\nother.__defaults__ = (1,)\n", "runs at import"),
        ("grade", REWRITE + "\n\nfunctools.cache = print\n", "runs at import"),
        ("grade", REWRITE + "\n\nif True:\n    del other\n", "runs at import"),
        # ... also in what a new helper's definition evaluates, or a new class's body.
        ("grade", REWRITE + "\n\ndef _helper(n=setattr(other, 'x', 1)):\n    return n\n", "import"),
        ("grade", REWRITE + "\n\nclass _Table:\n    other.__defaults__ = (1,)\n", "import"),
        # A return annotation added where there was none is a signature change too.
        ("grade", REWRITE.replace("(n):", "(n) -> None:"), "return annotation"),
        # Special names Python looks up by itself change the module or class around it.
        ("grade", REWRITE + "\n\ndef __getattr__(name):\n    return 1\n", "__getattr__"),
        ("grade", REWRITE + "\n\n__all__ = ['grade']\n", "__all__"),
        ("K.m", METHOD + "\ndef __eq__(self, other):\n    return True\n", "__eq__"),
        # Defined only when a condition holds (here: never), or when nothing raises.
        ("grade", "if False:\n" + textwrap.indent(REWRITE, "    ") + "else:\n    pass\n", "moves"),
        (
            "grade",
            "try:\n" + textwrap.indent(REWRITE, "    ") + "except Exception:\n    pass\n",
            "moves",
        ),
        ("K.m", "if False:\n" + textwrap.indent(METHOD, "    "), "moves"),
        # A function that now yields returns a generator: every caller gets another type.
        ("grade", "@functools.cache\ndef grade(n):\n    yield from range(n)\n", "generator"),
        ("K.m", "def m(self, n):\n    if n:\n        yield n\n", "generator"),
        # A docstring of the rewrite's own that cannot be cut out exactly: not taken.
        (
            "grade",
            REWRITE.replace("(n):\n", "(n):\n    'Sure! Refactored.'; x = 1\n"),
            "docstring",
        ),
        # Rebinding the module's names when called: after the first call, other code runs.
        (
            "grade",
            "@functools.cache\ndef grade(n):\n    global other\n    other = len\n"
            "    return n if 0 <= n < 10 else -1\n",
            "global",
        ),
        (
            "grade",
            REWRITE + "\n\ndef _helper():\n    global LIMIT\n    LIMIT = 0\n",
            "global",
        ),
    ],
)
def test_a_rewrite_that_changes_the_modules_interface_fails_the_signature_stage(
    symbol: str, code: str, why: str
) -> None:
    from ttabot.drafting.refactor_check import check_refactor_code

    proposed = replace_definition(BRANCHY, symbol, code)
    result = check_refactor_code(BRANCHY, proposed, symbol, CheckSettings())
    assert not result.accepted
    assert [s.name for s in result.stages] == ["parses", "signature"]
    assert why in result.reason


@pytest.mark.parametrize(
    ("symbol", "code"),
    [
        ("grade", REWRITE),
        (
            "grade",
            REWRITE + "\n\n_TABLE = dict(enumerate(range(10)))\n\n\ndef _helper(n):\n    pass\n",
        ),
        ("K.m", METHOD + "\ndef _lookup(self, n):\n    return n\n"),
        # A cache of its own, made global by the rewrite: a new name, no one else's.
        (
            "grade",
            "@functools.cache\ndef grade(n):\n    global _SEEN\n    _SEEN = n\n"
            "    return n if 0 <= n < 10 else -1\n\n\n_SEEN = None\n",
        ),
        # A method named like a builtin: the methods' code still sees the builtin.
        ("K.m", "def format(self, n):\n    return format(n, 'd')\n\n" + METHOD),
    ],
)
def test_a_rewrite_with_new_private_helpers_passes_the_signature_stage(
    symbol: str, code: str
) -> None:
    from ttabot.drafting.refactor_check import check_refactor_code

    proposed = replace_definition(BRANCHY, symbol, code)
    result = check_refactor_code(BRANCHY, proposed, symbol, CheckSettings())
    assert result.accepted, result.reason


def test_replace_definition_numbers_lines_as_python_does() -> None:
    # Form feeds and \u2028 end a line for str.splitlines but not for the AST: counted,
    # they made the rewrite land above the definition and left the old one in place.
    source = (
        '"""Mod.\x0c\x0c\u2028"""\n\n\ndef keep(x):\n    return x\n\n\ndef f(x):\n    return x\n'
    )
    out = replace_definition(source, "f", "def f(x):\n    return -x\n")
    assert out == source.replace("def f(x):\n    return x\n", "def f(x):\n    return -x\n")


RECORDS = (
    "import dataclasses\nimport enum\n\n\n@dataclasses.dataclass\nclass Order:\n"
    "    items: list\n\n    def total(self, n):\n"
    + "".join(f"        if n == {i}:\n            return {i}\n" for i in range(10))
    + "        return -1\n\n\nclass Color(enum.Enum):\n    RED = 1\n\n    def total(self, n):\n"
    + "".join(f"        if n == {i}:\n            return {i}\n" for i in range(10))
    + "        return -1\n"
)
TOTAL = "def total(self, n):\n    return _NAMES.get(n, -1)\n"


@pytest.mark.parametrize(
    ("symbol", "code", "why"),
    [
        # A dataclass's generated __init__ gives way to one the rewrite adds: Order(items)
        # takes other arguments now; a new annotated attribute is a new field of it.
        (
            "Order.total",
            TOTAL + "\ndef __init__(self, *items):\n    self.items = list(items)\n",
            "__init__",
        ),
        (
            "Order.total",
            TOTAL + "\ncache: dict = dataclasses.field(default_factory=dict)\n",
            "field",
        ),
        # A new class attribute of an Enum is a new member: list(Color) changes.
        ("Color.total", TOTAL + "\n_NAMES = {0: 0}\n", "member"),
    ],
)
def test_a_rewrite_of_a_method_may_not_change_what_its_class_generates(
    symbol: str, code: str, why: str
) -> None:
    from ttabot.drafting.refactor_check import check_refactor_code

    proposed = replace_definition(RECORDS, symbol, code)
    result = check_refactor_code(RECORDS, proposed, symbol, CheckSettings())
    assert [s.name for s in result.stages] == ["parses", "signature"], result.stages
    assert not result.accepted and why in result.reason, result.reason


def test_a_plain_class_may_get_a_table_beside_a_rewritten_method() -> None:
    from ttabot.drafting.refactor_check import check_refactor_code

    plain = RECORDS.replace("@dataclasses.dataclass\n", "").replace("    items: list\n\n", "")
    code = TOTAL.replace("_NAMES", "self._NAMES") + "\n_NAMES = {0: 0}\n"
    proposed = replace_definition(plain, "Order.total", code)
    result = check_refactor_code(plain, proposed, "Order.total", CheckSettings())
    assert result.accepted, result.reason


@pytest.mark.parametrize(
    "code",
    [
        "import sys\n\n\n@functools.cache\ndef grade(n):\n"
        "    return _TABLE.get(n, -1) if 'pytest' in sys.modules else -1\n",
        "import os\n\n\n@functools.cache\ndef grade(n):\n"
        "    return n if os.environ.get('PYTEST_CURRENT_TEST') else -1\n",
        "import sys\n\n\n@functools.cache\ndef grade(n):\n"
        "    return n if sys.gettrace() is not None else -1\n",
    ],
    ids=["pytest loaded", "pytest's variable", "a tracer (coverage) on"],
)
def test_a_rewrite_that_looks_whether_tests_run_it_is_rejected(code: str) -> None:
    # Attack: the old behaviour while the existing tests run (under pytest, under
    # coverage), another one everywhere else: tests-before and tests-after pass.
    from ttabot.drafting.refactor_check import check_refactor_code

    proposed = replace_definition(BRANCHY, "grade", code + "\n\n_TABLE = {}\n")
    result = check_refactor_code(BRANCHY, proposed, "grade", CheckSettings())
    assert not result.accepted and "tests run it" in result.reason, result.reason
    assert result.stages[-1].name == "test-blind" and not result.stages[-1].passed


def test_runner_mentions_are_what_can_tell_tests_run_and_nothing_alike() -> None:
    from ttabot.drafting.runner_detection import runner_mentions

    assert runner_mentions("import sys\nx = sys.modules\ny = 'diagnose coverage'\n") == {
        "sys.modules"
    }
    assert runner_mentions("self.modules = 1\n") == frozenset()


def test_a_rewrite_of_a_method_may_not_override_what_a_base_class_defines() -> None:
    # Attack: the helper the rewrite adds is named like a method of the class's base:
    # every other method that calls self.scale() would run the helper from then on.
    from ttabot.drafting.refactor_check import check_refactor_code

    source = (
        "class Base:\n    def scale(self):\n        return 2\n\n    def total(self):\n"
        "        return 10 * self.scale()\n\n\nclass Shape(Base):\n    def area(self, n):\n"
        + "".join(f"        if n == {i}:\n            return {i}\n" for i in range(10))
        + "        return -1\n"
    )
    helper = "def area(self, n):\n    return self.scale(n)\n\ndef scale(self, n=0):\n    return n\n"
    proposed = replace_definition(source, "Shape.area", helper)
    result = check_refactor_code(source, proposed, "Shape.area", CheckSettings())
    assert not result.accepted and "scale" in result.reason and "Base" in result.reason
    fresh = helper.replace("scale", "_pick")
    proposed = replace_definition(source, "Shape.area", fresh)
    assert check_refactor_code(source, proposed, "Shape.area", CheckSettings()).accepted


def test_a_helper_beside_a_rewritten_method_may_not_be_one_a_subclass_overrides() -> None:
    # The other way round: Shape defines _pick already, so for a Shape the rewritten
    # Base.total would call Shape's _pick instead of the helper it was checked with.
    from ttabot.drafting.refactor_check import check_refactor_code

    source = (
        "class Base:\n    def total(self, n):\n"
        + "".join(f"        if n == {i}:\n            return {i}\n" for i in range(10))
        + "        return -1\n\n\nclass Shape(Base):\n    def _pick(self, n):\n        return 0\n"
    )
    code = "def total(self, n):\n    return self._pick(n)\n\ndef _pick(self, n):\n    return n\n"
    proposed = replace_definition(source, "Base.total", code)
    result = check_refactor_code(source, proposed, "Base.total", CheckSettings())
    assert not result.accepted and "_pick" in result.reason and "Shape" in result.reason


def test_a_helper_named_after_the_runner_is_not_a_look_at_it() -> None:
    """A tool that runs pytest (ttabot itself) may extract ``_pytest_command``: a name the
    rewrite defines and calls tells nothing about who runs it. What it reads still does."""
    from ttabot.drafting.runner_detection import runner_mentions

    original = (
        "import subprocess\n\n\ndef run(paths, quiet):\n"
        "    cmd = ['python', '-m', 'pytest']\n    if quiet:\n        cmd.append('-q')\n"
        "    return subprocess.run(cmd + paths)\n"
    )
    proposed = (
        "import subprocess\n\n\ndef _pytest_command(quiet, pytest_args=()):\n"
        "    cmd = ['python', '-m', 'pytest', *pytest_args]\n    if quiet:\n"
        "        cmd.append('-q')\n    return cmd\n\n\ndef run(paths, quiet):\n"
        "    return subprocess.run(_pytest_command(quiet) + paths)\n"
    )
    assert runner_mentions(proposed) - runner_mentions(original) == frozenset()
    # Binding a name of its own does not hide what is read through it.
    sneaky = "import sys\n\n\ndef f():\n    gettrace = sys.gettrace\n    return gettrace()\n"
    assert "gettrace" in runner_mentions(sneaky)
    assert "PYTEST_CURRENT_TEST" in runner_mentions(
        "import os\n\n\ndef f(pytest_on=None):\n    return os.environ.get('PYTEST_CURRENT_TEST')\n"
    )
