"""The project's own formatter and linter, applied to drafted test code in the sandbox.

A project that configures black or ruff gets its drafted tests formatted that
way, and a project with a ruff config gets them linted with it: a merged
module that ruff flags beyond what the existing module already had is
rejected with ruff's messages (and fed back to the model). The tools run with
the project's interpreter in isolated mode, inside the sandbox (``python -I -m
ruff``, ``python -I -m black``: a ``ruff`` package planted in the copy is never
imported); where they are not installed, the step says so and passes. The
formatted file is read back through no link (:mod:`~ttabot.drafting.readback`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from ttabot.drafting.sandbox import Sandbox, UnsafeFile
from ttabot.records import ValidationStage


class Tools(NamedTuple):
    """What the project configures: its formatter (``ruff``, ``black`` or None), ruff linting."""

    formatter: str | None
    lint: bool


def project_tools(read: Callable[[str], str | None]) -> Tools:
    """The tools the project's config files name."""
    pyproject = read("pyproject.toml") or ""
    ruff = bool(re.search(r"^\[tool\.ruff\b", pyproject, re.M)) or any(
        read(name) is not None for name in ("ruff.toml", ".ruff.toml")
    )
    black = bool(re.search(r"^\[tool\.black\]", pyproject, re.M))
    formatter = "black" if black else "ruff" if ruff else None
    return Tools(formatter, ruff)


def _lint_messages(sandbox: Sandbox, path: str) -> list[str] | None:
    """ruff's findings for ``path`` without line numbers (None: ruff is not installed)."""
    if not sandbox.has_module("ruff"):
        return None
    result, _ = sandbox.tool(
        ["-m", "ruff", "check", "--no-cache", "--output-format", "concise", "--no-fix", path]
    )
    out = []
    for line in result.output.splitlines():
        match = re.match(rf"{re.escape(path)}:\d+:\d+: (.*)$", line)
        if match:
            out.append(match.group(1))
    return out


def _format(sandbox: Sandbox, path: str, formatter: str) -> str:
    if not sandbox.has_module(formatter):
        return f"{formatter} is not installed for {sandbox.interpreter}"
    args = (
        ["-m", "ruff", "format", "--no-cache", path]
        if formatter == "ruff"
        else ["-m", "black", "-q", path]
    )
    result, _ = sandbox.tool(args)
    return f"formatted with {formatter}" if result.returncode == 0 else f"{formatter} failed"


def format_and_lint(
    sandbox: Sandbox, path: str, text: str, existing: str, tools: Tools
) -> tuple[str, tuple[ValidationStage, ...]]:
    """``text`` formatted the project's way, and the lint stage; the copy's file is restored.

    A file ttabot will not read back or write (generated code left a link or a
    non-regular file in its place or on its way) fails the step, naming why.
    """
    if tools.formatter is None and not tools.lint:
        return text, ()
    try:
        return _format_and_lint(sandbox, path, text, existing, tools)
    except UnsafeFile as exc:
        name = "format" if tools.formatter is not None else "lint"
        return text, (ValidationStage(name, False, f"the copy was tampered with: {exc}"),)


def _format_and_lint(
    sandbox: Sandbox, path: str, text: str, existing: str, tools: Tools
) -> tuple[str, tuple[ValidationStage, ...]]:
    stages: list[ValidationStage] = []
    try:
        before: list[str] | None = []
        if tools.lint and existing:
            sandbox.write(path, existing)
            before = _lint_messages(sandbox, path)
        sandbox.write(path, text)
        if tools.lint and sandbox.has_module("ruff"):
            # Merged imports are appended to the module's own: let the project's isort
            # settings order them (a fix the model could not make for us).
            sandbox.tool(["-m", "ruff", "check", "--no-cache", "--select", "I", "--fix", path])
        if tools.formatter is not None:
            done = _format(sandbox, path, tools.formatter)
            text = sandbox.read(path) or text  # through no link (UnsafeFile otherwise)
            stages.append(ValidationStage("format", True, done))
        if tools.lint:
            after = _lint_messages(sandbox, path)
            if after is None:
                stages.append(ValidationStage("lint", True, "ruff is not installed"))
            else:
                new = list(after)
                for message in before or []:
                    if message in new:
                        new.remove(message)
                detail = "ruff: " + "; ".join(new[:10]) if new else "ruff passes"
                stages.append(ValidationStage("lint", not new, detail))
    finally:
        sandbox.write(path, existing or None)
    return text, tuple(stages)
