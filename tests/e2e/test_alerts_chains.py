"""Alerts through the sandbox with escalation timings of about a second: every chain, an
acknowledgement at each step, restarts, and the duty rota in the chat."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from atlasbot.bot import timers
from atlasbot.bot.context import AtlasContext
from atlasbot.clock import ManualClock
from atlasbot.config import load_settings
from atlasbot.runtime import SandboxRuntime, sandbox_runtime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, button_texts, buttons_of
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AlertDelivery

T = TypeVar("T")
ACK = "✋ Acknowledge"
BERLIN = ZoneInfo("Europe/Berlin")
FAST = {
    "escalation_duty_to_unit_s": 1.0,
    "escalation_unit_to_authority_s": 1.0,
    "escalation_expire_after_s": 1.0,
    "alert_retry_base_s": 0.05,
}


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, clock: ManualClock | None = None, **overrides: Any
) -> AsyncIterator[tuple[SandboxRuntime, SandboxClient]]:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'alerts.db'}", **overrides)
    async with (
        sandbox_runtime(settings, clock=clock) as runtime,
        SandboxClient(runtime.control_url) as sandbox,
    ):
        yield runtime, sandbox


async def eventually(check: Callable[[], Awaitable[T]], within: float = 6.0) -> T:
    """Poll ``check`` until it returns something truthy (timers fire on their own)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"not true after {within} s: {check}")
        await asyncio.sleep(0.05)


def drill_copies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if "Drill #" in (m.get("text") or "") and m.get("reply_markup")]


async def copies(someone: Person) -> list[dict[str, Any]]:
    return [
        m
        for m in await someone.all_messages()
        if "Drill #" in (m.get("text") or "") and "for de-1" in (m.get("text") or "")
    ]


def local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


@contextlib.asynccontextmanager
async def unit_with_rota(
    tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[SandboxRuntime, SandboxClient, dict[str, Person]]]:
    """de-1 with Dora on duty now, Kurt its commander, Anke DE's authority, Cora coordinating."""
    async with running(tmp_path, **{**FAST, **overrides}) as (runtime, sandbox):
        people = {
            "cora": Person(sandbox, 1, "Cora"),
            "dora": Person(sandbox, 10, "Dora"),
            "kurt": Person(sandbox, 11, "Kurt"),
            "anke": Person(sandbox, 12, "Anke"),
        }
        await people["cora"].enrol("coordinator")
        await people["dora"].enrol("duty", unit="de-1")
        await people["kurt"].enrol("commander", unit="de-1")
        await people["anke"].enrol("authority", country="DE")
        now = datetime.now(UTC)
        added = await people["kurt"].say(
            f"/duty add Dora {local(now - timedelta(hours=1))} {local(now + timedelta(hours=8))}"
        )
        assert "added" in added[-1]["text"], added[-1]["text"]
        yield runtime, sandbox, people


async def test_a_drill_climbs_the_whole_chain_and_each_person_hears_it_once(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path) as (_runtime, _sandbox, people):
        started = await people["cora"].say("/drill de-1")
        assert "DRILL — NOT A REAL REQUEST" in started[-1]["text"]
        # The duty member first, at once.
        assert len(await copies(people["dora"])) == 1
        # Then the commander (Dora is never sent it again), then the state's authority.
        await eventually(lambda: copies(people["kurt"]), within=4)
        kurt = (await copies(people["kurt"]))[0]
        assert kurt["text"].startswith("🧪 DRILL") and "Passed on to you" in kurt["text"]
        assert "step" not in kurt["text"].split("\n")[1]
        await eventually(lambda: copies(people["anke"]), within=4)

        async def reported() -> list[dict[str, Any]]:
            return [
                m
                for m in await people["cora"].all_messages()
                if (m.get("text") or "").startswith("DRILL REPORT")
            ]

        report = (await eventually(reported, within=5))[0]
        assert "de-1: NEVER acknowledged" in report["text"]
        assert "never answered: Dora, Kurt, Anke" in report["text"]

        # The CSV follows the text from the same timer job, so it may land a moment later.
        async def csv_sent() -> bool:
            messages = await people["cora"].all_messages()
            return any(m.get("document") == "drill-1.csv" for m in messages)

        await eventually(csv_sent, within=3)
        for name in ("dora", "kurt", "anke"):
            mine = await copies(people[name])
            assert len(mine) == 1, f"{name} got the drill {len(mine)} times"
            assert "nobody acknowledged" in mine[0]["text"]
            assert ACK not in button_texts(mine[0])


@pytest.mark.parametrize("step", [0, 1, 2])
async def test_an_acknowledgement_at_any_step_stops_the_chain_and_updates_every_copy(
    tmp_path: Path, step: int
) -> None:
    async with unit_with_rota(tmp_path) as (_runtime, _sandbox, people):
        await people["cora"].say("/drill de-1")
        chain = [people["dora"], people["kurt"], people["anke"]]
        taker = chain[step]
        await eventually(lambda: copies(taker), within=4)
        first = (await copies(chain[0]))[0]
        stale = next(b["callback_data"] for b in buttons_of(first) if b["text"] == ACK)
        await taker.tap(ACK)
        await asyncio.sleep(2.5)  # past every later step's due time
        for index, someone in enumerate(chain):
            mine = await copies(someone)
            assert len(mine) == (1 if index <= step else 0), someone.name
            if mine:
                assert f"Acknowledged by {taker.name}" in mine[0]["text"]
                assert ACK not in button_texts(mine[0])
        # A later press of the button as it was (a stale client) learns who was first.
        await chain[0].press_data(first["message_id"], stale)
        answers = await chain[0].callback_answers()
        assert answers[-1]["text"].startswith(f"Already acknowledged by {taker.name}")
        report = next(
            m["text"]
            for m in await people["cora"].all_messages()
            if (m.get("text") or "").startswith("DRILL REPORT")
        )
        assert f"acknowledged by {taker.name}" in report
        assert f"{step} escalation step(s)" in report


async def test_a_restarted_bot_fires_the_steps_that_fell_due_while_it_was_down(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path, escalation_duty_to_unit_s=1.0) as (
        runtime,
        sandbox,
        people,
    ):
        await people["cora"].say("/drill de-1")
        assert len(await copies(people["dora"])) == 1
        old = runtime.application
        await runtime.restart_bot()
        assert runtime.application is not old
        await asyncio.sleep(1.2)  # step 2 fell due during and after the restart
        loop = asyncio.get_running_loop()
        started = loop.time()
        await eventually(lambda: copies(people["kurt"]), within=5)
        assert loop.time() - started < 5
        await sandbox.wait_idle(timeout=10)
        assert len(await copies(people["dora"])) == 1, "nothing is sent twice after a restart"
        assert len(await copies(people["kurt"])) == 1


async def test_with_a_hand_moved_clock_the_default_five_minutes_are_honoured(
    tmp_path: Path,
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with running(tmp_path, clock=clock) as (runtime, sandbox):
        cora, dora, kurt = (
            Person(sandbox, 1, "Cora"),
            Person(sandbox, 10, "D"),
            Person(sandbox, 11, "K"),
        )
        await cora.enrol("coordinator")
        await dora.enrol("duty", unit="de-1")
        await kurt.enrol("commander", unit="de-1")
        await cora.say("/drill de-1")
        # No rota: the whole unit is alerted first; the authority step waits 10 minutes.
        anke = Person(sandbox, 12, "Anke")
        await anke.enrol("authority", country="DE")
        clock.advance(timedelta(minutes=9, seconds=59))
        await timers.rearm(AtlasContext(runtime.application))
        await sandbox.wait_idle(timeout=10)
        assert await copies(anke) == []
        clock.advance(timedelta(seconds=2))
        await timers.rearm(AtlasContext(runtime.application))
        await eventually(lambda: copies(anke), within=4)
        with session_scope(runtime.services.engine) as session:
            members = sorted(d.member_id for d in session.exec(select(AlertDelivery)).all())
        assert len(members) == len(set(members)) == 3


async def test_the_rota_is_shown_exported_and_imported_and_the_incoming_member_reminded(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path, duty_reminder_before_s=3600 * 2 - 1) as (
        _runtime,
        sandbox,
        people,
    ):
        shown = await people["dora"].say("/duty")
        assert re.search(r"On duty now: Dora until", shown[-1]["text"])
        ics = await people["dora"].say("/duty ics")
        assert ics[-1]["document"] == "duty-de-1.ics"
        start = datetime.now(UTC) + timedelta(hours=2)
        rota = f"member,start,end\nKurt,{local(start)},{local(start + timedelta(hours=8))}\n"
        await sandbox.document(11, "rota.csv", rota, caption="/duty import")
        replies = await people["kurt"].settle()
        assert any((m.get("text") or "").startswith("Imported 1 shift(s).") for m in replies)

        async def reminded() -> bool:
            return any(
                "Your duty shift for de-1 starts" in (m.get("text") or "")
                for m in await people["kurt"].all_messages()
            )

        await eventually(reminded, within=4)
        refused = await people["dora"].say("/duty add Kurt 2030-01-01 08:00 20:00")
        assert (
            "Only a unit's commander" in refused[-1]["text"] or "commander" in refused[-1]["text"]
        )
