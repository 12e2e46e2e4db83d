"""``draft --apply`` writes a NEW file with the line ends git would check it out with.

Drafted text is LF (git's stored form). An existing file is written like the file
that is there (see ``test_apply_crlf_e2e.py``); a new test module has no file to
follow, so it follows git's own rule for its path: the ``text``, ``eol`` and
``crlf`` attributes, then ``core.autocrlf`` and ``core.eol``. Each case is checked
against git itself: the same text staged and checked out by git.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drafting.test_output import make
from tests.support.gitrepo import GitRepo
from ttabot.drafting import output
from ttabot.drafting.lineends import checkout_crlf

TEXT = "def test_f():\n    assert f() == 1\n"
PATH = "tests/test_new.py"


def git_checkout_of(repo: GitRepo, rel: str, text: str) -> bytes:
    """What git writes to the work tree for ``text`` stored at ``rel``."""
    repo.write(rel, text)
    repo.git("add", "--", rel)
    assert repo.git("cat-file", "blob", f":{rel}") == text  # stored as drafted (LF)
    (repo.path / rel).unlink()
    repo.git("checkout-index", "--", rel)
    data = (repo.path / rel).read_bytes()
    (repo.path / rel).unlink()
    repo.git("rm", "-q", "--cached", "--", rel)
    return data


CONFIGURATIONS = [
    # (.gitattributes, core.autocrlf, core.eol, CRLF expected)
    ("* text eol=crlf\n", None, None, True),
    ("", "true", None, True),
    ("", "input", None, False),
    ("", None, None, False),
    ("", None, "crlf", False),  # no text attribute, autocrlf unset: git converts nothing
    ("* text\n", None, "crlf", True),
    ("* text\n", "true", "lf", True),  # autocrlf=true wins over core.eol
    ("* text\n", "input", "crlf", False),
    ("* text=auto eol=crlf\n", None, None, True),
    ("* text=auto\n", "true", None, True),
    ("* text=auto\n", None, None, False),
    ("*.py -text\n", "true", None, False),
    ("*.py eol=lf\n", "true", None, False),
    ("*.py eol=crlf\n", None, None, True),
    ("tests/** text eol=crlf\n", None, None, True),
    ("src/** text eol=crlf\n", None, None, False),
    ("* crlf\n", None, "crlf", True),  # the legacy attribute
    ("* -crlf\n", "true", None, False),
    ("* crlf=input\n", "true", None, False),
    ("* text eol=crlf\ntests/*.py -text\n", None, None, False),  # the last line wins
]


@pytest.mark.parametrize(("attributes", "autocrlf", "eol", "crlf"), CONFIGURATIONS)
def test_a_new_file_is_written_as_git_would_check_it_out(
    repo: GitRepo, attributes: str, autocrlf: str | None, eol: str | None, crlf: bool
) -> None:
    repo.git("config", "--unset", "core.autocrlf")
    if attributes:
        repo.write(".gitattributes", attributes)
    if autocrlf is not None:
        repo.git("config", "core.autocrlf", autocrlf)
    if eol is not None:
        repo.git("config", "core.eol", eol)
    expected = git_checkout_of(repo, PATH, TEXT)
    assert (b"\r\n" in expected) is crlf  # the table says what git does

    written, skipped = output.apply(repo.path, [make("", TEXT, path=PATH)])
    assert (written, skipped) == ([PATH], [])
    assert (repo.path / PATH).read_bytes() == expected


def test_an_existing_empty_file_follows_git_s_rule_too(repo: GitRepo) -> None:
    repo.write(".gitattributes", "* text eol=crlf\n")
    repo.write(PATH, "")  # `touch tests/test_new.py`
    assert output.apply(repo.path, [make("", TEXT, path=PATH)]) == ([PATH], [])
    assert (repo.path / PATH).read_bytes() == TEXT.replace("\n", "\r\n").encode()


def test_outside_a_git_repository_a_new_file_is_written_as_drafted(tmp_path: Path) -> None:
    (tmp_path / ".gitattributes").write_text("* text eol=crlf\n")  # no repository reads it
    assert output.apply(tmp_path, [make("", TEXT, path="n.py")]) == (["n.py"], [])
    assert (tmp_path / "n.py").read_bytes() == TEXT.encode()


@pytest.mark.parametrize(
    ("attrs", "config", "crlf"),
    [
        ({}, {}, False),
        ({"text": "set", "eol": "crlf"}, {}, True),
        ({"text": "unset", "eol": "crlf"}, {}, False),  # binary: no conversion at all
        ({"text": "auto"}, {"core.autocrlf": "yes"}, True),  # git's booleans
        ({}, {"core.autocrlf": "on"}, True),
        ({}, {"core.autocrlf": "1"}, True),
        ({}, {"core.autocrlf": "0"}, False),
        ({}, {"core.autocrlf": None}, True),  # a bare `autocrlf` key is true
        ({}, {"core.autocrlf": ""}, False),  # `autocrlf =` is false
        ({"text": "set"}, {"core.eol": "native"}, False),  # native on POSIX is LF
        ({"eol": "weird"}, {"core.autocrlf": "true"}, True),  # an unknown eol is unset
    ],
)
def test_checkout_crlf_decides_as_git_does(
    attrs: dict[str, str], config: dict[str, str], crlf: bool
) -> None:
    assert checkout_crlf(attrs, config, native_crlf=False) is crlf


def test_each_new_file_gets_its_own_path_s_rule(repo: GitRepo) -> None:
    # Names git would quote (a space, non-ASCII) reach check-attr unquoted, one per path.
    repo.write(".gitattributes", "tests/*.py text eol=crlf\n")
    drafts = [make("", TEXT, path="tests/test ñew.py"), make("", TEXT, path="pkg/new.py")]
    assert sorted(output.apply(repo.path, drafts)[0]) == ["pkg/new.py", "tests/test ñew.py"]
    assert (repo.path / "tests/test ñew.py").read_bytes() == TEXT.replace("\n", "\r\n").encode()
    assert (repo.path / "pkg/new.py").read_bytes() == TEXT.encode()
