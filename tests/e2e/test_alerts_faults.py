"""Telegram misbehaving (429, 5xx, timeouts, a member who blocked the bot) and the request
chain of a real crisis: reminder with the deadline, then "no response" and the next plan."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from sqlmodel import select

from atlasbot.sandbox.people import Person, button_texts
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AlertDelivery, AuditEntry

from .test_alerts_chains import ACK, copies, eventually, running, unit_with_rota
from .test_assistance_flow import authorities, fill_request, send_plan_one


def deliveries(runtime: Any) -> list[AlertDelivery]:
    with session_scope(runtime.services.engine) as session:
        return list(session.exec(select(AlertDelivery)).all())


def audit_actions(runtime: Any) -> list[str]:
    with session_scope(runtime.services.engine) as session:
        return [e.action for e in session.exec(select(AuditEntry)).all()]


async def test_a_429_is_honoured_and_the_alert_arrives_once(tmp_path: Path) -> None:
    async with unit_with_rota(tmp_path) as (_runtime, sandbox, people):
        await sandbox.fault("429", method="sendMessage", chat_id=10, retry_after=1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await people["cora"].say("/drill de-1")
        await eventually(lambda: copies(people["dora"]), within=4)
        assert loop.time() - started >= 1.0, "the retry waited as Telegram asked"
        assert len(await copies(people["dora"])) == 1
        assert (await sandbox.stats())["errors"].get("sendMessage 429") == 1


async def test_server_errors_are_retried_with_backoff_and_every_outcome_audited(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path) as (runtime, sandbox, people):
        await sandbox.fault("500", method="sendMessage", chat_id=10)
        await sandbox.fault("502", method="sendMessage", chat_id=10)
        await people["cora"].say("/drill de-1")
        await eventually(lambda: copies(people["dora"]), within=4)
        assert len(await copies(people["dora"])) == 1
        dora = next(d for d in deliveries(runtime) if d.chat_id == 10)
        assert (dora.status, dora.attempts) == ("sent", 3)
        assert "Internal Server Error" in dora.last_error and "Bad Gateway" in dora.last_error
        assert "alert.delivery_sent" in audit_actions(runtime)


def dora_copy(runtime: Any) -> AlertDelivery | None:
    return next((d for d in deliveries(runtime) if d.chat_id == 10), None)


async def test_a_timeout_is_retried_once_marked_as_a_possible_repeat(tmp_path: Path) -> None:
    async with unit_with_rota(tmp_path, alert_send_timeout_s=0.3) as (runtime, sandbox, people):
        # Telegram takes the copy but answers after the bot gave up waiting: it may have
        # arrived, so the retry says so.
        await sandbox.fault("late", method="sendMessage", chat_id=10, seconds=0.8)
        await people["cora"].say("/drill de-1")

        async def sent() -> AlertDelivery | None:
            dora = dora_copy(runtime)
            return dora if dora is not None and dora.status == "sent" else None

        dora = await eventually(sent, within=4)
        assert dora.attempts == 2 and "TimedOut" in dora.last_error
        await asyncio.sleep(1.0)  # a third copy would arrive now
        got = await copies(people["dora"])
        assert len(got) == 2
        assert "POSSIBLE REPEAT" not in got[0]["text"] and "POSSIBLE REPEAT" in got[1]["text"]
        assert dora.message_id == got[1]["message_id"]


async def test_a_copy_whose_repeat_times_out_too_is_never_sent_a_third_time(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path, alert_send_timeout_s=0.3) as (runtime, sandbox, people):
        await sandbox.fault("late", method="sendMessage", chat_id=10, seconds=0.8, count=5)
        await people["cora"].say("/drill de-1")

        async def unconfirmed() -> AlertDelivery | None:
            dora = dora_copy(runtime)
            return dora if dora is not None and dora.status == "unconfirmed" else None

        await eventually(unconfirmed, within=4)
        await asyncio.sleep(1.0)
        got = await copies(people["dora"])
        assert len(got) == 2 and "POSSIBLE REPEAT" in got[1]["text"]
        assert "alert.delivery_unconfirmed" in audit_actions(runtime)


async def test_a_member_who_blocked_the_bot_is_skipped_at_once_and_the_commander_told(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path, escalation_duty_to_unit_s=30) as (
        runtime,
        sandbox,
        people,
    ):
        await sandbox.block(10)
        await people["cora"].say("/drill de-1")
        # Not after 30 s: at once, since the duty member cannot see the alert.
        await eventually(lambda: copies(people["kurt"]), within=3)
        told = [
            m["text"]
            for m in await people["kurt"].all_messages()
            if "has blocked the bot" in (m.get("text") or "")
        ]
        assert told and "Dora" in told[0]
        actions = audit_actions(runtime)
        assert "alert.delivery_blocked" in actions and "alert.skipped_ahead" in actions


REQUEST_TIMINGS = {"request_reminder_s": 1.0, "request_deadline_s": 2.0}


async def requested(tmp_path: Path, people: dict[str, Person]) -> tuple[str, Person]:
    states = []
    for country, someone in people.items():
        if any(
            "REQUEST FOR ASSISTANCE" in (m.get("text") or "") for m in await someone.all_messages()
        ):
            states.append(country)
    assert states
    return states[0], people[states[0]]


def request_copies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The request itself, not the reminder that quotes it (on a loaded machine the reminder,
    due after a second, can arrive before the test looks)."""
    return [
        m
        for m in messages
        if "REQUEST FOR ASSISTANCE" in (m.get("text") or "")
        and not (m.get("text") or "").startswith("⏰ REMINDER")
    ]


async def test_an_unanswered_request_is_reminded_then_recorded_as_no_response(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, **REQUEST_TIMINGS) as (runtime, sandbox):
        ana = Person(sandbox, 1001, "Ana")
        await ana.enrol("authority", country="BE")

        async def make(user_id: int, name: str, role: str, **scope: str) -> Person:
            someone = Person(sandbox, user_id, name)
            await someone.enrol(role, **scope)
            return someone

        people = await authorities(make)
        await fill_request(ana)
        await send_plan_one(ana)
        country, authority = await requested(tmp_path, people)
        first = request_copies(await authority.all_messages())
        assert len(first) == 1 and ACK in button_texts(first[0])

        async def reminded() -> list[dict[str, Any]]:
            return [
                m
                for m in await authority.all_messages()
                if (m.get("text") or "").startswith("⏰ REMINDER")
            ]

        reminder = (await eventually(reminded, within=4))[0]
        assert re.search(r"Deadline: \d\d:\d\d", reminder["text"])

        async def no_response() -> list[dict[str, Any]]:
            return [
                m
                for m in await ana.all_messages()
                if f"{country} gave NO RESPONSE" in (m.get("text") or "")
            ]

        await eventually(no_response, within=5)
        await sandbox.wait_idle(timeout=30)
        plans = [m for m in await ana.all_messages() if (m.get("text") or "").startswith("PLANS")]
        assert len(plans) == 2, "the next best plan is offered"
        quoting = [
            m
            for m in await authority.all_messages()
            if "REQUEST FOR ASSISTANCE" in (m.get("text") or "")
        ]
        assert len(quoting) == 2  # the request and its reminder, both closed
        for copy in quoting:
            assert "no response by the deadline" in copy["text"]
            assert ACK not in button_texts(copy)
        assert "assistance.no_response" in audit_actions(runtime)


async def test_an_acknowledged_request_gets_no_reminder_but_still_needs_an_answer(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, **REQUEST_TIMINGS) as (runtime, sandbox):
        ana = Person(sandbox, 1001, "Ana")
        await ana.enrol("authority", country="BE")

        async def make(user_id: int, name: str, role: str, **scope: str) -> Person:
            someone = Person(sandbox, user_id, name)
            await someone.enrol(role, **scope)
            return someone

        people = await authorities(make)
        await fill_request(ana)
        await send_plan_one(ana)
        country, authority = await requested(tmp_path, people)
        await authority.tap(ACK)
        copy = request_copies(await authority.all_messages())[0]
        assert f"Acknowledged by {authority.name}" in copy["text"]
        assert "✅ Accept…" in button_texts(copy), "the answer buttons stay"

        async def no_response() -> bool:
            return any(
                f"{country} gave NO RESPONSE" in (m.get("text") or "")
                for m in await ana.all_messages()
            )

        await eventually(no_response, within=5)
        assert not any(
            (m.get("text") or "").startswith("⏰ REMINDER") for m in await authority.all_messages()
        )
        assert "alert.acknowledged" in audit_actions(runtime)


async def test_a_copy_delivered_while_the_alert_is_acknowledged_is_edited_like_the_others(
    tmp_path: Path,
) -> None:
    async with unit_with_rota(tmp_path) as (runtime, sandbox, people):
        # Kurt's copy (the second step) is taken by Telegram, and answered 2 s later.
        await sandbox.fault("late", method="sendMessage", chat_id=11, seconds=2.0)
        await people["cora"].say("/drill de-1")
        await eventually(lambda: copies(people["kurt"]), within=4)
        kurt_row = next(d for d in deliveries(runtime) if d.chat_id == 11)
        assert (kurt_row.status, kurt_row.calls_in_doubt) == ("sending", 1)
        # Dora acknowledges while Kurt's send is still unanswered.
        await people["dora"].tap(ACK)

        async def kurt_edited() -> bool:
            got = await copies(people["kurt"])
            return bool(got) and "Acknowledged by Dora" in got[0]["text"]

        await eventually(kurt_edited, within=6)
        kurt_row = next(d for d in deliveries(runtime) if d.chat_id == 11)
        assert (kurt_row.status, kurt_row.copy_closed) == ("sent", True)
        got = await copies(people["kurt"])
        assert len(got) == 1 and ACK not in button_texts(got[0])
