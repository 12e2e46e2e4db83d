"""What drafting reads from the work tree beside the change: regular files only, no links."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GitRepo
from ttabot.drafting import project_for
from ttabot.sources import select_change


def test_a_tracked_link_beside_the_change_is_not_read_into_a_prompt(
    repo: GitRepo, tmp_path: Path
) -> None:
    # The existing test module is put into the tests prompt (and into the drafted
    # file). A tracked `tests/test_core.py -> /proc/self/environ` (or -> .git/config)
    # unchanged by the PR was read from the work tree through the link: the job's
    # secrets went to the model and back into the drafted file.
    secret = tmp_path / "outside.txt"
    secret.write_text("SECRET=hunter2hunter2\n")
    repo.write("tests/test_other.py", "B = 2\n")
    (repo.path / "tests" / "test_core.py").symlink_to(secret)
    (repo.path / "tests" / "test_cfg.py").symlink_to("../.git/config")
    (repo.path / "linked").symlink_to(repo.path / "tests")
    repo.commit(**{"pkg__core.py": "A = 1\n"})  # the links are on the base already
    repo.commit(**{"pkg__core.py": "A = 2\n"})
    project = project_for(select_change(repo.path, rev_range="HEAD~1..HEAD"))
    assert project.read("pkg/core.py") == "A = 2\n"
    assert project.read("tests/test_other.py") == "B = 2\n"
    assert project.read("tests/test_core.py") is None
    assert project.read("tests/test_cfg.py") is None
    assert project.read("linked/test_other.py") is None


def test_the_changed_lines_of_a_lone_cr_module_are_numbered_as_python_numbers_them(
    repo: GitRepo,
) -> None:
    # To git the module is one line (it ends lines at \n only); Python parses three.
    # Placement, the definition's marks and the coverage baseline use Python's numbers.
    repo.commit(**{"pkg__core.py": "A = 1\n"})
    repo.write("pkg/core.py", b"A = 1\rdef put(x):\r    return x\r")
    repo.stage()
    project = project_for(select_change(repo.path, staged=True))
    assert project.added["pkg/core.py"] == frozenset({1, 2, 3})
