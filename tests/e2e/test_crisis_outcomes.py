"""Issue 11 through the sandbox: every alert has an outcome the requester sees, fair deadlines,
and a confirmation before releasing a unit. Escalation timings are about a second."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, select

from atlasbot.config import load_settings
from atlasbot.runtime import SandboxRuntime, sandbox_runtime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, button_texts
from atlasbot.storage import db
from atlasbot.storage.models import AssistanceRequest, AuditEntry

from .test_assistance_flow import fill_request, send_plan_one
from .test_refusals import alert_text, button_data

T = TypeVar("T")
COUNTRIES = ["DE", "NL", "FR", "LU", "AT", "DK", "CZ", "PL"]
ANSWER_BUTTONS = {"✅ Accept…", "↔ Counter-propose…", "✖ Decline…"}
# Orders climb duty → unit → the state's authority, a second apart, then run out.
FAST_ORDERS = {
    "escalation_duty_to_unit_s": 1.0,
    "escalation_unit_to_authority_s": 1.0,
    "escalation_expire_after_s": 1.0,
    "alert_retry_base_s": 0.05,
}


@contextlib.asynccontextmanager
async def crisis_bot(
    tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[SandboxRuntime, SandboxClient]]:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'outcomes.db'}", **overrides)
    async with (
        sandbox_runtime(settings) as runtime,
        SandboxClient(runtime.control_url) as sandbox,
    ):
        yield runtime, sandbox


async def eventually(check: Callable[[], Awaitable[T]], within: float = 10.0) -> T:
    """Poll ``check`` until it returns something truthy (timers fire on their own)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"not true after {within} s: {check}")
        await asyncio.sleep(0.1)


async def people(
    sandbox: SandboxClient, *, copies: int = 1
) -> tuple[Person, dict[str, list[Person]]]:
    """Ana, BE's authority, and ``copies`` authority members of each state a plan may ask."""
    ana = Person(sandbox, 1001, "Ana")
    await ana.enrol("authority", country="BE")
    others: dict[str, list[Person]] = {}
    for index, country in enumerate(COUNTRIES):
        others[country] = []
        for copy in range(copies):
            someone = Person(sandbox, 2000 + 100 * copy + index, f"{country} auth {copy + 1}")
            await someone.enrol("authority", country=country)
            others[country].append(someone)
    return ana, others


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


async def requested(others: dict[str, list[Person]]) -> tuple[str, list[Person]]:
    """The first state plan 1 asked, and its authority members."""
    for country, members in others.items():
        if any("REQUEST FOR ASSISTANCE" in t for t in texts_of(await members[0].all_messages())):
            return country, members
    raise AssertionError("plan 1 asked nobody")


async def request_copy(someone: Person) -> dict[str, Any]:
    return next(
        m
        for m in await someone.all_messages()
        if "REQUEST FOR ASSISTANCE" in (m.get("text") or "")
    )


async def board(ana: Person) -> str:
    return next(t for t in texts_of(await ana.all_messages()) if t.startswith("LIVE BOARD"))


async def accept_until_confirmation(authority: Person) -> None:
    """The acceptance wizard up to its Confirm button (not pressed)."""
    await authority.tap("✅ Accept…")
    asked = await authority.tap("Next ➡")
    # Read the step's own reply (a reminder copy may arrive meanwhile and be the last one).
    if any("carry arms" in t for t in texts_of(asked)):
        await authority.tap("Yes, armed")
    await authority.tap("8")
    await authority.tap(re.compile("^Until the requesting state releases"))
    await authority.tap(re.compile("^Requesting state pays"))
    await authority.say("Duty desk, secure line 12")


async def told_no_response(ana: Person, country: str, *, within: float = 10.0) -> None:
    """Wait until the requester is told that ``country`` let the deadline pass."""

    async def no_response() -> bool:
        said = texts_of(await ana.all_messages())
        return any(f"{country} gave NO RESPONSE" in t for t in said)

    await eventually(no_response, within=within)


def rows_of(runtime: SandboxRuntime, model: type[Any]) -> list[Any]:
    engine = db.make_engine(runtime.services.settings.database_url)
    with Session(engine) as session:
        rows = list(session.exec(select(model)).all())
    engine.dispose()
    return rows


async def test_an_order_nobody_acknowledges_shows_on_the_board_and_reaches_the_requester(
    tmp_path: Path,
) -> None:
    async with crisis_bot(tmp_path, **FAST_ORDERS) as (_runtime, sandbox):
        ana, others = await people(sandbox)
        await fill_request(ana)
        await send_plan_one(ana)
        country, (authority,) = await requested(others)
        await accept_until_confirmation(authority)
        await authority.tap("✅ Confirm")
        # Nobody of the unit is enrolled; its state's authority gets the order and ignores it.

        async def told() -> list[dict[str, Any]]:
            return [
                m
                for m in await ana.all_messages()
                if "NOBODY ACKNOWLEDGED the mobilisation order" in (m.get("text") or "")
            ]

        message = (await eventually(told))[0]
        assert f"call {country}" in message["text"]
        assert authority.name in message["text"], "the requester learns whom to call"
        assert "🧭 Plan again" in button_texts(message)
        await sandbox.wait_idle(timeout=30)
        assert "ordered — ⚠ NOT ACKNOWLEDGED by anyone" in await board(ana)
        plans_before = sum(t.startswith("PLANS") for t in texts_of(await ana.all_messages()))
        await ana.tap("🧭 Plan again", message)
        plans_after = sum(t.startswith("PLANS") for t in texts_of(await ana.all_messages()))
        assert plans_after == plans_before + 1


async def test_an_acknowledged_order_says_by_whom_and_releasing_asks_first_and_tells(
    tmp_path: Path,
) -> None:
    async with crisis_bot(tmp_path) as (runtime, sandbox):
        ana, others = await people(sandbox)
        await fill_request(ana)
        await send_plan_one(ana)
        _country, (authority,) = await requested(others)
        unit = re.search(r"units ([a-z]{2}-\d)", (await request_copy(authority))["text"])
        assert unit is not None
        kurt = Person(sandbox, 3100, "Kurt")
        await kurt.enrol("commander", unit=unit.group(1))
        await accept_until_confirmation(authority)
        await authority.tap("✅ Confirm")
        assert "ordered, not yet acknowledged" in await board(ana)
        await kurt.tap("✋ Acknowledge")
        assert re.search(r"acknowledged by Kurt at \d\d:\d\d", await board(ana))
        await kurt.tap("🟡 Mobilising")
        assert re.search(r"acknowledged by Kurt at \d\d:\d\d \S+ → mobilising", await board(ana))
        # Released asks first: nothing changes until it is confirmed.
        asked = await kurt.tap("🏁 Released")
        assert "cannot be taken back" in asked[-1]["text"]
        assert "deployment.released" not in [e.action for e in rows_of(runtime, AuditEntry)]
        await kurt.tap("↩ Not yet")
        assert "released" not in (await board(ana)).split("Still missing")[0].lower()
        await kurt.tap("🏁 Released")
        await kurt.tap("🏁 Confirm: released")
        assert any(
            f"{unit.group(1)} ({unit.group(1)[:2].upper()}) is RELEASED" in t
            and "reported by Kurt" in t
            for t in texts_of(await ana.all_messages())
        )
        assert "→ released" in await board(ana)
        actions = [e.action for e in rows_of(runtime, AuditEntry)]
        assert actions.count("deployment.released") == 1


async def test_a_late_acceptance_is_offered_and_taken_and_every_copy_lost_its_buttons(
    tmp_path: Path,
) -> None:
    # No hold: the deadline passes while the acceptance is being written.
    timings = {"request_reminder_s": 0.5, "request_deadline_s": 2.0, "answer_hold_s": 0}
    async with crisis_bot(tmp_path, **timings) as (runtime, sandbox):
        ana, others = await people(sandbox, copies=2)
        await fill_request(ana)
        await send_plan_one(ana)
        country, authorities = await requested(others)
        assert "⏳ Answer by" in (await request_copy(authorities[0]))["text"]
        await accept_until_confirmation(authorities[0])

        await told_no_response(ana, country)
        await sandbox.wait_idle(timeout=30)
        # Recorded as no response: every copy says so and keeps its answer buttons, for a
        # late answer the requester may still want.
        for someone in authorities:
            copy = await request_copy(someone)
            assert set(button_texts(copy)) >= ANSWER_BUTTONS, someone.name
            assert "You may still answer" in copy["text"]
        replies = await authorities[0].tap("✅ Confirm")
        assert any("came after its deadline" in t for t in texts_of(replies))
        await sandbox.wait_idle(timeout=30)
        # Answered late: the buttons are gone from every copy.
        for someone in authorities:
            copy = await request_copy(someone)
            assert not ANSWER_BUTTONS & set(button_texts(copy)), someone.name
        offer = next(
            m for m in await ana.all_messages() if "LATE ACCEPTANCE" in (m.get("text") or "")
        )
        assert "Headcount: 8" in offer["text"]
        assert [r.status for r in rows_of(runtime, AssistanceRequest)].count("accepted") == 0
        await ana.tap("✅ Take it", offer)
        statuses = {r.country: r.status for r in rows_of(runtime, AssistanceRequest)}
        assert statuses[country] == "accepted"
        actions = [e.action for e in rows_of(runtime, AuditEntry)]
        assert "assistance.late_answer" in actions and "assistance.late_taken" in actions
        assert any(
            "TOOK your late answer" in t for t in texts_of(await authorities[1].all_messages())
        )
        assert f"{country}: ACCEPTED" in await board(ana)


async def test_a_state_that_let_the_deadline_pass_still_answers_from_its_copy(
    tmp_path: Path,
) -> None:
    timings = {"request_reminder_s": 0.5, "request_deadline_s": 2.0, "answer_hold_s": 0}
    async with crisis_bot(tmp_path, **timings) as (runtime, sandbox):
        ana, others = await people(sandbox, copies=2)
        await fill_request(ana)
        await send_plan_one(ana)
        country, authorities = await requested(others)

        await told_no_response(ana, country)
        await sandbox.wait_idle(timeout=30)
        other_copy = await request_copy(authorities[0])
        accept_data = button_data(other_copy, "✅ Accept…")
        # Nobody had opened it: the copy's Accept still opens the answer, recorded as late.
        await accept_until_confirmation(authorities[1])
        replies = await authorities[1].tap("✅ Confirm")
        assert any("came after its deadline" in t for t in texts_of(replies))
        assert any("LATE ACCEPTANCE" in t for t in texts_of(await ana.all_messages()))
        statuses = {r.country: r.status for r in rows_of(runtime, AssistanceRequest)}
        assert statuses[country] == "no_response"  # until the requester takes it
        # One late answer: the other member's copy has no answer button any more, and a
        # replayed Accept is refused without changing anything.
        copy = await request_copy(authorities[0])
        assert not ANSWER_BUTTONS & set(button_texts(copy))
        await authorities[0].press_data(copy["message_id"], accept_data)
        assert "already answered request #1 late" in await alert_text(authorities[0])
        actions = [e.action for e in rows_of(runtime, AuditEntry)]
        assert actions.count("assistance.late_answer") == 1


async def test_closing_the_crisis_takes_the_late_answer_buttons_away(tmp_path: Path) -> None:
    timings = {"request_reminder_s": 0.5, "request_deadline_s": 2.0, "answer_hold_s": 0}
    async with crisis_bot(tmp_path, **timings) as (_runtime, sandbox):
        ana, others = await people(sandbox)
        await fill_request(ana)
        await send_plan_one(ana)
        country, (authority,) = await requested(others)

        await told_no_response(ana, country)
        await sandbox.wait_idle(timeout=30)
        assert set(button_texts(await request_copy(authority))) >= ANSWER_BUTTONS
        live = next(
            m for m in await ana.all_messages() if (m.get("text") or "").startswith("LIVE BOARD")
        )
        await ana.tap("🏁 Close crisis…", live)
        await ana.tap("🏁 Confirm: close the crisis")
        await sandbox.wait_idle(timeout=30)
        copy = await request_copy(authority)
        assert not ANSWER_BUTTONS & set(button_texts(copy))
        assert "You may still answer" not in copy["text"]


async def test_opening_an_answer_acknowledges_it_and_holds_the_deadline(tmp_path: Path) -> None:
    timings = {"request_reminder_s": 0.5, "request_deadline_s": 2.0, "answer_hold_s": 60}
    async with crisis_bot(tmp_path, **timings) as (runtime, sandbox):
        ana, others = await people(sandbox, copies=2)
        await fill_request(ana)
        await send_plan_one(ana)
        country, authorities = await requested(others)
        opened = await authorities[0].tap("✅ Accept…")
        assert any("deadline is held until" in t for t in texts_of(opened))
        # The other copy says who is answering; both keep their answer buttons.
        other = await request_copy(authorities[1])
        assert f"Acknowledged by {authorities[0].name}" in other["text"]
        assert "✅ Accept…" in button_texts(other)
        assert re.search(rf"{country}: awaiting answer\n  acknowledged by", await board(ana))
        await asyncio.sleep(2.5)  # past the deadline the request was sent with
        await sandbox.wait_idle(timeout=30)
        assert not any("NO RESPONSE" in t for t in texts_of(await ana.all_messages()))
        statuses = {r.country: r.status for r in rows_of(runtime, AssistanceRequest)}
        assert statuses[country] == "pending"
        asked = await authorities[0].tap("Next ➡")
        if any("carry arms" in t for t in texts_of(asked)):
            await authorities[0].tap("Yes, armed")
        await authorities[0].tap("8")
        await authorities[0].tap(re.compile("^Until the requesting state releases"))
        await authorities[0].tap(re.compile("^Requesting state pays"))
        await authorities[0].say("Duty desk, secure line 12")
        await authorities[0].tap("✅ Confirm")
        statuses = {r.country: r.status for r in rows_of(runtime, AssistanceRequest)}
        assert statuses[country] == "accepted"
        assert "assistance.deadline_held" in [e.action for e in rows_of(runtime, AuditEntry)]


async def test_an_answer_cancelled_unfinished_gives_the_deadline_back(tmp_path: Path) -> None:
    timings = {"request_reminder_s": 0.5, "request_deadline_s": 2.0, "answer_hold_s": 60}
    async with crisis_bot(tmp_path, **timings) as (runtime, sandbox):
        ana, others = await people(sandbox)
        await fill_request(ana)
        await send_plan_one(ana)
        country, (authority,) = await requested(others)
        opened = await authority.tap("✅ Accept…")
        assert any("deadline is held until" in t for t in texts_of(opened))
        await asyncio.sleep(2.5)  # past the deadline the request was sent with: held
        assert not any("NO RESPONSE" in t for t in texts_of(await ana.all_messages()))
        # Nobody is writing the answer any more: the requester hears at once, not in 60 s.
        await authority.say("/cancel")

        await told_no_response(ana, country, within=10)
        actions = [e.action for e in rows_of(runtime, AuditEntry)]
        assert actions.count("assistance.deadline_released") == 1


async def test_an_expired_counter_proposal_is_told_to_the_state_that_made_it(
    tmp_path: Path,
) -> None:
    timings = {"counter_reminder_s": 0.5, "counter_expire_s": 1.5}
    async with crisis_bot(tmp_path, **timings) as (_runtime, sandbox):
        ana, others = await people(sandbox)
        await fill_request(ana)
        await send_plan_one(ana)
        _country, (authority,) = await requested(others)
        await authority.tap("↔ Counter-propose…")
        await authority.say("Expertise only: two negotiators, from 18:00")
        last = await authority.last()
        if "☑ Action" in " ".join(button_texts(last)):
            await authority.tap(re.compile("Action on our territory"))
        await authority.tap(re.compile("Expertise"))
        await authority.tap("Next ➡")
        await authority.say("2")
        await authority.tap("72 hours")
        await authority.tap(re.compile("^Requesting state pays"))
        await authority.tap("Use my name")
        await authority.tap("✅ Confirm")

        async def expired() -> bool:
            return any(
                "counter-proposal on request" in t and "EXPIRED" in t
                for t in texts_of(await authority.all_messages())
            )

        await eventually(expired)
        await sandbox.wait_idle(timeout=30)
        proposal = next(
            m for m in await ana.all_messages() if "COUNTER-PROPOSES" in (m.get("text") or "")
        )
        assert "✅ Accept proposal" not in button_texts(proposal)


async def test_remove_lists_only_the_plans_units_can_be_undone_and_sending_warns_first(
    tmp_path: Path,
) -> None:
    async with crisis_bot(tmp_path) as (runtime, sandbox):
        ana = Person(sandbox, 1001, "Ana")
        await ana.enrol("authority", country="BE")  # nobody of any other state is enrolled
        replies = await fill_request(ana)
        plans = next(m for m in reversed(replies) if (m.get("text") or "").startswith("PLANS"))
        in_plans = set(re.findall(r"• ([a-z]{2}-\d+) \(", plans["text"]))
        menu = (await ana.tap("➖ Remove a unit…", plans))[-1]
        listed = {label.split()[1] for label in button_texts(menu)}
        assert listed and listed <= in_plans, (listed, in_plans)
        unit_id = sorted(listed)[0]
        removed = await ana.tap(f"➖ {unit_id} ({unit_id[:2].upper()})", menu)
        assert any(f"Removed by you: {unit_id}" in t for t in texts_of(removed))
        undone = await ana.tap(f"↩ Undo: put {unit_id} back")
        again = next(m for m in reversed(undone) if (m.get("text") or "").startswith("PLANS"))
        assert f"Removed by you: {unit_id}" not in again["text"]
        actions = [e.action for e in rows_of(runtime, AuditEntry)]
        assert "plan.unit_removed" in actions and "plan.unit_restored" in actions
        # The warning that nobody is enrolled comes before "This cannot be taken back".
        asked = await ana.tap(re.compile(r"^📨 Send plan 1"), again)
        question = asked[-1]["text"]
        assert question.startswith("⚠ Nobody of")
        assert question.index("Nobody of") < question.index("cannot be taken back")


async def test_a_late_refusal_is_recorded_and_told_to_the_requester(
    tmp_path: Path,
) -> None:
    timings = {"request_reminder_s": 0.5, "request_deadline_s": 2.0, "answer_hold_s": 0}
    async with crisis_bot(tmp_path, **timings) as (runtime, sandbox):
        ana, others = await people(sandbox)
        await fill_request(ana)
        await send_plan_one(ana)
        country, (authority,) = await requested(others)
        await authority.tap("✖ Decline…")
        await authority.tap("No capacity available now")

        await told_no_response(ana, country)
        replies = await authority.tap("✖ Confirm decline")
        assert any(
            "It is recorded and the requesting state is told" in t for t in texts_of(replies)
        )
        assert any(
            f"{country} DECLINED request" in t and "after the deadline" in t
            for t in texts_of(await ana.all_messages())
        )
        statuses = {r.country: r.status for r in rows_of(runtime, AssistanceRequest)}
        assert statuses[country] == "no_response"
        assert "assistance.late_answer" in [e.action for e in rows_of(runtime, AuditEntry)]
