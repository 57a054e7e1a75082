"""Re-planning after units drop out moves as little as possible and says what changed."""

from __future__ import annotations

import dataclasses

from training_factories import day, event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import check_schedule, schedule, travel_km
from atlasbot.training.replan import format_days, replan


def three_event_plan():
    return make_plan(
        [
            event("mar-1", ["de-1", "nl-1", "pl-1"], duration_days=3, capability="maritime"),
            event("neg-1", ["be-1", "at-1"], duration_days=2),
            event("hr-1", ["de-2", "fr-1", "pl-1"], duration_days=2),
        ],
        min_gap_days=14,
    )


def test_a_declining_host_moves_only_its_own_event(network: Network):
    plan = three_event_plan()
    published = schedule(network, plan)
    mar = published.event("mar-1")
    assert mar is not None and mar.host == "de-1"
    outcome = replan(network, plan, published, declined={"mar-1": ["de-1"]})
    assert check_schedule(network, outcome.plan, outcome.result) == []
    after = outcome.result.event("mar-1")
    assert after is not None and after.host == "nl-1"
    assert after.participants == ("nl-1", "pl-1")
    for other in ("neg-1", "hr-1"):
        assert outcome.result.event(other) == published.event(other)
    assert outcome.changes[0] == "de-1 removed from mar-1 (declined)"
    assert outcome.changes[1].startswith("mar-1 moved from ") and outcome.changes[1].endswith(
        "at nl-1"
    )
    assert len(outcome.changes) == 2


def test_keeping_published_dates_comes_before_saving_travel(network: Network):
    plan = three_event_plan()
    published = schedule(network, plan)
    # Publish hr-1 at a dearer host; re-planning with nothing changed must not move it.
    dear = dataclasses.replace(
        published.event("hr-1"),
        host="fr-1",
        travel_km=travel_km(network, "fr-1", ["de-2", "pl-1"]),
    )
    published = dataclasses.replace(
        published,
        events=tuple(dear if e.id == "hr-1" else e for e in published.events),
        total_travel_km=published.total_travel_km
        - published.event("hr-1").travel_km
        + dear.travel_km,
    )
    assert check_schedule(network, plan, published) == []
    assert dear.travel_km > schedule(network, plan).event("hr-1").travel_km
    outcome = replan(network, plan, published)
    assert outcome.changes == ()
    assert outcome.result.event("hr-1") == dear


def test_an_unavailable_unit_leaves_future_events_and_past_ones_stay_as_held(network: Network):
    plan = make_plan(
        [
            event("early", ["de-1", "nl-1"], window={"start": "2027-03-01", "end": "2027-03-05"}),
            event(
                "late",
                ["de-1", "fr-1", "pl-1"],
                window={"start": "2027-05-03", "end": "2027-05-07"},
            ),
        ],
        min_gap_days=14,
    )
    published = schedule(network, plan)
    outcome = replan(
        network, plan, published, unavailable_units=["de-1"], from_date=day("2027-04-01")
    )
    assert check_schedule(network, outcome.plan, outcome.result) == []
    assert outcome.result.event("early") == published.event("early")
    late = outcome.result.event("late")
    assert late is not None and "de-1" not in late.participants
    assert "de-1 removed from late (unavailable from 2027-04-01)" in outcome.changes
    assert any(b.unit == "de-1" and b.start == day("2027-04-01") for b in outcome.plan.blackouts)


def test_an_event_left_with_one_unit_can_no_longer_be_placed(network: Network):
    plan = make_plan([event("pair", ["de-1", "nl-1"])])
    published = schedule(network, plan)
    outcome = replan(network, plan, published, unavailable_units=["nl-1"])
    assert outcome.result.event("pair") is None
    assert outcome.changes[-1] == (
        "pair could no longer be placed: fewer than two participants remain, "
        "so there is no joint event to hold"
    )


def test_moved_events_never_go_before_the_re_planning_date(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1", "pl-1"], capability="maritime")])
    published = schedule(network, plan)
    outcome = replan(
        network, plan, published, declined={"e": ["de-1"]}, from_date=day("2027-03-01")
    )
    moved = outcome.result.event("e")
    assert moved is not None and moved.start >= day("2027-03-01")


def test_day_ranges_are_written_compactly():
    assert format_days(day("2027-03-08"), day("2027-03-10")) == "2027-03-08..10"
    assert format_days(day("2027-03-31"), day("2027-04-02")) == "2027-03-31..04-02"
    assert format_days(day("2027-03-08"), day("2027-03-08")) == "2027-03-08"


def test_another_placement_keeps_every_unit_and_moves_no_other_event(network: Network):
    from atlasbot.training.replan import other_placement

    plan = three_event_plan()
    published = schedule(network, plan)
    mar = published.event("mar-1")
    assert mar is not None
    found = other_placement(
        network, plan, published, "mar-1", avoid=["pl-1"], from_date=plan.horizon.start
    )
    assert found is not None and found.participants == mar.participants
    assert not (found.start <= mar.end and mar.start <= found.end), "pl-1 can't on those days"
    moved = dataclasses.replace(
        published,
        events=tuple(found if e.id == "mar-1" else e for e in published.events),
        total_travel_km=sum((found if e.id == "mar-1" else e).travel_km for e in published.events),
    )
    assert check_schedule(network, plan, moved) == []


def test_a_unit_for_which_travel_is_the_obstacle_may_host_on_the_same_days(network: Network):
    from atlasbot.training.replan import hosted_by, placement_problems

    plan = three_event_plan()
    published = schedule(network, plan)
    mar = published.event("mar-1")
    assert mar is not None and mar.host == "de-1"
    hosted = hosted_by(network, plan, published, "mar-1", "nl-1")
    assert hosted is not None
    assert (hosted.start, hosted.host) == (mar.start, "nl-1")
    assert hosted.travel_km == travel_km(network, "nl-1", mar.participants)
    # pl-1 cannot host a maritime training: the rule it breaks is named, and no option.
    assert hosted_by(network, plan, published, "mar-1", "pl-1") is None
    moved = dataclasses.replace(mar, host="pl-1")
    assert placement_problems(network, plan, published, moved) == [
        "mar-1: host pl-1 lacks capability maritime"
    ]
    assert hosted_by(network, plan, published, "mar-1", "fr-1") is None  # not a participant
