"""Start-up as an operator sees it: one line and exit 2 for what stops the bot, no secrets.

``atlasbot run`` runs as a real process against the sandbox Bot API (which refuses tokens
other than its own), a closed port on 127.0.0.1 (no network) or an unreachable database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from atlasbot.cli import main
from atlasbot.sandbox import SandboxServer

SANDBOX_TOKEN = "7000000001:the-sandbox-own-token"
WRONG_TOKEN = "7000000001:AAHwrongSecretPartOfTheToken"
SECRET_PART = WRONG_TOKEN.split(":", 1)[1]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=SANDBOX_TOKEN)
    await server.start()
    yield server
    await server.stop()


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLASBOT_")}
    env["ATLASBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    env.update({f"ATLASBOT_{name.upper()}": value for name, value in settings.items()})
    return env


async def run_bot(env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "atlasbot",
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode()


def assert_one_line_without_secrets(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert SECRET_PART not in err
    return lines[0]


async def test_a_rejected_token_is_one_line_and_exit_2(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = environment(tmp_path, token=WRONG_TOKEN, bot_api_url=sandbox.base_url)
    status, err = await run_bot(env)
    assert status == 2
    line = assert_one_line_without_secrets(err)
    assert line == (
        f"error: the Bot API at 127.0.0.1:{sandbox.port} refused ATLASBOT_TOKEN "
        "(getMe: unauthorized): check the token with @BotFather"
    )


async def test_no_network_at_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = closed_port()
    env = environment(tmp_path, token=WRONG_TOKEN, bot_api_url=f"http://127.0.0.1:{port}/bot")
    status, err = await run_bot(env)
    assert status == 2
    line = assert_one_line_without_secrets(err)
    assert line.startswith(f"error: cannot reach the Bot API at 127.0.0.1:{port}: ")


async def test_an_unreachable_database_at_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = closed_port()
    env = environment(
        tmp_path,
        token=WRONG_TOKEN,
        database_url=f"postgresql+psycopg://atlas:db-password@127.0.0.1:{port}/atlas",
    )
    status, err = await run_bot(env)
    assert status == 2
    line = assert_one_line_without_secrets(err)
    shown = f"postgresql+psycopg://atlas:***@127.0.0.1:{port}/atlas"
    assert line.startswith(f"error: cannot use the database at {shown}: ")
    assert "db-password" not in err


async def test_with_debug_logging_the_traceback_is_logged_but_the_token_is_not(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = environment(tmp_path, token=WRONG_TOKEN, bot_api_url=sandbox.base_url, log_level="DEBUG")
    status, err = await run_bot(env)
    assert status == 2
    assert "Traceback" in err
    assert "InvalidToken" in err
    assert SECRET_PART not in err
    assert "[REDACTED]" in err  # PTB's "The token `…` was rejected", and the getMe URL


async def test_the_right_token_gets_past_the_checks_and_polls(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = environment(tmp_path, token=SANDBOX_TOKEN, bot_api_url=sandbox.base_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "atlasbot",
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = []
    try:
        while True:
            line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
            assert line, "".join(seen)
            seen.append(line)
            if "Application started" in line or "atlasbot is polling" in line:
                break
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 30)
    text = "".join(seen)
    assert "ATLASBOT_AUDIT_KEY is not set" in text
    assert "the-sandbox-own-token" not in text


def test_any_command_on_an_unreachable_database_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", f"sqlite:///{tmp_path}/no/such/folder/x.db")
    status = main(["audit", "verify"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: cannot use the database at sqlite:///")
    assert err.count("\n") == 1


async def test_a_second_atlasbot_run_on_one_sqlite_file_is_refused_in_one_line(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = environment(tmp_path, token=SANDBOX_TOKEN, bot_api_url=sandbox.base_url, health_port="0")
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "atlasbot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert first.stderr is not None
    try:
        seen = []
        while not any("leads with epoch" in line for line in seen):
            line = (await asyncio.wait_for(first.stderr.readline(), 60)).decode()
            assert line, "".join(seen)
            seen.append(line)
        status, err = await run_bot(env)
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.communicate(), 30)
    assert status == 2
    line = assert_one_line_without_secrets(err)
    assert line.startswith(f"error: another atlasbot process (pid {first.pid}) already uses ")
    assert line.endswith(
        "SQLite serves one process: stop that one, or use PostgreSQL for a standby"
    )
    assert first.returncode == 0  # the first one was not disturbed, and stopped cleanly
