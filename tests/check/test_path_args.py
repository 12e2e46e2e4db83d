"""PATH arguments are shown, never sent to the terminal: one line per message."""

from __future__ import annotations

import pytest

from tests.check.conftest import RunCli
from tests.support.gitrepo import GitRepo
from ttabot.entry import hook_run


@pytest.mark.parametrize("name", ["a\nb", "a\x1b]0;pwned\x07b"])
def test_a_path_with_no_changed_file_is_named_with_escapes(
    name: str, repo: GitRepo, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    # The name went out raw: a newline split the line, an escape retitled the terminal.
    repo.write("m.py", '"""M."""\n')
    repo.stage()
    for err in (run_cli(["check", name]).err, _fast(name, capsys)):
        first = err.splitlines()[0]
        assert first.startswith("ttabot: no changed file under a\\")
        assert "\x1b" not in err and "\x07" not in err
        assert err.count("\n") == 2  # this line and "nothing to check"


def _fast(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The hook's fast path (no click) says the same."""
    capsys.readouterr()
    hook_run(["check", name])
    return capsys.readouterr().err
