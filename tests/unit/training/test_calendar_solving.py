"""Solving a calendar: most events first, then least travel; partial years explain themselves."""

from __future__ import annotations

import itertools
from pathlib import Path

from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.network import load_network
from atlasbot.training.calendar import (
    ScheduleStatus,
    check_schedule,
    schedule,
    travel_km,
)
from atlasbot.training.events_file import load_events

DATA = Path(__file__).resolve().parents[3] / "data"


def test_a_year_with_more_events_than_fit_is_partial_and_says_why(network: Network):
    plan = make_plan(
        [
            event("a", ["de-1", "nl-1"], duration_days=2),
            event("b", ["de-1", "fr-1"], duration_days=2),
            event("c", ["de-1", "pl-1"], duration_days=2),
            event(
                "far",
                ["be-1", "at-1"],
                duration_days=3,
                window={"start": "2027-03-04", "end": "2027-03-08"},
            ),
        ],
        start="2027-03-01",
        end="2027-03-12",
        min_gap_days=14,
    )
    result = schedule(network, plan)
    assert check_schedule(network, plan, result) == []
    assert result.status is ScheduleStatus.PARTIAL
    assert len([e for e in result.events if "de-1" in e.participants]) == 1
    reasons = {missing.id: missing.reason for missing in result.unscheduled}
    assert len(reasons) == 3
    assert reasons["far"] == "no 3-day slot of consecutive weekdays in the window"
    conflicts = [r for i, r in reasons.items() if i != "far"]
    assert all("conflicts with other events of de-1 (min gap 14 days)" in r for r in conflicts)


def test_blackouts_that_leave_no_slot_are_named_in_the_reason(network: Network):
    plan = make_plan(
        [event("e", ["de-1", "nl-1"], duration_days=3)],
        start="2027-03-01",
        end="2027-03-12",
        blackouts=[{"unit": "nl-1", "start": "2027-03-03", "end": "2027-03-10"}],
    )
    reason = schedule(network, plan).unscheduled[0].reason
    assert reason == (
        "no 3-day slot free of blackouts for all participants in the horizon (blackouts of nl-1)"
    )


def test_a_full_hosting_quota_is_given_as_the_reason(network: Network):
    # Both events can only be hosted by de-1 (maritime without nl-1), and DE may host once.
    plan = make_plan(
        [event(n, ["de-1", "pl-1"], capability="maritime") for n in ("a", "b")],
        max_hosted_per_country=1,
    )
    result = schedule(network, plan)
    assert len(result.events) == 1
    assert result.unscheduled[0].reason == (
        "every possible slot needs a host in DE, which already hosts the maximum of 1 event"
    )


def test_the_total_travel_is_the_least_possible(network: Network):
    # Two units shared between three events, so hosting choices interact through the quota.
    events = [
        event("a", ["de-1", "de-2", "pl-1"]),
        event("b", ["de-2", "fr-1", "be-1"]),
        event("c", ["nl-1", "de-1", "at-1"]),
    ]
    plan = make_plan(events, max_hosted_per_country=1)
    result = schedule(network, plan)
    assert result.status is ScheduleStatus.OPTIMAL
    best = min(
        sum(travel_km(network, h, e.participants) for h, e in zip(hosts, plan.events, strict=True))
        for hosts in itertools.product(*(e.participants for e in plan.events))
        if len({network.unit(h).country for h in hosts}) == 3
    )
    assert result.total_travel_km == result.lower_bound_km == best


def test_virtual_events_cost_no_travel_and_have_no_host(network: Network):
    plan = make_plan([event("v", ["de-1", "pl-1", "fr-1"], virtual=True, kind="meeting")])
    result = schedule(network, plan)
    assert result.events[0].host is None
    assert result.total_travel_km == 0


def test_the_same_input_gives_the_same_schedule(network: Network):
    plan = make_plan(
        [
            event(f"e{i}", ["de-1", "nl-1", "fr-1", "pl-1"][i % 3 : i % 3 + 2], duration_days=2)
            for i in range(6)
        ],
        min_gap_days=7,
    )
    first = schedule(network, plan)
    second = schedule(network, plan)
    assert first.events == second.events
    assert first.unscheduled == second.unscheduled


def test_the_demo_year_places_every_event_and_is_proven_optimal():
    network = load_network(DATA / "network.yaml")
    plan = load_events(DATA / "exercises-2027.yaml", network)
    result = schedule(network, plan, time_limit_s=30)
    assert len(plan.events) >= 40
    assert result.status is ScheduleStatus.OPTIMAL
    assert result.unscheduled == ()
    assert check_schedule(network, plan, result) == []
    big = sorted((len(e.participants) for e in plan.events if e.kind == "exercise"), reverse=True)
    assert big[:2] == [25, 15]


def test_conflict_reasons_read_as_sentences_in_the_singular_and_plural(network: Network):
    plan = make_plan(
        [
            event("a", ["de-1", "nl-1"], duration_days=2),
            event("b", ["de-1", "nl-1"], duration_days=2),
        ],
        start="2027-03-01",
        end="2027-03-03",
        min_gap_days=1,
    )
    result = schedule(network, plan)
    assert [m.reason for m in result.unscheduled] == [
        "every possible slot conflicts with other events of de-1 and nl-1 (min gap 1 day)"
    ]


def test_full_host_countries_are_listed_with_the_limit_in_the_right_number(network: Network):
    # Maritime: de-1 (DE) and nl-1 (NL) may host; each country may host once.
    plan = make_plan(
        [event(name, ["de-1", "nl-1", "pl-1"], capability="maritime") for name in ("a", "b", "c")],
        max_hosted_per_country=1,
    )
    result = schedule(network, plan)
    assert [m.reason for m in result.unscheduled] == [
        "every possible slot needs a host in DE or NL, which already host the maximum of "
        "1 event each"
    ]


def test_a_blackout_reason_names_only_blackouts_on_the_events_own_days(network: Network):
    plan = make_plan(
        [
            event(
                "a",
                ["de-1", "at-1"],
                window={"start": "2027-03-10", "end": "2027-03-10"},
            )
        ],
        start="2027-03-01",
        end="2027-12-17",
        blackouts=[
            {"unit": "de-1", "start": "2027-03-10", "end": "2027-03-10", "reason": "court"},
            {"unit": "at-1", "start": "2027-08-01", "end": "2027-08-31"},
        ],
    )
    assert schedule(network, plan).unscheduled[0].reason == (
        "no 1-day slot free of blackouts for all participants in the window (blackouts of de-1)"
    )


def test_a_holiday_reason_names_the_country_and_its_holidays(network: Network):
    plan = make_plan(
        [
            event(
                "e",
                ["de-1", "nl-1"],
                host="de-1",
                window={"start": "2027-03-26", "end": "2027-03-29"},
            )
        ]
    )
    assert schedule(network, plan).unscheduled[0].reason == (
        "no 1-day slot free of public holidays in the window "
        "(public holidays in DE: Good Friday, Easter Monday)"
    )


def test_holidays_and_blackouts_together_are_both_named(network: Network):
    # Thursday is blacked out for nl-1, Friday and Monday are Easter holidays in DE.
    plan = make_plan(
        [
            event(
                "e",
                ["de-1", "nl-1"],
                host="de-1",
                window={"start": "2027-03-25", "end": "2027-03-29"},
            )
        ],
        blackouts=[{"unit": "nl-1", "start": "2027-03-25", "end": "2027-03-25"}],
    )
    assert schedule(network, plan).unscheduled[0].reason == (
        "no 1-day slot free of holidays and blackouts for all participants in the window "
        "(blackouts of nl-1; public holidays in DE: Good Friday, Easter Monday)"
    )


def test_a_window_past_the_horizon_is_cut_to_the_horizon(network: Network):
    plan = make_plan(
        [
            event(
                "e",
                ["de-1", "nl-1"],
                duration_days=2,
                window={"start": "2027-06-28", "end": "2027-07-30"},
            )
        ],
        start="2027-03-01",
        end="2027-06-30",
    )
    result = schedule(network, plan)
    assert check_schedule(network, plan, result) == []
    placed = result.event("e")
    assert placed is not None
    assert placed.start.isoformat() >= "2027-06-28" and placed.end.isoformat() <= "2027-06-30"


def test_a_window_outside_the_horizon_leaves_the_event_unplaced_with_the_reason(
    network: Network,
):
    plan = make_plan(
        [event("e", ["de-1", "nl-1"], window={"start": "2027-07-05", "end": "2027-07-30"})],
        start="2027-03-01",
        end="2027-06-30",
    )
    result = schedule(network, plan)
    assert result.unscheduled[0].reason == (
        "its window 2027-07-05..2027-07-30 lies outside the horizon 2027-03-01..2027-06-30"
    )
    assert result.status is ScheduleStatus.PARTIAL
