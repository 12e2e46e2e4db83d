"""Findings -> tasks: the drafts to ask for: kind, model chain and exact prompt.

Pure: everything read from the project arrives in a :class:`Project` value,
so ``ttabot draft --dry-run`` shows exactly the prompts a run would send.
Docstrings are batched (several definitions of one module per model call) to
live within free-tier rate limits; tests are one task per module and test module:
each finding goes where the project tests it, and the findings of one module
that go to one test module are drafted together.
"""

from __future__ import annotations

import ast
import posixpath
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from ttabot.analysis.paths import is_test_file
from ttabot.analysis.source import split_lines
from ttabot.categories import TASK_FOR_CATEGORY
from ttabot.config import Settings
from ttabot.drafting import prompts, refactor_measures
from ttabot.drafting.changed_code import changed_code
from ttabot.drafting.docstrings import (
    STYLE_EXAMPLES,
    STYLE_NAMES,
    detect_style,
    find_definition,
    style_counts,
)
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.module_scope import defined_names
from ttabot.drafting.tests import ScanCache, import_name, placement_for
from ttabot.llm.structured import with_json_instruction
from ttabot.records import Category, Finding, TaskKind

#: Longest module (in lines) sent whole as context; longer ones are cut to this.
MODULE_CONTEXT_LINES = 400
#: Most files whose docstrings are read to find the repository's dominant style.
STYLE_SAMPLE_FILES = 300


@dataclass(frozen=True)
class Project:
    """What planning needs to know about the project, read at the edge.

    ``read`` gives the text of a project file as the change leaves it (None:
    absent); ``files`` lists the project's files (for test placement);
    ``added`` holds each changed file's added line numbers; ``new_modules``
    the files the change adds.
    """

    read: Callable[[str], str | None]
    files: tuple[str, ...] = ()
    added: Mapping[str, frozenset[int]] = field(default_factory=dict)
    new_modules: frozenset[str] = frozenset()
    #: Docstring style counts per file, filled while planning (not part of the value).
    style_cache: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    #: Test modules read for placement, filled while planning (not part of the value).
    test_modules: ScanCache = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Task:
    """One model request to make: ``path`` is the file its draft writes."""

    kind: TaskKind
    module: str
    path: str
    findings: tuple[Finding, ...]
    chain: tuple[str, ...]
    messages: tuple[Mapping[str, str], ...]
    schema: Mapping[str, Any]
    style: str | None = None
    #: Only a suggestion may come of it (a refactor raised by the parameter count alone).
    suggest_only: bool = False

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols this task drafts for."""
        return tuple(f.symbol for f in self.findings)


def plan_tasks(findings: Sequence[Finding], project: Project, settings: Settings) -> list[Task]:
    """The tasks for ``findings``: docstrings first, then tests, then refactors.

    Findings whose module cannot be read or parsed are skipped (``check``
    already warned about them).
    """
    tasks: list[Task] = []
    ordered = sorted(findings, key=lambda f: (f.path, f.line))
    for category in Category:
        planner = _PLANNERS[TASK_FOR_CATEGORY[category]]
        chosen = [f for f in ordered if f.category is category]
        for module, group in groupby(chosen, key=lambda f: f.path):
            source = project.read(module)
            if source is None or not _parses(source):
                continue
            tasks += planner(module, source, list(group), project, settings)
    return tasks


#: Why a module ``check`` reads gets no task (see :func:`undraftable`).
NOT_UTF8 = (
    "drafting reads and writes plain UTF-8 Python only "
    "(this file has a byte order mark, another coding, or does not parse)"
)


def undraftable(findings: Sequence[Finding], project: Project) -> tuple[tuple[str, str], ...]:
    """``(path, why)`` for the modules with findings that :func:`plan_tasks` skips.

    ``check`` decodes a module as Python does (a byte order mark, a coding
    declaration) and found something there; drafting reads and writes UTF-8
    only, so these get no task, and the user should hear which ones.
    """
    paths = dict.fromkeys(f.path for f in findings)
    return tuple(
        (p, NOT_UTF8) for p in paths if (text := project.read(p)) is None or not _parses(text)
    )


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def _module_context(source: str) -> str:
    lines = source.splitlines()
    if len(lines) <= MODULE_CONTEXT_LINES:
        return source.rstrip("\n")
    kept = "\n".join(lines[:MODULE_CONTEXT_LINES])
    return f"{kept}\n# ... ({len(lines) - MODULE_CONTEXT_LINES} more lines)"


def definition_source(source: str, finding: Finding, marks: frozenset[int] = frozenset()) -> str:
    """The source of ``finding``'s definition, lines in ``marks`` tagged ``# changed``."""
    node = find_definition(ast.parse(source), finding.symbol, finding.line)
    if node is not None:
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = node.end_lineno or node.lineno
    else:
        start, end = finding.line, finding.end_line
    lines = split_lines(source)[start : end + 1]  # as the AST numbers them
    out = [
        f"{line}  # changed" if number in marks and line.strip() else line
        for number, line in enumerate(lines, start)
    ]
    # Never cut: an answer to a definition shown in part cannot pass (context may be cut).
    return textwrap.dedent("\n".join(out))


def _documentation(
    module: str, source: str, group: list[Finding], project: Project, settings: Settings
) -> list[Task]:
    style = detect_style(
        source,
        settings.draft,
        lambda: _style_counts(project, _package_files(project, module)),
        lambda: _style_counts(project, _source_files(project)),
    )
    size = max(1, settings.draft.docstring_batch)
    tasks = []
    for i in range(0, len(group), size):
        batch = tuple(group[i : i + size])
        definitions = "\n\n".join(
            f"### {f.symbol} (line {f.line})\n```python\n{_header(source, f)}\n```" for f in batch
        )
        messages = prompts.messages(
            KINDS[TaskKind.DOCUMENTATION].template,
            path=module,
            style_name=STYLE_NAMES[style],
            style_example=STYLE_EXAMPLES[style],
            definitions=definitions,
            module=_module_context(source),
        )
        tasks.append(
            _task(TaskKind.DOCUMENTATION, module, module, batch, settings, messages, style)
        )
    return tasks


def documentation_tasks(
    module: str, source: str, findings: Sequence[Finding], project: Project, settings: Settings
) -> list[Task]:
    """Documentation tasks for ``findings`` of ``module`` planned on ``source``.

    Used again after a refactor changed the module, so the prompt shows the final code.
    """
    return _documentation(module, source, list(findings), project, settings)


def _header(source: str, finding: Finding) -> str:
    """The whole definition: context may be cut, the definition never."""
    return definition_source(source, finding)


def _source_files(project: Project) -> list[str]:
    files = [p for p in project.files if p.endswith(".py") and not is_test_file(p)]
    return files[:STYLE_SAMPLE_FILES]


def _package_files(project: Project, module: str) -> list[str]:
    folder = posixpath.dirname(module)
    return [p for p in _source_files(project) if posixpath.dirname(p) == folder and p != module]


def _style_counts(project: Project, paths: Sequence[str]) -> dict[str, int]:
    """Docstring style counts summed over ``paths`` (each file read once per plan)."""
    total: dict[str, int] = {}
    for path in paths:
        counts = project.style_cache.get(path)
        if counts is None:
            counts = style_counts(project.read(path) or "")
            project.style_cache[path] = counts
        for style, n in counts.items():
            total[style] = total.get(style, 0) + n
    return total


def place_tests(
    module: str, source: str, group: Sequence[Finding], project: Project
) -> list[tuple[str, tuple[Finding, ...]]]:
    """Where the tests for ``group`` (tests-needed findings of ``module``) go, by test module.

    Each finding is placed on its own, from its symbol and the names its changed
    lines use (:func:`placement_for`); findings placed in one test module share
    an entry, in the order they came.
    """
    marks = project.added.get(module, frozenset())
    by_path: dict[str, list[Finding]] = {}
    for f in group:
        changed = changed_code(source, f.line, f.end_line, marks)
        test_path = placement_for(
            module,
            project.files,
            [f.symbol],
            project.read,
            changed,
            project.test_modules,
            new_module=module in project.new_modules,
        )
        by_path.setdefault(test_path, []).append(f)
    return [(path, tuple(found)) for path, found in by_path.items()]


def _unit_tests(
    module: str, source: str, group: list[Finding], project: Project, settings: Settings
) -> list[Task]:
    return [
        _unit_test_task(module, source, placed, project, settings)
        for placed in place_tests(module, source, group, project)
    ]


def _unit_test_task(
    module: str,
    source: str,
    placed: tuple[str, tuple[Finding, ...]],
    project: Project,
    settings: Settings,
) -> Task:
    """The tests task for one test module and the findings placed in it."""
    test_path, group = placed
    marks = project.added.get(module, frozenset())
    existing = project.read(test_path) or ""
    targets = "\n\n".join(
        f"### {f.symbol} (line {f.line})\n```python\n{definition_source(source, f, marks)}\n```"
        for f in group
    )
    names = defined_names(existing)
    shown = (
        f"\nThe existing test module `{test_path}` (your code is appended to it):\n"
        f"```python\n{_module_context(existing)}\n```"
        if existing.strip()
        else ""
    )
    messages = prompts.messages(
        KINDS[TaskKind.UNIT_TESTS].template,
        path=module,
        import_name=import_name(module),
        targets=targets,
        test_path=test_path,
        existing_names=", ".join(names) or "(none)",
        module=_module_context(source),
        existing_tests=shown,
    )
    return _task(TaskKind.UNIT_TESTS, module, test_path, group, settings, messages)


def _refactoring(
    module: str, source: str, group: list[Finding], project: Project, settings: Settings
) -> list[Task]:
    tasks = []
    for finding in group:
        before = refactor_measures.measures(source, finding.symbol)
        if before is None:
            continue
        # A public signature is never changed: a function with too many parameters gets
        # an explanation and a sketch to read (or nothing), never a rewrite to apply.
        suggest_only = refactor_measures.triggered(before, settings.check) == ["parameters"]
        if suggest_only and settings.draft.parameter_refactors == "skip":
            continue
        messages = prompts.messages(
            "refactoring-parameters" if suggest_only else KINDS[TaskKind.REFACTORING].template,
            symbol=finding.symbol,
            path=module,
            measure_text=refactor_measures.measure_text(before, settings.check),
            definition=definition_source(source, finding),
            module=_module_context(source),
        )
        tasks.append(
            _task(
                TaskKind.REFACTORING,
                module,
                module,
                (finding,),
                settings,
                messages,
                suggest_only=suggest_only,
            )
        )
    return tasks


def _task(
    kind: TaskKind,
    module: str,
    path: str,
    findings: tuple[Finding, ...],
    settings: Settings,
    prompt: Sequence[Mapping[str, str]],
    style: str | None = None,
    *,
    suggest_only: bool = False,
) -> Task:
    """A task of ``kind`` holding the exact messages sent: ``prompt`` and the JSON instruction."""
    schema = KINDS[kind].schema
    if schema is None:
        raise KeyError(f"task kind {kind.value} has no answer schema to plan with")
    return Task(
        kind,
        module,
        path,
        findings,
        tuple(settings.chains.get(kind, ())),
        tuple(with_json_instruction(prompt, schema)),
        schema,
        style,
        suggest_only=suggest_only,
    )


_Planner = Callable[[str, str, list[Finding], Project, Settings], list[Task]]
#: The planner of each kind a finding category is drafted with (checked at import).
_PLANNERS: Mapping[TaskKind, _Planner] = {
    TaskKind.DOCUMENTATION: _documentation,
    TaskKind.UNIT_TESTS: _unit_tests,
    TaskKind.REFACTORING: _refactoring,
}
for _kind in TASK_FOR_CATEGORY.values():
    if _kind not in _PLANNERS:
        raise KeyError(f"no planner for task kind {_kind.value}")
