"""End-to-end fixtures: the real python-telegram-bot Application polling the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from atlasbot.config import load_settings
from atlasbot.runtime import SandboxRuntime, sandbox_runtime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person


@pytest.fixture
def e2e_db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'e2e.db'}"


@pytest.fixture
async def runtime(e2e_db_url: str) -> AsyncIterator[SandboxRuntime]:
    settings = load_settings(database_url=e2e_db_url, token=None)
    async with sandbox_runtime(settings) as running:
        yield running


@pytest.fixture
async def sandbox(runtime: SandboxRuntime) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(runtime.control_url) as client:
        yield client


PersonFactory = Callable[..., Awaitable[Person]]


@pytest.fixture
def person(sandbox: SandboxClient) -> PersonFactory:
    """Make an enrolled person: ``await person(1001, "Ana", "authority", country="BE")``."""

    async def make(user_id: int, name: str, role: str | None = None, **scope: str) -> Person:
        someone = Person(sandbox, user_id, name)
        if role is not None:
            await someone.enrol(role, **scope)
        return someone

    return make
