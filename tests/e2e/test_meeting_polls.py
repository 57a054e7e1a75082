"""Meeting polls that find a date, end to end through the sandbox (issue 14.8): dates in
different weeks with a time of day, the coordinator told as votes arrive, and "none of these
suits us" with a reason bringing new dates to every unit."""

from __future__ import annotations

import datetime as dt
import re

from atlasbot.sandbox.people import Person, button_texts

from .conftest import PersonFactory
from .test_training_chat import find, texts_of

DATE = re.compile(r"^(\d+)\. (\d{4}-\d\d-\d\d)$")


def offered(message: dict) -> dict[int, dt.date]:  # type: ignore[type-arg]
    """The date buttons of a vote request: option number -> day."""
    found = {}
    for label in button_texts(message):
        match = DATE.match(label)
        if match:
            found[int(match.group(1))] = dt.date.fromisoformat(match.group(2))
    return found


async def open_poll(cora: Person) -> None:
    await cora.say("/meeting")
    await cora.say("Heads of units")
    await cora.tap("☐ de-1")
    await cora.tap("☐ nl-1")
    await cora.tap(re.compile(r"^Done \(2 chosen\)"))
    await cora.tap(re.compile(r"^Mar 20\d\d$"))
    await cora.tap("Virtual")
    news = await cora.tap("Afternoon (14:00–17:00)")
    assert "Vote sent to 2 commanders" in find(news, r"Meeting poll #1")["text"]


async def test_none_suits_with_a_reason_brings_new_dates_and_the_coordinator_hears_each_vote(
    person: PersonFactory,
) -> None:
    cora = await person(3201, "Cora", "coordinator")
    de = await person(3202, "DE cmdr", "commander", unit="de-1")
    nl = await person(3203, "NL cmdr", "commander", unit="nl-1")
    await open_poll(cora)

    question = find(await de.news(), r"Date vote for de-1: Heads of units")
    first = offered(question)
    assert sorted(first) == [1, 2, 3]
    assert len({day.isocalendar()[1] for day in first.values()}) == 3  # three weeks
    assert "14:00–17:00" in question["text"]
    assert "🙅 None of these suits us" in button_texts(question)

    nl_question = find(await nl.news(), r"Date vote for nl-1")
    await nl.tap(f"2. {first[2]}", nl_question)
    told = find(await cora.news(), r"nl-1 voted for option 2")
    assert "1 of 2 units have answered" in told["text"]

    asked = texts_of(await de.tap("🙅 None of these suits us", question))
    assert "Why does none of the dates suit de-1?" in asked
    assert "Type a reason of 3 to 200 characters." in texts_of(await de.say("no"))
    news = await de.say("Exercise North all month")
    assert "3 new dates were proposed to every unit" in texts_of(news)
    again = find(news, r"New dates proposed: de-1 said none suited \(Exercise North all month\)")
    second = offered(again)
    assert sorted(second) == [4, 5, 6]
    assert not set(second.values()) & set(first.values())
    assert find(await nl.news(), r"New dates proposed: de-1 said none suited")

    alert = find(await cora.news(), r"de-1 says none of the dates suits it: Exercise North")
    assert "None suits: de-1" in alert["text"]
    assert "✅ Confirm 6" in button_texts(alert)
    await de.tap(f"4. {second[4]}", again)
    assert find(await cora.news(), r"de-1 voted for option 4")["text"].endswith(
        "2 of 2 units have answered."
    )
