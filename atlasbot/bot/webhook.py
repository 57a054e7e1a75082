"""Webhook mode (issue 13): Telegram posts updates to us instead of being polled.

The route checks ``X-Telegram-Bot-Api-Secret-Token`` on every request (Telegram sends the
secret given to ``setWebhook``), answers 503 on a standby so that a proxy in front of every
process (nginx ``proxy_next_upstream http_503``) passes the request to the leader, and hands
each update to the application's update queue, as PTB's own webhook server would.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# A standby tells the proxy (and Telegram, which retries) to come back shortly.
_RETRY_AFTER_S = "1"
_MAX_BODY = 1 << 20  # an update is a few KiB; Telegram's largest are far below this

Accept = Callable[[dict[str, Any]], Awaitable[None]]


def webhook_path(url: str) -> str:
    """The path Telegram posts to, from ATLASBOT_WEBHOOK_URL (``/`` when it has none)."""
    return urlsplit(url).path or "/"


def webhook_app(
    *, path: str, secret: str, is_leader: Callable[[], bool], accept: Accept
) -> web.Application:
    """An aiohttp application with the one POST route Telegram calls."""
    expected = secret.encode("utf-8")

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request refused: wrong or missing secret token")
            return web.Response(status=403, text="forbidden")
        if not is_leader():
            return web.Response(
                status=503, text="standby", headers={"Retry-After": _RETRY_AFTER_S}
            )
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        await accept(data)
        return web.Response(status=200, text="ok")

    app = web.Application(client_max_size=_MAX_BODY)
    app.router.add_post(path, receive)
    return app


def feed_update_queue(application: Any) -> Accept:
    """An ``accept`` that decodes the update for ``application`` (a PTB Application) and
    puts it on its update queue, where ``Application.start`` picks updates up."""
    from telegram import Update

    async def accept(data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, application.bot)
        except (TypeError, ValueError, KeyError) as err:
            # Telegram would post it again and again: log it and let it go.
            log.error("webhook update %s cannot be read: %s", data.get("update_id"), err)
            return
        await application.update_queue.put(update)

    return accept
