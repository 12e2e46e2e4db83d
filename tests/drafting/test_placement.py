"""Where generated tests go, import names, and merging into an existing test module."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.config import Settings
from ttabot.drafting import project_for
from ttabot.drafting.changed_code import ChangedCode
from ttabot.drafting.plan import Project, plan_tasks
from ttabot.drafting.tests import (
    MAX_TEST_MODULE_CHARS,
    ScanCache,
    import_name,
    placeable,
    placement_for,
    ranked_test_modules,
)
from ttabot.fileio import write_all_atomic
from ttabot.records import Category, Finding, TaskKind
from ttabot.sources import select_change


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
        ("httpx/_decoders.py", [], "tests/test_decoders.py"),
        ("httpx/_decoders.py", ["tests/test__decoders.py"], "tests/test__decoders.py"),
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


def reader(files: dict[str, str]) -> Callable[[str], str | None]:
    return files.get


CLICK_TESTS = {
    "tests/test_termui.py": (
        "import click\nfrom click._termui_impl import ProgressBar\n\n\n"
        "def test_progressbar_render_finish():\n"
        "    bar = ProgressBar([])\n    bar.render_finish()\n"
    ),
    "tests/test_options.py": "import click\n\n\ndef test_option():\n    assert click.Option\n",
    "tests/test_imports.py": "import click\n",
}


@pytest.mark.parametrize(
    ("module", "symbols", "files", "expected"),
    [
        # click tests ProgressBar in a topic file, not a new tests/test__termui_impl.py
        (
            "src/click/_termui_impl.py",
            ["ProgressBar.render_finish"],
            CLICK_TESTS,
            "tests/test_termui.py",
        ),
        # the symbol is named most in a topic file
        ("src/click/core.py", ["Option.__init__", "Option"], CLICK_TESTS, "tests/test_options.py"),
        # a test module importing the changed module wins over the naming convention
        (
            "httpx/_decoders.py",
            ["brand_new"],
            {
                "tests/test_decoders.py": "from httpx._decoders import Decoder\n",
                "tests/test_other.py": "import httpx\n",
            },
            "tests/test_decoders.py",
        ),
        # nothing names or imports it: the convention, private underscore dropped
        (
            "httpx/_decoders.py",
            ["brand_new"],
            {"tests/test_other.py": "import httpx\n"},
            "tests/test_decoders.py",
        ),
    ],
)
def test_placement_follows_where_the_project_tests_the_symbol(
    module: str, symbols: list[str], files: dict[str, str], expected: str
) -> None:
    assert placement_for(module, list(files), symbols, reader(files)) == expected


def test_a_test_module_named_after_the_function_wins_over_a_busier_one() -> None:
    files = {
        "tests/test_termui.py": "from click import prompt\n" + "prompt()\n" * 5,
        "tests/test_utils/test_prompt.py": "from click import prompt\nprompt()",
    }
    assert placement_for("src/click/termui.py", list(files), ["prompt"], reader(files)) == (
        "tests/test_utils/test_prompt.py"
    )


def test_the_method_name_counts_before_its_class_name() -> None:
    files = {
        "tests/test_shell_completion.py": "Command\n" * 9,
        "tests/test_commands.py": "Command\nget_help_option_names\n",
    }
    symbols = ["Command.get_help_option_names"]
    assert placement_for("src/click/core.py", list(files), symbols, reader(files)) == (
        "tests/test_commands.py"
    )


@pytest.mark.parametrize(
    ("module", "symbol", "files", "expected"),
    [
        # the module's own test module wins over a busier one once it names the symbol
        (
            "src/click/utils.py",
            "echo",
            {"tests/test_options.py": "echo\n" * 9, "tests/test_utils.py": "echo\n"},
            "tests/test_utils.py",
        ),
        # ... also for a private implementation module: test_termui.py for _termui_impl.py
        (
            "src/click/_termui_impl.py",
            "pager",
            {"tests/test_utils.py": "pager\n" * 3, "tests/test_termui.py": "pager\n"},
            "tests/test_termui.py",
        ),
        # a topic module named after the class, in the plural
        (
            "src/click/core.py",
            "Argument.get_help_record",
            {
                "tests/test_options.py": "get_help_record\n" * 3,
                "tests/test_arguments.py": "Argument\n",
            },
            "tests/test_arguments.py",
        ),
        # a method's own name is no topic: CellString.text is a cell string's, not text's
        (
            "rich/cells.py",
            "CellString.text",
            {
                "tests/test_text.py": "text\n" * 9,
                "tests/test_cells.py": "from rich.cells import CellString\nCellString\n",
            },
            "tests/test_cells.py",
        ),
        # ... while a function's is (test_prompt.py above)
        (
            "rich/cells.py",
            "text",
            {"tests/test_text.py": "text\n", "tests/test_cells.py": "text\n" * 9},
            "tests/test_text.py",
        ),
    ],
)
def test_own_and_topic_test_modules(
    module: str, symbol: str, files: dict[str, str], expected: str
) -> None:
    assert placement_for(module, list(files), [symbol], reader(files)) == expected


def test_a_new_function_goes_where_its_neighbours_are_tested() -> None:
    files = {
        "tenacity/stop.py": "def stop_after_attempt(n):\n    pass\n\n\ndef attempts_left(s): ...\n",
        "tests/test_tenacity.py": "import tenacity\n\ntenacity.stop_after_attempt(3)\n",
        "tests/test_utils.py": "import tenacity\n",
    }
    assert placement_for("tenacity/stop.py", list(files), ["attempts_left"], reader(files)) == (
        "tests/test_tenacity.py"
    )


@pytest.mark.parametrize(
    ("module", "symbol", "files", "expected"),
    [
        # a class named in capitals (URL) has its topic file test_url.py, not test_u_r_l.py
        (
            "httpx/_urls.py",
            "URL.raw",
            {
                "tests/models/test_responses.py": "import httpx\nraw\nraw\nraw\n",
                "tests/models/test_url.py": "import httpx\nhttpx.URL('x').raw\n",
            },
            "tests/models/test_url.py",
        ),
        (
            "httpx/_exceptions.py",
            "HTTPError.request",
            {
                "tests/test_other.py": "import httpx\nrequest\nrequest\n",
                "tests/test_http_errors.py": "import httpx\nhttpx.HTTPError\n",
            },
            "tests/test_http_errors.py",
        ),
    ],
)
def test_topic_files_named_after_an_acronym_class(
    module: str, symbol: str, files: dict[str, str], expected: str
) -> None:
    assert placement_for(module, list(files), [symbol], reader(files)) == expected


@pytest.mark.parametrize(
    ("module", "files", "expected"),
    [
        # nothing tests the module: the package's own test module collects its tests
        (
            "tenacity/before.py",
            {"tenacity/before.py": "", "tests/test_tenacity.py": "import os\n"},
            "tests/test_tenacity.py",
        ),
        # ... wherever that lives, innermost package first
        (
            "pkg/sub/mod.py",
            {
                "pkg/sub/mod.py": "",
                "tests/test_pkg.py": "import os\n",
                "tests/test_sub.py": "import os\n",
            },
            "tests/test_sub.py",
        ),
        # no such module: a new file in the folder where the project keeps its tests
        (
            "tenacity/compat.py",
            {"tenacity/compat.py": "", "tenacity/tests/test_other.py": "import os\n"},
            "tenacity/tests/test_compat.py",
        ),
        # the shallowest tests folder, not a nested topic folder
        (
            "httpx/_urlparse.py",
            {
                "httpx/_urlparse.py": "",
                "tests/client/test_a.py": "",
                "tests/client/test_b.py": "",
                "tests/test_c.py": "",
            },
            "tests/test_urlparse.py",
        ),
    ],
)
def test_fallback_follows_the_project_test_layout(
    module: str, files: dict[str, str], expected: str
) -> None:
    assert placement_for(module, list(files), ["brand_new"], reader(files)) == expected


def changed(*names: str, awaitables: bool = False) -> ChangedCode:
    return ChangedCode(frozenset(names), awaitables)


@pytest.mark.parametrize(
    ("module", "symbol", "files", "change", "expected"),
    [
        # a sync entry point gaining an awaitable path is tested with the async tests
        (
            "tenacity/__init__.py",
            "retry",
            {
                "tests/test_tenacity.py": "from tenacity import retry\n" + "retry\n" * 9,
                "tests/test_asyncio.py": "from tenacity import retry\nretry\n",
            },
            changed("Awaitable", awaitables=True),
            "tests/test_asyncio.py",
        ),
        # ... but only one that names the function
        (
            "tenacity/__init__.py",
            "retry",
            {
                "tests/test_tenacity.py": "from tenacity import retry\nretry\n",
                "tests/test_asyncio.py": "import tenacity\n",
            },
            changed("Awaitable", awaitables=True),
            "tests/test_tenacity.py",
        ),
        # among modules naming the symbol, the one naming what the changed lines use
        (
            "httpx/_transports/default.py",
            "HTTPTransport.send",
            {
                "tests/client/test_client.py": "send\n" * 8,
                "tests/test_timeouts.py": "send\nTimeout\npool_timeout\n",
            },
            changed("Timeout", "pool_timeout", "send"),
            "tests/test_timeouts.py",
        ),
        # ... also when none names the method: before the class-name count
        (
            "src/click/core.py",
            "Parameter.shell_complete",
            {
                "tests/test_context.py": "import click.core\nParameter\nParameter\n",
                "tests/test_shell_completion.py": "import click.core\n_get_completions\n",
            },
            changed("_get_completions", "CompletionItem"),
            "tests/test_shell_completion.py",
        ),
        # the changed lines' names never outweigh naming the symbol itself
        (
            "src/click/core.py",
            "Context.forward",
            {
                "tests/test_commands.py": "forward\n",
                "tests/test_options.py": "Context\ninvoke\nparams\nUNSET\n",
            },
            changed("invoke", "params", "UNSET"),
            "tests/test_commands.py",
        ),
        # a class's topic file written without underscores: test_queryparams.py
        (
            "httpx/_urls.py",
            "QueryParams.update",
            {
                "tests/test_utils.py": "update\n" * 5,
                "tests/models/test_queryparams.py": "QueryParams\nupdate\n",
            },
            changed(),
            "tests/models/test_queryparams.py",
        ),
    ],
)
def test_placement_reads_what_the_change_is_about(
    module: str, symbol: str, files: dict[str, str], change: ChangedCode, expected: str
) -> None:
    assert placement_for(module, list(files), [symbol], reader(files), change) == expected


def test_without_the_changed_lines_the_busier_module_wins() -> None:
    """The counterpart of the context rule: the case above is decided by ``changed``."""
    files = {
        "tests/client/test_client.py": "send\n" * 8,
        "tests/test_timeouts.py": "send\nTimeout\npool_timeout\n",
    }
    module, symbols = "httpx/_transports/default.py", ["HTTPTransport.send"]
    assert placement_for(module, list(files), symbols, reader(files)) == (
        "tests/client/test_client.py"
    )


def test_each_test_module_is_read_once_per_run_with_a_cache() -> None:
    files = {"tests/test_a.py": "alpha\n", "tests/test_b.py": "beta\n", "pkg/m.py": ""}
    reads: list[str] = []

    def counting(path: str) -> str | None:
        reads.append(path)
        return files.get(path)

    cache: ScanCache = {}
    for symbol in ("alpha", "beta", "gamma"):
        placement_for("pkg/m.py", list(files), [symbol], counting, cache=cache)
    assert sorted(p for p in reads if p.startswith("tests/")) == [
        "tests/test_a.py",
        "tests/test_b.py",
    ]


@pytest.mark.parametrize(
    "odd",
    [
        "/etc/tests/test_calc.py",
        "tests/../../outside/test_calc.py",
        "../tests/test_calc.py",
        "tests//test_calc.py",
        "tests/test calc.py",
        "tests/test_calc\n.py",
        "tests/test-calc.py",
        "tests/.hidden/test_calc.py",
        "tests/tést_calc.py\x00",
        "tests\\test_calc.py",
        "tests/test_calc.pyc",
    ],
)
def test_odd_test_file_names_are_never_chosen(odd: str) -> None:
    files = {odd: "from pkg.calc import add\nadd\nadd\n", "pkg/calc.py": "def add(): ...\n"}
    placed = placement_for("pkg/calc.py", list(files), ["add"], reader(files))
    assert placed == "tests/test_calc.py"
    assert placeable(placed)


def test_ranked_test_modules_lists_no_odd_path() -> None:
    files = {
        "tests/../x/test_calc.py": "add\n",
        "tests/test calc.py": "add\n",
        "/abs/tests/test_calc.py": "add\n",
        "tests/test_calc.py": "add\n",
    }
    assert ranked_test_modules("pkg/calc.py", ["add"], list(files), reader(files)) == [
        "tests/test_calc.py"
    ]


@pytest.mark.parametrize(
    "text",
    [
        # huge: judged by its start, the mention past the cap does not count
        "import os\n" + "x = 1\n" * (MAX_TEST_MODULE_CHARS // 6) + "add\n",
        # not UTF-8, as a lenient reader hands it over
        b"\xff\xfe add \x00\x80".decode("utf-8", "replace").replace("add", "ad d"),
        # blank lines only: the import patterns once took time quadratic in them (hours)
        "\n" * MAX_TEST_MODULE_CHARS,
        " \n\t" * (MAX_TEST_MODULE_CHARS // 3),
        # does not parse
        "def (:\n  add = = \n".replace("add", "dda"),
        "",
    ],
)
def test_hostile_test_module_texts_do_not_crash_placement(text: str) -> None:
    files = {"tests/test_other.py": text, "pkg/calc.py": "def add(): ...\n"}
    assert placement_for("pkg/calc.py", list(files), ["add"], reader(files)) == (
        "tests/test_calc.py"
    )


@pytest.mark.parametrize(
    "source",
    ["def add(:\n", "def add(): ...\n\x00\n", "(" * 300 + ")" * 300, "a" + ".a" * 100_000],
)
def test_a_module_that_does_not_parse_falls_back_to_the_convention(source: str) -> None:
    files = {"pkg/calc.py": source, "tests/test_other.py": "import os\n"}
    assert placement_for("pkg/calc.py", list(files), ["add"], reader(files)) == (
        "tests/test_calc.py"
    )


def test_an_odd_module_name_still_gives_an_importable_test_module() -> None:
    assert placement_for("pkg/my-module.py", ["tests/test_x.py"]) == "tests/test_my_module.py"


def test_a_symlinked_test_module_stays_a_project_path_and_is_never_written_through(
    tmp_path: Path,
) -> None:
    """The reader follows links like the project's does; the path chosen is the link's
    own project path, and the writer refuses to write through it."""
    outside = tmp_path / "outside.py"
    outside.write_text("from pkg.calc import add\n" + "add\n" * 5)
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "pkg").mkdir()
    (root / "pkg" / "calc.py").write_text("def add(): ...\n")
    (root / "tests" / "test_calc.py").symlink_to(outside)
    (root / "tests" / "test_more.py").symlink_to(root / "tests")  # a link to a folder

    def read(path: str) -> str | None:
        target = root / path
        try:
            return target.read_text() if target.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None

    files = ["pkg/calc.py", "tests/test_calc.py", "tests/test_more.py"]
    placed = placement_for("pkg/calc.py", files, ["add"], read)
    assert placed == "tests/test_calc.py"
    with pytest.raises(ValueError, match="symbolic link"):
        write_all_atomic(root, {placed: "def test_add(): ...\n"})
    assert outside.read_text().startswith("from pkg.calc import add")


def test_the_project_listing_leaves_links_out(tmp_path: Path) -> None:
    """A linked test module (or folder) is never offered to placement at all."""
    from ttabot.drafting import project_files

    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "test_far.py").write_text("add\n")
    (outside / "deep" / "test_deep.py").write_text("add\n")
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_real.py").write_text("add\n")
    (root / "tests" / "test_calc.py").symlink_to(outside / "test_far.py")
    (root / "tests" / "linked").symlink_to(outside / "deep")
    assert project_files(root) == ("tests/test_real.py",)


RETRY = """\
def retry(func):
    if is_coroutine_callable(func):
        waiter: Awaitable[None] = make_waiter()
    return Retrying(func)
"""


@pytest.mark.parametrize(
    ("added", "expected"),
    [
        # the changed line gives the sync function an awaitable path
        (frozenset({3}), "tests/test_asyncio.py"),
        # the changed line is about something else: the module naming it most
        (frozenset({4}), "tests/test_tenacity.py"),
    ],
)
def test_planning_places_tests_by_the_changed_lines(added: frozenset[int], expected: str) -> None:
    files = {
        "tenacity/__init__.py": RETRY,
        "tests/test_tenacity.py": "from tenacity import retry\n" + "retry\n" * 9,
        "tests/test_asyncio.py": "from tenacity import retry\nretry\n",
    }
    project = Project(
        read=files.get, files=tuple(sorted(files)), added={"tenacity/__init__.py": added}
    )
    needed = Finding(
        Category.TESTS_NEEDED, "tenacity/__init__.py", "retry", 1, 4, TaskKind.UNIT_TESTS, ""
    )
    (task,) = plan_tasks([needed], project, Settings())
    assert task.path == expected
    assert set(project.test_modules) == {"tests/test_tenacity.py", "tests/test_asyncio.py"}


def test_findings_of_one_module_go_where_each_is_tested() -> None:
    """Two functions of one module tested in two test modules give a task for each module."""
    source = "def prompt():\n    return ask()\n\n\ndef pager():\n    return page()\n"
    files = {
        "pkg/termui.py": source,
        "tests/test_prompts.py": "from pkg.termui import prompt\nprompt()\n",
        "tests/test_paging.py": "from pkg.termui import pager\npager()\n",
    }
    project = Project(
        read=files.get, files=tuple(sorted(files)), added={"pkg/termui.py": frozenset({2, 6})}
    )
    needed = [
        Finding(Category.TESTS_NEEDED, "pkg/termui.py", "prompt", 1, 2, TaskKind.UNIT_TESTS, ""),
        Finding(Category.TESTS_NEEDED, "pkg/termui.py", "pager", 5, 6, TaskKind.UNIT_TESTS, ""),
    ]
    tasks = plan_tasks(needed, project, Settings())
    assert {(t.path, t.symbols) for t in tasks} == {
        ("tests/test_prompts.py", ("prompt",)),
        ("tests/test_paging.py", ("pager",)),
    }


def test_findings_placed_in_one_test_module_share_one_task() -> None:
    source = "def prompt():\n    return ask()\n\n\ndef confirm():\n    return ask()\n"
    files = {
        "pkg/termui.py": source,
        "tests/test_termui.py": "from pkg.termui import prompt, confirm\nprompt()\nconfirm()\n",
    }
    project = Project(
        read=files.get, files=tuple(sorted(files)), added={"pkg/termui.py": frozenset({2, 6})}
    )
    needed = [
        Finding(Category.TESTS_NEEDED, "pkg/termui.py", "prompt", 1, 2, TaskKind.UNIT_TESTS, ""),
        Finding(Category.TESTS_NEEDED, "pkg/termui.py", "confirm", 5, 6, TaskKind.UNIT_TESTS, ""),
    ]
    (task,) = plan_tasks(needed, project, Settings())
    assert (task.path, task.symbols) == ("tests/test_termui.py", ("prompt", "confirm"))


@pytest.mark.parametrize(
    ("new_module", "expected"),
    [
        # a module the change adds: its own test module, though another names its methods
        (True, "tests/test_content.py"),
        (False, "tests/models/test_responses.py"),
    ],
)
def test_a_module_the_change_adds_starts_its_own_test_module(
    new_module: bool, expected: str
) -> None:
    files = {
        "httpx/content.py": "class RequestContent:\n    def get_headers(self): ...\n",
        "tests/models/test_responses.py": "import httpx\nr.get_headers()\nr.get_headers()\n",
    }
    placed = placement_for(
        "httpx/content.py",
        list(files),
        ["RequestContent.get_headers"],
        reader(files),
        new_module=new_module,
    )
    assert placed == expected


def test_a_module_the_change_adds_falls_back_to_its_package_test_module() -> None:
    files = {
        "tenacity/reject.py": "def retry_never(s): ...\n",
        "tenacity/tests/test_tenacity.py": "import tenacity\n",
        "tenacity/tests/test_other.py": "retry_never\nretry_never\n",
    }
    placed = placement_for(
        "tenacity/reject.py", list(files), ["retry_never"], reader(files), new_module=True
    )
    assert placed == "tenacity/tests/test_tenacity.py"


def test_the_project_knows_which_modules_the_change_adds(repo: GitRepo) -> None:
    repo.commit(**{"pkg__core.py": "A = 1\n"})
    repo.commit(**{"pkg__core.py": "A = 2\n", "pkg__content.py": "B = 1\n"})
    project = project_for(select_change(repo.path, rev_range="HEAD~1..HEAD"))
    assert project.new_modules == {"pkg/content.py"}
