"""The three rules — docs-missing, tests-needed, refactor — applied to one parsed file."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Iterator, Sequence

from ttabot.analysis.behaviour import behaviour_change
from ttabot.analysis.complexity import (
    complexity_bound,
    mccabe_complexity,
    parameter_count,
    positional_count,
)
from ttabot.analysis.definitions import Definition
from ttabot.analysis.inherited import InheritedDocs
from ttabot.analysis.statements import StatementIndex
from ttabot.analysis.touched import Touches
from ttabot.categories import TASK_FOR_CATEGORY
from ttabot.config import CheckSettings
from ttabot.records import Category, Finding

_WORD = re.compile(r"\w+")


class AddedTestLines:
    """The added lines of the change's test files, searchable by whole word."""

    def __init__(self, added_text: Sequence[str]) -> None:
        self._text = "\n".join(added_text)
        # One pass over the text; then each name is a set lookup, not a scan.
        self._words = frozenset(_WORD.findall(self._text))

    def mentions(self, name: str) -> bool:
        """True when some added test line contains ``name`` as a whole word (``\\bname\\b``)."""
        if _WORD.fullmatch(name):
            return name in self._words
        # An identifier may hold combining marks, which are not \w: \b would misplace
        # the word's edges, so look for "no word character on either side" instead.
        return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", self._text) is not None


def _finding(
    category: Category,
    path: str,
    definition: Definition,
    message: str,
    details: dict[str, int | str | tuple[int, ...]] | None = None,
) -> Finding:
    return Finding(
        category=category,
        path=path,
        symbol=definition.symbol,
        line=definition.line,
        end_line=definition.end,
        task=TASK_FOR_CATEGORY[category],
        message=message,
        details=details or {},
    )


def _kind(definition: Definition) -> str:
    if not definition.is_function:
        return "class"
    return "method" if definition.is_method else "function"


#: The old version's functions of a dotted name (``None``: no definition of that
#: name, or no old version to compare with: the function counts as new).
OldFunctions = Callable[[str], Sequence[ast.FunctionDef | ast.AsyncFunctionDef] | None]


def docs_missing(
    path: str, definition: Definition, inherits: Callable[[], bool] | None = None
) -> Finding | None:
    """A public definition without a (non-empty) docstring; setters and deleters are exempt.

    ``inherits`` (contract v2) says whether the definition takes its docstring
    from a base class or ``@override``; it is asked only when the docstring is missing.
    """
    if not definition.public or definition.is_accessor:
        return None
    if definition.docstring is not None and definition.docstring.strip():
        return None
    if inherits is not None and inherits():
        return None
    empty = definition.docstring is not None
    what = "an empty docstring" if empty else "no docstring"
    return _finding(
        Category.DOCS_MISSING,
        path,
        definition,
        f"public {_kind(definition)} `{definition.symbol}` has {what}",
        {"rule": "empty-docstring" if empty else "no-docstring"},
    )


def refactor(path: str, definition: Definition, settings: CheckSettings) -> Finding | None:
    """A function over the complexity or parameter threshold."""
    node = definition.node
    if isinstance(node, ast.ClassDef):
        return None
    if settings.contract == 1:
        parameters = parameter_count(node, is_method=definition.is_method)
        counted, param_rule = "parameters", "parameters"
    else:
        parameters = positional_count(node)
        counted, param_rule = "positional parameters", "positional-parameters"
    too_many = parameters > settings.max_params
    # mccabe's graph is the slow part of a check; most functions are far below the limit.
    if not too_many and complexity_bound(node) <= settings.max_complexity:
        return None
    complexity = mccabe_complexity(node)
    crossed: list[str] = []
    rules: list[str] = []
    if complexity > settings.max_complexity:
        crossed.append(f"complexity {complexity} (max {settings.max_complexity})")
        rules.append("complexity")
    if too_many:
        crossed.append(f"{parameters} {counted} (max {settings.max_params})")
        rules.append(param_rule)
    if not crossed:
        return None
    return _finding(
        Category.REFACTOR,
        path,
        definition,
        f"`{definition.symbol}` has {' and '.join(crossed)}",
        {"rule": ",".join(rules), "complexity": complexity, "parameters": parameters},
    )


def tests_needed(
    path: str,
    definition: Definition,
    changed_code: Sequence[int],
    evidence: AddedTestLines,
    executed: Collection[int] | None,
    statements: StatementIndex,
    old: OldFunctions | None = None,
) -> Finding | None:
    """A public function whose changed code no changed test names (and, with coverage, no test ran).

    ``changed_code`` are the added code lines in its span; ``executed`` the
    lines tests ran in this file, or ``None`` without coverage data. ``old``
    (contract v2) gives the old file's functions: then only a new function or
    one whose behaviour fingerprint changed needs tests.
    """
    if not (definition.public and changed_code) or evidence.mentions(definition.name):
        return None
    rule = "changed-code"
    if old is not None:
        found = behaviour_change(definition.node, old(definition.symbol))
        if found is None:
            return None  # only annotations, docstrings or type comments changed
        rule = found
    if executed is None:
        return _finding(
            Category.TESTS_NEEDED,
            path,
            definition,
            f"changed code in `{definition.symbol}` is not exercised by any changed test",
            {"rule": rule},
        )
    # Coverage tools record a multi-line statement under its first line.
    uncovered = tuple(
        n for n in changed_code if n not in executed and statements.start(n) not in executed
    )
    if not uncovered:
        return None
    plural = "s" if len(uncovered) > 1 else ""
    return _finding(
        Category.TESTS_NEEDED,
        path,
        definition,
        f"changed code in `{definition.symbol}` is not run by any test"
        f" ({len(uncovered)} uncovered line{plural})",
        {"rule": rule, "uncovered_lines": uncovered},
    )


def file_findings(
    path: str,
    statements: StatementIndex,
    defs: Sequence[Definition],
    touches: Touches,
    settings: CheckSettings,
    evidence: AddedTestLines,
    executed: Collection[int] | None,
    old: OldFunctions | None = None,
) -> Iterator[Finding]:
    """The findings of ``settings.categories`` for the touched definitions of one file.

    Under contract 1 ``old`` is ignored; under contract 2 a missing ``old``
    means no old version is known, so every function counts as new.
    """
    wanted = settings.categories
    v2 = settings.contract != 1
    if v2 and old is None:
        old = _no_old_version
    inherited: list[InheritedDocs] = []  # built once, for the first method that needs it

    def inherits(index: int) -> bool:
        if not inherited:
            inherited.append(InheritedDocs(defs))
        return inherited[0].exempt(index)

    for index in sorted(touches.touched):
        definition = defs[index]
        if definition.is_overload:
            continue  # typing stubs: the implementation carries docs and tests
        found: list[Finding | None] = []
        if Category.DOCS_MISSING in wanted:
            exempt = (lambda i=index: inherits(i)) if v2 else None
            found.append(docs_missing(path, definition, exempt))
        if definition.is_function and Category.TESTS_NEEDED in wanted:
            changed_code = touches.code_lines.get(index, ())
            found.append(
                tests_needed(
                    path,
                    definition,
                    changed_code,
                    evidence,
                    executed,
                    statements,
                    old if v2 else None,
                )
            )
        if Category.REFACTOR in wanted:
            found.append(refactor(path, definition, settings))
        yield from (finding for finding in found if finding is not None)


def _no_old_version(symbol: str) -> None:
    return None
