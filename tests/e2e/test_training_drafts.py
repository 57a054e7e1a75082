"""Changing a draft in the chat (issue 14.6): a second events file asks before it replaces
the draft (keep or replace), one event removed from the draft, and a misspelled key or
column shown in the chat as the command line shows it."""

from __future__ import annotations

import re

from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import button_texts
from tests.training_events import EVENTS

from .conftest import PersonFactory
from .test_training_chat import find, texts_of, upload

SECOND = EVENTS.replace("id: hr-a", "id: hr-b").replace(
    "capability: negotiation", "capabilty: negotiation"
)


async def test_a_second_upload_asks_before_it_replaces_the_draft(
    sandbox: SandboxClient, person: PersonFactory
) -> None:
    cora = await person(3301, "Cora", "coordinator")
    assert "events.yaml is valid" in texts_of(await upload(sandbox, cora, EVENTS, "events.yaml"))
    news = await upload(sandbox, cora, SECOND, "second.yaml")
    question = find(news, r"Replace it with second\.yaml\?")
    assert "You already have draft plan #1 (3 events)" in question["text"]
    # The misspelled key, as the command line names it.
    assert (
        "events[0].capabilty: unknown key 'capabilty', ignored; did you mean 'capability'?"
        in (question["text"])
    )
    assert button_texts(question) == [
        "🔁 Replace my draft with this file",
        "✋ Keep my draft (drop this file)",
    ]
    kept = texts_of(await cora.tap("✋ Keep my draft (drop this file)", question))
    assert "second.yaml was not used; draft plan #1 stays as it was." in kept
    overview = texts_of(await cora.say("/plan_trainings"))
    assert "Draft plan #1 (events.yaml)" in overview and "hr-a" in overview

    question = find(await upload(sandbox, cora, SECOND, "second.yaml"), r"Replace it with")
    replaced = texts_of(await cora.tap("🔁 Replace my draft with this file", question))
    assert "Draft plan #1 replaced." in replaced and "hr-b" in replaced
    overview = texts_of(await cora.say("/plan_trainings"))
    assert "(second.yaml)" in overview and "hr-a" not in overview
    # The old buttons were single use.
    await cora.tap("✋ Keep my draft (drop this file)", question)
    answers = await cora.callback_answers()
    assert "already used" in (answers[-1].get("text") or "")
    assert "(second.yaml)" in texts_of(await cora.say("/plan_trainings"))


async def test_one_event_is_removed_from_the_draft(
    sandbox: SandboxClient, person: PersonFactory
) -> None:
    cora = await person(3301, "Cora", "coordinator")
    await upload(sandbox, cora, EVENTS, "events.yaml")
    news = await cora.tap("✂ Remove an event…")
    listing = find(news, r"Which event should go from draft plan #1\?")
    assert button_texts(listing) == [
        "✂ neg-a: Negotiation in a siege",
        "✂ hr-a: Hostage rescue in a school",
        "✂ mtg-a: Commanders by video",
    ]
    news = await cora.tap("✂ hr-a: Hostage rescue in a school", listing)
    assert "Removed hr-a from draft plan #1 (2 events left)" in texts_of(news)
    overview = texts_of(await cora.say("/plan_trainings"))
    assert "2 events" in overview and "hr-a" not in overview
    news = await cora.tap("▶ Run the planner")
    preview = find(news, r"Preview of plan #1")
    assert "neg-a" in preview["text"] and "hr-a" not in preview["text"]
    assert re.search(r"• mtg-a · Commanders by video: .*\(virtual\), 4 units", preview["text"])


async def test_the_wizard_offers_a_month_a_year_ahead_and_the_host_of_the_event(
    person: PersonFactory,
) -> None:
    cora = await person(3301, "Cora", "coordinator")
    await cora.say("/plan_trainings")
    await cora.tap("➕ Add an event")
    await cora.tap("🎯 Training")
    await cora.say("Breaching doors")
    await cora.tap("Methodical and explosive breaching")
    await cora.tap("☐ be-1")
    await cora.tap("☐ fr-1")
    await cora.tap(re.compile(r"^Done \(2 chosen\)"))
    news = await cora.tap("2")
    months = [t for m in news for t in button_texts(m) if re.match(r"^[A-Z][a-z]{2} 20\d\d$", t)]
    assert len(months) == 18  # any month of the next 18
    await cora.tap(months[-2])  # 17 months ahead
    news = await cora.tap("🏠 Hosted by fr-1")
    assert "Added training to draft plan #1 (1 events)." in texts_of(news)
    news = await cora.tap("▶ Run the planner")
    preview = find(news, r"Preview of plan #1")
    assert re.search(
        r"• training · Breaching doors: 20\d\d-\d\d-\d\d\.\.\d\d at fr-1", preview["text"]
    )


async def test_a_blackout_added_in_the_chat_keeps_the_units_event_out_of_that_month(
    sandbox: SandboxClient, person: PersonFactory
) -> None:
    cora = await person(3301, "Cora", "coordinator")
    await upload(sandbox, cora, EVENTS, "events.yaml")
    await cora.tap("⛔ Add a blackout…")
    await cora.tap("be-1")
    news = await cora.tap("Mar 2027")
    assert "⛔ be-1 is unavailable 2027-03-01 to 2027-03-31 in draft plan #1" in texts_of(news)
    news = await cora.tap("▶ Run the planner")
    preview = find(news, r"Preview of plan #1")
    # neg-a (window March-April, hosted by be-1) moves to April.
    assert re.search(
        r"• neg-a · Negotiation in a siege: 2027-04-\d\d\.\.\d\d at be-1", preview["text"]
    )
