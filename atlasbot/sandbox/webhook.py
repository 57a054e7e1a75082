"""The sandbox's webhook delivery: while ``setWebhook`` holds a URL, post each update there.

As Telegram does: one POST per update, JSON body, the ``X-Telegram-Bot-Api-Secret-Token``
header when a secret was set, and any answer but 2xx (or no answer) means "not delivered":
the same update is posted again later, and the ones after it wait (order is kept). The
retries come sooner than Telegram's (0.1 s doubling to 1 s) so tests stay short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from atlasbot.sandbox.state import SandboxState, Webhook

__all__ = ["SECRET_HEADER", "WebhookDelivery"]

_LOGGER = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
FIRST_RETRY_S = 0.1
MAX_RETRY_S = 1.0
POST_TIMEOUT_S = 10.0


class WebhookDelivery:
    """A background task posting pending updates to the webhook, one at a time."""

    def __init__(
        self,
        state: SandboxState,
        deliverable: Callable[[], list[dict[str, Any]]],
        on_activity: Callable[[], None],
    ) -> None:
        self._state = state
        self._deliverable = deliverable
        self._on_activity = on_activity
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """Start posting (call inside the server's event loop)."""
        self._wake = asyncio.Event()
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=POST_TIMEOUT_S))
        self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        """Stop posting; an update being posted stays pending."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def wake(self) -> None:
        """An update arrived or the webhook changed: look again."""
        self._wake.set()

    async def _run(self) -> None:
        retry_s = FIRST_RETRY_S
        while True:
            self._wake.clear()  # before looking: a wake-up from now on is not lost
            hook = self._state.webhook
            updates = self._deliverable() if hook is not None else []
            if hook is None or not updates:
                await self._wake.wait()
                continue
            update = updates[0]
            error = await self._post(hook, update)
            self._on_activity()
            if error is None:
                if self._state.webhook is hook:  # not dropped by deleteWebhook meanwhile
                    self._state.confirm_updates(update["update_id"] + 1)
                hook.delivered += 1
                retry_s = FIRST_RETRY_S
                continue
            hook.last_error_date = self._state.now()
            hook.last_error_message = error
            await asyncio.sleep(retry_s)
            retry_s = min(retry_s * 2, MAX_RETRY_S)

    async def _post(self, hook: Webhook, update: dict[str, Any]) -> str | None:
        """Post one update; None when the webhook answered 2xx, else Telegram's error text."""
        assert self._client is not None
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with self._client.post(hook.url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            _LOGGER.debug("webhook post of update %s failed: %r", update["update_id"], error)
            return f"Connection failed: {type(error).__name__}"
