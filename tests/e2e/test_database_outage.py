"""PostgreSQL unreachable for 30 s (issue 13, point 4): an instance of the test's own is
stopped (``pg_ctl stop -m immediate``) while a drill escalates, and started again. The
leader keeps leading, degraded: a member who presses Acknowledge or sends a command meanwhile
is told nothing could be saved; when the server is back, the step that fell due fires once,
the member's retry works, and the chain goes on. Nothing lost, nothing doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from atlasbot.runtime import DEMO_NETWORK, SANDBOX_TOKEN, prepare_database
from atlasbot.sandbox import SandboxServer
from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Alert, AlertDelivery, Role
from tests.e2e.private_postgres import PrivatePostgres, unavailable_reason
from tests.e2e.processes import BotProcess, bot_environment, enrol, put_on_duty

pytestmark = pytest.mark.slow

OUTAGE_S = 30
# Step 1 at once, step 2 after 4 s (inside the outage), step 3 after 40 s more (after it).
TIMINGS = {
    "escalation_duty_to_unit_s": "4",
    "escalation_unit_to_authority_s": "40",
    "escalation_expire_after_s": "3",
}
PEOPLE: dict[str, tuple[int, Role, dict[str, str]]] = {
    "cora": (1, Role.COORDINATOR, {}),
    "dora": (10, Role.DUTY, {"unit_id": "de-1"}),
    "kurt": (11, Role.COMMANDER, {"unit_id": "de-1"}),
    "anke": (12, Role.AUTHORITY, {"country": "DE"}),
    "fanny": (20, Role.DUTY, {"unit_id": "fr-1"}),
    "claude": (21, Role.COMMANDER, {"unit_id": "fr-1"}),
    "alain": (22, Role.AUTHORITY, {"country": "FR"}),
}
ACK = "✋ Acknowledge"
NOT_SAVED = "could not be saved"


@dataclass
class Outage:
    postgres: PrivatePostgres
    server: SandboxServer
    bot: BotProcess

    def copies(self, name: str) -> list[dict[str, Any]]:
        chat = PEOPLE[name][0]
        return [m for m in self.server.messages(chat) if "Drill #" in (m.get("text") or "")]

    def texts(self, name: str) -> list[str]:
        return [m.get("text") or "" for m in self.server.messages(PEOPLE[name][0])]

    def alerts(self) -> dict[str, str]:
        engine = db.make_engine(self.postgres.url)
        try:
            with session_scope(engine) as session:
                return {a.unit_id or "": a.state for a in session.exec(select(Alert))}
        finally:
            engine.dispose()

    def deliveries(self) -> list[AlertDelivery]:
        engine = db.make_engine(self.postgres.url)
        try:
            with session_scope(engine) as session:
                return list(session.exec(select(AlertDelivery)))
        finally:
            engine.dispose()

    async def until(self, check: Callable[[], Any], within: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not check():
            if loop.time() > deadline:
                raise AssertionError(f"not true after {within} s:\n{self.bot.tail(4000)}")
            await asyncio.sleep(0.1)


@pytest.fixture
async def outage(tmp_path: Path) -> AsyncIterator[Outage]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    postgres = PrivatePostgres()
    server = SandboxServer(token=SANDBOX_TOKEN)
    bot: BotProcess | None = None
    try:
        postgres.start()
        await asyncio.to_thread(prepare_database, postgres.url, DEMO_NETWORK)
        await server.start()
        engine = db.make_engine(postgres.url)
        people = enrol(engine, PEOPLE, server.state.remember_user)
        put_on_duty(engine, people["kurt"], "de-1", people["dora"])
        put_on_duty(engine, people["claude"], "fr-1", people["fanny"])
        engine.dispose()
        env = bot_environment(
            postgres.url,
            server.base_url,
            SANDBOX_TOKEN,
            leadership_renew_s="0.5",
            leadership_lease_s="3",
            **TIMINGS,
        )
        bot = BotProcess("bot", env, tmp_path / "bot.log")
        yield Outage(postgres, server, bot)
    finally:
        if bot is not None:
            with contextlib.suppress(ProcessLookupError):
                await bot.kill()
        await server.stop()
        postgres.remove()


def ack_button(copy: dict[str, Any]) -> str:
    return str(
        next(
            button["callback_data"]
            for row in copy["reply_markup"]["inline_keyboard"]
            for button in row
            if button["text"] == ACK
        )
    )


async def test_thirty_seconds_without_postgresql_lose_nothing_and_double_nothing(
    outage: Outage,
) -> None:
    server, bot = outage.server, outage.bot
    await bot.start()
    await bot.wait_role("leader")
    server.send(1, "/drill de-1 fr-1", first_name="Cora")
    await outage.until(lambda: sorted(d.status for d in outage.deliveries()) == ["sent", "sent"])
    [dora_copy] = outage.copies("dora")
    # The server goes away (a crash, as clients see it) for 30 s.
    await asyncio.to_thread(outage.postgres.stop)
    stopped_at = asyncio.get_running_loop().time()
    await asyncio.sleep(1.5)
    # A member acts meanwhile: told that nothing was saved, not left waiting.
    server.press(10, dora_copy["message_id"], ack_button(dora_copy))
    told_cora = len(outage.texts("cora"))
    server.send(1, "/whoami", first_name="Cora")
    await outage.until(
        lambda: any(NOT_SAVED in (a["text"] or "") for a in server.callback_answers(10)), 10
    )
    await outage.until(lambda: len(outage.texts("cora")) > told_cora, 10)
    assert NOT_SAVED in outage.texts("cora")[-1] and "try again" in outage.texts("cora")[-1]
    assert await bot.role() == "leader"  # degraded, not stepped down
    # Step 2 fell due 4 s after the drill, inside the outage: nothing can be sent for it.
    await asyncio.sleep(OUTAGE_S - (asyncio.get_running_loop().time() - stopped_at))
    assert outage.copies("kurt") == [] and outage.copies("claude") == []
    await asyncio.to_thread(outage.postgres.start)
    back_at = asyncio.get_running_loop().time()
    # Back: step 2 fires for both alerts, once each.
    await outage.until(lambda: outage.copies("kurt") and outage.copies("claude"), 20)
    caught_up_s = asyncio.get_running_loop().time() - back_at
    # Dora's retry works now; Cora's command too.
    server.press(10, dora_copy["message_id"], ack_button(dora_copy))
    await outage.until(lambda: outage.alerts().get("de-1") == "acknowledged", 10)
    told_cora = len(outage.texts("cora"))
    server.send(1, "/whoami", first_name="Cora")
    await outage.until(lambda: len(outage.texts("cora")) > told_cora, 10)
    assert NOT_SAVED not in outage.texts("cora")[-1]
    # The French alert goes on to its authority (step 3, due after the outage), then expires.
    await outage.until(lambda: outage.alerts().get("fr-1") == "expired", 30)
    await asyncio.sleep(1.0)  # a doubled copy would arrive now
    counts = {name: len(outage.copies(name)) for name in PEOPLE if name != "cora"}
    assert counts == {"dora": 1, "kurt": 1, "anke": 0, "fanny": 1, "claude": 1, "alain": 1}
    statuses = sorted(d.status for d in outage.deliveries())
    assert statuses == ["sent"] * 5, statuses
    said = bot.tail(200_000)
    assert "degraded" in said
    print(
        f"\n{OUTAGE_S} s outage: the step that fell due fired {caught_up_s:.1f} s after the "
        "server was back; every copy once"
    )
