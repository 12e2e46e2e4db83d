"""Docstring tasks: findings batched per module, in the style the project writes.

Several definitions of one module go in one model call, to live within free-tier
rate limits; the style is the module's own, else its package's, else the project's.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from ttabot.analysis.paths import is_test_file
from ttabot.config import Settings
from ttabot.drafting import prompts
from ttabot.drafting.docstrings import (
    STYLE_EXAMPLES,
    STYLE_NAMES,
    detect_style,
    style_counts,
)
from ttabot.drafting.kinds import KINDS
from ttabot.drafting.prompt_context import definition_source, module_context
from ttabot.drafting.task import Project, Task, make_task
from ttabot.records import Finding, TaskKind

#: Most files whose docstrings are read to find the repository's dominant style.
STYLE_SAMPLE_FILES = 300


def plan_documentation(
    module: str, source: str, group: list[Finding], project: Project, settings: Settings
) -> list[Task]:
    """Documentation tasks for ``group``, batched ``docstring_batch`` definitions a task."""
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
            module=module_context(source),
        )
        tasks.append(
            make_task(TaskKind.DOCUMENTATION, module, module, batch, settings, messages, style)
        )
    return tasks


def documentation_tasks(
    module: str, source: str, findings: Sequence[Finding], project: Project, settings: Settings
) -> list[Task]:
    """Documentation tasks for ``findings`` of ``module`` planned on ``source``.

    Used again after a refactor changed the module, so the prompt shows the final code.
    """
    return plan_documentation(module, source, list(findings), project, settings)


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
