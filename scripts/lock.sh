#!/bin/sh
# Regenerate action.lock: what the GitHub Action installs, pinned with sha256 hashes.
#
# The lock holds pyproject.toml's runtime dependencies plus its build-system requirements
# (the action builds ttabot itself with --no-build-isolation, so nothing unpinned is fetched),
# resolved once for every runner and every Python ttabot supports (--universal), then
# checks that each runner gets a wheel of everything (scripts/lock-constraints.txt holds
# back what has none). Needs uv (pip install uv) and the network. Run from anywhere;
# extra arguments go to uv pip compile, e.g.
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
# uv picks the index from its own settings, never from pip's config; the lock gets no
# index URL, only name==version (with a marker where it differs by Python) and hashes.
uv pip compile pyproject.toml "$build" \
    --universal --python-version 3.10 \
    --generate-hashes --no-emit-index-url --no-strip-extras --no-annotate \
    --custom-compile-command "scripts/lock.sh" \
    --constraint scripts/lock-constraints.txt \
    --output-file action.lock "$@"

# Every runner the Action supports must get a wheel of every package for every Python
# (no build from source on the runner): resolve the lock for each, without installing.
target=$(mktemp -d)
trap 'rm -f "$build"; rm -rf "$target"' EXIT
for platform in x86_64-manylinux_2_28 aarch64-manylinux_2_28 x86_64-apple-darwin \
    aarch64-apple-darwin x86_64-pc-windows-msvc; do
    for python in 3.10 3.11 3.12 3.13; do
        if ! uv pip install --quiet --dry-run --require-hashes --no-deps --no-build \
            --python "$(command -v python3)" --target "$target" \
            --python-platform "$platform" --python-version "$python" -r action.lock; then
            echo "scripts/lock.sh: no wheel for $platform, Python $python (see above);" \
                "hold the package back in scripts/lock-constraints.txt" >&2
            exit 1
        fi
    done
done
echo "action.lock: wheels for every platform and Python checked"
