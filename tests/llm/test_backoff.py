"""The jittered backoff schedule for failures that announced nothing."""

from __future__ import annotations

import pytest

from ttabot.llm.backoff import backoff_delay

SEED = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


@pytest.mark.parametrize(
    ("strike", "base"), [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (9, 32.0)]
)
def test_follows_the_schedule_with_up_to_a_quarter_of_jitter(strike: int, base: float) -> None:
    delays = [backoff_delay(strike, SEED) for _ in range(50)]
    assert all(base <= d <= base * 1.25 for d in delays)
    assert len(set(delays)) > 1  # jittered, not fixed


def test_a_custom_schedule_and_an_empty_one() -> None:
    assert 0.05 <= backoff_delay(1, (0.05, 0.1)) <= 0.0625
    assert backoff_delay(3, ()) == 0.0


def test_no_tenacity_state_is_kept_between_calls() -> None:
    import tenacity

    import ttabot.llm.backoff as backoff

    # Each call builds its own RetryCallState: a late strike never leaks into an early one.
    assert backoff_delay(2, (0.05, 0.1)) >= 0.1 and backoff_delay(1, (0.05, 0.1)) <= 0.0625
    kept = [v for v in vars(backoff).values() if isinstance(v, tenacity.RetryCallState)]
    assert kept == [] and "_STATE" not in vars(backoff)
