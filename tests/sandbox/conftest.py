"""Fixtures: a sandbox server on a free loopback port, a PTB Bot and a control client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from atlasbot.sandbox import SandboxClient, SandboxServer

TOKEN = "123456:sandbox-test-token"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
    ) as telegram_bot:
        yield telegram_bot


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.control_url) as control:
        yield control
