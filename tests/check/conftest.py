"""Helpers for the check tests: run the real CLI entry point and capture what it prints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from ttabot.cli import main


@dataclass(frozen=True)
class CliRun:
    """What one ``ttabot`` invocation returned and printed."""

    code: int
    out: str
    err: str


RunCli = Callable[..., CliRun]


@pytest.fixture
def run_cli() -> RunCli:
    """Call ``ttabot.cli.main`` (the console script) with click's stdio isolation."""

    def run(args: Sequence[str], input: bytes | str | None = None) -> CliRun:
        runner = CliRunner()
        with runner.isolation(input=input) as (out, err, _):
            code = main(list(args))
        return CliRun(code, out.getvalue().decode(), err.getvalue().decode())

    return run
