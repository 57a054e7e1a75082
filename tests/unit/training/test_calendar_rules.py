"""Every hard rule of §7, each shown kept by the solver and caught by the verifier when broken."""

from __future__ import annotations

import dataclasses
import datetime as dt

from training_factories import day, event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import (
    ScheduledEvent,
    ScheduleResult,
    ScheduleStatus,
    check_schedule,
    public_holidays,
    schedule,
    travel_km,
)
from atlasbot.training.events_file import EventsPlan


def solve(network: Network, plan: EventsPlan) -> ScheduleResult:
    result = schedule(network, plan, time_limit_s=10)
    assert check_schedule(network, plan, result) == []
    return result


def moved(result: ScheduleResult, event_id: str, **changes: object) -> ScheduleResult:
    """The same result with one event's fields changed (a hand-made violation)."""
    events = tuple(
        dataclasses.replace(e, **changes) if e.id == event_id else e  # type: ignore[arg-type]
        for e in result.events
    )
    total = sum(e.travel_km for e in events)
    return dataclasses.replace(result, events=events, total_travel_km=total)


def placed(result: ScheduleResult, event_id: str) -> ScheduledEvent:
    found = result.event(event_id)
    assert found is not None, result.unscheduled
    return found


# --- public holidays ---


def test_moveable_feasts_are_holidays_in_several_countries():
    for country in ("DE", "FR", "BE", "NL", "AT"):
        holidays = public_holidays(country, 2027)
        assert day("2027-03-29") in holidays, country  # Easter Monday
        assert day("2027-05-17") in holidays, country  # Whit Monday
    assert day("2027-05-17") not in public_holidays("PL", 2027)
    assert day("2027-05-03") in public_holidays("PL", 2027)  # Constitution Day
    assert day("2027-04-27") in public_holidays("NL", 2027)  # King's Day
    assert day("2027-10-26") in public_holidays("AT", 2027)  # National Day


def test_an_event_skips_a_public_holiday_of_the_hosts_country(network: Network):
    plan = make_plan(
        [
            event(
                "e",
                ["de-1", "nl-1"],
                host="de-1",
                window={"start": "2027-03-29", "end": "2027-03-30"},
            )
        ]
    )
    assert placed(solve(network, plan), "e").start == day("2027-03-30")


def test_the_host_is_chosen_in_a_country_without_the_holiday(network: Network):
    # Whit Monday is a holiday in Germany but not in Poland: only pl-1 can host that day.
    plan = make_plan(
        [event("e", ["de-1", "pl-1"], window={"start": "2027-05-17", "end": "2027-05-17"})]
    )
    assert placed(solve(network, plan), "e").host == "pl-1"


def test_a_virtual_event_avoids_holidays_of_every_participants_country(network: Network):
    plan = make_plan(
        [
            event(
                "e",
                ["de-1", "pl-1"],
                virtual=True,
                kind="meeting",
                window={"start": "2027-05-17", "end": "2027-05-17"},
            )
        ]
    )
    result = schedule(network, plan)
    assert result.status is ScheduleStatus.PARTIAL
    assert "public holidays" in result.unscheduled[0].reason


def test_the_verifier_flags_an_event_on_a_hosts_public_holiday(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1"], host="de-1")])
    result = moved(solve(network, plan), "e", start=day("2027-03-29"), end=day("2027-03-29"))
    assert check_schedule(network, plan, result) == ["e: 2027-03-29 is a public holiday in DE"]


# --- weekdays, consecutive days, horizon and window ---


def test_events_fall_on_weekdays_only(network: Network):
    # The window opens on a Saturday; a 3-day event must wait for Monday.
    plan = make_plan(
        [
            event(
                "e",
                ["de-1", "nl-1"],
                duration_days=3,
                window={"start": "2027-03-06", "end": "2027-03-12"},
            )
        ]
    )
    found = placed(solve(network, plan), "e")
    assert (found.start, found.end) == (day("2027-03-08"), day("2027-03-10"))


def test_the_verifier_flags_a_weekend_day_and_a_wrong_length(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1"], duration_days=2)])
    result = moved(solve(network, plan), "e", start=day("2027-03-05"), end=day("2027-03-07"))
    problems = check_schedule(network, plan, result)
    assert "e: lasts 3 days, not 2" in problems
    assert "e: 2027-03-06 is a Saturday" in problems


def test_an_event_stays_inside_its_window(network: Network):
    plan = make_plan(
        [event("e", ["de-1", "nl-1"], window={"start": "2027-06-14", "end": "2027-06-30"})]
    )
    assert placed(solve(network, plan), "e").start == day("2027-06-14")


def test_the_verifier_flags_days_outside_the_window_and_the_horizon(network: Network):
    plan = make_plan(
        [event("e", ["de-1", "nl-1"], window={"start": "2027-06-14", "end": "2027-06-30"})]
    )
    result = moved(solve(network, plan), "e", start=day("2027-07-01"), end=day("2027-07-01"))
    problems = check_schedule(network, plan, result)
    assert "e: 2027-07-01 is outside its window" in problems
    assert "e: 2027-07-01 is outside the horizon" in problems


# --- host ---


def test_the_host_has_the_capability_and_is_a_participant(network: Network):
    # pl-1 would be the cheapest host for nobody; de-1 and nl-1 have maritime, pl-1 has not.
    plan = make_plan([event("e", ["de-1", "nl-1", "pl-1"], capability="maritime")])
    found = placed(solve(network, plan), "e")
    assert found.host == "de-1"  # Berlin is nearer to Warsaw and Amsterdam than Amsterdam is
    assert found.travel_km == travel_km(network, "de-1", ["de-1", "nl-1", "pl-1"])


def test_an_event_nobody_can_host_is_unscheduled_with_the_reason(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1"], capability="cbrn")])
    result = schedule(network, plan)
    assert result.unscheduled[0].reason == "no participant has capability cbrn to host"


def test_a_fixed_host_is_kept_even_when_travel_would_be_lower(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1", "pl-1"], host="nl-1")])
    assert placed(solve(network, plan), "e").host == "nl-1"


def test_the_verifier_flags_wrong_hosts(network: Network):
    plan = make_plan(
        [
            event("cap", ["de-1", "nl-1", "pl-1"], capability="maritime"),
            event("fixed", ["de-1", "nl-1"], host="nl-1"),
            event("video", ["de-1", "fr-1"], virtual=True),
        ]
    )
    result = solve(network, plan)
    result = moved(
        result, "cap", host="pl-1", travel_km=travel_km(network, "pl-1", ["de-1", "nl-1"])
    )
    result = moved(
        result, "fixed", host="be-1", travel_km=travel_km(network, "be-1", ["de-1", "nl-1"])
    )
    result = moved(result, "video", host="fr-1", travel_km=travel_km(network, "fr-1", ["de-1"]))
    problems = check_schedule(network, plan, result)
    assert "cap: host pl-1 lacks capability maritime" in problems
    assert "fixed: host be-1 is not a participant" in problems
    assert "fixed: host be-1, but the plan fixes nl-1" in problems
    assert "video: a virtual event has host fr-1" in problems


# --- no overlap and minimum gap between events of one unit ---


def test_events_of_one_unit_keep_the_minimum_gap(network: Network):
    plan = make_plan(
        [
            event("a", ["de-1", "nl-1"], duration_days=2),
            event("b", ["de-1", "fr-1"], duration_days=2),
        ],
        start="2027-03-01",
        end="2027-04-30",
        min_gap_days=14,
    )
    result = solve(network, plan)
    first, second = sorted(result.events, key=lambda e: e.start)
    assert (second.start - first.end).days - 1 >= 14


def test_events_without_a_shared_unit_may_run_together(network: Network):
    plan = make_plan(
        [event("a", ["de-1", "nl-1"]), event("b", ["fr-1", "be-1"])],
        start="2027-03-01",
        end="2027-03-01",
        min_gap_days=14,
    )
    assert len(solve(network, plan).events) == 2


def test_the_verifier_flags_a_gap_one_day_too_short_and_accepts_the_exact_gap(network: Network):
    plan = make_plan(
        [event("a", ["de-1", "nl-1"]), event("b", ["de-1", "fr-1"])],
        start="2027-03-01",
        end="2027-05-31",
        min_gap_days=14,
    )
    result = solve(network, plan)
    result = moved(result, "a", start=day("2027-03-01"), end=day("2027-03-01"))
    exact = moved(result, "b", start=day("2027-03-16"), end=day("2027-03-16"))
    assert check_schedule(network, plan, exact) == []
    short = moved(result, "b", start=day("2027-03-15"), end=day("2027-03-15"))
    assert check_schedule(network, plan, short) == [
        "a and b share de-1 but leave 13 free days (min 14)"
    ]


# --- blackouts ---


def test_no_event_day_falls_in_a_participants_blackout(network: Network):
    plan = make_plan(
        [event("e", ["de-1", "nl-1"], duration_days=2)],
        blackouts=[{"unit": "nl-1", "start": "2027-03-01", "end": "2027-03-09"}],
    )
    assert placed(solve(network, plan), "e").start == day("2027-03-10")


def test_the_verifier_flags_an_event_in_a_blackout(network: Network):
    blackouts = [{"unit": "nl-1", "start": "2027-03-01", "end": "2027-03-09"}]
    plan = make_plan([event("e", ["de-1", "nl-1"])], blackouts=blackouts)
    result = moved(solve(network, plan), "e", start=day("2027-03-09"), end=day("2027-03-09"))
    assert check_schedule(network, plan, result) == ["e: 2027-03-09 is in a blackout of nl-1"]


# --- hosting limit per country ---


def test_no_country_hosts_more_than_the_limit(network: Network):
    # Munich is the cheapest host for both; with a limit of one per country one goes abroad.
    events = [event(name, ["de-1", "de-2", "fr-1"]) for name in ("a", "b")]
    free = solve(network, make_plan(events, max_hosted_per_country=2))
    assert {e.host for e in free.events} == {"de-2"}
    limited_plan = make_plan(events, max_hosted_per_country=1)
    limited = solve(network, limited_plan)
    assert sorted(e.host or "" for e in limited.events) == ["de-2", "fr-1"]
    assert check_schedule(network, limited_plan, free) == ["DE hosts 2 events (max 1)"]


# --- bookkeeping ---


def test_the_verifier_flags_a_forgotten_event_and_wrong_totals(network: Network):
    plan = make_plan([event("a", ["de-1", "nl-1"]), event("b", ["fr-1", "be-1"])])
    result = solve(network, plan)
    broken = dataclasses.replace(result, events=result.events[:1], total_travel_km=1)
    problems = check_schedule(network, plan, broken)
    assert any("neither placed nor listed as unscheduled" in p for p in problems)
    assert any(p.startswith("total_travel_km 1") for p in problems)


def test_placed_events_cover_exactly_their_duration(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1"], duration_days=5)])
    found = placed(solve(network, plan), "e")
    assert found.end - found.start == dt.timedelta(days=4)
    assert found.start.weekday() == 0
