"""Pacing of fan-out messages to Telegram's broadcast limit (about 30 messages a second).

Telegram refuses bulk notifications faster than about 30 a second with 429 errors. A direct
reply to the member who just wrote must not wait behind that, so only fan-out sends (an
alert to many recipients, notices to a state's authorities) pass through this token bucket;
429s that still happen are retried by python-telegram-bot's AIORateLimiter.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """Allows bursts of ``capacity`` sends, refilled at ``rate_per_second``."""

    def __init__(self, rate_per_second: float = 30.0, capacity: int = 30) -> None:
        if rate_per_second <= 0 or capacity < 1:
            raise ValueError("a token bucket needs a positive rate and capacity")
        self.rate = rate_per_second
        self.capacity = float(capacity)
        self._tokens = float(capacity)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def take(self) -> None:
        """Wait until one send may go out (first come, first served)."""
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1
