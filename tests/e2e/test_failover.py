"""Active/standby on PostgreSQL (issue 13): two ``atlasbot run`` processes on one database,
the sandbox Bot API held here. kill -9 of the leader with alerts pending: the standby takes
over within seconds, and every recipient gets each alert copy exactly once; the old leader,
restarted, stays standby. A leader that lost its connection and comes back is fenced.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.escalation import AlertKind, Timings
from atlasbot.runtime import DEMO_NETWORK, SANDBOX_TOKEN, prepare_database
from atlasbot.sandbox import SandboxServer
from atlasbot.services import alerting
from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Alert, AlertDelivery, Role
from tests.conftest import POSTGRES_ENV, postgres_base_url
from tests.e2e.processes import (
    BotProcess,
    bot_environment,
    enrol,
    fresh_postgres_database,
    put_on_duty,
)

pytestmark = pytest.mark.slow

# A drill of two units: duty member -> 3 s -> commander -> 4 s -> authority -> 2 s -> expired.
TIMINGS = {
    "escalation_duty_to_unit_s": "3",
    "escalation_unit_to_authority_s": "4",
    "escalation_expire_after_s": "2",
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
RECIPIENTS = ("dora", "kurt", "anke", "fanny", "claude", "alain")


@dataclass
class Pair:
    """The sandbox here, two bot processes, one PostgreSQL database."""

    server: SandboxServer
    engine: Engine
    first: BotProcess
    second: BotProcess
    extra: list[BotProcess] = field(default_factory=list)

    def copies(self, name: str) -> list[dict[str, Any]]:
        chat = PEOPLE[name][0]
        return [m for m in self.server.messages(chat) if "Drill #" in (m.get("text") or "")]

    def deliveries(self) -> list[AlertDelivery]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(AlertDelivery)))

    def alerts(self) -> list[Alert]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Alert)))

    async def until(self, check: Callable[[], Any], within: float = 20.0) -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not check():
            if loop.time() - started > within:
                logs = "\n".join(p.name + ":\n" + p.tail(2500) for p in (self.first, self.second))
                rows = [
                    (d.alert_id, d.chat_id, d.status, d.owner, d.owner_epoch, d.calls_in_doubt)
                    for d in self.deliveries()
                ]
                states = [a.state for a in self.alerts()]
                raise AssertionError(f"not true after {within} s: {states} {rows}\n{logs}")
            await asyncio.sleep(0.05)
        return loop.time() - started


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"needs PostgreSQL: set {POSTGRES_ENV}")
    with fresh_postgres_database(base) as url:
        await asyncio.to_thread(prepare_database, url, DEMO_NETWORK)
        engine = db.make_engine(url)
        server = SandboxServer(token=SANDBOX_TOKEN)
        await server.start()
        people = enrol(engine, PEOPLE, server.state.remember_user)
        put_on_duty(engine, people["kurt"], "de-1", people["dora"])
        put_on_duty(engine, people["claude"], "fr-1", people["fanny"])
        env = bot_environment(
            url,
            server.base_url,
            SANDBOX_TOKEN,
            leadership_renew_s="0.5",
            leadership_lease_s="3",
            log_format="json",
            delivery_lease_s="4",
            **TIMINGS,
        )
        first = BotProcess("first", env, tmp_path / "first.log")
        second = BotProcess("second", env, tmp_path / "second.log")
        running = Pair(server, engine, first, second)
        try:
            yield running
        finally:
            for process in (first, second, *running.extra):
                with contextlib.suppress(ProcessLookupError):
                    await process.kill()
            await server.stop()
            engine.dispose()


async def start_leader_and_standby(pair: Pair) -> None:
    await pair.first.start()
    await pair.first.wait_role("leader")
    await pair.second.start()
    await pair.second.wait_role("standby")


async def test_kill_9_of_the_leader_mid_drill_the_standby_takes_over_and_nothing_doubles(
    pair: Pair,
) -> None:
    await start_leader_and_standby(pair)
    # Telegram has a bad moment for the second step's copies: four 429s (an alert copy's
    # 429 goes to the delivery, which waits it out under its lease), then a 502.
    pair.server.set_fault("429", method="sendMessage", chat_id=11, retry_after=1, count=4)
    pair.server.set_fault("502", method="sendMessage", chat_id=21)
    pair.server.send(1, "/drill de-1 fr-1", first_name="Cora")
    # The first step's copies are recorded as sent and the /drill confirmed to Telegram
    # (killed before that, the new leader runs /drill again: the README's known gap of
    # at-least-once updates, not a doubled copy): kill -9 the leader at once.
    await pair.until(lambda: sorted(d.status for d in pair.deliveries()) == ["sent", "sent"])
    await pair.until(lambda: not pair.server.state.pending_updates)
    await pair.first.kill()
    killed_at = asyncio.get_running_loop().time()
    told_cora = len(pair.server.messages(1))
    pair.server.send(1, "/whoami", first_name="Cora")  # sent while nobody leads
    takeover_s = await pair.second.wait_role("leader", within=15)
    answered_s = takeover_s + await pair.until(lambda: len(pair.server.messages(1)) > told_cora)
    # The next steps fall due and fire on the new leader; the chain runs to its end.
    await pair.until(lambda: [a.state for a in pair.alerts()] == ["expired", "expired"], 30)
    chain_done_s = asyncio.get_running_loop().time() - killed_at
    await asyncio.sleep(1.0)  # a doubled copy would arrive now
    counts = {name: len(pair.copies(name)) for name in RECIPIENTS}
    assert counts == dict.fromkeys(RECIPIENTS, 1), counts
    assert takeover_s < 5, f"takeover took {takeover_s:.1f} s"
    assert answered_s < 8, f"the new leader answered after {answered_s:.1f} s"
    print(
        f"\nkill -9 -> standby leads {takeover_s:.2f} s, answers a command sent meanwhile "
        f"{answered_s:.2f} s, the drill's chain ends {chain_done_s:.1f} s after the kill"
    )
    # The old leader comes back: it finds a leader and stays standby.
    await pair.first.start()
    await pair.first.wait_role("standby")
    await asyncio.sleep(2.0)
    assert await pair.first.role() == "standby"
    assert await pair.second.role() == "leader"
    assert {name: len(pair.copies(name)) for name in RECIPIENTS} == counts
    # What the new leader did shows in its /metrics, parsed by Prometheus' parser.
    found = await pair.second.metrics()
    assert found[("atlasbot_leader", ())] == 1
    assert found[("atlasbot_leadership_changes_total", (("role", "leader"),))] == 1
    assert found[("atlasbot_leadership_epoch", ())] == 2
    # Steps 2 and 3 of both alerts, and their expiry, fired here (step 1 on the old leader).
    notify = found[("atlasbot_escalation_steps_fired_total", (("action", "notify"),))]
    assert notify == 4
    assert found[("atlasbot_escalation_step_lateness_seconds_count", ())] >= notify
    assert found[("atlasbot_deliveries_total", (("outcome", "sent"),))] == 4
    assert found[("atlasbot_deliveries_total", (("outcome", "retry_429"),))] == 4
    # All four 429s, each waited out by the delivery (PTB's rate limiter retries none).
    assert found[("atlasbot_telegram_429s_total", ())] == 4
    assert found[("atlasbot_deliveries_total", (("outcome", "server_5xx"),))] == 1
    assert found[("atlasbot_alerts_pending", ())] == 0
    assert found[("atlasbot_updates_handled_total", (("kind", "command"), ("outcome", "handled")))]


def terminate_leadership_connection(engine: Engine) -> int:
    """What a network cut does to the leader: the server ends its lock's session."""
    with engine.begin() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name LIKE 'atlasbot leadership %' "
                    "AND datname = current_database() AND pid <> pg_backend_pid() "
                    "AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' "
                    "AND granted)"
                )
            ).scalar_one()
        )


async def test_a_frozen_leader_that_lost_its_lock_is_fenced_when_it_wakes_up(pair: Pair) -> None:
    await start_leader_and_standby(pair)
    pair.server.send(1, "/drill de-1 fr-1", first_name="Cora")
    await pair.until(lambda: sorted(d.status for d in pair.deliveries()) == ["sent", "sent"])
    await pair.until(lambda: not pair.server.state.pending_updates)  # /drill confirmed
    process = pair.first.process
    assert process is not None
    # The leader freezes (a stalled VM); its connection to the lock is cut meanwhile.
    process.send_signal(signal.SIGSTOP)
    try:
        assert await asyncio.to_thread(terminate_leadership_connection, pair.engine) == 1
        await pair.second.wait_role("leader", within=15)
        # While frozen, the old leader's next steps fell due in its own job queue too.
        await asyncio.sleep(3.5)
    finally:
        process.send_signal(signal.SIGCONT)
    # It wakes with those steps due: the epoch check refuses every one, and it steps down.
    await pair.first.wait_role("standby", within=15)
    await pair.until(lambda: [a.state for a in pair.alerts()] == ["expired", "expired"], 30)
    await asyncio.sleep(1.0)
    counts = {name: len(pair.copies(name)) for name in RECIPIENTS}
    assert counts == dict.fromkeys(RECIPIENTS, 1), counts
    said = pair.first.tail(50000)
    assert "stops leading" in said
    # Its due steps did run, and the epoch check refused them: nothing was sent.
    assert "leadership moved on to epoch" in said


async def test_a_rolling_deploy_while_the_old_leader_waits_out_a_429_sends_one_copy(
    pair: Pair,
) -> None:
    """The new version stands by; the old leader is stopped (SIGTERM) while Telegram has
    told it to wait 20 s before Dora's copy. It stops at once instead of waiting; the new
    leader takes the copy over (the old one is fenced and had no call in doubt) and sends
    it once, unmarked; the /drill it was handling is not handled a second time."""
    await start_leader_and_standby(pair)
    pair.server.set_fault("429", method="sendMessage", chat_id=10, retry_after=20, count=1)
    pair.server.send(1, "/drill de-1", first_name="Cora")
    await pair.until(lambda: pair.server.state.error_counts["sendMessage 429"] >= 1)
    await asyncio.sleep(0.3)  # the old leader is now waiting out the 429
    loop = asyncio.get_running_loop()
    stopping = loop.time()
    assert await pair.first.stop() is not None, "the old leader had to be killed"
    stop_s = loop.time() - stopping
    assert stop_s < 10, f"the old leader took {stop_s:.1f} s to stop: it waited out the 429"
    await pair.second.wait_role("leader", within=15)
    await pair.until(lambda: pair.copies("dora"))
    await pair.until(lambda: [a.state for a in pair.alerts()] == ["expired"], 30)
    await asyncio.sleep(1.0)  # a doubled copy would arrive now
    counts = {name: len(pair.copies(name)) for name in ("dora", "kurt", "anke")}
    assert counts == {"dora": 1, "kurt": 1, "anke": 1}, counts
    assert "POSSIBLE REPEAT" not in pair.copies("dora")[0]["text"]
    assert len(pair.alerts()) == 1, "the /drill was handled twice"
    dora = next(d for d in pair.deliveries() if d.chat_id == 10)
    assert (dora.status, dora.calls_in_doubt) == ("sent", 0)
    assert "leads" in pair.second.tail(50000)


def raise_drill(engine: Engine, timings: dict[str, str] = TIMINGS) -> int:
    """A drill of de-1 committed straight in the database (no chat command to hand over)."""
    with session_scope(engine) as session:
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.DRILL,
            subject="drill:kill:de-1",
            text="🧪 DRILL — NOT A REAL REQUEST\nDrill #k for de-1",
            timings=Timings().with_overrides(
                {k.removeprefix("escalation_"): float(v) for k, v in timings.items()}
            ),
            now=datetime.now(UTC),
            unit_id="de-1",
        )
        assert alert.id is not None
        return alert.id


async def test_kill_9_after_telegram_accepted_a_copy_the_standby_repeats_it_once_marked(
    pair: Pair,
) -> None:
    """Telegram takes Dora's copy and never answers in time; the leader is killed in that
    window, twice over. The standby waits for the dead leader's lease (4 s here), sends the
    copy once more marked "possible repeat"; killed in the same window again, the copy is
    recorded unconfirmed and never sent a third time."""
    pair.server.set_fault("late", method="sendMessage", chat_id=10, count=20, seconds=60)
    # Dora's step lasts the whole test: two process starts and two 4 s leases take longer than
    # the 9 s chain of TIMINGS on a loaded machine, and a copy of an alert that ran out is
    # abandoned, not repeated.
    raise_drill(pair.engine, {**TIMINGS, "escalation_duty_to_unit_s": "60"})
    await pair.first.start()
    await pair.first.wait_role("leader")
    await pair.second.start()
    await pair.second.wait_role("standby")
    await pair.until(lambda: pair.copies("dora"))
    await asyncio.sleep(0.3)
    await pair.first.kill()
    await pair.second.wait_role("leader", within=15)
    await pair.until(lambda: len(pair.copies("dora")) >= 2)
    await asyncio.sleep(0.3)
    await pair.second.kill()
    await pair.first.start()
    await pair.first.wait_role("leader", within=15)
    dora_row = lambda: next(d for d in pair.deliveries() if d.chat_id == 10)  # noqa: E731
    await pair.until(lambda: dora_row().status == "unconfirmed")
    await asyncio.sleep(1.0)  # a third copy would arrive now
    dora = pair.copies("dora")
    assert len(dora) == 2, [m["text"] for m in dora]
    assert "POSSIBLE REPEAT" not in dora[0]["text"] and "POSSIBLE REPEAT" in dora[1]["text"]
    assert dora_row().calls_in_doubt == 2
