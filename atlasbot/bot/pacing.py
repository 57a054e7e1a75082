"""Pacing of fan-out messages to Telegram's broadcast limit (about 30 messages a second).

Telegram refuses bulk notifications faster than about 30 a second with 429 errors. A direct
reply to the member who just wrote must not wait behind that, so only fan-out sends (an
alert to many recipients, notices to a state's authorities) pass through this token bucket;
429s that still happen are retried by python-telegram-bot's AIORateLimiter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter


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


# ``rate_limit_args`` of a call whose 429 the caller handles itself (an alert copy: its wait
# must renew the copy's lease and end when leadership is lost, and a retry after that must
# not happen behind the caller's back). PTB reads 0 as "the default", hence a sentinel.
NO_RETRY = -1


class CountingRateLimiter(AIORateLimiter):
    """PTB's rate limiter, telling ``on_429`` of every 429 Telegram answers, including the
    ones it retries by itself (which the delivery code never sees)."""

    def __init__(self, on_429: Callable[[], None], **options: Any) -> None:
        super().__init__(**options)
        self._on_429 = on_429

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if rate_limit_args != NO_RETRY:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        # Through the same limits, once: a 429 goes to the caller.
        return await self._run_request(
            chat=data.get("chat_id") is not None,
            group=False,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )

    async def _run_request(  # PTB's own private method: the one place a retried 429 shows
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        try:
            return await super()._run_request(
                chat, group, allow_paid_broadcast, callback, args, kwargs
            )
        except RetryAfter:
            self._on_429()
            raise
