"""Generated code under bubblewrap: each attack of issue 9 is run for real and must fail.

The tests skip only when bwrap is installed but the kernel refuses it namespaces;
a missing bwrap is a failure (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.sandbox import needs_bwrap
from ttabot.cli import main
from ttabot.drafting import bwrap
from ttabot.drafting.isolation import NoSandbox, bwrap_refusal, project_copy, sandbox_refusal

SECRET = "sk-or-v1-isolation-secret"


def test_bwrap_is_installed() -> None:
    assert bwrap.find_bwrap(os.environ) is not None, ".ci/run installs bubblewrap"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "tests").mkdir()
    return root


@pytest.fixture
def parent(tmp_path: Path) -> dict[str, str]:
    """ttabot's environment: a real HOME holding a secret file, and a key."""
    home = tmp_path / "real-home"
    home.mkdir()
    (home / "secret.txt").write_text(SECRET)
    return {"PATH": os.environ["PATH"], "HOME": str(home), "OPENROUTER_API_KEY": SECRET}


def _run_test(project: Path, parent: dict[str, str], body: str) -> dict[str, object]:
    """Run ``body`` as a generated pytest test; it records what it saw in ``seen.json``."""
    test = (
        "import json, os, pathlib, socket, subprocess, sys\n\n"
        "def test_attack():\n"
        "    seen = {}\n" + "".join(f"    {line}\n" for line in body.splitlines()) + "    "
        "pathlib.Path('seen.json').write_text(json.dumps(seen))\n"
    )
    with project_copy(
        project, {"tests/test_attack.py": test}, environ=parent, timeout=30, python=sys.executable
    ) as box:
        assert box.bwrap is not None
        result, _ = box.pytest(["tests/test_attack.py"])
        assert result.returncode == 0, result.output
        seen = json.loads((box.path / "seen.json").read_text())
    assert isinstance(seen, dict)
    return seen


def _try(expr: str, key: str) -> str:
    """Lines that store ``expr``'s value (or the error it raised) under ``seen[key]``."""
    store = f"seen[{key!r}]"
    return f"try:\n    {store} = {expr}\nexcept Exception as exc:\n    {store} = repr(exc)\n"


@needs_bwrap
def test_generated_code_cannot_read_ttabots_environment(
    project: Path, parent: dict[str, str]
) -> None:
    me = os.getpid()
    body = _try("open(f'/proc/{os.getppid()}/environ').read()", "ppid") + _try(
        f"open('/proc/{me}/environ').read()", "ttabot"
    )
    seen = _run_test(project, parent, body)
    assert SECRET not in json.dumps(seen)
    # ttabot's own /proc entry does not exist in the sandbox's fresh /proc.
    assert "FileNotFoundError" in str(seen["ttabot"]) or "PATH" not in str(seen["ttabot"])
    assert f"PATH={os.environ['PATH']}\0" not in str(seen["ttabot"])


@needs_bwrap
def test_generated_code_cannot_write_through_proc_cwd(
    project: Path, parent: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_cwd = tmp_path / "users-tree"
    real_cwd.mkdir()
    monkeypatch.chdir(real_cwd)
    me = os.getpid()
    body = _try("open(f'/proc/{os.getppid()}/cwd/pwned-ppid', 'w').write('x')", "ppid") + _try(
        f"open('/proc/{me}/cwd/pwned-ttabot', 'w').write('x')", "ttabot"
    )
    _run_test(project, parent, body)
    assert list(real_cwd.iterdir()) == []


@needs_bwrap
def test_generated_code_cannot_reach_the_loopback_network(
    project: Path, parent: dict[str, str]
) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        body = _try(
            f"socket.create_connection(('127.0.0.1', {port}), timeout=5).close() or 'connected'",
            "net",
        )
        seen = _run_test(project, parent, body)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    assert seen["net"] != "connected"


@needs_bwrap
def test_generated_code_cannot_find_the_real_home(project: Path, parent: dict[str, str]) -> None:
    real = parent["HOME"]
    body = (
        _try("open(os.path.join(os.environ['HOME'], 'secret.txt')).read()", "env")
        + _try(f"open({real!r} + '/secret.txt').read()", "literal")
        + _try("__import__('pwd').getpwuid(os.getuid()).pw_dir", "pwd_dir")
        + _try("os.listdir(os.path.expanduser('~'))", "home_listing")
    )
    seen = _run_test(project, parent, body)
    assert SECRET not in json.dumps(seen)
    assert "FileNotFoundError" in str(seen["literal"])
    assert seen["home_listing"] == []  # a fresh tmpfs


@needs_bwrap
def test_generated_code_leaves_no_background_process(project: Path, parent: dict[str, str]) -> None:
    token = f"ttabot-orphan-{uuid.uuid4().hex}"
    body = (
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', "
        f"{token!r}], start_new_session=True, stdout=subprocess.DEVNULL,"
        " stderr=subprocess.DEVNULL)\n"
        "seen['started'] = True"
    )
    seen = _run_test(project, parent, body)
    assert seen["started"] is True
    assert _gone(token)


def _gone(token: str) -> bool:
    """True once no live process holds ``token`` (waiting a little: the kernel kills a
    namespace's processes after its pid 1 dies, not at the instant bwrap is reaped)."""
    for _ in range(100):
        if not _processes_with(token):
            return True
        time.sleep(0.1)
    return False


def _processes_with(token: str) -> list[int]:
    """Live (non-zombie) processes whose command line holds ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "status").read_text()
        except OSError:
            continue
        if token.encode() in cmdline and "\nState:\tZ" not in state:
            found.append(int(entry.name))
    return found


@needs_bwrap
def test_a_timed_out_run_takes_its_whole_namespace_with_it(
    project: Path, parent: dict[str, str]
) -> None:
    token = f"ttabot-timeout-{uuid.uuid4().hex}"
    code = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {token!r}],"
        " start_new_session=True)\n"
        "time.sleep(600)\n"
    )
    with project_copy(project, {}, environ=parent, timeout=3, python=sys.executable) as box:
        result, _ = box.python(["-c", code])
    assert result.timed_out
    assert _gone(token)


@needs_bwrap
def test_generated_code_holds_no_privilege_over_the_host(
    project: Path, parent: dict[str, str]
) -> None:
    """Run as root (a CI container), bwrap kept every capability and a writable /proc/sys:
    a test could set the host's kernel.core_pattern (a program the kernel runs as root on
    the host) or mount the host's disk. Nothing is written: opening for write is the proof."""
    body = (
        "seen['caps'] = [line.split()[1] for line in open('/proc/self/status')"
        " if line.startswith(('CapPrm', 'CapEff', 'CapAmb'))]\n"
        + _try(
            "os.close(os.open('/proc/sys/kernel/core_pattern', os.O_WRONLY)) or 'open'", "sysctl"
        )
        + "os.mkdir('/tmp/mnt')\n"
        + "import ctypes\n"
        + "libc = ctypes.CDLL(None, use_errno=True)\n"
        + "seen['mount'] = libc.mount(b'none', b'/tmp/mnt', b'tmpfs', 0, None)\n"
    )
    seen = _run_test(project, parent, body)
    assert seen["caps"] == ["0000000000000000"] * 3
    assert seen["sysctl"] != "open"
    assert seen["mount"] == -1


@needs_bwrap
def test_generated_code_inherits_no_descriptor_of_ttabots(
    project: Path, parent: dict[str, str], tmp_path: Path
) -> None:
    # A descriptor ttabot holds open and inheritable (a state file, a lock) would pass
    # through bwrap into the sandbox: its file readable there, wherever it lives.
    secret = tmp_path / "state.json"
    secret.write_text(SECRET)
    held = os.open(secret, os.O_RDONLY)
    os.set_inheritable(held, True)
    body = (
        "seen['read'] = []\n"
        "for name in os.listdir('/proc/self/fd'):\n"
        "    if int(name) > 2:\n"
        "        try:\n"
        "            seen['read'].append(os.pread(int(name), 200, 0).decode('utf-8', 'replace'))\n"
        "        except OSError as exc:\n"
        "            seen['read'].append(repr(exc))\n"
    )
    try:
        seen = _run_test(project, parent, body)
    finally:
        os.close(held)
    assert SECRET not in json.dumps(seen)


@needs_bwrap
def test_generated_code_cannot_reach_an_agent_socket_of_the_host(
    project: Path, parent: dict[str, str], tmp_path: Path
) -> None:
    # An SSH agent (or D-Bus, X11) socket lives in the host's /tmp or /run: named in the
    # environment and reachable by path, it would sign or answer for the user.
    path = tmp_path / "agent.sock"
    with socket.socket(socket.AF_UNIX) as agent:
        agent.bind(str(path))
        agent.listen(1)
        agent.setblocking(False)
        environ = {**parent, "SSH_AUTH_SOCK": str(path)}
        body = _try("os.environ.get('SSH_AUTH_SOCK')", "env") + _try(
            f"socket.socket(socket.AF_UNIX).connect({str(path)!r}) or 'connected'", "connect"
        )
        seen = _run_test(project, environ, body)
        with pytest.raises(BlockingIOError):
            agent.accept()  # nobody connected
    assert seen["env"] is None
    assert seen["connect"] != "connected"


@needs_bwrap
def test_the_hosts_runtime_folders_do_not_exist_inside(
    project: Path, parent: dict[str, str]
) -> None:
    # /run and /var hold the Docker socket (root on the host), the system and session
    # buses, user runtime folders; /sys the host's devices and cgroups.
    body = "seen['there'] = [p for p in ('/run', '/var', '/sys', '/mnt') if os.path.exists(p)]"
    seen = _run_test(project, parent, body)
    assert seen["there"] == []


# --- without bubblewrap ------------------------------------------------------------


def test_without_bwrap_local_drafting_warns_once_and_uses_the_copy(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    environ = {"PATH": "/nonexistent-no-bwrap", "HOME": "/nowhere"}
    caplog.set_level(logging.WARNING, logger="ttabot.drafting")
    with project_copy(project, {}, environ=environ, timeout=30, python=sys.executable) as box:
        assert box.bwrap is None
        result, _ = box.python(["-c", "import os; print(os.environ['HOME'])"])
    assert result.output.strip().startswith(str(box.path))
    warnings = [r.getMessage() for r in caplog.records if "without bubblewrap" in r.getMessage()]
    assert len(warnings) <= 1
    assert bwrap_refusal(environ) == "bwrap is not installed (Debian/Ubuntu package: bubblewrap)"


def test_the_fallback_warning_names_the_risk(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from ttabot.drafting import isolation

    isolation._warned.clear()
    caplog.set_level(logging.WARNING, logger="ttabot.drafting")
    with project_copy(project, {}, environ={"PATH": "/nonexistent"}, python=sys.executable):
        pass
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith("warning: generated tests run without bubblewrap")
    assert "read your files" in message and "network" in message


def test_required_isolation_runs_nothing_without_bwrap(project: Path) -> None:
    environ = {"PATH": "/nonexistent-no-bwrap"}
    with (
        pytest.raises(NoSandbox, match="not drafted: no sandbox"),
        project_copy(project, {}, environ=environ, isolation="bwrap"),
    ):
        pytest.fail("the copy must not be made")
    assert sandbox_refusal("bwrap", environ) is not None
    assert sandbox_refusal("auto", environ) is None


def test_kernel_refusal_is_reported_not_raised(tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    why = bwrap_refusal({"PATH": str(tmp_path)})
    assert why == "bwrap: No permissions to creating new namespace"


def test_with_sandbox_bwrap_and_no_bwrap_no_test_is_drafted_or_asked_for(
    repo: GitRepo,
    fake: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    configure(repo, fake, lambda model, body: answer({"code": "def test_x():\n    pass\n"}))
    repo.write(".ttabot.toml", (repo.path / ".ttabot.toml").read_text() + 'sandbox = "bwrap"\n')
    repo.stage()
    bin_dir = tmp_path / "bin-without-bwrap"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))
    code = main(["draft", "--only", "tests-needed", "--format", "json"])
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert code == 1
    assert draft["status"] == "rejected"
    assert draft["stages"][0]["name"] == "sandbox"
    assert draft["reason"].startswith("not drafted: no sandbox (bwrap is not installed")
    assert fake.calls == []  # no model was asked for code that could not run
