#!/bin/sh
# Regenerate action.lock: what the GitHub Action installs, pinned with sha256 hashes.
#
# The lock holds pyproject.toml's runtime dependencies plus its build-system requirements
# (the action builds ttabot itself with --no-build-isolation, so nothing unpinned is fetched),
# resolved once for every runner and every Python ttabot supports (--universal).
# Needs uv (pip install uv). Run from anywhere; extra arguments go to uv, e.g.
#   scripts/lock.sh --upgrade             # newest versions
#   scripts/lock.sh --upgrade-package httpx
# tests/github/test_lock.py checks the result against pyproject.toml.
set -eu
cd "$(dirname "$0")/.."
build=$(mktemp)
trap 'rm -f "$build"' EXIT
python3 - >"$build" <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))
PY
# Only uv's own settings pick the index (never this machine's pip config); the lock gets
# no index URL, only name==version and hashes.
PIP_CONFIG_FILE=/dev/null uv pip compile pyproject.toml "$build" \
    --universal --python-version 3.10 \
    --generate-hashes --no-emit-index-url --no-strip-extras --no-annotate \
    --custom-compile-command "scripts/lock.sh" \
    --output-file action.lock "$@"
