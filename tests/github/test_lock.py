"""action.lock: the Action's hash-pinned install, consistent with pyproject.toml and used so."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python 3.10 runner
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "action.lock"
ACTION = ROOT / "action.yml"
SHA40 = re.compile(r"^actions/cache@[0-9a-f]{40}$")
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


class Pin(NamedTuple):
    """One entry of the lock: ``name==version [; marker]`` and its hashes."""

    name: str
    version: str
    hashes: tuple[str, ...]


def canonical(name: str) -> str:
    """A distribution name as an index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The distribution a PEP 508 requirement names."""
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert found, requirement
    return canonical(found.group(1))


def parse_lock(text: str) -> list[Pin]:
    """The lock's entries; anything that is not a pin, a hash or a comment fails the test."""
    entries: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace():
            assert entries, f"continuation before any requirement: {line!r}"
            entries[-1] += " " + stripped
        else:
            entries.append(stripped)
    pins = []
    for entry in entries:
        head, *options = entry.replace("\\", " ").split(" --")
        found = PIN.match(head)
        assert found, f"not a name==version pin: {head!r}"
        assert "://" not in entry and " @ " not in entry, f"URL in the lock: {entry!r}"
        hashes = tuple("--" + option.strip() for option in options)
        assert all(HASH.match(h) for h in hashes), f"{head}: only sha256 hashes allowed: {hashes}"
        pins.append(Pin(canonical(found["name"]), found["version"], hashes))
    return pins


def pyproject() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(data, dict)
    return data


def install_steps() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[Any]]:
    steps = yaml.safe_load(ACTION.read_text())["runs"]["steps"]
    lock = next(s for s in steps if s.get("id") == "lock")
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    install = next(s for s in steps if s.get("name") == "Install ttabot")
    return lock, cache, install, steps


def test_every_runtime_and_build_dependency_is_pinned_with_hashes() -> None:
    pins = parse_lock(LOCK.read_text())
    assert pins
    locked = {pin.name for pin in pins}
    project = pyproject()
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    missing = {requirement_name(r) for r in wanted} - locked
    assert not missing, f"in pyproject.toml but not in action.lock (run scripts/lock.sh): {missing}"
    for pin in pins:
        assert pin.hashes, f"{pin.name}=={pin.version} has no sha256 hash"
    assert "ttabot" not in locked  # ttabot itself is built from the action's own files


def test_the_lock_parser_rejects_what_require_hashes_would_not_protect() -> None:
    # The checks above are only as good as the parser: each of these must fail it.
    bad = [
        "click>=8.1 \\\n    --hash=sha256:" + "0" * 64,  # a range, not a pin
        "click==8.1 \\\n    --hash=md5:" + "0" * 32,  # a weak hash
        "click @ https://example.invalid/click.whl",  # a URL
        "  --hash=sha256:" + "0" * 64,  # a hash of nothing
    ]
    for text in bad:
        with pytest.raises(AssertionError):
            parse_lock(text)
    assert parse_lock("click==8.1 \\\n    --hash=sha256:" + "a" * 64 + "\n") == [
        Pin("click", "8.1", ("--hash=sha256:" + "a" * 64,))
    ]
    assert parse_lock("click==8.1\n")[0].hashes == ()  # caught by the test above


def test_the_lock_says_how_to_regenerate_it() -> None:
    assert "scripts/lock.sh" in LOCK.read_text().splitlines()[1]
    assert (ROOT / "scripts" / "lock.sh").stat().st_mode & 0o111
    script = (ROOT / "scripts" / "lock.sh").read_text()
    assert "--generate-hashes" in script and "--universal" in script
    assert "--constraint scripts/lock-constraints.txt" in script and "--no-build" in script
    # Every held-back package is in the lock, split by the marker that holds it back.
    constraints = (ROOT / "scripts" / "lock-constraints.txt").read_text().splitlines()
    names = [requirement_name(c) for c in constraints if c.strip() and not c.startswith("#")]
    assert names
    pins = parse_lock(LOCK.read_text())
    for name in names:
        assert sum(pin.name == name for pin in pins) >= 2, name


def test_action_installs_from_the_lock_with_require_hashes() -> None:
    _, _, install, _ = install_steps()
    run = " ".join(install["run"].replace("\\\n", " ").split())
    assert '--require-hashes --no-deps -r "$GITHUB_ACTION_PATH/action.lock"' in run
    # ttabot itself: no index, no isolated build env (it would fetch unpinned setuptools).
    assert '--no-deps --no-index --no-build-isolation "$GITHUB_ACTION_PATH"' in run
    assert "ttabot installed in" in run and "SECONDS" in run


def test_install_cache_is_pinned_and_keyed_on_the_lock() -> None:
    lock, cache, install, steps = install_steps()
    assert SHA40.match(cache["uses"]), cache["uses"]
    assert steps.index(lock) < steps.index(cache) < steps.index(install)
    assert '"$GITHUB_ACTION_PATH/action.lock"' in lock["run"] and "sha256" in lock["run"]
    key = cache["with"]["key"]
    assert "${{ steps.lock.outputs.sha256 }}" in key
    for part in ("runner.os", "runner.arch", "steps.python.outputs.python-version"):
        assert part in key, part
    assert install["env"]["PIP_CACHE_DIR"] == cache["with"]["path"]
