"""kill -9 of the bot process at each step of a chain, then a restart on the same database:
nothing is lost, nothing is sent twice, and what fell due while it was down fires within 5 s.

The sandbox server lives in the test process; the bot runs in a child process
(``atlasbot.sandbox_bot``) that is killed with SIGKILL, so no clean-up code runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.clock import as_utc
from atlasbot.escalation import AlertKind, Timings
from atlasbot.runtime import DEMO_NETWORK, SANDBOX_TOKEN, prepare_database
from atlasbot.sandbox import SandboxServer
from atlasbot.sandbox_bot import READY_LINE
from atlasbot.services import alerting, duty, enrolment
from atlasbot.services.enrolment import Identity
from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Alert, AlertDelivery, EscalationStep, Role

pytestmark = pytest.mark.slow

STEP_S = 1.5
# The second step waits far longer than a bot process takes to start (about 2 s, several on
# a loaded CI machine), so a kill after the commander's copy and a restart still come before
# the authority's step (with 4 s, a slow start let that step fire before the second kill).
TIMINGS = Timings(duty_to_unit_s=STEP_S, unit_to_authority_s=8.0, expire_after_s=STEP_S)
PEOPLE = {
    "cora": (1, Role.COORDINATOR),
    "dora": (10, Role.DUTY),
    "kurt": (11, Role.COMMANDER),
    "anke": (12, Role.AUTHORITY),
}
ACK = "✋ Acknowledge"


@dataclass
class Harness:
    """The sandbox server here, the bot in a child process, one database between them."""

    server: SandboxServer
    db_url: str
    engine: Engine
    people: dict[str, Identity] = field(default_factory=dict)
    log: Path = Path("bot.log")
    process: asyncio.subprocess.Process | None = None
    ready_at: float = 0.0

    async def start(self) -> None:
        env = {
            **os.environ,
            "ATLASBOT_DATABASE_URL": self.db_url,
            "ATLASBOT_ESCALATION_DUTY_TO_UNIT_S": str(TIMINGS.duty_to_unit_s),
            "ATLASBOT_ESCALATION_UNIT_TO_AUTHORITY_S": str(TIMINGS.unit_to_authority_s),
            "ATLASBOT_ESCALATION_EXPIRE_AFTER_S": str(TIMINGS.expire_after_s),
            "ATLASBOT_LOG_LEVEL": "WARNING",
        }
        root = self.server.control_url.removesuffix("/sandbox")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "atlasbot.sandbox_bot",
            "--api-url",
            root,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=self.log.open("ab"),
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 30)
        assert line.decode().strip() == READY_LINE
        self.ready_at = asyncio.get_running_loop().time()

    async def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.process = None

    def copies(self, name: str, needle: str = "Drill #") -> list[dict[str, Any]]:
        chat = PEOPLE[name][0]
        return [m for m in self.server.messages(chat) if needle in (m.get("text") or "")]

    def steps(self, alert_id: int) -> list[EscalationStep]:
        with session_scope(self.engine) as session:
            return alerting_steps(session, alert_id)

    def alert(self, alert_id: int) -> Alert:
        with session_scope(self.engine) as session:
            row = session.get(Alert, alert_id)
            assert row is not None
            return row

    def deliveries(self, alert_id: int) -> list[AlertDelivery]:
        with session_scope(self.engine) as session:
            return list(
                session.exec(select(AlertDelivery).where(AlertDelivery.alert_id == alert_id))
            )

    async def drill(self) -> int:
        """Cora starts a drill of de-1 through the chat; the bot raises and sends it, and
        confirms the /drill to Telegram (killed before that, the next process handles /drill
        again: updates are at least once, README, a second drill that no test here is about)."""
        self.server.send(1, "/drill de-1", first_name="Cora")
        await self.until(lambda: self.copies("dora"))
        await self.until(lambda: not self.server.state.pending_updates)
        with session_scope(self.engine) as session:
            alert = session.exec(select(Alert).order_by(Alert.id.desc())).first()  # type: ignore[union-attr]
            assert alert is not None and alert.id is not None
            return alert.id

    def raise_drill(self) -> int:
        with session_scope(self.engine) as session:
            alert = alerting.raise_alert(
                session,
                kind=AlertKind.DRILL,
                subject="drill:kill:de-1",
                text="🧪 DRILL — NOT A REAL REQUEST\nDrill #k for de-1",
                timings=TIMINGS,
                now=datetime.now(UTC),
                unit_id="de-1",
            )
            assert alert.id is not None
            return alert.id

    async def until(self, check: Callable[[], Any], within: float = 8.0) -> float:
        """Seconds since the bot said it was ready, once ``check()`` holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not check():
            if loop.time() > deadline:
                log = self.log.read_text()[-3000:] if self.log.exists() else ""
                with session_scope(self.engine) as session:
                    rows = [
                        (s.number, s.state, s.due_at, s.fired_at)
                        for s in session.exec(select(EscalationStep)).all()
                    ] + [
                        (d.member_id, d.status, d.step_number)
                        for d in session.exec(select(AlertDelivery)).all()
                    ]
                raise AssertionError(f"not true after {within} s; {rows}; the bot said:\n{log}")
            await asyncio.sleep(0.05)
        return loop.time() - self.ready_at


def alerting_steps(session: Any, alert_id: int) -> list[EscalationStep]:
    query = select(EscalationStep).where(EscalationStep.alert_id == alert_id)
    return sorted(session.exec(query).all(), key=lambda step: step.number)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    await asyncio.to_thread(prepare_database, url, DEMO_NETWORK)
    engine = db.make_engine(url)
    server = SandboxServer(token=SANDBOX_TOKEN)
    await server.start()
    running = Harness(server, url, engine, log=tmp_path / "bot.log")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for name, (user_id, role) in PEOPLE.items():
            scope = {Role.AUTHORITY: {"country": "DE"}, Role.COORDINATOR: {}}.get(
                role, {"unit_id": "de-1"}
            )
            code, _ = enrolment.create_invite(session, role=role, created_by="test", **scope)
            outcome = enrolment.redeem_invite(
                session, code=code, telegram_user_id=user_id, display_name=name.title()
            )
            assert outcome.identity is not None
            running.people[name] = outcome.identity
            server.state.remember_user(user_id, first_name=name.title())
        duty.add_shift(
            session,
            running.people["kurt"],
            "de-1",
            running.people["dora"].member_id,
            now - timedelta(hours=1),
            now + timedelta(hours=8),
            now=now,
            reminder_before=timedelta(0),
        )
    try:
        yield running
    finally:
        if running.process is not None:
            with contextlib.suppress(ProcessLookupError):
                await running.kill()
        await server.stop()
        engine.dispose()


async def test_an_alert_raised_just_before_a_crash_is_sent_once_after_the_restart(
    harness: Harness,
) -> None:
    alert_id = harness.raise_drill()  # committed; the process died before step 1 ran
    await harness.start()
    assert await harness.until(lambda: harness.copies("dora")) < 5
    await asyncio.sleep(0.3)
    assert len(harness.copies("dora")) == 1
    assert len(harness.deliveries(alert_id)) >= 1


async def test_a_kill_during_each_step_loses_nothing_and_repeats_nothing(
    harness: Harness,
) -> None:
    await harness.start()
    alert_id = await harness.drill()
    for name, next_name in (("dora", "kurt"), ("kurt", "anke")):
        # Wait until this step's copy is recorded as sent, then kill -9 at once.
        await harness.until(
            lambda n=name: any(
                d.status == "sent" and d.chat_id == PEOPLE[n][0]
                for d in harness.deliveries(alert_id)
            )
        )
        await harness.kill()
        # Let the next step fall due while the bot is down.
        due = next(s for s in harness.steps(alert_id) if s.state == "pending").due_at
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.2)
        assert harness.copies(next_name) == []
        await harness.start()
        assert await harness.until(lambda n=next_name: harness.copies(n)) < 5
    await harness.until(lambda: harness.alert(alert_id).state == "expired")
    await asyncio.sleep(0.3)
    assert [len(harness.copies(n)) for n in ("dora", "kurt", "anke")] == [1, 1, 1]
    assert "nobody acknowledged" in harness.copies("dora")[0]["text"]
    await harness.kill()


async def test_an_acknowledged_alert_is_never_sent_again_after_a_crash(harness: Harness) -> None:
    await harness.start()
    alert_id = await harness.drill()
    copy = harness.copies("dora")[0]
    ack = next(
        b["callback_data"]
        for row in copy["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == ACK
    )
    harness.server.press(10, copy["message_id"], ack)
    await harness.until(lambda: harness.alert(alert_id).state == "acknowledged")
    await harness.kill()
    # Every later step would have fallen due while the bot was down.
    chain = TIMINGS.duty_to_unit_s + TIMINGS.unit_to_authority_s + TIMINGS.expire_after_s
    await asyncio.sleep(chain + 0.3)
    await harness.start()
    await asyncio.sleep(1.5)
    assert harness.copies("kurt") == [] and harness.copies("anke") == []
    assert len(harness.copies("dora")) == 1
    assert "Acknowledged by Dora" in harness.copies("dora")[0]["text"]
    await harness.kill()


async def test_copies_left_unedited_by_a_crash_after_an_acknowledgement_are_fixed_on_start(
    harness: Harness,
) -> None:
    await harness.start()
    alert_id = await harness.drill()
    # The copy reaches the sandbox a moment before the bot records it 'sent' (with its
    # message id, which an edit needs); a kill in between is the in-flight case, tested below.
    dora = PEOPLE["dora"][0]
    await harness.until(
        lambda: [d.status for d in harness.deliveries(alert_id) if d.chat_id == dora] == ["sent"]
    )
    await harness.kill()
    # The acknowledgement committed, and the process died before editing any copy.
    acked_at = datetime.now(UTC)
    with session_scope(harness.engine) as session:
        alerting.acknowledge(session, harness.people["dora"], alert_id, now=acked_at)
    assert harness.copies("dora")[0]["edited"] is False
    await harness.start()
    assert await harness.until(lambda: harness.copies("dora")[0]["edited"]) < 5
    assert "Acknowledged by Dora" in harness.copies("dora")[0]["text"]
    await asyncio.sleep(STEP_S + 0.3)
    # On a loaded machine the next step (STEP_S) may have passed the alert on to Kurt before
    # the kill, its call still arriving after it: legitimately, before the acknowledgement.
    # Nothing was written for anyone after it, and nothing reached Kurt twice.
    rows = harness.deliveries(alert_id)
    assert all(as_utc(row.created_at) < acked_at for row in rows)
    kurt = PEOPLE["kurt"][0]
    assert len(harness.copies("kurt")) <= len([row for row in rows if row.chat_id == kurt])
    assert len(harness.copies("dora")) == 1
    await harness.kill()


async def test_a_copy_in_flight_at_the_crash_is_sent_again_only_while_the_alert_waits(
    harness: Harness,
) -> None:
    waiting = harness.raise_drill()
    settled = harness.raise_drill()
    now = datetime.now(UTC)
    # Both first steps were taken and their copies written as 'sending'; then the crash.
    for alert_id in (waiting, settled):
        with session_scope(harness.engine) as session:
            step = alerting.pending_steps(session, [alert_id])[0]
            work = alerting.take_step(session, step.step_id, step.version, now=now)
            assert work is not None and len(work.copies) == 1
            alerting.describe_copy(
                session, work.copies[0].delivery_id, f"Drill #k for de-1 ({alert_id})", []
            )
    with session_scope(harness.engine) as session:
        alert = session.get(Alert, settled)
        assert alert is not None
        alert.state = "acknowledged"  # taken on another device before the crash
        session.add(alert)
    await harness.start()
    assert await harness.until(lambda: harness.copies("dora", f"({waiting})")) < 5
    await asyncio.sleep(0.3)
    assert len(harness.copies("dora", f"({waiting})")) == 1
    assert harness.copies("dora", f"({settled})") == []
    statuses = {d.alert_id: d.status for d in harness.deliveries(waiting)} | {
        d.alert_id: d.status for d in harness.deliveries(settled)
    }
    assert statuses == {waiting: "sent", settled: "abandoned"}
    await harness.kill()


REPEAT = "POSSIBLE REPEAT"


def assert_at_most_one_marked_repeat(harness: Harness) -> None:
    """Each recipient holds at most two copies of the drill, and a second one is marked."""
    for name in ("dora", "kurt", "anke"):
        copies = harness.copies(name)
        assert len(copies) <= 2, (name, [c["text"] for c in copies])
        assert REPEAT not in copies[0]["text"] if copies else True
        if len(copies) == 2:
            assert REPEAT in copies[1]["text"], (name, copies[1]["text"])


async def test_kill_9_right_after_telegram_accepted_a_copy_repeats_it_once_marked(
    harness: Harness,
) -> None:
    """The sandbox takes Dora's copy and answers only 30 s later: every kill lands in the
    window between Telegram accepting a message and the bot learning its id. Restarted
    again and again, she gets it once more, marked, and then never again."""
    harness.server.set_fault("late", method="sendMessage", chat_id=10, count=20, seconds=30)
    alert_id = harness.raise_drill()  # committed; the bot sends it at its start
    expected = (1, 2, 2, 2, 2)
    for restart, copies in enumerate(expected):
        await harness.start()
        await harness.until(lambda c=copies: len(harness.copies("dora")) >= c)
        # Let the doubt be committed and any (wrong) further call reach the sandbox.
        await asyncio.sleep(0.5)
        await harness.kill()
        assert len(harness.copies("dora")) == copies, restart
        assert_at_most_one_marked_repeat(harness)
    dora = next(d for d in harness.deliveries(alert_id) if d.chat_id == PEOPLE["dora"][0])
    assert (dora.status, dora.calls_in_doubt) == ("unconfirmed", 2)
    assert REPEAT in harness.copies("dora")[1]["text"]
    assert "Drill #k" in harness.copies("dora")[1]["text"]


async def test_a_repeat_that_gets_its_answer_is_recorded_and_edited_at_the_acknowledgement(
    harness: Harness,
) -> None:
    harness.server.set_fault("late", method="sendMessage", chat_id=10, count=1, seconds=30)
    alert_id = harness.raise_drill()
    await harness.start()
    await harness.until(lambda: harness.copies("dora"))
    await asyncio.sleep(0.3)
    await harness.kill()
    await harness.start()  # the copy is in doubt: sent once more, marked, and answered
    await harness.until(
        lambda: any(d.status == "sent" and d.chat_id == 10 for d in harness.deliveries(alert_id))
    )
    first, repeat = harness.copies("dora")
    assert REPEAT not in first["text"] and REPEAT in repeat["text"]
    dora = next(d for d in harness.deliveries(alert_id) if d.chat_id == 10)
    assert (dora.message_id, dora.calls_in_doubt) == (repeat["message_id"], 0)
    ack = next(
        b["callback_data"]
        for row in repeat["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == ACK
    )
    harness.server.press(10, repeat["message_id"], ack)
    await harness.until(lambda: harness.copies("dora")[1]["edited"])
    assert "Acknowledged by Dora" in harness.copies("dora")[1]["text"]
    assert harness.alert(alert_id).state == "acknowledged"
    await harness.kill()
