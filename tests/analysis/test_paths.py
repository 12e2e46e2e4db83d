"""Which files count: Python only, test files, include/exclude globs."""

from __future__ import annotations

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
