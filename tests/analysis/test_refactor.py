"""refactor: McCabe complexity (as the mccabe package computes it) and parameter count."""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

import mccabe
import pytest

from tests.analysis.marked import check, found, one, unmark
from ttabot.analysis.complexity import complexity_bound, mccabe_complexity
from ttabot.config import CheckSettings
from ttabot.records import Finding


def branches(name: str, count: int, indent: str = "") -> str:
    """A marked function with ``count`` ``if`` statements: complexity ``count + 1``."""
    body = "".join(
        f"+{indent}    if x == {i}:\n+{indent}        return {i}\n" for i in range(count)
    )
    return f"+{indent}def {name}(x):\n{body}+{indent}    return -1\n"


TRY_FINALLY = """
+def guarded(x):
+    try:
+        if x:
+            return 1
+    except ValueError:
+        return 2
+    finally:
+        print(x)
+    for i in x:
+        while i:
+            i -= 1
+    with open(x) as f:
+        return f.read() if x else None
"""

NESTED = """
+def outer(x):
+    def inner(y):
+        if y:
+            return 1
+        elif y > 2:
+            return 2
+        return 3
+    if x:
+        return inner
+    return None
"""

METHODS = """
+class Box:
+    def run(self, x):
+        if x:
+            return 1
+        return 2
+
+    async def arun(self, x):
+        async for i in x:
+            if i:
+                return i
"""


def mccabe_cli(tmp_path: Path, text: str) -> dict[str, int]:
    """Complexity per graph name as ``python -m mccabe --min 1`` prints it."""
    target = tmp_path / "subject.py"
    target.write_text(text)
    out = subprocess.run(
        [sys.executable, "-m", "mccabe", "--min", "1", str(target)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {}
    for line in out.splitlines():
        match = re.fullmatch(r"\d+:\d+: '([\w.]+)' (\d+)", line.strip())
        assert match, line
        figures[match[1]] = int(match[2])
    return figures


def _complexity(finding: Finding) -> int:
    value = finding.details["complexity"]
    assert isinstance(value, int)
    return value


def complexities(snippet: str) -> dict[str, int]:
    result = check(snippet, settings=CheckSettings(max_complexity=0))
    return {f.symbol: _complexity(f) for f in result.findings if f.category.value == "refactor"}


@pytest.mark.parametrize(
    "snippet",
    [
        pytest.param(branches("ten", 9), id="10"),
        pytest.param(branches("eleven", 10), id="11"),
        pytest.param(TRY_FINALLY, id="try-finally"),
        pytest.param(NESTED, id="nested folds into outer"),
        pytest.param(METHODS, id="methods"),
    ],
)
def test_complexity_matches_mccabe_cli(tmp_path: Path, snippet: str) -> None:
    text, _ = unmark(snippet)
    ours = complexities(snippet)
    theirs = mccabe_cli(tmp_path, text)
    # mccabe reports each top-level function and method; nested ones are folded in.
    assert {k: ours[k] for k in theirs} == theirs


def test_nested_function_gets_its_own_figure() -> None:
    figures = complexities(NESTED)
    assert figures["outer.inner"] == 3
    # mccabe's figure for outer: its own if (+1), the closure (+1), and inner's two branches.
    assert figures["outer"] == 5


def test_complexity_threshold_is_strictly_greater() -> None:
    assert found(check(branches("ten", 9)), "refactor") == set()
    finding = one(check(branches("eleven", 10)), "refactor")
    assert finding.symbol == "eleven"
    assert finding.message == "`eleven` has complexity 11 (max 10)"
    assert finding.details == {"rule": "complexity", "complexity": 11, "parameters": 1}
    assert finding.task.value == "refactoring"


def test_complexity_threshold_is_a_setting() -> None:
    assert found(check(branches("ten", 9), settings=CheckSettings(max_complexity=9)), "refactor")


def test_nested_function_over_threshold_is_reported() -> None:
    snippet = "+def outer():\n" + branches("inner", 10, indent="    ") + "+    return inner\n"
    assert found(check(snippet), "refactor") == {"outer", "outer.inner"}


@pytest.mark.parametrize(
    ("signature", "count"),
    [
        pytest.param("def f(a, b, c, d, e)", 5, id="five"),
        pytest.param("def f(a, b, c, d, e, g)", 6, id="six"),
        pytest.param("def f(a, /, b, *, c, d, e, g)", 6, id="positional-only and keyword-only"),
        pytest.param("def f(a, b, c, d, *args, **kwargs)", 6, id="star args count one each"),
        pytest.param("def f(self, a, b, c, d, e)", 6, id="self is a parameter outside a class"),
        pytest.param("async def f(a, b, c, d, e, g=1)", 6, id="async with default"),
    ],
)
def test_parameter_count_v1(signature: str, count: int) -> None:
    settings = CheckSettings(max_params=0, contract=1)
    result = check(f"+{signature}:\n+    pass\n", settings=settings)
    finding = one(result, "refactor")
    assert finding.details["parameters"] == count


@pytest.mark.parametrize(
    ("signature", "count"),
    [
        pytest.param("def m(self, a, b, c, d, e)", 5, id="self"),
        pytest.param("def m(cls, a, b, c, d, e, f)", 6, id="cls"),
        pytest.param("def m(self, /, a, b, c, d, e)", 5, id="positional-only self"),
        pytest.param("def m(a, b, c, d, e)", 5, id="staticmethod-like"),
        pytest.param("def m(self, *args, **kwargs)", 2, id="self with star args"),
    ],
)
def test_parameter_count_in_methods_v1(signature: str, count: int) -> None:
    snippet = f"+class Box:\n+    {signature}:\n+        pass\n"
    result = check(snippet, settings=CheckSettings(max_params=0, contract=1))
    finding = one(result, "refactor")
    assert finding.details["parameters"] == count


@pytest.mark.parametrize(
    ("snippet", "symbols"),
    [
        pytest.param("+def f(a, b, c, d, e):\n+    pass\n", set(), id="5 is fine"),
        pytest.param("+def f(a, b, c, d, e, g):\n+    pass\n", {"f"}, id="6 is too many"),
        pytest.param(
            "+class Box:\n+    def m(self, a, b, c, d, e):\n+        pass\n", set(), id="self + 5"
        ),
        pytest.param("+def _f(a, b, c, d, e, g):\n+    pass\n", {"_f"}, id="private functions too"),
        pytest.param(
            " def f(a, b, c, d, e, g):\n     pass\n+x = 1\n", set(), id="untouched function"
        ),
        pytest.param("+@overload\n+def f(a, b, c, d, e, g): ...\n", set(), id="overload"),
    ],
)
def test_parameter_threshold(snippet: str, symbols: set[str]) -> None:
    assert found(check(snippet), "refactor") == symbols


def test_both_thresholds_in_one_message_v1() -> None:
    snippet = branches("heavy", 10).replace("def heavy(x)", "def heavy(x, a, b, c, d, e)")
    finding = one(check(snippet, settings=CheckSettings(contract=1)), "refactor")
    assert finding.message == "`heavy` has complexity 11 (max 10) and 6 parameters (max 5)"
    assert finding.details["rule"] == "complexity,parameters"


def test_both_thresholds_in_one_message() -> None:
    snippet = branches("heavy", 10).replace("def heavy(x)", "def heavy(x, a, b, c, d, e)")
    finding = one(check(snippet), "refactor")
    assert finding.message == (
        "`heavy` has complexity 11 (max 10) and 6 positional parameters (max 5)"
    )
    assert finding.details["rule"] == "complexity,positional-parameters"


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return _functions_of(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", [argparse, ast, mccabe, subprocess])
def test_bound_is_never_below_mccabe(module: object) -> None:
    """The shortcut that skips mccabe must never hide a function over the threshold."""
    functions = _functions(Path(str(getattr(module, "__file__", ""))))
    assert len(functions) > 20
    for node in functions:
        assert complexity_bound(node) >= mccabe_complexity(node), node.name


def test_bound_is_exact_for_plain_branches() -> None:
    (node,) = _functions_of(unmark(branches("eleven", 10))[0])
    assert complexity_bound(node) == mccabe_complexity(node) == 11


def _functions_of(text: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(text)
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


# Contract v2: only positional parameters count (pylint's too-many-positional-arguments).
V2_LEAVES_ALONE = [
    pytest.param("def f(a, b, *, c, d, e, g, h):", id="keyword-only parameters"),
    pytest.param("def f(a, b, c, d, e, *args, **kwargs):", id="star args do not count"),
    pytest.param("def f(self, a, b, c, d, e):", id="first self skipped"),
    pytest.param("def f(cls, a, b, c, d, e, *, g):", id="first cls skipped"),
    pytest.param("def f(self, /, a, b, c, d, e):", id="positional-only self skipped"),
    pytest.param(
        "def __init__(self, param_decls=None, *, show_default=None, prompt=False,"
        " confirmation_prompt=False, hide_input=False, is_flag=None, **attrs):",
        id="a click-style keyword-only option list",
    ),
]

V2_REPORTS = [
    pytest.param("def f(a, b, c, d, e, g):", 6, id="six positional"),
    pytest.param("def f(a, /, b, c, d, e, g, *, h):", 6, id="positional-only count"),
    pytest.param("def f(a, self, b, c, d, e):", 6, id="only a first self is skipped"),
    pytest.param("def f(self, cls, b, c, d, e):", 5, id="self then cls: cls counts"),
]


@pytest.mark.parametrize("signature", V2_LEAVES_ALONE)
def test_v2_parameter_count_leaves_alone(signature: str) -> None:
    assert found(check(f"+{signature}\n+    pass\n"), "refactor") == set()


@pytest.mark.parametrize("signature", V2_LEAVES_ALONE)
def test_v1_counts_them(signature: str) -> None:
    # v1 counts keyword-only and star parameters, and self/cls outside a class.
    result = check(f"+{signature}\n+    pass\n", settings=CheckSettings(contract=1))
    assert len(found(result, "refactor")) == 1


@pytest.mark.parametrize(("signature", "count"), V2_REPORTS)
def test_v2_parameter_count_reports(signature: str, count: int) -> None:
    result = check(f"+{signature}\n+    pass\n", settings=CheckSettings(max_params=count - 1))
    finding = one(result, "refactor")
    assert finding.details["parameters"] == count
    assert finding.details["rule"] == "positional-parameters"
    assert f"{count} positional parameters" in finding.message


def test_v2_method_in_a_class() -> None:
    snippet = "+class Box:\n+    def m(self, a, b, c, d, e, *, g, h):\n+        pass\n"
    assert found(check(snippet), "refactor") == set()
    assert found(check(snippet, settings=CheckSettings(contract=1)), "refactor") == {"Box.m"}
