"""Training history end to end through the sandbox (issue 14.5): a coordinator sends a history
file, /readiness counts it per state and capability; an authority sees its own state."""

from __future__ import annotations

import datetime as dt
import re

from atlasbot.runtime import SandboxRuntime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import button_texts

from .conftest import PersonFactory
from .test_training_chat import find, publish_calendar, restart_bot_at, texts_of, upload

TODAY = dt.date.today()  # the sandbox bot runs on the system clock


def history_file() -> str:
    recent = TODAY - dt.timedelta(days=30)
    soon = TODAY - dt.timedelta(days=365 - 40)  # falls out of currency in about 40 days
    return (
        "date,capability,units,title\n"
        f"{recent},negotiation,be-1 fr-1,Siege negotiation\n"
        f"{soon},negotiation,de-1 de-3,Negotiation week\n"
    )


async def test_a_history_file_sent_in_the_chat_counts_in_readiness(
    sandbox: SandboxClient, person: PersonFactory
) -> None:
    cora = await person(3101, "Cora", "coordinator")
    news = await upload(sandbox, cora, history_file(), "history.csv")
    assert "history.csv: 2 past trainings read. 4 unit attendances added" in texts_of(news)

    report = texts_of(await cora.say("/readiness"))
    recent = (TODAY - dt.timedelta(days=30)).isoformat()
    assert f"• Negotiation: last trained jointly {recent}" in report  # BE and FR
    assert "\nBE:\n" in report and "\nFR:\n" in report
    be_section = report.split("\nBE:\n", 1)[1].split("\n\n", 1)[0]
    be_negotiation = next(line for line in be_section.splitlines() if "Negotiation" in line)
    assert "out of currency" not in be_negotiation and "due within" not in be_negotiation
    de_section = report.split("\nDE:\n", 1)[1].split("\n\n", 1)[0]
    negotiation = next(line for line in de_section.splitlines() if "Negotiation" in line)
    assert "due within 3 months: de-1 (by " in negotiation and "de-3 (by " in negotiation
    assert "out of currency" not in negotiation
    assert "Proposed for the gaps" in report

    again = texts_of(await upload(sandbox, cora, history_file(), "history.csv"))
    assert "0 unit attendances added, 4 already recorded" in again
    bad = history_file().replace("be-1 fr-1", "be-1 xx-9")
    error = texts_of(await upload(sandbox, cora, bad, "bad.csv"))
    assert "bad.csv: 1 problem; nothing was stored" in error
    assert "row 2.units: unknown unit 'xx-9'" in error


async def test_an_authority_sees_its_states_currency_without_the_coordinators_button(
    sandbox: SandboxClient, person: PersonFactory
) -> None:
    cora = await person(3101, "Cora", "coordinator")
    await upload(sandbox, cora, history_file(), "history.csv")
    ana = await person(3102, "Ana", "authority", country="DE")
    news = await ana.say("/readiness")
    report = texts_of(news)
    assert "\nDE:\n" in report and "\nBE:\n" not in report
    assert "due within 3 months: de-1" in report
    assert not any(button_texts(m) for m in news)
    commander = await person(3103, "Bo", "commander", unit="be-1")
    assert "Only network coordinators" in texts_of(await commander.say("/readiness"))


async def test_attendance_marked_after_an_event_decides_what_readiness_counts(
    sandbox: SandboxClient, runtime: SandboxRuntime, person: PersonFactory
) -> None:
    cora = await person(3101, "Cora", "coordinator")
    await publish_calendar(sandbox, cora)
    assert "No published training has ended yet" in texts_of(await cora.say("/attendance"))
    # Months later, every event has ended.
    await restart_bot_at(runtime, dt.datetime(2027, 6, 15, 10, 0, tzinfo=dt.UTC))
    await cora.news()
    listing = find(await cora.say("/attendance"), r"Mark attendance: choose the event \(3 ended")
    assert button_texts(listing)[0].startswith("📋 Hostage rescue in a school")  # latest first
    news = await cora.tap(re.compile(r"^📋 Negotiation in a siege"), listing)
    view = find(news, r"Attendance at Negotiation in a siege")
    assert "Attended: de-1, nl-1, be-1, at-1" in view["text"] and "Not marked yet" in view["text"]
    news = await cora.tap("✅ be-1 attended (tap: absent)", view)
    view = find(news, r"Attendance at Negotiation in a siege")
    assert "Absent: be-1" in view["text"] and "Not marked yet" not in view["text"]
    assert "✖ be-1 absent (tap: attended)" in button_texts(view)

    report = texts_of(await cora.say("/readiness"))
    be_section = report.split("\nBE:\n", 1)[1].split("\n\n", 1)[0]
    be_negotiation = next(line for line in be_section.splitlines() if "Negotiation" in line)
    assert "out of currency: be-1 (never)" in be_negotiation
    at_section = report.split("\nAT:\n", 1)[1].split("\n\n", 1)[0]
    at_negotiation = next(line for line in at_section.splitlines() if "Negotiation" in line)
    assert (
        "out of currency" not in at_negotiation and "last trained jointly 2027-0" in at_negotiation
    )
