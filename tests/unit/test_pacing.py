"""The broadcast token bucket: bursts up to its capacity, then its rate."""

from __future__ import annotations

import time

import pytest

from atlasbot.bot.pacing import TokenBucket


async def test_a_burst_up_to_the_capacity_goes_out_at_once() -> None:
    bucket = TokenBucket(rate_per_second=30, capacity=30)
    started = time.monotonic()
    for _ in range(30):
        await bucket.take()
    assert time.monotonic() - started < 0.05


async def test_sends_beyond_the_capacity_wait_for_the_rate() -> None:
    bucket = TokenBucket(rate_per_second=50, capacity=5)
    started = time.monotonic()
    for _ in range(15):
        await bucket.take()
    # 5 at once, then 10 more at 50/s: at least 0.2 s.
    assert time.monotonic() - started >= 0.18


def test_a_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate_per_second=0)
