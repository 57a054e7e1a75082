"""The published calendar as a coordinator runs it for a year (issue 14), end to end through
the sandbox: one digest per unit and member, the answers overview, cancelling and moving one
event with calendar updates, and a "can't attend" that first tries to keep the unit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import icalendar
import pytest

from atlasbot.cli import main
from atlasbot.runtime import SandboxRuntime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, button_texts
from tests.conftest import DEMO_NETWORK_FILE
from tests.training_events import EVENTS

from .conftest import PersonFactory
from .test_training_chat import find, number_of, publish_calendar, texts_of


@pytest.fixture
async def cora(person: PersonFactory) -> Person:
    return await person(3001, "Cora", "coordinator")


async def commanders(person: PersonFactory) -> dict[str, Person]:
    ids = {"de-1": 3101, "be-1": 3102, "fr-1": 3103, "nl-1": 3104, "at-1": 3105}
    return {
        unit: await person(uid, f"{unit.upper()} cmdr", "commander", unit=unit)
        for unit, uid in ids.items()
    }


def document_of(runtime: SandboxRuntime, who: Person, news: list[dict[str, Any]]) -> Any:
    """The calendar file among the news, parsed."""
    message = next(m for m in news if m.get("document"))
    stored = runtime.server.state.chat_messages[who.user_id][message["message_id"]]
    assert stored.document is not None
    return icalendar.Calendar.from_ical(stored.document.content)


def vevents(calendar: Any) -> dict[str, Any]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def cli_uids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The UIDs `atlasbot schedule --ics` writes for the same events file."""
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    events = tmp_path / "events.yaml"
    events.write_text(EVENTS, encoding="utf-8")
    out = tmp_path / "cli.ics"
    args = ["schedule", "--network", str(DEMO_NETWORK_FILE), "--events", str(events)]
    assert main([*args, "--ics", str(out), "--time-limit", "10"]) == 0
    return set(vevents(icalendar.Calendar.from_ical(out.read_bytes())))


async def test_a_published_year_reaches_each_commander_as_one_digest_and_every_copy_follows(
    sandbox: SandboxClient, person: PersonFactory, cora: Person
) -> None:
    cmd = await commanders(person)
    de_b = await person(3111, "DE second", "commander", unit="de-1")
    de_duty = await person(3112, "DE duty", "duty", unit="de-1")
    be_duty = await person(3113, "BE duty", "duty", unit="be-1")
    # de-1 wants copies for its duty officers; be-1 does not say so.
    await cmd["de-1"].say("/rsvp")
    news = await cmd["de-1"].tap("🔔 Send copies to the duty officers too")
    assert "de-1's duty officers now get a copy" in texts_of(news)

    published = texts_of(await publish_calendar(sandbox, cora))
    # 5 commanders, de-1's second commander and its duty officer: 7 people in 5 units.
    assert "3 events. Each unit's calendar went out as one digest: 7 people in 5 units" in (
        published
    )
    for unit, commander in cmd.items():
        news = await commander.news()
        assert len(news) == 1, f"{unit} got {len(news)} messages"
        starts = re.findall(r"^   (\d{4}-\d\d-\d\d)", news[0]["text"], re.MULTILINE)
        assert starts == sorted(starts) and starts, "in date order"
        rows = len(starts)
        assert len(button_texts(news[0])) == 3 * rows, "one answer row per event"
    assert await be_duty.news() == []
    duty_copy = (await de_duty.news())[0]
    assert button_texts(duty_copy) == []
    assert "For your information" in duty_copy["text"]

    # Two commanders of de-1: one answer per unit, the latest wins, every copy shows it.
    first = (await cmd["de-1"].all_messages())[-1]
    neg = number_of(first, "neg-a")
    await cmd["de-1"].tap(f"{neg} ✅", first)
    copy = find(await de_b.news(), r"Joint calendar for de-1")
    assert "Answer: attends (DE-1 cmdr)" in copy["text"]
    assert "Answer: attends (DE-1 cmdr)" in find(await de_duty.news(), r"de-1")["text"]
    await de_b.tap(f"{neg} ❔", copy)
    mine = find(await cmd["de-1"].news(), r"Joint calendar for de-1")
    assert "Answer: tentative (DE second)" in mine["text"]
    assert "attends (DE-1 cmdr)" not in mine["text"]
    overview = texts_of(await cora.say("/rsvp"))
    assert "de-1: tentative (DE second)" in overview

    # be-1 turns copies on after publication: its duty officer gets the digest at once.
    await cmd["be-1"].say("/rsvp")
    await cmd["be-1"].tap("🔔 Send copies to the duty officers too")
    copy = find(await be_duty.news(), r"Joint calendar for be-1: 2 events")
    assert button_texts(copy) == []
    be_digest = find(await cmd["be-1"].all_messages(), r"Joint calendar for be-1")
    await cmd["be-1"].tap(f"{number_of(be_digest, 'hr-a')} ✅", be_digest)
    edited = find(await be_duty.news(), r"Joint calendar for be-1")
    assert edited["message_id"] == copy["message_id"]
    assert "Answer: attends (BE-1 cmdr)" in edited["text"]


async def test_the_rsvp_overview_after_mixed_answers_and_a_reminder_to_the_silent(
    sandbox: SandboxClient, person: PersonFactory, cora: Person
) -> None:
    cmd = await commanders(person)
    be_authority = await person(3120, "BE authority", "authority", country="BE")
    await publish_calendar(sandbox, cora)
    digests = {unit: (await who.news())[0] for unit, who in cmd.items()}

    async def answer(unit: str, mark: str) -> list[dict[str, Any]]:
        digest = digests[unit]
        return await cmd[unit].tap(f"{number_of(digest, 'neg-a')} {mark}", digest)

    await answer("be-1", "✅")
    await answer("de-1", "❔")
    question = find(await answer("nl-1", "✖"), r"Why\?")
    await cmd["nl-1"].tap("👥 Not enough staff available", question)

    overview = await cora.say("/rsvp")
    text = texts_of(overview)
    assert re.search(
        r"neg-a Negotiation in a siege \(2027-\d\d-\d\d\): ✅ 1 · ✖ 1 · ❔ 1 · no answer 1", text
    )
    assert "be-1: attends (BE-1 cmdr)" in text
    assert "nl-1: can't attend (NL-1 cmdr): 👥 Not enough staff available" in text
    assert "at-1: not answered yet" in text
    # Every unit has an event it has not answered (be-1: hr-a; nl-1 and de-1: the meeting).
    news = await cora.tap("🔔 Remind 5 units that have not answered")
    assert "Reminded 5 units (5 people)" in texts_of(news)
    reminder = find(await cmd["at-1"].news(), r"at-1 has not answered these events yet")
    assert "Joint calendar for at-1" in reminder["text"] and button_texts(reminder)

    authority = texts_of(await be_authority.say("/rsvp"))
    assert "Answers to the published calendar for BE" in authority
    assert "be-1: attends (BE-1 cmdr)" in authority
    assert "nl-1" not in authority and "Commanders by video" not in authority
    refused = texts_of(await (await person(3121, "Nobody")).say("/rsvp"))
    assert "Traceback" not in refused


async def test_cancel_and_move_one_event_with_calendar_updates_and_the_cli_uids(
    sandbox: SandboxClient,
    runtime: SandboxRuntime,
    person: PersonFactory,
    cora: Person,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cmd = await commanders(person)
    await publish_calendar(sandbox, cora)
    fr_digest = (await cmd["fr-1"].news())[0]

    card = find(await cora.say("/event hr-a"), r"Hostage rescue in a school \(hr-a\)")
    assert button_texts(card) == ["📅 Find another date…", "🗑 Cancel this event…"]
    question = find(await cora.tap("🗑 Cancel this event…", card), r"Cancel Hostage rescue")
    news = await cora.tap("✅ Confirm: cancel and tell the units", question)
    assert "Hostage rescue in a school cancelled; 3 people told" in texts_of(news)
    cancel = document_of(runtime, cora, news)
    assert str(cancel["method"]) == "CANCEL"
    hr = vevents(cancel)["hr-a@2027.atlasbot"]
    assert str(hr["status"]) == "CANCELLED" and int(hr["sequence"]) == 1

    fr_news = await cmd["fr-1"].news()
    assert "What changed for fr-1: Hostage rescue in a school" in texts_of(fr_news)
    edited = next(m for m in fr_news if m["message_id"] == fr_digest["message_id"])
    assert "❌ Cancelled." in edited["text"]
    assert len(button_texts(edited)) == 3  # only the meeting is still answered
    calendar = vevents(document_of(runtime, cmd["fr-1"], await cmd["fr-1"].say("/calendar")))
    assert str(calendar["hr-a@2027.atlasbot"]["status"]) == "CANCELLED"
    assert str(calendar["mtg-a@2027.atlasbot"]["status"]) == "CONFIRMED"
    assert set(calendar) <= cli_uids(tmp_path, monkeypatch), "same UIDs as the command line"

    # A typed move is checked; buttons find another date that keeps every unit.
    refused = texts_of(await cora.say("/event neg-a move 2027-13-01"))
    assert "'2027-13-01' is not a date" in refused
    refused = texts_of(await cora.say("/event neg-a move 2027-04-12 fr-1"))
    assert "The host must be one of the participants" in refused
    card = find(await cora.say("/event mtg-a"), r"Commanders by video \(mtg-a\)")
    before = card["text"].split("\n")[1]
    options = find(await cora.tap("📅 Find another date…", card), r"Options for mtg-a")
    move = next(t for t in button_texts(options) if t.startswith("📅 Move mtg-a to"))
    news = await cora.tap(move, options)
    assert "Commanders by video moved to" in texts_of(news)
    update = vevents(document_of(runtime, cora, news))["mtg-a@2027.atlasbot"]
    assert int(update["sequence"]) == 1 and str(update["status"]) == "CONFIRMED"
    assert update["dtstart"].dt.isoformat() not in before
    moved = find(await cmd["de-1"].news(), r"What changed for de-1: Commanders by video moved")
    assert "Please answer again" in moved["text"]
    assert button_texts(moved) == ["✅ Attend", "✖ Can't attend", "❔ Tentative"]

    # Editing the title: confirmed, told, and the calendars carry it with a new SEQUENCE.
    question = find(await cora.say("/event neg-a title Negotiation under siege"), r"Rename")
    news = await cora.tap("✅ Confirm: rename and tell the units", question)
    assert "Renamed to Negotiation under siege; 4 people told" in texts_of(news)
    renamed = vevents(document_of(runtime, cora, news))["neg-a@2027.atlasbot"]
    assert str(renamed["summary"]) == "Negotiation under siege" and int(renamed["sequence"]) == 1
    told = texts_of(await cmd["be-1"].news())
    assert "Negotiation in a siege is now called Negotiation under siege" in told
    assert "Negotiation under siege (neg-a)" in told  # the digest edited


async def test_cant_attend_asks_why_and_keeps_the_unit_by_a_new_date_or_a_new_host(
    sandbox: SandboxClient, runtime: SandboxRuntime, person: PersonFactory, cora: Person
) -> None:
    cmd = await commanders(person)
    await publish_calendar(sandbox, cora)
    digests = {unit: (await who.news())[0] for unit, who in cmd.items()}

    async def decline(unit: str, key: str, reason: str) -> dict[str, Any]:
        digest = digests[unit]
        question = find(await cmd[unit].tap(f"{number_of(digest, key)} ✖", digest), r"Why\?")
        await cmd[unit].tap(reason, question)
        return find(await cora.news(), rf"{unit} can't attend")

    # Travel is fr-1's obstacle: the same days, hosted by fr-1, keep every unit.
    alert = await decline("fr-1", "hr-a", "✈ Travel or costs")
    assert "at be-1" in alert["text"]
    options = find(await cora.tap("🔎 Find a date that keeps fr-1", alert), r"Options for hr-a")
    move = next(t for t in button_texts(options) if t.startswith("📅 Move hr-a to"))
    assert move.endswith("at fr-1")
    assert "➖ Keep hr-a without fr-1" in button_texts(options)
    news = await cora.tap(move, options)
    assert "Hostage rescue in a school moved to" in texts_of(news)
    told = find(await cmd["fr-1"].news(), r"What changed for fr-1: Hostage rescue")
    assert "🏠 fr-1 now hosts Hostage rescue in a school" in told["text"]
    assert "now hosts" not in texts_of(await cmd["de-1"].news())

    # The dates are de-1's obstacle: another date keeps it (and every other unit) in.
    alert = await decline("de-1", "neg-a", "📆 The dates clash with operations")
    before = re.search(r"neg-a, (\S+)", alert["text"])
    assert before
    options = find(await cora.tap("🔎 Find a date that keeps de-1", alert), r"Options for neg-a")
    assert "every unit, de-1 included, can attend" in options["text"]
    move = next(t for t in button_texts(options) if t.startswith("📅 Move neg-a to"))
    assert before.group(1) not in move
    await cora.tap(move, options)
    told = find(await cmd["de-1"].news(), r"What changed for de-1: Negotiation in a siege moved")
    assert "Please answer again" in told["text"]
    calendar = vevents(document_of(runtime, cmd["de-1"], await cmd["de-1"].say("/calendar")))
    assert str(calendar["neg-a@2027.atlasbot"]["status"]) == "CONFIRMED"

    # Or the coordinator keeps the event without the unit: its calendar gets the cancellation.
    alert = await decline("at-1", "neg-a", "👥 Not enough staff available")
    question = find(await cora.tap("➖ Keep neg-a without at-1", alert), r"without at-1\?")
    news = await cora.tap("✅ Confirm: keep it without the unit", question)
    assert "at-1 no longer takes part in Negotiation in a siege" in texts_of(news)
    assert "at-1 no longer takes part" in texts_of(await cmd["at-1"].news())
    calendar = vevents(document_of(runtime, cmd["at-1"], await cmd["at-1"].say("/calendar")))
    assert str(calendar["neg-a@2027.atlasbot"]["status"]) == "CANCELLED"
