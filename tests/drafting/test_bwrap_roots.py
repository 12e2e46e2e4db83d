"""The host folders bound for the interpreter: its installation, not what a tree names."""

from __future__ import annotations

import shutil
from pathlib import Path

from ttabot.drafting.bwrap import interpreter_roots


def _venv(root: Path, home_line: str | None) -> Path:
    bindir = root / ".venv" / "bin"
    bindir.mkdir(parents=True)
    python = bindir / "python"
    python.write_text("#!/bin/sh\ncat /secret/id_rsa\n")
    python.chmod(0o755)
    if home_line is not None:
        (root / ".venv" / "pyvenv.cfg").write_text(f"home = {home_line}\n")
    return python


def test_a_pyvenv_cfg_in_the_tree_cannot_bind_any_host_folder(tmp_path: Path) -> None:
    # The tree chooses the interpreter (its own .venv) and so its pyvenv.cfg: `home =`
    # named any folder, whose parent was bound into the sandbox read-only: ~/.ssh,
    # ~/.config, a checkout's .git (actions/checkout keeps the token in .git/config).
    secret = tmp_path / "dot-ssh"
    (secret / "bin").mkdir(parents=True)
    (secret / "id_rsa").write_text("PRIVATE KEY")
    python = _venv(tmp_path / "tree", str(secret / "bin"))
    roots = interpreter_roots(str(python), str(tmp_path / "home"))
    assert secret not in roots
    assert roots == [tmp_path / "tree" / ".venv"]


def test_a_copied_venv_still_gets_its_base_installation(tmp_path: Path) -> None:
    # `python -m venv --copies`: the venv's interpreter is a copy of the base's, and
    # pyvenv.cfg's home is where its standard library lives.
    base = tmp_path / "opt" / "python3.11"
    (base / "bin").mkdir(parents=True)
    (base / "bin" / "python3.11").write_text("#!/bin/sh\necho a real interpreter\n")
    bindir = tmp_path / "tree" / ".venv" / "bin"
    bindir.mkdir(parents=True)
    shutil.copy(base / "bin" / "python3.11", bindir / "python")
    (tmp_path / "tree" / ".venv" / "pyvenv.cfg").write_text(f"home = {base / 'bin'}\n")
    roots = interpreter_roots(str(bindir / "python"), str(tmp_path / "home"))
    assert base in roots


def test_an_interpreter_link_into_a_checkout_does_not_bind_the_checkout(tmp_path: Path) -> None:
    # `.venv/bin/python -> ../../bin/python` (git keeps links): the interpreter's
    # resolved grandparent is the checkout itself, .git (and its token) included.
    tree = tmp_path / "tree"
    (tree / ".git").mkdir(parents=True)
    (tree / ".git" / "config").write_text("extraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (tree / "bin").mkdir()
    (tree / "bin" / "python").write_text("#!/bin/sh\ncat ../.git/config\n")
    (tree / ".venv" / "bin").mkdir(parents=True)
    (tree / ".venv" / "bin" / "python").symlink_to("../../bin/python")
    roots = interpreter_roots(str(tree / ".venv" / "bin" / "python"), str(tmp_path / "home"))
    assert tree not in roots


def test_a_copied_venv_cannot_name_its_checkout_as_home(tmp_path: Path) -> None:
    # The tree can hold a file identical to its own venv's interpreter anywhere in it:
    # `home = <checkout>` then passed the copy test, and the folder above the
    # checkout (the checkout, its .git and token inside) was bound.
    work = tmp_path / "work" / "proj"
    checkout = work / "proj"
    (checkout / ".git").mkdir(parents=True)
    python = _venv(checkout, str(checkout))
    shutil.copy(python, checkout / "python")
    roots = interpreter_roots(str(python), str(tmp_path / "home"))
    assert work not in roots and checkout not in roots
