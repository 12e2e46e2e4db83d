"""An implementation validated: every Python file parses, then the project's tests pass on a
copy of the project with the draft applied.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ttabot.records import ValidationStage

if TYPE_CHECKING:
    from ttabot.drafting.implement import ImplementJob


def validate(job: ImplementJob, files: Mapping[str, str]) -> tuple[ValidationStage, ...]:
    """Parse every Python file, then run the project's tests on a copy with ``files`` applied."""
    from ttabot.drafting.environment import choose_python
    from ttabot.drafting.isolation import NoSandbox, project_copy
    from ttabot.drafting.limits import limits_of
    from ttabot.drafting.readback import UnsafeFile

    for path, text in files.items():
        if path.endswith(".py"):
            try:
                ast.parse(text, filename=path)
            except SyntaxError as exc:
                return (ValidationStage("parses", False, f"{path}:{exc.lineno}: {exc.msg}"),)
            except (RecursionError, MemoryError):  # the parser's own limits: nested too deep
                return (ValidationStage("parses", False, f"{path}: nested too deeply to parse"),)
    stages = [ValidationStage("parses", True)]
    draft = job.settings.draft
    python = choose_python(job.root, draft.python, job.environ)
    limits, tmp_size = limits_of(draft)
    try:
        with project_copy(
            job.root,
            dict(files),
            environ=job.environ,
            timeout=draft.test_timeout * 5,
            python=python,
            isolation=draft.sandbox,
            limits=limits,
            tmp_size=tmp_size,
        ) as sandbox:
            result, left = sandbox.pytest([])
    except NoSandbox as exc:
        return (*stages, ValidationStage("sandbox", False, str(exc)))
    except UnsafeFile as exc:  # the copy holds a link the checkout check did not see
        return (*stages, ValidationStage("answer", False, str(exc)))
    stages.append(_test_stage(result.returncode, result.output))
    if left:
        stages.append(ValidationStage("clean", False, "tests left files: " + ", ".join(left[:5])))
    return tuple(stages)


def _test_stage(returncode: int | None, output: str) -> ValidationStage:
    if returncode == 5:
        return ValidationStage("passes", True, "the project has no tests to run")
    if returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        return ValidationStage("passes", False, tail or "the test run failed")
    return ValidationStage("passes", True, "the project's tests pass")
