"""``# ttabot: ignore`` comments, and the old-version names behind ``fail-on-scope``."""

from __future__ import annotations

import pytest

from ttabot.analysis.per_path import settings_for
from ttabot.analysis.scope import dotted_names
from ttabot.analysis.suppression import ignored_categories
from ttabot.config import CheckSettings, PathSettings
from ttabot.records import Category

ALL = frozenset(Category)


@pytest.mark.parametrize(
    ("line", "ignored", "unknown"),
    [
        ("def f():", frozenset(), ()),
        ("def f():  # ttabot: ignore", ALL, ()),
        ("def f():  #ttabot:ignore", ALL, ()),
        ("class K:  # ttabot: ignore[]", ALL, ()),
        ("def f():  # TTABOT: IGNORE[refactor]", frozenset({Category.REFACTOR}), ()),
        (
            "def f():  # noqa: E501  # ttabot: ignore[docs-missing, tests-needed]",
            frozenset({Category.DOCS_MISSING, Category.TESTS_NEEDED}),
            (),
        ),
        ("def f():  # ttabot: ignore[docs, refactor]", frozenset({Category.REFACTOR}), ("docs",)),
        ("def f():  # ttabot: ignored-not", frozenset(), ()),
        ("def f():  # ttabot ignore", frozenset(), ()),
    ],
)
def test_ignored_categories(
    line: str, ignored: frozenset[Category], unknown: tuple[str, ...]
) -> None:
    assert ignored_categories(line) == (ignored, unknown)


@pytest.mark.parametrize(
    ("source", "names"),
    [
        (b"def f(): pass\n", {"f"}),
        (b"class K:\n    def m(self):\n        def inner(): pass\n", {"K", "K.m", "K.m.inner"}),
        (b"if X:\n    def f(): pass\nelse:\n    class f: pass\n", {"f"}),
        (b"try:\n    import a\nexcept ImportError:\n    async def g(): pass\n", {"g"}),
    ],
)
def test_dotted_names(source: bytes, names: set[str]) -> None:
    assert dotted_names(source) == frozenset(names)


def test_dotted_names_of_an_unparsable_file_is_none() -> None:
    assert dotted_names(b"def (:\n") is None


def test_later_per_path_tables_win_and_only_matching_paths_change() -> None:
    base = CheckSettings(
        per_path=(
            PathSettings("tests/fixtures/**", {"max_params": 9, "fail_on": frozenset()}),
            PathSettings("tests/fixtures/deep/*.py", {"max_params": 12}),
        )
    )
    assert settings_for(base, "pkg/m.py") is base
    assert settings_for(base, "tests/fixtures/a.py").max_params == 9
    deep = settings_for(base, "tests/fixtures/deep/b.py")
    assert (deep.max_params, deep.fail_on) == (12, frozenset())
