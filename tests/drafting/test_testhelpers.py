"""A drafted test may check through a helper imported from the project's own test code.

``check_roundtrip(value)`` from ``tests/helpers.py`` asserts; a test whose only check is
that call was dropped as "asserts nothing". The stage now reads (never imports or runs)
the helper module, within bounds: relative imports and modules in a test folder only,
two modules deep, no symbolic link, no file over the size cap, cycles stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ttabot.drafting import testcode
from ttabot.drafting.answer_parts import split_answer
from ttabot.drafting.testasserts import asserts_something
from ttabot.drafting.testhelpers import MAX_HELPER_BYTES
from ttabot.drafting.testrun import helper_files

TEST_PATH = "tests/test_codec.py"

HELPERS = """\
from codec import dump, load

from .inner import deep_check, shallow


def check_roundtrip(value):
    assert load(dump(value)) == value


def make_value():
    return {"a": 1}


def check_via_inner(value):
    deep_check(value)


def check_two_deep(value):
    shallow(value)
"""

INNER = """\
from codec import dump

from .deeper import deepest_check


def deep_check(value):
    assert dump(value)


def shallow(value):
    deepest_check(value)
"""

DEEPER = """\
def deepest_check(value):
    assert value
"""

UTIL = """\
import sys

raise SystemExit("never imported")  # the stage reads this module, it never runs it


def verify(value):
    if not value:
        pytest.fail("empty")
"""

SOURCE_CHECKS = """\
def validate(value):
    assert value
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for rel, text in {
        "codec/__init__.py": "def dump(v):\n    return v\n\n\ndef load(v):\n    return v\n",
        "codec/checks.py": SOURCE_CHECKS,
        "tests/__init__.py": "",
        "tests/helpers.py": HELPERS,
        "tests/inner.py": INNER,
        "tests/deeper.py": DEEPER,
        "tests/util.py": UTIL,
        TEST_PATH: "",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def judged(root: Path, answer: str, existing: str = "", name: str = "test_x") -> bool:
    parts = split_answer(answer)
    return asserts_something(parts, name, existing, helper_files(root, TEST_PATH))


@pytest.mark.parametrize(
    "answer",
    [
        "from tests.helpers import check_roundtrip\n\n\ndef test_x():\n    check_roundtrip(1)\n",
        "from tests.helpers import check_roundtrip as rt\n\n\ndef test_x():\n    rt(1)\n",
        "from .helpers import check_roundtrip\n\n\ndef test_x():\n    check_roundtrip(1)\n",
        "from .util import verify\n\n\ndef test_x():\n    verify(1)\n",
        "from . import helpers\n\n\ndef test_x():\n    helpers.check_roundtrip(1)\n",
        "from tests import helpers\n\n\ndef test_x():\n    helpers.check_roundtrip(1)\n",
        "import tests.helpers as h\n\n\ndef test_x():\n    h.check_roundtrip(1)\n",
        "import tests.helpers\n\n\ndef test_x():\n    tests.helpers.check_roundtrip(1)\n",
        # pytest puts the test module's folder on sys.path
        "from helpers import check_roundtrip\n\n\ndef test_x():\n    check_roundtrip(1)\n",
        # two modules deep: helpers -> inner
        "from tests.helpers import check_via_inner\n\n\ndef test_x():\n    check_via_inner(1)\n",
    ],
)
def test_a_helper_imported_from_the_projects_test_code_that_asserts_counts(
    project: Path, answer: str
) -> None:
    assert judged(project, answer)
    # Without the project's files to read, the same test asserts nothing.
    assert not asserts_something(split_answer(answer), "test_x", "")


def test_a_helper_the_existing_module_imports_counts(project: Path) -> None:
    existing = "from tests.helpers import check_roundtrip\n\n\ndef test_old():\n    pass\n"
    assert judged(project, "def test_x():\n    check_roundtrip(2)\n", existing)
    # and through one of the existing module's own helpers
    existing += "\n\ndef _both(v):\n    check_roundtrip(v)\n"
    assert judged(project, "def test_x():\n    _both(2)\n", existing)


def test_the_stage_says_asserts_nothing_only_without_a_checking_helper(project: Path) -> None:
    answer = "from tests.helpers import {}\n\n\ndef test_x():\n    {}(1)\n"
    helpers = helper_files(project, TEST_PATH)
    good = split_answer(answer.format("check_roundtrip", "check_roundtrip"))
    assert testcode.test_code_problem(good, "test_x", "", helpers) is None
    bad = split_answer(answer.format("make_value", "make_value"))
    assert "asserts nothing" in (testcode.test_code_problem(bad, "test_x", "", helpers) or "")


@pytest.mark.parametrize(
    "answer",
    [
        # the helper asserts nothing
        "from tests.helpers import make_value\n\n\ndef test_x():\n    make_value()\n",
        # three modules deep: helpers -> inner -> deeper is past the bound
        "from tests.helpers import check_two_deep\n\n\ndef test_x():\n    check_two_deep(1)\n",
        # the project's own code, not its test support
        "from codec.checks import validate\n\n\ndef test_x():\n    validate(1)\n",
        # imported but never called
        "from tests.helpers import check_roundtrip\n\n\ndef test_x():\n    make(1)\n",
        # no such helper
        "from tests.helpers import nothing_here\n\n\ndef test_x():\n    nothing_here(1)\n",
        # a module attribute that is not the helper
        "from tests import helpers\n\n\ndef test_x():\n    helpers.make_value()\n",
    ],
)
def test_what_does_not_count(project: Path, answer: str) -> None:
    assert not judged(project, answer)


def test_a_relative_import_above_the_project_reads_nothing(project: Path) -> None:
    # tests/ -> project root -> its parent: "from ...evil" leaves the project.
    (project.parent / "evil.py").write_text("def check(v):\n    assert v\n")
    (project.parent / "etc").mkdir()
    (project.parent / "etc" / "__init__.py").write_text("def check(v):\n    assert v\n")
    for module in ("...evil", "...etc", "....etc", ".....etc"):
        answer = f"from {module} import check\n\n\ndef test_x():\n    check(1)\n"
        assert not judged(project, answer), module


def test_a_helper_module_through_a_symbolic_link_is_not_read(project: Path) -> None:
    (project.parent / "outside.py").write_text("def check(v):\n    assert v\n")
    os.symlink(project.parent / "outside.py", project / "tests" / "linked.py")
    os.symlink(project / "tests" / "helpers.py", project / "tests" / "alias.py")  # inside too
    os.symlink(project / "tests", project / "linkdir")
    for module, name in (
        ("tests.linked", "check"),
        ("tests.alias", "check_roundtrip"),
        ("linkdir.helpers", "check_roundtrip"),
    ):
        answer = f"from {module} import {name}\n\n\ndef test_x():\n    {name}(1)\n"
        assert not judged(project, answer), module


def test_a_huge_helper_module_is_not_read(project: Path) -> None:
    padding = "# " + "x" * 98 + "\n"
    text = "def check(v):\n    assert v\n" + padding * (MAX_HELPER_BYTES // 100 + 1)
    (project / "tests" / "big.py").write_text(text)
    assert not judged(project, "from tests.big import check\n\n\ndef test_x():\n    check(1)\n")
    (project / "tests" / "small.py").write_text(text[: MAX_HELPER_BYTES - 200])
    assert judged(project, "from tests.small import check\n\n\ndef test_x():\n    check(1)\n")


def test_helper_modules_that_import_each_other_stop(project: Path) -> None:
    (project / "tests" / "a.py").write_text(
        "from .b import check_b\n\n\ndef check_a(v):\n    check_b(v)\n"
    )
    (project / "tests" / "b.py").write_text(
        "from .a import check_a\n\n\ndef check_b(v):\n    check_a(v)\n"
    )
    assert not judged(project, "from tests.a import check_a\n\n\ndef test_x():\n    check_a(1)\n")
    (project / "tests" / "self.py").write_text(
        "from tests.self import loop\n\n\ndef loop(v):\n    loop(v)\n"
    )
    assert not judged(project, "from tests.self import loop\n\n\ndef test_x():\n    loop(1)\n")


@pytest.mark.parametrize(
    "content",
    [b"def check(v):\n    assert v\n    (\n", b"def check(v):\n    assert v  # \xff\n"],
)
def test_a_helper_module_that_does_not_parse_or_decode_counts_for_nothing(
    project: Path, content: bytes
) -> None:
    (project / "tests" / "broken.py").write_bytes(content)
    answer = "from tests.broken import check\n\n\ndef test_x():\n    check(1)\n"
    assert not judged(project, answer)


def test_a_helper_folder_or_fifo_is_not_read(project: Path) -> None:
    (project / "tests" / "folder.py").mkdir()
    os.mkfifo(project / "tests" / "fifo.py")
    for module in ("folder", "fifo"):
        answer = f"from tests.{module} import check\n\n\ndef test_x():\n    check(1)\n"
        assert not judged(project, answer)  # and never blocks on the FIFO


@pytest.mark.parametrize(
    ("test_path", "module"),
    [
        # Attack: the project's own code reached by a relative import, or from a test
        # module that lives beside it: its asserts are the code's own invariants, and a
        # test that only runs it checks nothing.
        (TEST_PATH, "..codec.checks"),
        ("codec/test_codec.py", ".checks"),
        ("codec/test_codec.py", "checks"),
        ("codec/test_codec.py", "codec.checks"),
    ],
)
def test_the_projects_own_code_is_no_helper_however_imported(
    project: Path, test_path: str, module: str
) -> None:
    answer = f"from {module} import validate\n\n\ndef test_x():\n    validate(1)\n"
    parts = split_answer(answer)
    assert not asserts_something(parts, "test_x", "", helper_files(project, test_path))


def test_a_helper_beside_a_test_in_a_test_folder_counts(project: Path) -> None:
    (project / "tests" / "unit").mkdir()
    (project / "tests" / "unit" / "checks.py").write_text(SOURCE_CHECKS)
    answer = "from checks import validate\n\n\ndef test_x():\n    validate(1)\n"
    parts = split_answer(answer)
    helpers = helper_files(project, "tests/unit/test_codec.py")
    assert asserts_something(parts, "test_x", "", helpers)


@pytest.mark.parametrize(
    "answer",
    [
        # Attack: the test binds the helper's name itself (a nested def, an assignment, a
        # parameter): the call runs that, not the imported helper that asserts.
        "from tests.helpers import check_roundtrip\n\n\ndef test_x():\n"
        "    def check_roundtrip(v):\n        return v\n\n    check_roundtrip(1)\n",
        "from tests.helpers import check_roundtrip\n\n\ndef test_x():\n"
        "    check_roundtrip = print\n    check_roundtrip(1)\n",
        "from tests.helpers import check_roundtrip\n\n\ndef test_x(check_roundtrip):\n"
        "    check_roundtrip(1)\n",
    ],
)
def test_a_name_the_test_binds_itself_is_not_the_helper(project: Path, answer: str) -> None:
    assert not judged(project, answer)


def test_a_name_the_test_binds_itself_is_not_the_modules_helper(project: Path) -> None:
    existing = "def check_roundtrip(v):\n    assert v\n"
    answer = (
        "def test_x():\n    def check_roundtrip(v):\n        return v\n\n    check_roundtrip(1)\n"
    )
    assert not judged(project, answer, existing)


def test_a_helper_that_asserts_only_where_no_run_reaches_counts_for_nothing(
    project: Path,
) -> None:
    (project / "tests" / "dead.py").write_text(
        "def check(v):\n    if False:\n        assert v\n\n\n"
        "def check_late(v):\n    return v\n    assert v\n"
    )
    for name in ("check", "check_late"):
        answer = f"from tests.dead import {name}\n\n\ndef test_x():\n    {name}(1)\n"
        assert not judged(project, answer), name
