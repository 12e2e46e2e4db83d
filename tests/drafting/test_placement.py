"""Where generated tests go, import names, and merging into an existing test module."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ttabot.drafting.tests import import_name, placement_for


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
