"""Where generated tests go, import names, and merging into an existing test module."""

from __future__ import annotations

import pytest

from ttabot.drafting.tests import import_name, merge_tests, placement_for


@pytest.mark.parametrize(
    ("module", "files", "expected"),
    [
        ("pkg/calc.py", [], "tests/test_calc.py"),
        ("pkg/calc.py", ["tests/test_calc.py"], "tests/test_calc.py"),
        ("pkg/calc.py", ["tests/unit/calc_test.py"], "tests/unit/calc_test.py"),
        (
            "src/pkg/sub/calc.py",
            ["tests/test_calc.py", "tests/pkg/sub/test_calc.py"],
            "tests/pkg/sub/test_calc.py",
        ),
        ("pkg/calc.py", ["pkg/test_other.py", "docs/test_calc.txt"], "tests/test_calc.py"),
        ("pkg/__init__.py", ["tests/test_pkg.py"], "tests/test_pkg.py"),
    ],
)
def test_placement_for(module: str, files: list[str], expected: str) -> None:
    assert placement_for(module, files) == expected


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("pkg/calc.py", "pkg.calc"),
        ("src/pkg/calc.py", "pkg.calc"),
        ("pkg/__init__.py", "pkg"),
        ("tool.py", "tool"),
    ],
)
def test_import_name(module: str, expected: str) -> None:
    assert import_name(module) == expected


def test_merge_appends_and_renames_clashing_tests() -> None:
    existing = "def test_add():\n    assert 1\n"
    new = "from m import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n"
    merged = merge_tests(existing, new)
    assert merged.startswith(existing)
    assert "def test_add_2():" in merged and merged.count("def test_add():") == 1


def test_merge_into_nothing_is_the_new_code() -> None:
    assert merge_tests("", "def test_a():\n    pass\n") == "def test_a():\n    pass\n"
