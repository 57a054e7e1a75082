"""Training currency: last joint training per unit capability, stale ones, and a proposal."""

from __future__ import annotations

from training_factories import day, make_network

from atlasbot.domain import Network
from atlasbot.training.currency import (
    TrainingRecord,
    last_trained,
    months_before,
    propose_events,
    stale_capabilities,
)
from atlasbot.training.events_file import parse_events

TODAY = day("2027-06-15")


def records():
    return [
        TrainingRecord("de-1", "maritime", day("2026-03-01")),
        TrainingRecord("de-1", "maritime", day("2027-01-10")),
        TrainingRecord("nl-1", "maritime", day("2026-05-01")),
        TrainingRecord("de-1", "hostage_rescue", day("2027-07-01")),  # after today: ignored
    ]


def test_the_last_joint_training_is_the_latest_one_up_to_today(network: Network):
    last = last_trained(network, records(), TODAY)
    assert last[("de-1", "maritime")] == day("2027-01-10")
    assert last[("de-1", "hostage_rescue")] is None
    assert ("de-1", "cbrn") not in last  # de-1 does not have cbrn


def test_capabilities_not_trained_within_twelve_months_are_stale(network: Network):
    stale = {(s.unit, s.capability) for s in stale_capabilities(network, records(), TODAY)}
    assert ("nl-1", "maritime") in stale
    assert ("de-1", "maritime") not in stale
    assert ("de-1", "hostage_rescue") in stale


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert months_before(day("2027-03-31"), 1) == day("2027-02-28")
    assert months_before(TODAY, 12) == day("2026-06-15")


def test_the_proposal_is_a_valid_events_file_with_joint_events_only(network: Network):
    proposal = propose_events(network, records(), TODAY, day("2027-12-17"))
    plan = parse_events(proposal, "proposal", make_network())
    assert plan.events, "something is stale in the fixture"
    assert all(len(e.participants) >= 2 for e in plan.events)
    maritime = [e for e in plan.events if e.capability == "maritime"]
    # nl-1 alone is stale for maritime: it is paired with the nearest unit that has it.
    assert [set(e.participants) for e in maritime] == [{"nl-1", "de-1"}]
    covered = {(u, e.capability) for e in plan.events for u in e.participants}
    stale = {(s.unit, s.capability) for s in stale_capabilities(network, records(), TODAY)}
    assert stale <= covered
