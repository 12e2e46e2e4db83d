"""Regression: generated code must not choose the file ttabot opens as coverage data.

(Reproduced by the security review; fixed by reading the data file through no link,
from a private copy, and by turning coverage's own errors into a failed stage.)

After each coverage run ttabot opens `<copy>/.coverage` with coverage's SQLite reader in
its own process. A drafted test stops coverage's auto-save and puts a symbolic link
there (to /etc/passwd here; `.coverage` is ignored by the "clean" stage): ttabot follows
it (coverage opens it read-write), coverage raises DataError, nothing catches it, and
`ttabot draft` dies with a traceback, losing every other draft of the run (here the one
for pkg/other.py). issue 9: "never a traceback"; docs/draft.md: the copy is the only
thing generated code can change, and nothing is followed through links.
"""

from __future__ import annotations

import json

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.sandbox import needs_bwrap
from ttabot.cli import main

MODULE = 'def mod(x):\n    """Scaled."""\n    if x < 0:\n        return 0\n    return x * 2\n'
#: coverage is imported under a name built at run time: the test-code stage refuses a test
#: that names coverage, and this pins the readback defence behind it, for what no static
#: check sees.
TEST = """\
import importlib
import os

from pkg.mod import mod


def test_mod():
    assert mod(3) == 6
    assert mod(-1) == 0
    cov = importlib.import_module("cov" + "erage").Coverage.current()
    if cov is not None:
        cov._auto_save = False
        cov.stop()
        data = cov.config.data_file
        if os.path.lexists(data):
            os.unlink(data)
        os.symlink("/etc/passwd", data)
"""


@needs_bwrap
def test_a_planted_coverage_link_is_one_rejected_draft_not_a_crash(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/mod.py", MODULE)
    repo.write("pkg/other.py", MODULE.replace("mod", "other"))
    configure(repo, fake, lambda model, body: answer({"code": TEST}))
    repo.stage()
    code = main(["draft", "--only", "tests-needed", "--format", "json"])
    assert code in (0, 1)
    drafts = json.loads(capsys.readouterr().out)["drafts"]
    assert sorted(d["path"] for d in drafts) == ["tests/test_mod.py", "tests/test_other.py"]
    for draft in drafts:  # each is its own rejected draft, with the reason
        assert draft["status"] != "accepted"
        assert "symbolic link" in json.dumps(draft["stages"]), draft["stages"]
