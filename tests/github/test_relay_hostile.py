"""A fork's report artifact written to hurt the publisher: one line, exit 2, nothing posted."""

from __future__ import annotations

import pytest

from tests.github.test_action_run import (
    Stage,
    stage,  # noqa: F401  (the fixture)
)
from tests.github.test_relay import FORK, publish
from ttabot.errors import TtabotError
from ttabot.github.artifact import parse_report

# Python refuses to turn more than 4,300 digits into an int (CVE-2020-10735), with a
# ValueError that is not a JSONDecodeError.
HUGE_NUMBER = b'{"version": 1, "pull_request": ' + b"7" * 5000 + b"}"


def test_a_number_too_long_for_python_is_off_schema() -> None:
    with pytest.raises(TtabotError, match="not UTF-8 JSON"):
        parse_report(HUGE_NUMBER)


def test_the_publisher_says_one_line_for_it(stage: Stage) -> None:  # noqa: F811
    stage.pull.head_repo = FORK
    report = stage.tmp / "report.json"
    report.write_bytes(HUGE_NUMBER)
    done = publish(stage, report)
    assert done.code == 2, done.stderr
    assert done.stderr.startswith("ttabot: error: report artifact rejected")
    assert "Traceback" not in done.stderr
    assert stage.fake.comments == {}
