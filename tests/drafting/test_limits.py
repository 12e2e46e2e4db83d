"""Generated code runs under resource limits: file size, memory, tmpfs size, no core dump.

Each test runs a generated pytest test under real bubblewrap with small limits
(from the ``[draft]`` settings) and checks that the attack fails inside; none
depends on timing. Without the limits every attack here succeeds on the host.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.sandbox import needs_bwrap
from ttabot.cli import main
from ttabot.config.settings import DraftSettings
from ttabot.drafting import bwrap
from ttabot.drafting.isolation import project_copy
from ttabot.drafting.limits import limit_hint, limits_of

MIB = 1 << 20

#: Small limits, as a user would set them in ``[draft]``.
SMALL = DraftSettings(
    max_file_size=1 * MIB, max_memory=256 * MIB, max_processes=64, tmp_size=2 * MIB
)


@pytest.mark.parametrize(
    ("failure", "hint"),
    [
        ("OSError: [Errno 27] Fil...", " (sandbox limit: a file is at most draft.max-file-size)"),
        ("OSError: File too large", " (sandbox limit: a file is at most draft.max-file-size)"),
        ("MemoryError", " (sandbox limit: a process has at most draft.max-memory)"),
        (
            "OSError: [Errno 28] No space",
            " (sandbox limit: /tmp and HOME hold at most draft.tmp-size)",
        ),
        ("AssertionError: assert 1 == 2", ""),
        ("OSError: [Errno 2] No such file", ""),
    ],
)
def test_limit_hint(failure: str, hint: str) -> None:
    assert limit_hint(failure) == hint


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "tests").mkdir()
    return root


def _generated(project: Path, body: str, draft: DraftSettings = SMALL) -> tuple[str, list[str]]:
    """Run ``body`` as a generated test; the test's outcome line(s) and the files it left.

    ``body`` stores what it saw in ``seen``; the test fails (``assert False``) only when
    told to, so the report shows what happened.
    """
    test = (
        "import json, os, pathlib, resource, signal, subprocess, sys\n\n"
        "def test_attack():\n"
        "    seen = {}\n" + "".join(f"    {line}\n" for line in body.splitlines()) + "    "
        "pathlib.Path('seen.json').write_text(json.dumps(seen))\n"
    )
    limits, tmp_size = limits_of(draft)
    with project_copy(
        project,
        {"tests/test_attack.py": test},
        environ={"PATH": os.environ["PATH"]},
        timeout=30,
        python=sys.executable,
        limits=limits,
        tmp_size=tmp_size,
    ) as box:
        assert box.bwrap is not None
        result, left = box.pytest(["tests/test_attack.py"])
        assert result.returncode == 0, result.output
        seen = (box.path / "seen.json").read_text()
    return seen, left


def _try(expr: str, key: str) -> str:
    """Lines that store ``expr``'s value (or the error it raised) under ``seen[key]``."""
    store = f"seen[{key!r}]"
    caught = "except (OSError, MemoryError) as exc:"
    return f"try:\n    {store} = {expr}\n{caught}\n    {store} = repr(exc)\n"


def _seen(project: Path, body: str, draft: DraftSettings = SMALL) -> dict[str, object]:
    text, _ = _generated(project, body, draft)
    seen = json.loads(text)
    assert isinstance(seen, dict)
    return seen


@needs_bwrap
def test_a_file_past_the_size_limit_cannot_be_written(project: Path) -> None:
    seen = _seen(
        project,
        _try("pathlib.Path('big').write_bytes(b'x' * (2 << 20))", "big")
        + _try("pathlib.Path('small').write_bytes(b'x' * (512 << 10))", "small")
        + "try:\n"
        + "    resource.setrlimit(resource.RLIMIT_FSIZE, (-1, -1))\n"
        + "    seen['raised'] = True\n"
        + "except ValueError:\n"
        + "    seen['raised'] = False\n",
    )
    assert "File too large" in str(seen["big"])
    assert seen["raised"] is False  # not even as root: no CAP_SYS_RESOURCE in the sandbox
    assert seen["small"] == 512 << 10  # under the limit, files are written as ever


@needs_bwrap
def test_memory_past_the_limit_cannot_be_allocated(project: Path) -> None:
    seen = _seen(
        project,
        _try("len(bytearray(1 << 30))", "gib") + _try("len(bytearray(64 << 20))", "some"),
    )
    assert seen["gib"] == "MemoryError()"
    assert seen["some"] == 64 << 20


@needs_bwrap
def test_no_core_dump_is_written_even_when_the_code_asks_for_one(project: Path) -> None:
    # The child raises its soft core limit to the hard one and crashes: with a hard
    # limit of 0 nothing is dumped (the host's core_pattern here writes ./core).
    crash = (
        "import os, resource, signal; "
        "hard = resource.getrlimit(resource.RLIMIT_CORE)[1]; "
        "resource.setrlimit(resource.RLIMIT_CORE, (hard, hard)); "
        "os.kill(os.getpid(), signal.SIGSEGV)"
    )
    body = (
        "seen['core'] = list(resource.getrlimit(resource.RLIMIT_CORE))\n"
        f"seen['rc'] = subprocess.run([sys.executable, '-c', {crash!r}]).returncode\n"
    )
    text, left = _generated(project, body)
    seen = json.loads(text)
    assert seen == {"core": [0, 0], "rc": -11}
    assert not [rel for rel in left if rel.startswith("core")], left


@needs_bwrap
def test_tmp_and_home_past_their_size_are_full(project: Path) -> None:
    unlimited_files = SMALL._replace(max_file_size=0)
    # /tmp and HOME share one tmpfs: what a failed write filled is removed before the next.
    seen = _seen(
        project,
        _try("pathlib.Path('/tmp/small').write_bytes(b'x' * (1 << 20))", "small")
        + "pathlib.Path('/tmp/small').unlink()\n"
        + _try("pathlib.Path('/tmp/big').write_bytes(b'x' * (3 << 20))", "tmp")
        + "pathlib.Path('/tmp/big').unlink()\n"
        + _try("pathlib.Path(os.environ['HOME'], 'big').write_bytes(b'x' * (3 << 20))", "home")
        + _try("pathlib.Path('/dev/shm/big').write_bytes(b'x' * (3 << 20))", "shm"),
        unlimited_files,
    )
    for key in ("tmp", "home", "shm"):
        assert "No space left on device" in str(seen[key]), seen
    assert seen["small"] == 1 << 20


@needs_bwrap
def test_devs_own_tmpfs_is_read_only(project: Path) -> None:
    seen = _seen(
        project,
        _try("pathlib.Path('/dev/big').write_bytes(b'x')", "dev")
        + _try("pathlib.Path('/dev/null').write_bytes(b'x' * 10)", "null"),
    )
    assert "Read-only file system" in str(seen["dev"])
    assert seen["null"] == 10  # device nodes stay usable


@needs_bwrap
def test_limits_of_zero_leave_that_resource_alone(project: Path) -> None:
    off = DraftSettings(max_file_size=0, max_memory=0, max_processes=0, tmp_size=0)
    seen = _seen(
        project,
        _try("len(bytearray(512 << 20))", "mem")
        + _try("pathlib.Path('big').write_bytes(b'x' * (3 << 20))", "big")
        + "seen['core'] = list(resource.getrlimit(resource.RLIMIT_CORE))\n",
        off,
    )
    assert seen["mem"] == 512 << 20
    assert seen["big"] == 3 << 20
    assert seen["core"] == [0, 0]  # core dumps stay off whatever the settings say


# --- end to end: a drafted test stopped by a limit is dropped, and the reason says so ---

MODULE = (
    'def clamp(x, low=0):\n    """Clamp x."""\n    if x < low:\n        return low\n    return x\n'
)

#: Both run the changed line; the second writes 2 MiB first (a cache, a fixture file).
BIG_WRITER = (
    "import pathlib\n\nfrom pkg.calc import clamp\n\n\n"
    "def test_clamp_low():\n    assert clamp(-5) == 0\n\n\n"
    "def test_clamp_low_with_data(tmp_path):\n"
    "    (tmp_path / 'data.bin').write_bytes(b'x' * (2 << 20))\n"
    "    assert clamp(-1) == 0\n"
)


@needs_bwrap
def test_a_drafted_test_past_the_file_limit_is_dropped_naming_the_setting(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write("tests/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE)
    limits = {"max-file-size": "1M", "tmp-size": "8M", "reruns": 0}
    configure(repo, fake, lambda model, body: answer({"code": BIG_WRITER}), **limits)
    repo.stage()
    assert main(["draft", "--only", "tests-needed", "--format", "json"]) == 0
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "accepted", draft
    assert "test_clamp_low_with_data: fails in the module" in draft["reason"]
    assert "[Errno 27]" in draft["reason"]  # EFBIG, whatever pytest's summary cuts off
    assert "(sandbox limit: a file is at most draft.max-file-size)" in draft["reason"]
    assert "test_clamp_low_with_data" not in draft["diff"]


@needs_bwrap
def test_a_bwrap_without_size_runs_uncapped_and_says_so_once(
    project: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    real = bwrap.find_bwrap(os.environ)
    assert real is not None
    old = tmp_path / "old-bwrap"
    old.mkdir()
    # An older bwrap: the same program, whose --help knows no --size.
    (old / "bwrap").write_text(
        f'#!/bin/sh\n[ "$1" = --help ] && {{ echo "usage: bwrap [OPTIONS...]"; exit 0; }}\n'
        f'exec {real} "$@"\n'
    )
    (old / "bwrap").chmod(0o755)
    environ = {"PATH": f"{old}{os.pathsep}{os.environ['PATH']}"}
    body = "open('/tmp/big', 'wb').write(b'x' * (3 << 20))\n"
    limits, _ = limits_of(SMALL._replace(max_file_size=0))
    with project_copy(
        project, {}, environ=environ, timeout=30, python=sys.executable, limits=limits, tmp_size=MIB
    ) as box:
        assert box.bwrap == str(old / "bwrap")
        assert "--size" not in bwrap.command(
            box.bwrap, ["true"], box.path, sys.executable, None, MIB
        )
        result, _ = box.python(["-c", body])
    assert result.returncode == 0, result.output  # uncapped: the write went through
    warned = [r.getMessage() for r in caplog.records if "--size" in r.getMessage()]
    says = "has no --size: the sandbox's /tmp and HOME are not capped in size"
    assert warned == [f"warning: {old / 'bwrap'} {says}"]


def test_the_tmpfs_cap_is_on_the_command_line_where_bwrap_has_size(tmp_path: Path) -> None:
    real = bwrap.find_bwrap(os.environ)
    if real is None or not bwrap.supports_size(real):
        pytest.skip("this bwrap has no --size")
    argv = bwrap.command(real, ["true"], tmp_path, sys.executable, None, 3 * MIB)
    assert argv[argv.index("/tmp") - 3 : argv.index("/tmp") + 1] == [
        "--size",
        str(3 * MIB),
        "--tmpfs",
        "/tmp",
    ]
    assert argv[argv.index("/dev/shm") - 3 : argv.index("/dev/shm") + 3] == [
        "--size",
        str(3 * MIB),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
    ]
