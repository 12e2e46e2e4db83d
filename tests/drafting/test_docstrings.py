"""Docstring style detection, parameter parsing, and libcst insertion that changes nothing else."""

from __future__ import annotations

import ast

import pytest

from ttabot.config import DraftSettings
from ttabot.drafting import docstring_check
from ttabot.drafting.docstrings import (
    detect_style,
    docstring_literal,
    documented_params,
    find_definition,
    insert_docstrings,
    params_mismatch,
)

GOOGLE = 'def f(a):\n    """Do.\n\n    Args:\n        a: A.\n    """\n'
NUMPY = (
    'def f(a):\n    """Do.\n\n    Parameters\n    ----------\n    a : int\n        A.\n    """\n'
)
SPHINX = 'def f(a):\n    """Do.\n\n    :param a: A.\n    :returns: B.\n    """\n'


@pytest.mark.parametrize(
    ("source", "configured", "default", "expected"),
    [
        (GOOGLE, "auto", "numpy", "google"),
        (NUMPY, "auto", "google", "numpy"),
        (SPHINX, "auto", "google", "sphinx"),
        (
            NUMPY + SPHINX.replace("def f", "def g") + SPHINX.replace("Do.", "Other."),
            "auto",
            "google",
            "sphinx",
        ),  # the majority wins
        ('def f():\n    """One line."""\n', "auto", "numpy", "numpy"),  # nothing to go on
        ("def f(:\n", "auto", "sphinx", "sphinx"),  # does not parse
        (NUMPY, "google", "sphinx", "google"),  # a configured style wins
    ],
)
def test_detect_style(source: str, configured: str, default: str, expected: str) -> None:
    settings = DraftSettings(docstring_style=configured, default_docstring_style=default)
    assert detect_style(source, settings) == expected


def test_a_docstring_of_blank_lines_is_read_in_linear_time() -> None:
    # Attack: a changed module whose docstring holds a million blank lines. The style
    # marks began '^\s*', so each line's search ran on through every later blank line:
    # time quadratic in them (20,000 lines took 3 s; this, hours of the draft's CPU).
    blank = "\n" * 1_000_000
    source = f'def f(a):\n    """Do.{blank}Args:\n        a: A.\n    """\n'
    assert detect_style(source, DraftSettings(default_docstring_style="sphinx")) == "google"
    numpy = f'def f(a):\n    """Do.{blank}Parameters\n    ----------\n    a : int\n    """\n'
    assert detect_style(numpy, DraftSettings(default_docstring_style="sphinx")) == "numpy"


@pytest.mark.parametrize(
    ("docstring", "expected"),
    [
        (
            "Do.\n\nArgs:\n    a (int): A.\n        more about a: here.\n    *rest: R.\n",
            ["a", "rest"],
        ),
        ("Do.\n\nArgs:\n    a: A.\n\nReturns:\n    b: not a parameter.", ["a"]),
        (
            "Do.\n\nParameters\n----------\nx, y : int\n    Both.\n**kw\n    K.\n\n"
            "Returns\n-------\nz : int\n    Not a parameter.",
            ["x", "y", "kw"],
        ),
        ("Do.\n\n:param a: A.\n:param int b: B.\n:returns: C.", ["a", "b"]),
        ("Just a summary.", []),
    ],
)
def test_documented_params(docstring: str, expected: list[str]) -> None:
    assert documented_params(docstring) == expected


@pytest.mark.parametrize(
    ("symbol", "docstring", "problem"),
    [
        ("f", "Do.\n\nArgs:\n    a: A.\n    b: B.\n    *args: X.\n    **kw: Y.", None),
        ("f", "Do.\n\nArgs:\n    a: A.", "does not document b, args, kw"),
        (
            "f",
            "Do.\n\nArgs:\n    a: A.\n    b: B.\n    args: X.\n    kw: Y.\n    c: C.",
            "lacks: c",
        ),
        ("C.m", "Do.\n\nArgs:\n    x: X.", None),  # self is not documented
        ("C", "A thing.", None),  # a class need not document __init__ here
        ("C", "A thing.\n\nArgs:\n    size: S.", None),
        ("C", "A thing.\n\nArgs:\n    width: W.", "does not document size"),
        ("missing", "Do.", "not defined"),
    ],
)
def test_params_mismatch(symbol: str, docstring: str, problem: str | None) -> None:
    source = (
        "def f(a, b=1, *args, **kw):\n    pass\n\n"
        "class C:\n    def __init__(self, size):\n        pass\n\n"
        "    def m(self, x):\n        pass\n"
    )
    found = params_mismatch(ast.parse(source), symbol, docstring)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("source", "docstrings", "expected"),
    [
        pytest.param(
            "def f(x):  # note\n    # why\n    return x\n",
            {"f": "Return x."},
            'def f(x):  # note\n    """Return x."""\n    # why\n    return x\n',
            id="comments kept",
        ),
        pytest.param(
            "def f(): return 1\n",
            {"f": "One."},
            'def f():\n    """One."""\n    return 1\n',
            id="one-line body",
        ),
        pytest.param(
            "class A:\n\tdef m(self):\n\t\treturn 1\n",
            {"A.m": "Do m.\n\nReturns:\n    1."},
            'class A:\n\tdef m(self):\n\t\t"""Do m.\n\n\t\tReturns:\n\t\t    1.\n\t\t"""\n'
            "\t\treturn 1\n",
            id="tabs and nesting",
        ),
        pytest.param(
            'def f():\n    ""\n    return 1\n',
            {"f": "Filled."},
            'def f():\n    """Filled."""\n    return 1\n',
            id="empty docstring replaced",
        ),
        pytest.param(
            'def f():\n    """Mine."""\n',
            {"f": "Theirs."},
            'def f():\n    """Mine."""\n',
            id="real docstring kept",
        ),
        pytest.param(
            "class A:\n    def m(self):\n        pass\n",
            {"A": "An A."},
            'class A:\n    """An A."""\n\n    def m(self):\n        pass\n',
            id="blank line after class docstring",
        ),
        pytest.param(
            "x = 1\r\n\r\ndef f():\r\n    return 1\r\n",
            {"f": "CRLF."},
            'x = 1\r\n\r\ndef f():\r\n    """CRLF."""\r\n    return 1\r\n',
            id="crlf kept",
        ),
        pytest.param(
            "def f():\r\n    return 1\r\n",
            {"f": "Two lines.\n\nThe second."},
            'def f():\r\n    """Two lines.\r\n\r\n    The second.\r\n    """\r\n    return 1\r\n',
            id="crlf inside a multi-line docstring too",
        ),
        pytest.param(
            "def f():\n    pass\n",
            {"f": 'Say "hi" \\ end with a quote "'},
            'def f():\n    """Say "hi" \\\\ end with a quote \\""""\n    pass\n',
            id="quotes and backslashes escaped",
        ),
    ],
)
def test_insert_docstrings(source: str, docstrings: dict[str, str], expected: str) -> None:
    out = insert_docstrings(source, docstrings)
    assert out == expected
    for symbol in docstrings:
        node = find_definition(ast.parse(out), symbol)
        assert node is not None and ast.get_docstring(node)


def test_literal_round_trips_through_python() -> None:
    text = 'Tricky """ and \\n and trailing"'
    literal = docstring_literal(text, "    ")
    assert ast.literal_eval(literal) == text


def test_check_docstrings_accepts_matching_and_rejects_others() -> None:
    source = "def f(a):\n    return a\n\n\ndef g(b):\n    return b\n"
    check = docstring_check.check_docstrings(
        source, {"f": "F.\n\nArgs:\n    a: A.", "g": "G.\n\nArgs:\n    c: C."}, ["f", "g", "h"]
    )
    assert check.accepted == ("f",)
    assert set(check.rejected) == {"g", "h"}
    assert [s.name for s in check.stages] == [
        "docstring-text",
        "params-match",
        "parses",
        "ast-unchanged",
        "inserted",
    ]
    assert check.stages[0].passed and not check.stages[1].passed
    assert all(s.passed for s in check.stages[2:])
    assert '    """F.' in check.proposed and "def g(b):\n    return b" in check.proposed
