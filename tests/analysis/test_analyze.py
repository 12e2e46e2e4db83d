"""analyze() over a whole change: which files count, filters, order, and the record it returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttabot.analysis import analyze
from ttabot.config import CheckSettings
from ttabot.records import (
    Category,
    Change,
    CheckResult,
    FileChange,
    FileStatus,
    Finding,
    TaskKind,
)

UNDOCUMENTED = b"def load():\n    return 1\n"
ALL = frozenset({1, 2})


class Reader:
    """A ``read_new`` over a dict that records which paths were asked for."""

    def __init__(self, contents: dict[str, bytes]) -> None:
        self.contents = contents
        self.asked: list[str] = []

    def __call__(self, path: str) -> bytes | None:
        self.asked.append(path)
        return self.contents.get(path)


def run(*files: FileChange, settings: CheckSettings | None = None) -> CheckResult:
    contents = {f.path: UNDOCUMENTED for f in files}
    return analyze(Change(files), Reader(contents), settings or CheckSettings())


def test_finding_record() -> None:
    result = run(FileChange("pkg/mod.py", FileStatus.ADDED, ALL))
    assert result.findings == (
        Finding(
            category=Category.DOCS_MISSING,
            path="pkg/mod.py",
            symbol="load",
            line=1,
            end_line=2,
            task=TaskKind.DOCUMENTATION,
            message="public function `load` has no docstring",
            details={"rule": "no-docstring"},
        ),
        Finding(
            category=Category.TESTS_NEEDED,
            path="pkg/mod.py",
            symbol="load",
            line=1,
            end_line=2,
            task=TaskKind.UNIT_TESTS,
            message="changed code in `load` is not exercised by any changed test",
            details={"rule": "new"},
        ),
    )
    assert result.files_checked == 1
    assert result.warnings == ()


@pytest.mark.parametrize(
    "file",
    [
        pytest.param(FileChange("pkg/mod.py", FileStatus.DELETED, ALL), id="deleted"),
        pytest.param(FileChange("pkg/mod.py", FileStatus.MODIFIED, ALL, is_binary=True), id="bin"),
        pytest.param(FileChange("pkg/mod.pyi", FileStatus.MODIFIED, ALL), id="stub"),
        pytest.param(FileChange("pkg/README.md", FileStatus.MODIFIED, ALL), id="not python"),
    ],
)
def test_files_that_are_never_read(file: FileChange) -> None:
    reader = Reader({file.path: UNDOCUMENTED})
    result = analyze(Change((file,)), reader, CheckSettings())
    assert (result.findings, result.warnings, result.files_checked) == ((), (), 0)
    assert reader.asked == []


def test_unavailable_new_version_is_skipped_quietly() -> None:
    file = FileChange("pkg/mod.py", FileStatus.MODIFIED, ALL)
    result = analyze(Change((file,)), Reader({}), CheckSettings())
    assert (result.findings, result.warnings, result.files_checked) == ((), (), 0)


@pytest.mark.parametrize(
    "path",
    ["tests/test_mod.py", "tests/helpers.py", "pkg/mod_test.py", "conftest.py", "test/x.py"],
)
def test_test_files_get_no_findings(path: str) -> None:
    result = run(FileChange(path, FileStatus.ADDED, ALL))
    assert result.findings == ()
    assert result.files_checked == 1


def test_renamed_file_is_analysed_under_its_new_path() -> None:
    file = FileChange("pkg/new.py", FileStatus.RENAMED, frozenset({2}), old_path="pkg/old.py")
    assert {f.path for f in run(file).findings} == {"pkg/new.py"}


def test_added_lines_past_the_end_are_ignored() -> None:
    result = run(FileChange("pkg/mod.py", FileStatus.MODIFIED, frozenset({0, 3, 99})))
    assert result.findings == ()


def test_non_ascii_path() -> None:
    result = run(FileChange("données/modèle.py", FileStatus.ADDED, ALL))
    assert {f.path for f in result.findings} == {"données/modèle.py"}


@pytest.mark.parametrize(
    ("include", "exclude", "paths"),
    [
        pytest.param((), (), {"src/a.py", "gen/b.py"}, id="everything"),
        pytest.param(("src/**",), (), {"src/a.py"}, id="include"),
        pytest.param((), ("gen/**",), {"src/a.py"}, id="exclude"),
        pytest.param(("**/*.py",), ("src/a.py",), {"gen/b.py"}, id="both"),
    ],
)
def test_include_exclude(
    include: tuple[str, ...], exclude: tuple[str, ...], paths: set[str]
) -> None:
    result = run(
        FileChange("src/a.py", FileStatus.ADDED, ALL),
        FileChange("gen/b.py", FileStatus.ADDED, ALL),
        settings=CheckSettings(include=include, exclude=exclude),
    )
    assert {f.path for f in result.findings} == paths
    assert result.files_checked == len(paths)


def test_excluded_test_files_still_count_as_evidence() -> None:
    contents = {"pkg/mod.py": UNDOCUMENTED, "tests/test_mod.py": b"assert load() == 1\n"}
    change = Change(
        (
            FileChange("pkg/mod.py", FileStatus.MODIFIED, frozenset({2})),
            FileChange("tests/test_mod.py", FileStatus.ADDED, frozenset({1})),
        )
    )
    result = analyze(change, contents.get, CheckSettings(exclude=("tests/**",)))
    assert [f.category for f in result.findings] == [Category.DOCS_MISSING]


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (frozenset(Category), {"docs-missing", "tests-needed", "refactor"}),
        (frozenset({Category.REFACTOR}), {"refactor"}),
        (
            frozenset({Category.DOCS_MISSING, Category.TESTS_NEEDED}),
            {"docs-missing", "tests-needed"},
        ),
        (frozenset(), set()),
    ],
)
def test_categories_filter(categories: frozenset[Category], expected: set[str]) -> None:
    contents = {"m.py": b"def load(a, b, c, d, e, f):\n    return 1\n"}
    change = Change((FileChange("m.py", FileStatus.MODIFIED, ALL),))
    result = analyze(change, contents.get, CheckSettings(categories=categories))
    assert {f.category.value for f in result.findings} == expected


def test_findings_are_sorted_by_path_line_category() -> None:
    text = b"def b(a, b, c, d, e, f):\n    return 1\n\n\ndef a():\n    return 2\n"
    contents = {"z.py": text, "a/m.py": text}
    change = Change(
        tuple(FileChange(p, FileStatus.ADDED, frozenset(range(1, 7))) for p in ("z.py", "a/m.py"))
    )
    result = analyze(change, contents.get, CheckSettings())
    keys = [(f.path, f.line, f.category.value) for f in result.findings]
    assert keys == sorted(keys)
    assert keys[:4] == [
        ("a/m.py", 1, "docs-missing"),
        ("a/m.py", 1, "refactor"),
        ("a/m.py", 1, "tests-needed"),
        ("a/m.py", 5, "docs-missing"),
    ]


def test_files_on_disk(tmp_path: Path) -> None:
    """End to end over real files: the edge passes a reader of the new versions."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "pkg" / "store.py").write_text(
        '"""Storage."""\n\n\nclass Store:\n    """A store."""\n\n'
        "    def get(self, key):\n        return self.data[key]\n\n"
        "    def put(self, key, value):\n        self.data[key] = value\n"
    )
    (tmp_path / "tests" / "test_store.py").write_text("def test_get():\n    Store().get(1)\n")
    change = Change(
        (
            FileChange("pkg/store.py", FileStatus.MODIFIED, frozenset({7, 8, 10, 11})),
            FileChange("tests/test_store.py", FileStatus.ADDED, frozenset({1, 2})),
        )
    )

    def read_new(path: str) -> bytes | None:
        target = tmp_path / path
        return target.read_bytes() if target.is_file() else None

    result = analyze(change, read_new, CheckSettings())
    assert [(f.category.value, f.symbol) for f in result.findings] == [
        ("docs-missing", "Store.get"),
        ("docs-missing", "Store.put"),
        ("tests-needed", "Store.put"),
    ]
    assert result.files_checked == 2
