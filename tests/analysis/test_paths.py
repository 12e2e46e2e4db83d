"""Which files count: Python only, test files, include/exclude globs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ttabot.analysis.paths import in_scope, is_python, is_test_file, matches


@pytest.mark.parametrize(
    "path",
    [
        "tests/helpers.py",
        "test/helpers.py",
        "pkg/tests/unit/helpers.py",
        "test_load.py",
        "pkg/test_load.py",
        "pkg/load_test.py",
        "conftest.py",
        "pkg/conftest.py",
    ],
)
def test_test_files(path: str) -> None:
    assert is_test_file(path)


@pytest.mark.parametrize(
    "path",
    [
        "pkg/testing.py",
        "pkg/contest.py",
        "testsuite/helpers.py",
        "pkg/latest.py",
        "pkg/test.py",
        "my_tests/x.py",
        "pkg/attest_x.py",
        "pkg/tests.py",
    ],
)
def test_not_test_files(path: str) -> None:
    assert not is_test_file(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a.py", True), ("a.pyi", False), ("a.pyc", False), ("py", False), ("a.py.txt", False)],
)
def test_python_files(path: str, expected: bool) -> None:
    assert is_python(path) is expected


MATCHES = [
    ("src/**", "src/pkg/mod.py"),
    ("src/**/*.py", "src/mod.py"),
    ("src/**/*.py", "src/a/b/mod.py"),
    ("**/migrations/*.py", "app/migrations/0001.py"),
    ("**/migrations/*.py", "migrations/0001.py"),
    ("*_pb2.py", "proto/gen/api_pb2.py"),
    ("migrations", "app/migrations/0001.py"),
    ("src/legacy", "src/legacy/old.py"),
    ("src/legacy/", "src/legacy/old.py"),
    ("/src/*.py", "src/mod.py"),
    ("pkg/mod?.py", "pkg/mod1.py"),
    ("pkg/[ab].py", "pkg/a.py"),
    ("pkg/[!ab].py", "pkg/c.py"),
    ("données/**", "données/modèle.py"),
]

NO_MATCHES = [
    ("src/*.py", "src/pkg/mod.py"),
    ("src/**", "lib/src/mod.py"),
    ("*.py", "pkg/mod.pyi"),
    ("src/legacy", "src/legacy_new/mod.py"),
    ("pkg/mod?.py", "pkg/mod10.py"),
    ("pkg/[ab].py", "pkg/c.py"),
    ("pkg/[!ab].py", "pkg/a.py"),
    ("", "pkg/a.py"),
    ("pkg.py", "pkgXpy"),
]


@pytest.mark.parametrize(("pattern", "path"), MATCHES)
def test_matches(pattern: str, path: str) -> None:
    assert matches(path, pattern)


@pytest.mark.parametrize(("pattern", "path"), NO_MATCHES)
def test_does_not_match(pattern: str, path: str) -> None:
    assert not matches(path, pattern)


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ((), (), True),
        (("src/**",), (), True),
        (("lib/**",), (), False),
        ((), ("src/gen/**",), True),
        ((), ("src/**",), False),
        (("src/**",), ("**/mod.py",), False),
        (("lib/**", "src/**"), (), True),
    ],
)
def test_in_scope(include: tuple[str, ...], exclude: tuple[str, ...], expected: bool) -> None:
    assert in_scope("src/pkg/mod.py", include, exclude) is expected


#: More of the glob language, each checked against the regex the old matcher built.
MORE = [
    ("**/x", "x", True),
    ("**/x", "a/b/x", True),
    ("**/x", "abx", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/q/r/b", True),
    ("a/**/b", "a/qb", False),
    ("x/a**b", "x/a/q/b", True),
    ("a*b", "a/b", False),
    ("*", "a/b", True),  # any name
    ("**", "a/b", True),
    ("a/**/", "a/b", True),
    ("[a-c]x.py", "bx.py", True),
    ("[a-c]x.py", "dx.py", False),
    ("[^a]x.py", "bx.py", True),
    ("[]]x", "]x", False),  # "[]" is no set: "[" literal, then "]]x"
    ("[!]x", "a", False),
    ("**/**/**/x/**", "s/a/b/x/c.py", True),
    ("a.*", "a.py", True),
    ("(a)+", "(a)+", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), MORE)
def test_more_globs(pattern: str, path: str, expected: bool) -> None:
    assert matches(path, pattern) is expected


@pytest.mark.parametrize("pattern", ["[z-a].py", "[]", "x[\\d-a]"])
def test_a_glob_whose_set_is_no_set_matches_it_literally_never_raises(pattern: str) -> None:
    # Attack: exclude = ["[z-a]"] in the project's files was a re.error traceback from
    # `ttabot check`, on every commit through the hook.
    assert matches(pattern, pattern)
    assert not matches("a.py", pattern)


def test_repeated_double_stars_do_not_backtrack_exponentially() -> None:
    # Attack: exclude = ["**/**/.../**/x/**"] in the project's files. Translated to a
    # regex, each "**/" was a "(?:.*/)?" and a path twenty folders deep took half a
    # minute per file for twelve of them, twice as long with each more: `ttabot
    # check` (the commit hook) never finished. Forty of them, sixty folders deep,
    # would take longer than the universe has; the child is only a guard for main.
    script = (
        "from ttabot.analysis.paths import matches\n"
        "path = 'src/' + 'a/' * 60 + 'b.py'\n"
        "print(matches(path, '**/' * 40 + 'x/**'), matches(path, '*a' * 40 + 'x'),"
        " matches(path, 'src/' + 'a**' * 40 + 'x'), matches(path, '**/' * 40 + 'b.py'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["False", "False", "False", "True"]
