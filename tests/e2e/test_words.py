"""Words for people (issue 11, point 5), end to end through the sandbox: capability names
instead of codes, HTML parse mode with what a member typed shown as typed, and an after-action
report that reaches the requester and every state that took part, in each reader's zone, with
the timeline as a CSV file."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from atlasbot.runtime import SandboxRuntime
from atlasbot.sandbox.people import Person

from .conftest import PersonFactory
from .test_assistance_flow import accept, asked_unit, authorities, plans_message, send_plan_one

TYPED_NATURE = "Free <b>hostages</b> & secure the 3rd floor"
CODES = re.compile(r"\b(hostage_rescue|precision_marksmen|hostage_taking|on_scene|member:\d)")


async def fill_request_typing(ana: Person, nature: str) -> list[dict[str, Any]]:
    """Ana (BE authority) asks for hostage rescue ×2 and negotiation ×1, typing ``nature``."""
    await ana.say("/request")
    await ana.tap("Hostage-taking")
    await ana.tap("Yes, I confirm")
    await ana.say("Antwerpen")
    await ana.tap(re.compile(r"^Antwerp"))
    await ana.tap(re.compile(r"^Hostage rescue"))
    await ana.tap(re.compile(r"^Hostage rescue"))
    await ana.tap(re.compile(r"^Negotiation"))
    await ana.tap("✅ Done")
    await ana.tap(re.compile("Action on our territory"))
    await ana.tap("✅ Done")
    await ana.say(nature)
    await ana.say("Our unit is committed at a second incident in Brussels.")
    await ana.say("Commissaris Peeters, ANTWERP-1")
    await ana.tap("No")
    await ana.tap("1 normal")
    return await ana.tap("✅ Submit request")


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in messages]


def one(messages: list[dict[str, Any]], start: str) -> dict[str, Any]:
    return next(m for m in reversed(messages) if (m.get("text") or "").startswith(start))


async def test_capabilities_by_name_and_typed_text_escaped_in_html(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana <Peeters> & Co", "authority", country="BE")
    people = await authorities(person)
    replies = await fill_request_typing(ana, TYPED_NATURE)
    plans = plans_message(replies)
    assert "Hostage rescue ×2" in plans["text"] and "Negotiation ×1" in plans["text"]
    await send_plan_one(ana)
    authority, unit_id = await asked_unit(people)
    request = one(await authority.all_messages(), "REQUEST FOR ASSISTANCE")
    # Telegram parses HTML: what Ana typed reads as typed, and was escaped on the wire.
    assert request["parse_mode"] == "HTML"
    assert f"Nature of assistance: {TYPED_NATURE}" in request["text"]
    assert "&lt;b&gt;hostages&lt;/b&gt; &amp; secure" in request["raw_text"]
    assert "Capabilities: " in request["text"]
    assert re.search(r"(Hostage rescue|Negotiation) ×\d", request["text"])
    commander = await person(3100, "commander", "commander", unit=unit_id)
    await accept(authority)
    order = one(await commander.all_messages(), "MOBILISATION ORDER")
    assert order["parse_mode"] == "HTML"
    assert re.search(r"Teams asked of you: (Hostage rescue|Negotiation) ×\d", order["text"])
    everything = [
        *texts_of(await ana.all_messages()),
        *texts_of(await authority.all_messages()),
        *texts_of(await commander.all_messages()),
    ]
    # No code, no rule number, no "(unverified)" in anything these members read.
    for text in everything:
        assert not CODES.search(text), text
        assert not re.search(r"\(R\d+|\bR\d+,|unverified", text), text


async def test_the_after_action_report_reaches_both_states_in_their_time_with_a_csv(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request_typing(ana, "Free hostages held in an office building.")
    await send_plan_one(ana)
    authority, unit_id = await asked_unit(people)
    # The requested state's authority reads times in Lisbon; Ana in Brussels (CET).
    assert "Europe/Lisbon" in (await authority.say("/settings timezone Europe/Lisbon"))[-1]["text"]
    commander = await person(3100, "Kees", "commander", unit=unit_id)
    await accept(authority)
    await commander.tap("🟡 Mobilising")
    await commander.tap("🚁 Departed…")
    await commander.tap(re.compile(r"^ETA in"))
    await commander.tap("📍 On scene")
    board = one(await ana.all_messages(), "LIVE BOARD")
    await ana.tap("🏁 Close crisis…", board)
    await ana.tap("🏁 Confirm: close the crisis")

    for reader, place in ((ana, "Europe/Brussels"), (authority, "Europe/Lisbon")):
        now = datetime.now(ZoneInfo(place))
        zone, offset = now.tzname(), now.isoformat()[-6:]
        messages = await reader.all_messages()
        report = one(messages, "AFTER-ACTION REPORT")["text"]
        assert f"Times in {zone}" in report
        assert re.search(rf"accepted at \d\d:\d\d {zone}", report)
        assert re.search(rf"on scene \d\d:\d\d {zone}", report)
        assert "On scene " in report and "after the request" in report
        assert "Agreed terms:" in report and "Headcount: 8" in report
        assert "Ana: request for assistance submitted" in report
        assert "Kees: " in report and " on scene" in report
        assert not CODES.search(report), report
        assert "{'" not in report and "['" not in report  # no Python values
        assert not re.search(r"\d\d:\d\d:\d\d\.\d+", report)  # no microseconds
        document = next(m for m in messages if m.get("document"))
        assert document["document"].endswith(".csv")
        stored = runtime.server.state.chat_messages[reader.user_id][document["message_id"]]
        assert stored.document is not None
        rows = list(csv.reader(io.StringIO(stored.document.content.decode("utf-8"))))
        assert rows[0][1] == "time (UTC)"
        whos = {row[2] for row in rows[1:]}
        assert {"Ana", "Kees"} <= whos
        assert all(row[0].endswith(offset) for row in rows[1:])
        assert all("." not in row[0] for row in rows[1:])
