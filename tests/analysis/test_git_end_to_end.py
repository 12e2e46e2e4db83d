"""The analysis over changes selected from real git repositories (``ttabot.sources``)."""

from __future__ import annotations

from tests.support.gitrepo import GitRepo
from ttabot.analysis import analyze
from ttabot.config import CheckSettings
from ttabot.records import CheckResult
from ttabot.sources import select_change

BASE = '''\
"""Storage."""


class Store:
    """A store."""

    def get(self, key):
        """Get."""
        return self.data[key]
'''

HEAD = '''\
"""Storage."""


class Store:
    """A store."""

    def get(self, key):
        """Get."""
        return self.data.get(key)

    def put(self, key, value):
        self.data[key] = value
'''


def summary(result: CheckResult) -> list[tuple[str, str, str, int]]:
    return [(f.category.value, f.path, f.symbol, f.line) for f in result.findings]


def test_commit_range(repo: GitRepo) -> None:
    base = repo.commit("base", **{"pkg/store.py": BASE})
    test = "def test_get():\n    assert Store().get(1)\n"
    head = repo.commit("head", **{"pkg/store.py": HEAD, "tests/test_store.py": test})
    # The working tree no longer matters for a range: the new version is read at the head commit.
    repo.write("pkg/store.py", "broken (\n")
    selection = select_change(repo.path, rev_range=f"{base}..{head}")
    result = analyze(selection.change, selection.read_new, CheckSettings())
    assert summary(result) == [
        ("docs-missing", "pkg/store.py", "Store.put", 11),
        ("tests-needed", "pkg/store.py", "Store.put", 11),
    ]
    assert result.warnings == ()


def test_staged_crlf_file_with_non_ascii_path(repo: GitRepo) -> None:
    repo.commit("base", **{"README.md": "x\n"})
    repo.write("données/modèle.py", HEAD.replace("\n", "\r\n").encode())
    repo.stage()
    selection = select_change(repo.path, staged=True)
    result = analyze(selection.change, selection.read_new, CheckSettings())
    assert summary(result) == [
        ("tests-needed", "données/modèle.py", "Store.get", 7),
        ("docs-missing", "données/modèle.py", "Store.put", 11),
        ("tests-needed", "données/modèle.py", "Store.put", 11),
    ]


def test_latin_1_file_and_a_broken_one_in_the_last_commit(repo: GitRepo) -> None:
    repo.commit("base", **{"README.md": "x\n"})
    repo.write(
        "pkg/legacy.py",
        "# -*- coding: latin-1 -*-\ndef café():\n    return 'é'\n".encode("latin-1"),
    )
    repo.write("pkg/broken.py", "def oops(:\n")
    repo.commit("add")
    selection = select_change(repo.path, staged=False)
    result = analyze(selection.change, selection.read_new, CheckSettings())
    assert summary(result) == [
        ("docs-missing", "pkg/legacy.py", "café", 2),
        ("tests-needed", "pkg/legacy.py", "café", 2),
    ]
    assert [(w.path, w.message) for w in result.warnings] == [
        ("pkg/broken.py", "does not parse: invalid syntax (line 1)")
    ]


def test_a_file_whose_lines_end_in_lone_carriage_returns_is_checked(repo: GitRepo) -> None:
    # Python ends a line at \r, \r\n or \n; git only at \n. A module written with
    # lone CRs was one line to git and many to Python: the added "line 1" touched
    # no definition past the first line, and `check` said "Nothing left undone" about
    # a module Python imports and runs. Its tests' added lines were misnumbered too.
    repo.commit("base", **{"pkg/store.py": BASE})
    repo.write("pkg/store.py", HEAD.replace("\n", "\r").encode())
    repo.write("tests/test_store.py", b"import os\rdef test_get():\r    assert Store().get(1)\r")
    repo.stage()
    selection = select_change(repo.path, staged=True)
    result = analyze(selection.change, selection.read_new, CheckSettings())
    assert summary(result) == [
        ("docs-missing", "pkg/store.py", "Store.put", 11),
        ("tests-needed", "pkg/store.py", "Store.put", 11),
    ]


def test_a_module_made_a_symbolic_link_is_named_not_passed_over(repo: GitRepo) -> None:
    # Python imports pkg/store.py through the link, so the code in impl.txt runs as
    # that module; check reads no text file as Python, but must not stay silent.
    repo.commit("base", **{"pkg/store.py": BASE})
    repo.write("pkg/impl.txt", HEAD)
    (repo.path / "pkg" / "store.py").unlink()
    (repo.path / "pkg" / "store.py").symlink_to("impl.txt")
    repo.stage()
    selection = select_change(repo.path, staged=True)
    result = analyze(selection.change, selection.read_new, CheckSettings())
    assert summary(result) == []
    assert [(w.path, w.message) for w in result.warnings] == [("pkg/store.py", LINK_NOTE)]


LINK_NOTE = (
    "is a symbolic link, not read as a module: what it points to is checked under its own "
    "path if it is a .py file the change touches"
)


def test_a_link_to_a_changed_module_is_named_and_its_target_checked(repo: GitRepo) -> None:
    # git stores a link's target path as its content: the link is named with the note,
    # and the module it points to, changed in the same change, is checked as itself.
    repo.commit("base", **{"pkg/store.py": BASE})
    repo.write("pkg/impl.py", HEAD)
    (repo.path / "pkg" / "store.py").unlink()
    (repo.path / "pkg" / "store.py").symlink_to("impl.py")
    repo.stage()
    selection = select_change(repo.path, staged=True)
    result = analyze(selection.change, selection.read_new, CheckSettings())
    assert {path for _, path, _, _ in summary(result)} == {"pkg/impl.py"}
    assert [(w.path, w.message) for w in result.warnings] == [("pkg/store.py", LINK_NOTE)]
