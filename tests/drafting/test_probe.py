"""The baseline probe sees the changed functions' lines run exactly as coverage does."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from ttabot import rlimits
from ttabot.drafting.baseline import baseline_coverage, probe_lines
from ttabot.drafting.isolation import project_copy
from ttabot.drafting.probe import read_probe
from ttabot.drafting.sandbox import Sandbox, UnsafeFile
from ttabot.drafting.testdraft import changed_functions, code_lines

ENV = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}

MODULE = '''\
import threading


def plain(x):
    if x:
        return [i * 2 for i in range(x)]
    return (
        None
    )


class Box:
    def method(self, x):
        """Doc."""
        y = x + 1

        def inner(z):
            return z * y

        return inner

    def unused(self):
        return 1


def gen(n):
    for i in range(n):
        yield i


async def later(x):
    return x


def untouched(x):
    return plain(x)


def factory(n):
    def deco(f):
        f.n = n
        return f

    return deco


def threaded():
    return 5


def in_thread():
    worker = threading.Thread(target=threaded)
    worker.start()
    worker.join()
'''

TESTS = """\
import asyncio

from pkg.m import Box, factory, gen, in_thread, later, plain, untouched


@factory(1)  # runs at import: collection counts as the baseline too
def helper():
    pass


def test_many():
    assert plain(2) == [0, 2]
    assert Box().method(1)(2) == 4
    assert list(gen(2)) == [0, 1]
    assert asyncio.run(later(3)) == 3
    assert untouched(0) is None
    in_thread()
"""

#: Loads the module by path, past every finder: the probe cannot instrument it.
BY_PATH = """\
import importlib.util
import pathlib

path = pathlib.Path(__file__).parent.parent / "pkg" / "m.py"
spec = importlib.util.spec_from_file_location("m_by_path", path)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)


def test_by_path():
    assert m.plain(2) == [0, 2]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "m.py").write_text(MODULE)
    (root / "tests").mkdir()
    (root / "tests" / "test_m.py").write_text(TESTS)
    (root / "tests" / "test_by_path.py").write_text(BY_PATH)
    return root


#: Every line of code in the module's function bodies but ``untouched``'s: the "change".
CHANGED = frozenset({5, 6, 7, 8, 15, 17, 18, 20, 23, 27, 28, 32, 40, 41, 42, 44, 48, 52, 53, 54})


def measured(box: Sandbox, test: str, *, probe: bool) -> frozenset[int]:
    functions = changed_functions(MODULE, CHANGED) if probe else ()
    return baseline_coverage(box, test, "pkg/m.py", functions) & CHANGED


def no_coverage_run(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the probe fell back to coverage")


def test_the_probe_sees_the_changed_lines_coverage_sees(project: Path) -> None:
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        expected = measured(box, "tests/test_m.py", probe=False)
        box.pytest = no_coverage_run  # type: ignore[method-assign]
        seen = measured(box, "tests/test_m.py", probe=True)
        assert not (box.path / ".ttabot-probe.json").exists()
    # Comprehension, nested function, generator, coroutine, a thread, import time.
    assert expected == CHANGED - {23}  # all but a method nobody calls
    assert code_lines(MODULE) >= CHANGED
    assert seen == expected


def test_a_module_loaded_past_the_finder_is_measured_with_coverage(project: Path) -> None:
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        assert probe_lines(box, "tests/test_by_path.py", "pkg/m.py", [4]) is None
        seen = measured(box, "tests/test_by_path.py", probe=True)
    assert seen == {5, 6}


def test_only_the_probes_own_data_is_read() -> None:
    assert read_probe(b'{"instrumented": true, "lines": [3, 4]}') == frozenset({3, 4})
    assert read_probe(b'{"instrumented": false, "lines": []}') is None
    for bad in (b"[]", b'{"lines": ["3"]}', b'{"lines": [true]}', b"\xff", b"{"):
        with pytest.raises(ValueError):
            read_probe(bad)


def test_planted_probe_data_fails_clean_not_with_a_traceback(project: Path) -> None:
    # A test that replaces the probe's file after the run wrote it (a link ttabot will not
    # follow) makes the baseline refuse it, like coverage data.
    (project / "tests" / "conftest.py").write_text(
        "import atexit, os\n\n\n"
        "def _plant():\n"
        "    os.replace('.ttabot-probe.json', 'moved.json') if os.path.exists("
        "'.ttabot-probe.json') else None\n"
        "    os.symlink('/etc/passwd', '.ttabot-probe.json')\n\n\n"
        "def pytest_unconfigure(config):\n    atexit.register(_plant)\n"
    )
    with (
        project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box,
        pytest.raises(UnsafeFile),
    ):
        measured(box, "tests/test_m.py", probe=True)


def test_a_function_the_probe_cannot_find_is_measured_with_coverage(project: Path) -> None:
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        # Line 5 holds no def (an interpreter that numbers definitions differently).
        assert probe_lines(box, "tests/test_m.py", "pkg/m.py", [4, 5]) is None
        seen = probe_lines(box, "tests/test_m.py", "pkg/m.py", [4])
    assert seen is not None and seen & CHANGED >= {5, 6, 7, 8}


def test_a_baseline_killed_at_the_timeout_is_not_run_again(project: Path) -> None:
    (project / "tests" / "test_hang.py").write_text(
        "import time\n\nfrom pkg.m import plain\n\n\n"
        "def test_hang():\n    plain(1)\n    time.sleep(60)\n"
    )
    with project_copy(project, {}, environ=ENV, timeout=2, python=sys.executable) as box:
        box.pytest = no_coverage_run  # type: ignore[method-assign]
        assert measured(box, "tests/test_hang.py", probe=True) == frozenset()


COMPREHENSION = """\
def squares(n):
    return [
        i * i
        for i in range(n)
    ]
"""


def test_a_module_imported_through_a_linked_folder_is_traced_whole(project: Path) -> None:
    # The tests import the package through a link to the project: the module's code
    # carries that path, not the real one, in every frame, the comprehension's too.
    (project / "pkg" / "comp.py").write_text(COMPREHENSION)
    (project / "alias").symlink_to(".", target_is_directory=True)
    (project / "tests" / "test_comp.py").write_text(
        "import pathlib, sys\n\n"
        "sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / 'alias'))\n\n"
        "from pkg.comp import squares  # noqa: E402\n\n\n"
        "def test_squares():\n    assert squares(3) == [0, 1, 4]\n"
        "    assert '/alias/' in squares.__code__.co_filename\n"
    )
    changed = frozenset({2, 3, 4}) & code_lines(COMPREHENSION)
    assert 3 in changed
    with project_copy(project, {}, environ=ENV, timeout=60, python=sys.executable) as box:
        expected = baseline_coverage(box, "tests/test_comp.py", "pkg/comp.py") & changed
        box.pytest = no_coverage_run  # type: ignore[method-assign]
        functions = changed_functions(COMPREHENSION, changed)
        seen = baseline_coverage(box, "tests/test_comp.py", "pkg/comp.py", functions) & changed
    assert seen == expected == changed


def test_probe_data_nested_too_deeply_is_not_the_probes_data() -> None:
    # Attack: a test's atexit hook rewrites the file as "[[[[...": json raised RecursionError,
    # which no caller expects, and the draft ended in a traceback.
    with pytest.raises(ValueError):
        read_probe(b"[" * 200_000)


@pytest.mark.parametrize(
    "plant",
    [
        "    open('.ttabot-probe.json', 'w').write('[' * 200000)\n",
        # A sparse file far larger than memory: read whole, it would take the draft down.
        "    os.truncate('.ttabot-probe.json', 1 << 40)\n",
    ],
    ids=["deep", "huge"],
)
def test_planted_probe_data_deep_or_huge_fails_clean(project: Path, plant: str) -> None:
    (project / "tests" / "conftest.py").write_text(
        "import atexit, os\n\n\n"
        f"def _plant():\n{plant}\n\n"
        "def pytest_unconfigure(config):\n    atexit.register(_plant)\n"
    )
    # With no file size limit (draft.max-file-size = 0): under the default one the kernel
    # refuses the 1 TiB file itself, and the read-back's own bound is what is tested here.
    unlimited = rlimits.Limits()
    with project_copy(
        project, {}, environ=ENV, timeout=60, python=sys.executable, limits=unlimited
    ) as box:
        with pytest.raises(UnsafeFile):
            probe_lines(box, "tests/test_m.py", "pkg/m.py", [4])
        assert not (box.path / ".ttabot-probe.json").exists()
