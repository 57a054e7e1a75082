"""Joint trainings in the chat, end to end through the sandbox (issue 6, RULES R11): upload,
preview, publish, invitations, answers, a re-plan after "can't attend", refusals, /calendar,
meeting polls and /readiness."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Any

import icalendar
import pytest
from sqlmodel import Session
from telegram import Update

from atlasbot.bootstrap import build_application, idle_probe
from atlasbot.bot.context import BotServices
from atlasbot.bot.persistence import USER
from atlasbot.clock import ManualClock
from atlasbot.runtime import SANDBOX_TOKEN, SandboxRuntime, rearm_timers, start_bot, stop_bot
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, button_texts
from atlasbot.services.trainings import reminders as reminder_service
from atlasbot.storage.models import ChatState
from tests.training_events import EVENTS

from .conftest import PersonFactory


def texts_of(messages: list[dict[str, Any]]) -> str:
    return "\n---\n".join((m.get("text") or m.get("caption") or "") for m in messages)


def number_of(digest: dict[str, Any], key: str) -> int:
    """The number of an event (by its file id) in a unit's digest."""
    found = re.search(rf"^(\d+)\. .*\({re.escape(key)}\)$", digest["text"], re.MULTILINE)
    assert found, f"{key} not in {digest['text']}"
    return int(found.group(1))


def find(messages: list[dict[str, Any]], pattern: str) -> dict[str, Any]:
    for message in reversed(messages):
        if re.search(pattern, message.get("text") or ""):
            return message
    raise AssertionError(f"no message matching {pattern!r} in:\n{texts_of(messages)}")


async def upload(
    sandbox: SandboxClient, who: Person, text: str, name: str
) -> list[dict[str, Any]]:
    await sandbox.document(who.user_id, name, text)
    return await who.settle()


async def publish_calendar(sandbox: SandboxClient, cora: Person) -> list[dict[str, Any]]:
    """Cora uploads the events file, runs the planner, previews and publishes."""
    news = await upload(sandbox, cora, EVENTS, "events.yaml")
    assert "events.yaml is valid" in texts_of(news)
    news = await cora.tap("▶ Run the planner")
    assert "Preview of plan #1: best possible calendar" in texts_of(news)
    assert any(m.get("photo") for m in news), "the Gantt chart is sent as a photo"
    await cora.tap("📣 Publish…")
    return await cora.tap("✅ Confirm: publish and invite")


@pytest.fixture
async def cora(person: PersonFactory) -> Person:
    return await person(3001, "Cora", "coordinator")


async def test_a_coordinator_publishes_commanders_answer_and_cant_attend_leads_to_a_replan(
    sandbox: SandboxClient, person: PersonFactory, cora: Person
) -> None:
    be = await person(3002, "BE cmdr", "commander", unit="be-1")
    de = await person(3003, "DE cmdr", "commander", unit="de-1")
    de_duty = await person(3004, "DE duty", "duty", unit="de-1")
    published = await publish_calendar(sandbox, cora)
    assert "Plan #1 published: 3 events" in texts_of(published)

    be_news = await be.news()
    assert len(be_news) == 1, "one digest per unit and member"
    digest = find(be_news, r"Joint calendar for be-1: 2 events")
    assert "Negotiation in a siege (neg-a)" in digest["text"]
    assert "Hostage rescue in a school" in digest["text"]
    assert "Commanders by video" not in digest["text"]  # be-1 is not in that meeting
    neg = number_of(digest, "neg-a")
    assert button_texts(digest)[:3] == [f"{neg} ✅", f"{neg} ✖", f"{neg} ❔"]
    assert await de_duty.news() == [], "duty officers get copies only where the unit wants"

    de_digest = find(await de.news(), r"Joint calendar for de-1: 3 events")
    de_neg = number_of(de_digest, "neg-a")
    await de.tap(f"{de_neg} ✅", de_digest)
    edited = next(m for m in await de.all_messages() if m["message_id"] == de_digest["message_id"])
    assert "Answer: attends (DE cmdr)" in edited["text"]
    assert len(button_texts(edited)) == 9  # the answer can still change

    question = find(
        await be.tap(f"{neg} ✖", digest),
        r"Recorded: be-1 can't attend Negotiation in a siege\. Why\?",
    )
    await be.tap("📆 The dates clash with operations", question)
    alert = find(await cora.news(), r"be-1 can't attend Negotiation in a siege")
    assert "Reason: 📆 The dates clash with operations" in alert["text"]
    assert button_texts(alert) == [
        "🔎 Find a date that keeps be-1",
        "➖ Keep neg-a without be-1",
        "🔁 Re-plan without be-1",
    ]
    news = await cora.tap("🔁 Re-plan without be-1", alert)
    proposal = find(news, r"Re-plan of plan #1\. What changes:")
    assert "• be-1 removed from neg-a (declined)" in proposal["text"]
    assert re.search(r"• neg-a moved from .* at be-1 to .* at ", proposal["text"])
    assert "hr-a moved" not in proposal["text"] and "mtg-a moved" not in proposal["text"]
    news = await cora.tap("✅ Publish the re-plan and tell the units", proposal)
    assert "Re-plan of plan #1 published: 1 event changed" in texts_of(news)

    assert "be-1 no longer takes part in Negotiation in a siege" in texts_of(await be.news())
    moved = find(await de.news(), r"Calendar change for de-1: Negotiation in a siege moved")
    assert "Please answer again" in moved["text"]
    assert button_texts(moved) == ["✅ Attend", "✖ Can't attend", "❔ Tentative"]
    # The old digest's buttons still exist, but the unit is no longer in the event.
    await be.tap(f"{neg} ✅", digest)
    answers = await be.callback_answers()
    assert "no longer a participant" in (answers[-1].get("text") or "")


async def test_a_non_coordinator_is_refused_planning_and_a_bad_file_gets_every_problem(
    sandbox: SandboxClient, person: PersonFactory, cora: Person
) -> None:
    be = await person(3002, "BE cmdr", "commander", unit="be-1")
    refusal = texts_of(await be.say("/plan_trainings"))
    assert "Only network coordinators plan" in refusal
    refusal = texts_of(await upload(sandbox, be, EVENTS, "events.yaml"))
    assert "Only network coordinators plan" in refusal
    assert "Only network coordinators" in texts_of(await be.say("/readiness"))
    assert "Only network coordinators" in texts_of(await be.say("/meeting"))

    bad = EVENTS.replace("[de-1, fr-1, be-1]", "[de-1, xx-9]").replace(
        "capability: negotiation", "capability: juggling"
    )
    error = texts_of(await upload(sandbox, cora, bad, "bad.yaml"))
    assert "bad.yaml: 2 problems; nothing was stored" in error
    assert "events[0].capability: unknown capability 'juggling'" in error
    assert "events[1].participants[1]: unknown unit 'xx-9'" in error
    error = texts_of(await upload(sandbox, cora, EVENTS.replace("02-26", "02-30"), "day.yaml"))
    assert "events[2].window.end: '2027-02-30' is not a valid date" in error
    assert "Traceback" not in error
    news = await cora.say("/plan_trainings")
    assert "You have no draft plan yet" in texts_of(news)


async def test_calendar_sends_the_units_events_as_an_ics_that_parses(
    sandbox: SandboxClient, runtime: SandboxRuntime, person: PersonFactory, cora: Person
) -> None:
    fr_duty = await person(3006, "FR duty", "duty", unit="fr-1")
    await publish_calendar(sandbox, cora)
    news = await fr_duty.say("/calendar")
    listing = find(news, r"Joint trainings, exercises and meetings for fr-1")
    assert "Hostage rescue in a school" in listing["text"]
    assert "Commanders by video" in listing["text"]
    assert "Negotiation in a siege" not in listing["text"]  # not fr-1's event
    document = next(m for m in news if m.get("document"))
    assert document["document"] == "atlas-calendar.ics"
    stored = runtime.server.state.chat_messages[fr_duty.user_id][document["message_id"]]
    assert stored.document is not None
    calendar = icalendar.Calendar.from_ical(stored.document.content)
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["Commanders by video", "Hostage rescue in a school"]
    uids = {str(e["uid"]) for e in calendar.walk("VEVENT")}
    assert uids == {"hr-a@2027.atlasbot", "mtg-a@2027.atlasbot"}  # as `atlasbot schedule`
    nobody = await person(3007, "PL cmdr", "commander", unit="pl-1")
    assert "No published training" in texts_of(await nobody.say("/calendar"))
    # A competent authority follows every unit of its state (issue 14).
    fr_authority = await person(3008, "FR authority", "authority", country="FR")
    listing = find(await fr_authority.say("/calendar"), r"Joint trainings, exercises and meetings")
    assert "fr-1" in listing["text"].split("\n")[0]
    assert "Hostage rescue in a school" in listing["text"]
    pl_authority = await person(3009, "PL authority", "authority", country="PL")
    assert "No published training" in texts_of(await pl_authority.say("/calendar"))


async def test_the_wizard_adds_an_event_to_the_draft(cora: Person) -> None:
    await cora.say("/plan_trainings")
    await cora.tap("➕ Add an event")
    await cora.tap("🎯 Training")
    await cora.say("Breaching doors")
    await cora.tap("Methodical and explosive breaching")
    await cora.tap("☐ be-1")
    await cora.tap("☐ fr-1")
    await cora.tap(re.compile(r"^Done \(2 chosen\)"))
    await cora.tap("2")
    await cora.tap(re.compile(r"^Jun 20\d\d$"))
    news = await cora.tap("In person")
    assert "Added training to draft plan #1 (1 events)." in texts_of(news)
    news = await cora.tap("▶ Run the planner")
    preview = find(news, r"Preview of plan #1")
    assert re.search(r"• training · Breaching doors: 20\d\d-06-\d\d\.\.\d\d at ", preview["text"])


async def test_a_meeting_poll_is_voted_and_confirmed_into_a_published_meeting(
    person: PersonFactory, cora: Person
) -> None:
    de = await person(3003, "DE cmdr", "commander", unit="de-1")
    nl = await person(3008, "NL cmdr", "commander", unit="nl-1")
    await cora.say("/meeting")
    await cora.say("Heads of units")
    await cora.tap("☐ de-1")
    await cora.tap("☐ nl-1")
    await cora.tap(re.compile(r"^Done \(2 chosen\)"))
    await cora.tap(re.compile(r"^Mar 20\d\d$"))
    await cora.tap("Hosted")
    news = await cora.tap("Morning (09:00–12:00)")
    summary = find(news, r"Meeting poll #1: Heads of units")
    assert "Vote sent to 2 commanders" in summary["text"]
    question = find(await de.news(), r"Date vote for de-1: Heads of units")
    first, second = button_texts(question)[:2]
    await de.tap(first, question)
    await nl.tap(second, find(await nl.news(), r"Date vote for nl-1"))
    await de.tap(second, question)  # a unit may change its vote
    news = await cora.tap("📊 Show the tally")
    tally = find(news, r"Meeting poll #1")
    assert re.search(r"2\. .* — 2 vote\(s\): de-1, nl-1", tally["text"])
    news = await cora.tap("✅ Confirm 2")
    assert "Meeting 'Heads of units' confirmed" in texts_of(news)
    invitation = find(await de.news(), r"Meeting invitation for de-1\nHeads of units")
    assert button_texts(invitation) == ["✅ Attend", "✖ Can't attend", "❔ Tentative"]


async def test_readiness_lists_stale_capabilities_and_adds_refreshers_to_the_draft(
    cora: Person,
) -> None:
    news = await cora.say("/readiness")
    report = texts_of(news)
    assert "Capabilities not trained jointly within 12 months" in report
    assert "Negotiation: " in report and "be-1 (never)" in report
    proposal = find(news, r"Proposed for the gaps")
    assert proposal
    button = next(t for m in news for t in button_texts(m) if t.startswith("➕ Add"))
    news = await cora.tap(button)
    assert re.search(r"Added \d+ refresher trainings to draft plan #1", texts_of(news))


async def restart_bot_at(runtime: SandboxRuntime, moment: dt.datetime) -> None:
    """Stop the bot and start a new one on the same database, its clock at ``moment``;
    the start re-arms the timers from the database, as the runtime does."""
    old = runtime.application
    assert old.updater is not None
    await old.updater.stop()
    await old.stop()
    await old.shutdown()
    services = BotServices(
        settings=runtime.services.settings,
        engine=runtime.services.engine,
        clock=ManualClock(moment),
    )
    application, processor = build_application(
        services,
        base_url=runtime.server.base_url,
        base_file_url=runtime.server.base_file_url,
        token=SANDBOX_TOKEN,
    )
    runtime.server.idle_probe = lambda: idle_probe(application, processor)
    await application.initialize()
    await application.start()
    await rearm_timers(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
    )
    runtime.application, runtime.processor, runtime.services = application, processor, services


async def test_reminders_are_rearmed_from_the_database_after_a_restart_and_sent_when_due(
    sandbox: SandboxClient, runtime: SandboxRuntime, person: PersonFactory, cora: Person
) -> None:
    de = await person(3003, "DE cmdr", "commander", unit="de-1")
    await publish_calendar(sandbox, cora)
    queue = runtime.application.job_queue
    assert queue is not None
    armed = [j.name for j in queue.jobs() if (j.name or "").startswith("training-reminder")]
    assert len(armed) == 6  # three events, 14 and 2 days before each
    pending = await runtime.services.run(reminder_service.pending_reminders)
    first = pending[0]
    await de.news()
    # The bot was down when the first reminder fell due; it starts an hour later.
    await restart_bot_at(runtime, first.due_at + dt.timedelta(hours=1))
    for _ in range(100):
        reminders = [m for m in await de.news() if (m.get("text") or "").startswith("⏰")]
        if reminders:
            break
        await asyncio.sleep(0.05)
    assert len(reminders) == 1
    assert reminders[0]["text"].startswith("⏰ In 14 days: Commanders by video")
    assert button_texts(reminders[0]) == ["✅ Attend", "✖ Can't attend", "❔ Tentative"]
    left = await runtime.services.run(reminder_service.pending_reminders)
    assert [t.reminder_id for t in left] == [t.reminder_id for t in pending[1:]]


async def test_a_wizard_draft_of_the_previous_version_is_dropped_with_a_clear_message(
    runtime: SandboxRuntime, cora: Person
) -> None:
    """The previous version kept a dict under its own key and stamped its buttons mw:/tw:."""
    news = await cora.say("/plan_trainings")
    await stop_bot(runtime.application)
    old = {"meeting_wizard": {"participants": ["de-1"], "awaiting": "title"}}

    def written_by_the_previous_version(session: Session) -> None:
        moment = dt.datetime.now(dt.UTC)
        session.add(
            ChatState(kind=USER, name="", key="3001", data=json.dumps(old), updated_at=moment)
        )

    await runtime.services.run(written_by_the_previous_version)
    runtime.application, runtime.processor = await start_bot(
        runtime.services,
        base_url=runtime.server.base_url,
        base_file_url=runtime.server.base_file_url,
    )
    assert runtime.application.user_data[3001] == old  # it loads, as plain data
    news = await cora.say("Heads of units")
    assert "That wizard is no longer open. Start again with /plan_trainings or /meeting." in (
        texts_of(news)
    )
    assert "meeting_wizard" not in runtime.application.user_data[3001]
    runtime.application.user_data[3001].update(old)
    await cora.press_data(news[-1]["message_id"], "mw:unit:nl-1")
    answers = [a.get("text") or "" for a in await cora.callback_answers()]
    assert answers[-1].startswith("That wizard is no longer open")
    assert "meeting_wizard" not in runtime.application.user_data[3001]
    # A new wizard starts as usual.
    news = await cora.say("/meeting")
    assert "New meeting. 1/5 Type its title" in texts_of(news)
