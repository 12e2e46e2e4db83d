"""Loading coverage data from real ``coverage run`` output: Cobertura XML and ``.coverage``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.marked import one
from ttabot.analysis import analyze, load_covered_lines
from ttabot.config import CheckSettings
from ttabot.errors import TtabotError
from ttabot.records import Change, FileChange, FileStatus, Finding

CALC = """\
import functools


def classify(x):
    if x > 0:
        return "positive"
    if x < 0:
        return "negative"
    return (
        "zero"
    )


@functools.lru_cache(
    maxsize=None,
)
def cached(x):
    return x
"""

RUN = """\
from pkg.calc import classify

classify(5)
"""


def coverage(root: Path, *args: str) -> None:
    env = {**os.environ, "COVERAGE_FILE": str(root / ".coverage")}
    env.pop("COVERAGE_PROCESS_START", None)
    subprocess.run(
        [sys.executable, "-m", "coverage", *args],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project where one run executed ``classify(5)``, with both coverage files written."""
    root = tmp_path_factory.mktemp("project")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "calc.py").write_text(CALC)
    (root / "run_it.py").write_text(RUN)
    coverage(root, "run", "run_it.py")
    coverage(root, "xml", "-o", "coverage.xml")
    return root


@pytest.mark.parametrize("name", ["coverage.xml", ".coverage"])
def test_executed_lines(measured: Path, name: str) -> None:
    covered = load_covered_lines(measured / name, measured)
    assert covered["pkg/calc.py"] >= {1, 4, 5, 6}
    assert not covered["pkg/calc.py"] & {7, 8, 9, 10, 11, 18}
    assert "run_it.py" in covered


@pytest.mark.parametrize("name", ["coverage.xml", ".coverage"])
def test_root_elsewhere_leaves_files_out(measured: Path, name: str, tmp_path: Path) -> None:
    assert load_covered_lines(measured / name, tmp_path) == {}


def _uncovered(finding: Finding) -> tuple[int, ...]:
    lines = finding.details["uncovered_lines"]
    assert isinstance(lines, tuple)
    return lines


@pytest.mark.parametrize("name", ["coverage.xml", ".coverage"])
def test_analysis_with_real_coverage(measured: Path, name: str) -> None:
    covered = load_covered_lines(measured / name, measured)
    read_new = {"pkg/calc.py": CALC.encode()}.get

    def tests_needed(added: set[int]) -> list[tuple[int, ...]]:
        change = Change((FileChange("pkg/calc.py", FileStatus.MODIFIED, frozenset(added)),))
        result = analyze(change, read_new, CheckSettings(), covered)
        wanted = [f for f in result.findings if f.category.value == "tests-needed"]
        return [_uncovered(f) for f in wanted if f.symbol == "classify"]

    assert tests_needed({5, 6}) == []
    assert tests_needed({6, 7, 8}) == [(7, 8)]
    assert tests_needed({10}) == [(10,)]


@pytest.mark.parametrize("name", ["coverage.xml", ".coverage"])
def test_decorator_and_signature_lines_run_with_their_def(measured: Path, name: str) -> None:
    covered = load_covered_lines(measured / name, measured)
    read_new = {"pkg/calc.py": CALC.encode()}.get
    # The decorator's continuation line and the def line ran at import; the body did not.
    change = Change((FileChange("pkg/calc.py", FileStatus.MODIFIED, frozenset({15, 17, 18})),))
    result = analyze(change, read_new, CheckSettings(), covered)
    finding = one(result, "tests-needed")
    assert (finding.symbol, finding.details["uncovered_lines"]) == ("cached", (18,))


def test_src_layout_with_source_option(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "__init__.py").write_text("")
    (root / "src" / "pkg" / "calc.py").write_text(CALC)
    (root / "run_it.py").write_text("import sys\nsys.path.insert(0, 'src')\n" + RUN)
    coverage(root, "run", "--source=src", "run_it.py")
    coverage(root, "xml", "-o", "coverage.xml")
    assert "<source>" in (root / "coverage.xml").read_text()
    for name in ("coverage.xml", ".coverage"):
        covered = load_covered_lines(root / name, root)
        assert covered["src/pkg/calc.py"] >= {1, 4, 5, 6}, name


def test_cobertura_without_sources(tmp_path: Path) -> None:
    (tmp_path / "cov.xml").write_text(
        '<?xml version="1.0" ?>\n<coverage><packages><package><classes>'
        '<class filename="pkg/a.py"><lines><line number="1" hits="1"/>'
        '<line number="2" hits="0"/><line number="3" hits="4"/></lines></class>'
        "</classes></package></packages></coverage>"
    )
    assert load_covered_lines(tmp_path / "cov.xml", tmp_path) == {"pkg/a.py": frozenset({1, 3})}


@pytest.mark.parametrize(
    ("sources", "on_disk", "expected"),
    [
        pytest.param("<source>src</source>", "src/pkg/a.py", "src/pkg/a.py", id="relative"),
        pytest.param(
            "<source>/elsewhere</source><source>.</source>", "pkg/a.py", "pkg/a.py", id="several"
        ),
        pytest.param("<source>/elsewhere</source>", "x.py", None, id="outside the root"),
        pytest.param(
            "<source>/ci/checkout</source>",
            "pkg/a.py",
            "pkg/a.py",
            id="written in another checkout",
        ),
    ],
)
def test_cobertura_sources(
    tmp_path: Path, sources: str, on_disk: str, expected: str | None
) -> None:
    (tmp_path / on_disk).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / on_disk).write_text("x = 1\n")
    (tmp_path / "cov.xml").write_text(
        f'<?xml version="1.0" ?>\n<coverage><sources>{sources}</sources><packages><package>'
        '<classes><class filename="pkg/a.py"><lines><line number="1" hits="1"/></lines>'
        "</class></classes></package></packages></coverage>"
    )
    covered = load_covered_lines(tmp_path / "cov.xml", tmp_path)
    assert covered == ({} if expected is None else {expected: frozenset({1})})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "neither Cobertura XML", id="empty"),
        pytest.param(b'{"meta": {}, "files": {}}', "neither Cobertura XML", id="json"),
        pytest.param(b"!coverage.py: This is a private format", "neither", id="old format"),
        pytest.param(b"<?xml version='1.0'?><report/>", "not Cobertura", id="other xml"),
        pytest.param(b"<?xml version='1.0'?><coverage><oops>", "not valid XML", id="broken xml"),
        pytest.param(b"SQLite format 3\x00" + b"\x00" * 200, "cannot read coverage", id="bad db"),
    ],
)
def test_unreadable_coverage_is_a_user_error(tmp_path: Path, content: bytes, message: str) -> None:
    target = tmp_path / "cov.data"
    target.write_bytes(content)
    with pytest.raises(TtabotError, match=message) as info:
        load_covered_lines(target, tmp_path)
    assert "\n" not in str(info.value)


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(TtabotError, match="cannot read coverage file"):
        load_covered_lines(tmp_path / "nope.xml", tmp_path)


def test_importing_analysis_stays_light() -> None:
    heavy = "{'coverage', 'libcst', 'mccabe', 'xml.etree.ElementTree'}"
    code = f"import sys, ttabot.analysis; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("abc", id="not a number"),
        pytest.param("9" * 5000, id="more digits than int() takes"),
        pytest.param("", id="empty"),
    ],
)
def test_a_hostile_line_number_in_cobertura_is_skipped_not_a_crash(
    tmp_path: Path, number: str
) -> None:
    # A coverage report is a file someone else's CI wrote: a line number that is no
    # integer was a ValueError traceback out of `ttabot check --coverage`.
    (tmp_path / "cov.xml").write_text(
        '<?xml version="1.0" ?>\n<coverage><packages><package><classes>'
        f'<class filename="a.py"><lines><line number="{number}" hits="1"/>'
        '<line number="2" hits="1"/></lines></class></classes></package></packages></coverage>'
    )
    assert load_covered_lines(tmp_path / "cov.xml", tmp_path) == {"a.py": frozenset({2})}


def test_a_measured_file_name_with_a_nul_byte_is_left_out(tmp_path: Path) -> None:
    # coverage.py stores any string as a file name; realpath() of one with a NUL
    # raised ValueError out of `ttabot check --coverage .coverage`.
    import coverage

    data = coverage.CoverageData(basename=str(tmp_path / ".coverage"))
    data.add_lines({str(tmp_path / "a\0.py"): [1], str(tmp_path / "b.py"): [2]})
    data.write()
    assert load_covered_lines(tmp_path / ".coverage", tmp_path) == {"b.py": frozenset({2})}


def _sqlite(path: Path, script: str) -> bytes:
    """A SQLite file made by ``script``; its bytes."""
    import sqlite3

    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.commit()
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "script",
    [
        pytest.param("CREATE TABLE notes(text);", id="another program's database"),
        pytest.param("CREATE TABLE meta(key, value);", id="a table coverage would make"),
    ],
)
def test_a_sqlite_file_that_is_no_coverage_data_is_one_error_and_left_as_it_was(
    tmp_path: Path, script: str
) -> None:
    # coverage.py reading a SQLite file without its schema *creates* the schema in
    # it: `--coverage app.db` wrote tables into the user's database, and one that
    # already had a `meta` table ended in an sqlite3 traceback instead of one line.
    target = tmp_path / "app.db"
    before = _sqlite(target, script)
    with pytest.raises(TtabotError, match="cannot read coverage data") as info:
        load_covered_lines(target, tmp_path)
    assert "\n" not in str(info.value)
    assert target.read_bytes() == before
