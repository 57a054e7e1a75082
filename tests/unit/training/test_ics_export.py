"""The .ics export parses, keeps UIDs across runs, and uses exclusive all-day ends."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar
from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import schedule
from atlasbot.training.ics import to_ics


def plan_with_one_of_each():
    return make_plan(
        [
            event(
                "mar-1", ["de-1", "nl-1"], duration_days=3, capability="maritime", title="Boarding"
            ),
            event("cm-1", ["de-1", "fr-1"], virtual=True, kind="meeting", title="Commanders"),
        ]
    )


def test_the_ics_parses_with_one_all_day_event_per_placed_event(network: Network):
    plan = plan_with_one_of_each()
    result = schedule(network, plan)
    calendar = Calendar.from_ical(to_ics(result, network, plan))
    entries = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(entries) == {"mar-1@2027.atlasbot", "cm-1@2027.atlasbot"}
    boarding = entries["mar-1@2027.atlasbot"]
    placed = result.event("mar-1")
    assert placed is not None
    assert boarding.decoded("DTSTART") == placed.start
    assert boarding.decoded("DTEND") == placed.end + dt.timedelta(days=1)
    assert str(boarding["SUMMARY"]) == "Boarding"
    assert str(boarding["LOCATION"]) == f"{network.unit(placed.host or '').base.place}, " + (
        network.country(network.unit(placed.host or "").country).name
    )
    assert "nl-1" in str(boarding["DESCRIPTION"])
    assert str(entries["cm-1@2027.atlasbot"]["LOCATION"]) == "Virtual"


def test_the_same_schedule_gives_the_same_bytes_and_uids_survive_a_move(network: Network):
    plan = plan_with_one_of_each()
    stamp = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)
    first = schedule(network, plan)
    assert to_ics(first, network, plan, dtstamp=stamp) == to_ics(
        schedule(network, plan), network, plan, dtstamp=stamp
    )
    later = make_plan(
        [
            event(
                "mar-1",
                ["de-1", "nl-1"],
                duration_days=3,
                capability="maritime",
                window={"start": "2027-05-03", "end": "2027-05-31"},
            ),
            event("cm-1", ["de-1", "fr-1"], virtual=True, kind="meeting"),
        ]
    )
    moved = schedule(network, later)
    uids = [
        sorted(str(e["UID"]) for e in Calendar.from_ical(to_ics(r, network)).walk("VEVENT"))
        for r in (first, moved)
    ]
    assert uids[0] == uids[1]
    assert moved.event("mar-1") != first.event("mar-1")


def test_uids_differ_between_years_and_stay_the_same_within_a_file(network: Network):
    def uids(start: str, end: str) -> list[str]:
        plan = make_plan(
            [event("mar-1", ["de-1", "nl-1"], capability="maritime")], start=start, end=end
        )
        calendar = Calendar.from_ical(to_ics(schedule(network, plan), network, plan))
        return [str(e["UID"]) for e in calendar.walk("VEVENT")]

    assert uids("2027-03-01", "2027-06-30") == ["mar-1@2027.atlasbot"]
    assert uids("2027-03-01", "2027-06-30") == uids("2027-03-01", "2027-05-31")
    assert uids("2028-03-01", "2028-06-30") == ["mar-1@2028.atlasbot"]
