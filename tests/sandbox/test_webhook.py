"""The sandbox's webhooks: setWebhook makes it post each update, with the secret token
header, retrying until the webhook answers 2xx; getUpdates then answers 409, as Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from atlasbot.bot.health import HttpServer, start_http
from atlasbot.sandbox import SandboxServer

USER = 1001


class Receiver:
    """A webhook on loopback that answers ``status`` and remembers what it was posted."""

    def __init__(self) -> None:
        self.status = 200
        self.posts: list[tuple[str | None, dict[str, Any]]] = []
        self.server: HttpServer | None = None

    async def receive(self, request: web.Request) -> web.Response:
        self.posts.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=self.status)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}/hook"

    def delivered(self) -> list[int]:
        return [update["update_id"] for _, update in self.posts]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.receive)
    hook.server = await start_http(app, "127.0.0.1", 0)
    yield hook
    await hook.server.stop()


async def until(check: Any, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, "not true in time"
        await asyncio.sleep(0.02)


async def test_updates_are_posted_with_the_secret_and_getupdates_conflicts(
    sandbox: SandboxServer, bot: Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="s3cret_-X")
    sent = sandbox.send(USER, "/whoami", first_name="Ana")
    await until(lambda: receiver.delivered() == [sent])
    secret, update = receiver.posts[0]
    assert secret == "s3cret_-X"
    assert update["message"]["text"] == "/whoami"
    assert await sandbox.wait_idle(2)
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    # Back to polling: the next update waits for getUpdates.
    assert await bot.delete_webhook()
    later = sandbox.send(USER, "hello")
    [polled] = await bot.get_updates(timeout=1)
    assert polled.update_id == later and receiver.delivered() == [sent]


async def test_a_failing_webhook_gets_the_same_update_again_in_order(
    sandbox: SandboxServer, bot: Bot, receiver: Receiver
) -> None:
    receiver.status = 503
    assert await bot.set_webhook(receiver.url, secret_token="abc")
    first = sandbox.send(USER, "one")
    second = sandbox.send(USER, "two")
    await until(lambda: len(receiver.posts) >= 3)
    assert set(receiver.delivered()) == {first}  # the second waits behind the first
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 2
    assert info.last_error_message is not None and "503" in info.last_error_message
    assert not sandbox.is_idle()
    receiver.status = 200
    await until(lambda: receiver.delivered()[-2:] == [first, second])
    assert await sandbox.wait_idle(2)


async def test_allowed_updates_filter_what_is_posted(
    sandbox: SandboxServer, bot: Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, allowed_updates=["callback_query"])
    sandbox.send(USER, "not wanted")
    assert await sandbox.wait_idle(2)
    assert receiver.posts == []


async def test_a_webhook_must_be_https_unless_it_is_on_loopback(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="an https url must be provided"):
        await bot.set_webhook("http://bot.example/hook")
    with pytest.raises(BadRequest, match="ecret token contains unallowed characters"):
        await bot.set_webhook("https://bot.example/hook", secret_token="no spaces")
    assert await bot.set_webhook("https://bot.example/hook", secret_token="ok")
    assert (await bot.get_webhook_info()).url == "https://bot.example/hook"
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
