"""Planning in the project's own style: docstring style fallbacks, whole definitions, fences."""

from __future__ import annotations

import pytest

from ttabot.config import Settings
from ttabot.drafting import answers
from ttabot.drafting.plan import Project, plan_tasks
from ttabot.records import Category, Finding, TaskKind

SPHINX = '''\
def parse(text, strict):
    """Parse text.

    :param text: The text.
    :param strict: Be strict.
    """
'''
GOOGLE = '''\
def load(path):
    """Load a file.

    Args:
        path: Where it is.
    """
'''
UNDOCUMENTED = "def echo(message):\n    return message\n"


def finding(
    path: str, symbol: str, line: int = 1, category: Category = Category.DOCS_MISSING
) -> Finding:
    task = {
        Category.DOCS_MISSING: TaskKind.DOCUMENTATION,
        Category.TESTS_NEEDED: TaskKind.UNIT_TESTS,
        Category.REFACTOR: TaskKind.REFACTORING,
    }[category]
    return Finding(category, path, symbol, line, line, task, "")


def style_of(files: dict[str, str], module: str) -> str | None:
    project = Project(read=files.get, files=tuple(sorted(files)))
    (task,) = plan_tasks([finding(module, "echo")], project, Settings())
    return task.style


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # The module shows no style: its package's dominant one (click: Sphinx everywhere).
        (
            {
                "src/click/_compat.py": UNDOCUMENTED,
                "src/click/core.py": SPHINX,
                "src/click/utils.py": SPHINX,
                "src/click/types.py": GOOGLE,
                "other/google.py": GOOGLE * 5,
            },
            "sphinx",
        ),
        # Nor does its package: the repository's dominant style.
        (
            {"src/click/_compat.py": UNDOCUMENTED, "lib/a.py": SPHINX, "lib/b.py": SPHINX},
            "sphinx",
        ),
        # The module's own style wins over its package's.
        (
            {"src/click/_compat.py": UNDOCUMENTED + GOOGLE, "src/click/core.py": SPHINX * 3},
            "google",
        ),
        # Test files do not set the project's style.
        ({"src/click/_compat.py": UNDOCUMENTED, "tests/test_x.py": SPHINX}, "google"),
    ],
)
def test_docstring_style_module_then_package_then_repository(
    files: dict[str, str], expected: str
) -> None:
    assert style_of(files, "src/click/_compat.py") == expected


def test_the_whole_definition_is_shown_however_long() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(200))
    source = f"def big(a):\n{body}    return a\n"
    project = Project(read={"m.py": source}.get, files=("m.py",))
    for category in Category:
        (task,) = plan_tasks([finding("m.py", "big", category=category)], project, Settings())
        prompt = task.messages[-1]["content"]
        assert "    x199 = 199\n    return a" in prompt, category


def test_a_fenced_example_inside_the_code_is_kept() -> None:
    code = 'def f(x):\n    """Do it.\n\n    ```\n    f(1)\n    ```\n    """\n    return x\n'
    data = {"code": f"```python\n{code}```"}
    assert answers.parse_code(data, "") == code
    assert answers.parse_code({"code": code}, "") == code
    assert answers.parse_code(None, f"Here it is:\n```python\n{code}```\nDone.") == code


def test_the_definition_shown_is_the_one_the_ast_names_despite_form_feeds() -> None:
    from ttabot.drafting.prompt_context import definition_source
    from ttabot.records import Category, Finding, TaskKind

    source = '"""Mod.\x0c\x0c"""\n\n\ndef keep(x):\n    return x\n\n\ndef f(x):\n    return -x\n'
    finding = Finding(
        Category.DOCS_MISSING, "m.py", "f", 8, 9, TaskKind.DOCUMENTATION, "f is undocumented"
    )
    assert definition_source(source, finding) == "def f(x):\n    return -x"
