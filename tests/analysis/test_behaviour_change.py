"""Contract v2, tests-needed: only a new function or a behaviour change needs tests."""

from __future__ import annotations

import ast
import itertools
import textwrap

import pytest

from tests.analysis.marked import check, found, one, unmark
from ttabot.analysis.behaviour import fingerprint
from ttabot.config import CheckSettings
from ttabot.records import Change, FileChange, FileStatus

V1 = CheckSettings(contract=1)


def old(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


LEAVES_ALONE = [
    pytest.param(
        old("""
        def load(x):
            return x
        """),
        """
        +def load(x: int) -> int:
             return x
        """,
        id="argument and return annotations added",
    ),
    pytest.param(
        old("""
        def load(x: str) -> str:
            return x
        """),
        """
        +def load(x: bytes) -> bytes:
             return x
        """,
        id="annotations changed",
    ),
    pytest.param(
        old("""
        def load(x, *args, **kwargs):
            return x
        """),
        """
        +def load(x, *args: int, **kwargs: str):
             return x
        """,
        id="star-args annotations",
    ),
    pytest.param(
        old("""
        def load(x):
            y = x
            return y
        """),
        """
         def load(x):
        +    y: int = x
             return y
        """,
        id="x: T = v compares as x = v",
    ),
    pytest.param(
        old("""
        def load(x):
            return x
        """),
        """
         def load(x):
        +    y: int
             return x
        """,
        id="bare x: T is dropped",
    ),
    pytest.param(
        old("""
        def load(x):
            '''Old words.'''
            def inner(y):
                '''Old inner words.'''
                return y
            return inner(x)
        """),
        """
         def load(x):
        +    '''New words.'''
        +    def inner(y: int) -> int:
        +        '''New inner words.'''
                 return y
             return inner(x)
        """,
        id="own and nested docstrings with annotations",
    ),
    pytest.param(
        old("""
        def load(x):
            return sum([x, 1, 2])
        """),
        """
         def load(x):
        +    return sum(
        +        [x, 1, 2]
        +    )
        """,
        id="reformatted: positions do not count",
    ),
    pytest.param(
        old("""
        def load(x):
            y = []
            return y
        """),
        """
         def load(x):
        +    y = []  # type: list[int]
             return y
        """,
        id="type comment",
    ),
    pytest.param(
        old("""
        def load(x):
            '''Doc.'''
        """),
        """
        +def load(x: int) -> None:
        +    '''Other doc.'''
        """,
        id="body emptied by stripping stays empty on both sides",
    ),
    pytest.param(
        old("""
        class Box:
            @property
            def value(self):
                return self._v

            @value.setter
            def value(self, v):
                self._v = v
        """),
        """
         class Box:
             @property
             def value(self):
                 return self._v

             @value.setter
        +    def value(self, v: int) -> None:
                 self._v = v
        """,
        id="getter/setter: unchanged if any old one is the same",
    ),
    pytest.param(
        old("""
        import sys
        if sys.version_info >= (3, 11):
            def load(x):
                return x
        else:
            def load(x):
                return -x
        """),
        """
         import sys
         def load(x: int) -> int:
        +    return -x
        """,
        id="if/else in the old file: either matches",
    ),
    pytest.param(
        # tenacity's copy(): only the annotation of a parameter with a default changed.
        old("""
        class BaseRetrying:
            def copy(self, sleep=_unset, stop=_unset):
                '''Copy.'''
                return self.__class__(sleep=sleep, stop=stop)
        """),
        """
         class BaseRetrying:
        +    def copy(
        +        self,
        +        sleep: t.Union[t.Callable[[float], None], object] = _unset,
        +        stop: t.Union["StopBaseT", object] = _unset,
        +    ) -> "BaseRetrying":
                 '''Copy.'''
                 return self.__class__(sleep=sleep, stop=stop)
        """,
        id="tenacity copy: annotations around defaults",
    ),
    pytest.param(
        # tenacity's set_exception(): a parameter annotation and a return annotation.
        old("""
        class RetryCallState:
            def set_exception(self, exc_info):
                ts = time.monotonic()
                fut = Future(self.attempt_number)
                fut.set_exception(exc_info[1])
                self.outcome, self.outcome_timestamp = fut, ts
        """),
        """
         class RetryCallState:
        +    def set_exception(
        +        self,
        +        exc_info: t.Tuple[t.Type[BaseException], BaseException, "TracebackType | None"],
        +    ) -> None:
                 ts = time.monotonic()
                 fut = Future(self.attempt_number)
                 fut.set_exception(exc_info[1])
                 self.outcome, self.outcome_timestamp = fut, ts
        """,
        id="tenacity set_exception",
    ),
    pytest.param(
        # httpx's _api.py: parameter types rewritten, defaults and body untouched.
        old("""
        def get(url: URLTypes, *, params: typing.Optional[QueryParamTypes] = None,
                timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG) -> Response:
            return request("GET", url, params=params, timeout=timeout)
        """),
        """
        +def get(
        +    url: URL | str,
        +    *,
        +    params: QueryParamTypes | None = None,
        +    timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        +) -> Response:
             return request("GET", url, params=params, timeout=timeout)
        """,
        id="httpx get: annotations only",
    ),
]


@pytest.mark.parametrize(("before", "snippet"), LEAVES_ALONE)
def test_leaves_alone(before: str, snippet: str) -> None:
    ast.parse(before)  # the old version must be valid for the case to mean anything
    assert found(check(snippet, old=before), "tests-needed") == set()


@pytest.mark.parametrize(("before", "snippet"), LEAVES_ALONE)
def test_v1_still_reports_them(before: str, snippet: str) -> None:
    result = check(snippet, old=before, settings=V1)
    assert found(result, "tests-needed")
    assert {f.details["rule"] for f in result.findings if f.category.value == "tests-needed"} == {
        "changed-code"
    }


REPORTS = [
    pytest.param(
        old("""
        def other():
            return 1
        """),
        """
        +def load(x):
        +    return x
        """,
        "new",
        id="no definition of that name",
    ),
    pytest.param(
        old("""
        class Loader:
            def load(self, x):
                return x
        """),
        """
         class Loader2:
             def load(self, x):
        +        return x
        """,
        "new",
        id="dotted name changed with its class",
    ),
    pytest.param(
        old("""
        def load(x):
            return x
        """),
        """
         def load(x):
        +    return x + 1
        """,
        "behaviour-changed",
        id="body changed",
    ),
    pytest.param(
        old("""
        def load(x=1):
            return x
        """),
        """
        +def load(x: int = 2):
             return x
        """,
        "behaviour-changed",
        id="default value counts",
    ),
    pytest.param(
        old("""
        def load(x):
            return x
        """),
        """
        +@functools.cache
         def load(x):
             return x
        """,
        "behaviour-changed",
        id="decorator counts",
    ),
    pytest.param(
        old("""
        def load(x):
            pass
        """),
        """
        +def load(x: int):
        +    '''Doc.'''
        """,
        "behaviour-changed",
        id="emptied body is not a pass",
    ),
    pytest.param(
        old("""
        def load(x):
            y: int = 1
            return x
        """),
        """
         def load(x):
        +    y = 2
             return x
        """,
        "behaviour-changed",
        id="annotated value changed",
    ),
    pytest.param(
        old("""
        def load(x):
            def inner():
                return 1
            return inner
        """),
        """
         def load(x):
             def inner():
        +        return 2
             return inner
        """,
        "behaviour-changed",
        id="nested function body is the outer's behaviour",
    ),
    pytest.param(
        old("""
        class load:
            pass
        """),
        """
        +def load(x):
        +    return x
        """,
        "behaviour-changed",
        id="an old class of that name never matches",
    ),
    pytest.param(
        old("""
        def load(x):
            '''Doc.'''
            return x
        """),
        """
         def load(x):
        +    '''Doc.'''
        +    'not a docstring'
             return x
        """,
        "behaviour-changed",
        id="a second string statement is code",
    ),
    pytest.param(
        old("""
        def load(x)
            return x
        """),
        """
         def load(x):
        +    return x
        """,
        "new",
        id="old version does not parse",
    ),
]


@pytest.mark.parametrize(("before", "snippet", "rule"), REPORTS)
def test_reports(before: str, snippet: str, rule: str) -> None:
    finding = one(check(snippet, old=before), "tests-needed")
    assert finding.details["rule"] == rule


def test_rename_is_followed() -> None:
    from ttabot.analysis import analyze

    text, added = unmark("+def load(x: int) -> int:\n     return x\n")
    olds = {"pkg/old_name.py": b"def load(x):\n    return x\n"}
    renamed = FileChange("pkg/mod.py", FileStatus.RENAMED, added, "pkg/old_name.py")
    modified = FileChange("pkg/mod.py", FileStatus.MODIFIED, added)
    for file, expected in ((renamed, set()), (modified, {"load"})):
        result = analyze(
            Change((file,)), {"pkg/mod.py": text.encode()}.get, CheckSettings(), None, olds.get
        )
        assert found(result, "tests-needed") == expected


def test_no_old_version_means_new() -> None:
    finding = one(check("+def load(x: int):\n     return x\n"), "tests-needed")
    assert finding.details == {"rule": "new"}


def test_added_file_is_new_even_if_an_old_reader_answers() -> None:
    from ttabot.analysis import analyze

    text, added = unmark("+def load(x: int):\n+    return x\n")
    change = Change((FileChange("pkg/mod.py", FileStatus.ADDED, added),))
    asked: list[str] = []

    def read_old(path: str) -> bytes:
        asked.append(path)
        return b"def load(x):\n    return x\n"

    result = analyze(change, {"pkg/mod.py": text.encode()}.get, CheckSettings(), None, read_old)
    assert [f.details["rule"] for f in result.findings if f.category.value == "tests-needed"] == [
        "new"
    ]
    assert asked == []


def test_old_version_read_only_when_needed() -> None:
    from ttabot.analysis import analyze

    text, added = unmark(" def load(x):\n+    '''Doc.'''\n     return x\n")
    change = Change((FileChange("pkg/mod.py", FileStatus.MODIFIED, added),))
    asked: list[str] = []

    def read_old(path: str) -> bytes:
        asked.append(path)
        return b""

    analyze(change, {"pkg/mod.py": text.encode()}.get, CheckSettings(), None, read_old)
    assert asked == []  # only a docstring line was added: no function could need tests


def test_coverage_keeps_the_rule() -> None:
    result = check(
        " def load(x):\n+    return x + 1\n",
        old="def load(x):\n    return x\n",
        covered={"pkg/mod.py": frozenset()},
    )
    finding = one(result, "tests-needed")
    assert finding.details == {"rule": "behaviour-changed", "uncovered_lines": (2,)}


NESTED_DOCS = "def f():\n    '''a'''\n    class C:\n        '''b'''\n"


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("def f(x: int) -> int: return x", "def f(x): return x", True),
        ("def f(x=1): return x", "def f(x=2): return x", False),
        ("async def f(x: int): await x", "async def f(x): await x", True),
        (
            "def f():\n    '''a'''\n    class C:\n        '''b'''\n",
            "def f():\n    class C: pass",
            False,
        ),
        (
            "def f():\n    '''a'''\n    class C:\n        '''b'''\n",
            "def f():\n    class C: ''",
            True,
        ),
        ("def f(): lambda x: x", "def f(): lambda y: y", False),
    ],
)
def test_fingerprint(left: str, right: str, same: bool) -> None:
    a, b = (ast.parse(s).body[0] for s in (left, right))
    assert isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef)
    assert isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef)
    assert (fingerprint(a) == fingerprint(b)) is same
    # The node itself is left as it was.
    assert ast.unparse(a) == ast.unparse(ast.parse(left).body[0])


@pytest.mark.parametrize("module", ["argparse", "ast", "ttabot.analysis.findings", "NESTING"])
def test_old_function_names_are_check_s_dotted_names(module: str) -> None:
    import importlib
    import inspect

    from ttabot.analysis.behaviour import functions_by_symbol
    from ttabot.analysis.definitions import collect_definitions

    if module == "NESTING":
        text = (
            "if x:\n    def f(): pass\nelse:\n    class f: pass\n"
            "try:\n    class A:\n        with y:\n            def m(self):\n"
            "                def inner(): pass\nexcept E:\n    pass\n"
        )
    else:
        text = inspect.getsource(importlib.import_module(module))
    tree = ast.parse(text)
    expected: dict[str, list[int]] = {}
    for definition in collect_definitions(tree):
        lines = expected.setdefault(definition.symbol, [])
        if definition.is_function:
            lines.append(definition.line)
    got = {symbol: [n.lineno for n in nodes] for symbol, nodes in functions_by_symbol(tree).items()}
    assert got == expected


def test_an_old_text_without_the_name_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    import ttabot.analysis as analysis
    from ttabot.analysis.source import parse_text as real

    parsed: list[str] = []

    def counting(text: str, path: str) -> object:
        parsed.append(path)
        return real(text, path)

    monkeypatch.setattr(analysis, "parse_text", counting)
    snippet = "+def fresh(x):\n+    return x\n"
    assert found(check(snippet, old="def other():\n    return 1\n"), "tests-needed") == {"fresh"}
    assert parsed == []
    # Every part of a dotted name must be there: "Box" is, "fresh" is not.
    method = " class Box:\n+    def fresh(self):\n+        return 1\n"
    assert found(check(method, old="class Box:\n    pass\n"), "tests-needed") == {"Box.fresh"}
    assert parsed == []
    assert found(check(snippet, old="def fresh(x):\n    return x\n"), "tests-needed") == set()
    assert parsed == ["pkg/mod.py"]


def test_a_non_ascii_old_text_is_parsed_even_if_the_name_looks_absent() -> None:
    # Python reads the ligature "ﬁ" in an identifier as "fi" (NFKC): the old file defines "file".
    before = "def \ufb01le(x):\n    return x\n"
    assert ast.parse(before).body[0].name == "file"  # type: ignore[attr-defined]
    assert found(check("+def file(x: str):\n     return x\n", old=before), "tests-needed") == set()


def test_an_old_text_in_its_declared_encoding() -> None:
    from ttabot.analysis import analyze

    cookie = "# -*- coding: latin-1 -*-\n"
    before = (cookie + "def load(x):\n    return x + 'é'\n").encode("latin-1")
    after = (cookie + "def load(x: str) -> str:\n    return x + 'é'\n").encode("latin-1")
    change = Change((FileChange("pkg/mod.py", FileStatus.MODIFIED, frozenset({2})),))
    result = analyze(
        change, {"pkg/mod.py": after}.get, CheckSettings(), None, {"pkg/mod.py": before}.get
    )
    assert found(result, "tests-needed") == set()


class _Reference(ast.NodeTransformer):
    """The contract's words as code: strip a copy, then ``ast.dump`` it without positions."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:]
        for name in ("type_comment", "returns"):
            if hasattr(node, name):
                setattr(node, name, None)
        if isinstance(node, ast.arg):
            node.annotation = None
        return super().generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.generic_visit(ast.Assign(targets=[node.target], value=node.value))


def _reference(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    import copy

    return ast.dump(_Reference().visit(copy.deepcopy(node)), include_attributes=False)


@pytest.mark.parametrize("module", ["argparse", "typing", "asyncio.tasks", "dataclasses"])
def test_fingerprint_agrees_with_the_contract_s_definition(module: str) -> None:
    import importlib
    import inspect

    text = inspect.getsource(importlib.import_module(module))
    # Each function twice: as written, and with annotations and docstrings stripped by
    # unparsing the reference; equal fingerprints must mean equal reference dumps.
    functions = [
        n
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert len(functions) > 20
    fast: dict[str, set[str]] = {}
    for node in functions:
        fast.setdefault(fingerprint(node), set()).add(_reference(node))
        plain = ast.parse(ast.unparse(_Reference().visit(ast.parse(ast.unparse(node))))).body[0]
        assert isinstance(plain, ast.FunctionDef | ast.AsyncFunctionDef)
        assert fingerprint(plain) == fingerprint(node) or _reference(plain) != _reference(node)
    # One reference dump per fingerprint, and as many fingerprints as reference dumps.
    assert all(len(refs) == 1 for refs in fast.values())
    assert len(fast) == len({_reference(n) for n in functions})


def test_a_deep_expression_that_parses_does_not_crash_the_fingerprint() -> None:
    deep = "x" + "+1" * 2500
    ast.parse(deep)  # Python parses it; a recursive dump would not get through it
    result = check(f" def load(x):\n+    return {deep}\n", old="def load(x):\n    return x\n")
    assert one(result, "tests-needed").details["rule"] == "behaviour-changed"
    same = check(
        f" def load(x: int):\n+    return {deep}\n", old=f"def load(x):\n    return {deep}\n"
    )
    assert found(same, "tests-needed") == set()


@pytest.mark.parametrize("module", ["argparse", "typing", "asyncio.tasks"])
def test_same_behaviour_is_fingerprint_equality(module: str) -> None:
    import importlib
    import inspect

    from ttabot.analysis.behaviour import same_behaviour

    text = inspect.getsource(importlib.import_module(module))
    functions = [
        n
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    stripped = [
        ast.parse(ast.unparse(_Reference().visit(ast.parse(ast.unparse(n))))).body[0]
        for n in functions
    ]
    pairs = list(zip(functions, stripped, strict=True))
    pairs += list(itertools.pairwise(functions))
    pairs += [(a, b) for a in functions[:40] for b in functions[:40]]
    agreed = 0
    for left, right in pairs:
        assert isinstance(right, ast.FunctionDef | ast.AsyncFunctionDef)
        same = fingerprint(left) == fingerprint(right)
        assert same_behaviour(left, right) is same
        agreed += same
    assert 0 < agreed < len(pairs)  # both answers were exercised
