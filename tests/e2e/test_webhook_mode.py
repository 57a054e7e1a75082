"""Webhook mode end to end (issue 13): ``atlasbot run`` processes with ATLASBOT_WEBHOOK_URL,
the sandbox posting each update with the secret token. A member's command is answered; a
post with a wrong token is refused with 403 and handled by nobody; with two processes
behind a proxy that passes a 503 on (nginx's ``proxy_next_upstream http_503``), killing
the leader moves the updates to the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from atlasbot.bot.health import HttpServer, start_http
from atlasbot.runtime import DEMO_NETWORK, SANDBOX_TOKEN, prepare_database
from atlasbot.sandbox import SandboxServer
from atlasbot.storage import db
from atlasbot.storage.models import Role
from tests.conftest import POSTGRES_ENV, postgres_base_url
from tests.e2e.processes import (
    BotProcess,
    bot_environment,
    enrol,
    free_port,
    fresh_postgres_database,
)

pytestmark = pytest.mark.slow

SECRET = "e2e_webhook-SECRET"
HOOK_PATH = "/telegram/hook"
CORA = 1
PEOPLE: dict[str, tuple[int, Role, dict[str, str]]] = {"cora": (CORA, Role.COORDINATOR, {})}


class Proxy:
    """A few lines of what nginx does in front of the processes: forward the post to each
    upstream in turn and answer with the first answer that is not 503."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.server: HttpServer | None = None
        self.answered_by: list[str] = []

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            for upstream in self.upstreams:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with client.post(upstream, data=body, headers=headers) as answer:
                        if answer.status != 503:
                            self.answered_by.append(upstream)
                            return web.Response(status=answer.status, body=await answer.read())
        return web.Response(status=503, text="no upstream takes it")

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}{HOOK_PATH}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(HOOK_PATH, self.forward)
        self.server = await start_http(app, "127.0.0.1", 0)


@dataclass
class Setup:
    server: SandboxServer
    url: str
    tmp: Path
    processes: list[BotProcess]

    def process(self, name: str, hook_url: str, port: int) -> BotProcess:
        env = bot_environment(
            self.url,
            self.server.base_url,
            SANDBOX_TOKEN,
            leadership_renew_s="0.5",
            leadership_lease_s="3",
            webhook_url=hook_url,
            webhook_secret=SECRET,
            webhook_host="127.0.0.1",
        )
        process = BotProcess(name, env, self.tmp / f"{name}.log", webhook_port=port)
        self.processes.append(process)
        return process

    def replies(self) -> list[str]:
        return [m.get("text") or "" for m in self.server.messages(CORA)]

    async def until(self, check: Callable[[], Any], within: float = 15.0) -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not check():
            if loop.time() - started > within:
                logs = "\n".join(p.name + ":\n" + p.tail(2500) for p in self.processes)
                raise AssertionError(f"not true after {within} s:\n{logs}")
            await asyncio.sleep(0.05)
        return loop.time() - started


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"needs PostgreSQL: set {POSTGRES_ENV}")
    with fresh_postgres_database(base) as url:
        await asyncio.to_thread(prepare_database, url, DEMO_NETWORK)
        engine = db.make_engine(url)
        server = SandboxServer(token=SANDBOX_TOKEN)
        await server.start()
        enrol(engine, PEOPLE, server.state.remember_user)
        engine.dispose()
        running = Setup(server, url, tmp_path, [])
        try:
            yield running
        finally:
            for process in running.processes:
                with contextlib.suppress(ProcessLookupError):
                    await process.kill()
            await server.stop()


async def post_update(url: str, secret: str, update: dict[str, Any]) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, json=update, headers=headers) as answer,
    ):
        return answer.status


async def test_a_webhook_process_answers_members_and_refuses_a_wrong_secret(setup: Setup) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}{HOOK_PATH}"
    bot = setup.process("hooked", hook, port)
    await bot.start()
    await bot.wait_role("leader")
    await setup.until(lambda: setup.server.state.webhook is not None)  # set while it starts
    webhook = setup.server.state.webhook
    assert webhook is not None and webhook.url == hook and webhook.secret_token == SECRET
    setup.server.send(CORA, "/whoami", first_name="Cora")
    await setup.until(lambda: len(setup.replies()) == 1)
    assert "Cora" in setup.replies()[0] or "coordinator" in setup.replies()[0].lower()
    # A forged post: right shape, wrong token. Refused, and nobody handles it.
    forged = {
        "update_id": 10_000,
        "message": {
            "message_id": 500,
            "date": 1,
            "chat": {"id": CORA, "type": "private", "first_name": "Cora"},
            "from": {"id": CORA, "is_bot": False, "first_name": "Cora"},
            "text": "/whoami",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    assert await post_update(hook, "wrong-token", forged) == 403
    assert await post_update(hook, "", forged) == 403
    await asyncio.sleep(1.0)
    assert len(setup.replies()) == 1
    found = await bot.metrics()
    handled = found[
        ("atlasbot_updates_handled_total", (("kind", "command"), ("outcome", "handled")))
    ]
    assert handled == 1
    assert "webhook request refused" in bot.tail()
    assert setup.server.state.call_counts["getUpdates"] == 0


async def test_behind_a_proxy_killing_the_leader_moves_the_updates_to_the_new_one(
    setup: Setup,
) -> None:
    ports = [free_port(), free_port()]
    proxy = Proxy([f"http://127.0.0.1:{port}{HOOK_PATH}" for port in ports])
    await proxy.start()
    try:
        first = setup.process("first", proxy.url, ports[0])
        second = setup.process("second", proxy.url, ports[1])
        await first.start()
        await first.wait_role("leader")
        await second.start()
        await second.wait_role("standby")
        # The proxy puts the standby first: its 503 passes the post on to the leader.
        proxy.upstreams.reverse()
        setup.server.send(CORA, "/whoami", first_name="Cora")
        await setup.until(lambda: len(setup.replies()) == 1)
        assert proxy.answered_by == [f"http://127.0.0.1:{ports[0]}{HOOK_PATH}"]
        await first.kill()
        killed_at = asyncio.get_running_loop().time()
        setup.server.send(CORA, "/whoami", first_name="Cora")  # while nobody leads
        takeover_s = await second.wait_role("leader", within=15)
        await setup.until(lambda: len(setup.replies()) == 2)
        answered_s = asyncio.get_running_loop().time() - killed_at
        assert proxy.answered_by[-1] == f"http://127.0.0.1:{ports[1]}{HOOK_PATH}"
        assert takeover_s < 5 and answered_s < 8, (takeover_s, answered_s)
        assert await setup.server.wait_idle(5)
        print(
            f"\nwebhook: kill -9 -> standby leads {takeover_s:.2f} s, answers the command "
            f"posted meanwhile {answered_s:.2f} s after the kill"
        )
    finally:
        assert proxy.server is not None
        await proxy.server.stop()
