"""Version 2 of the §5 order as a commander notices it: each capability on scene as early as
it can be, teams asked rather than whole units, the planning step, concurrent crises, and
reasons in the order's own terms (the cases of issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from planner_factories import BRUSSELS, country, network, request, unit

from atlasbot.domain import CrisisRequest, Location, Network, make_request
from atlasbot.network import load_network
from atlasbot.planner.explain import (
    engaged_sentence,
    irreplaceable_sentence,
    on_scene_lines,
    why_not_others_lines,
)
from atlasbot.planner.matching import Engagement, Order, plan_joint, plan_single
from atlasbot.planner.reasons import WhyNot, irreplaceable_units, why_not_others
from atlasbot.rules import Reason

DEMO = Path(__file__).resolve().parents[3] / "data" / "network.yaml"
ANTWERP = Location(51.2194, 4.4025, "Antwerp")
LILLE = Location(50.6292, 3.0573, "Lille")
NEEDS = {"hostage_rescue": 2, "negotiation": 1, "precision_marksmen": 1, "eod": 1}


@pytest.fixture(scope="module")
def demo() -> Network:
    return load_network(DEMO)


def _hostage_taking(place: Location, requesting: str, request_id: str) -> CrisisRequest:
    return make_request(
        id=request_id,
        requesting_country=requesting,
        crisis="hostage_taking",
        location=place,
        needs=NEEDS,
        assistance=["action"],
    )


def test_antwerp_brings_hostage_rescue_and_negotiation_long_before_bomb_disposal(
    demo: Network,
) -> None:
    req = _hostage_taking(ANTWERP, "BE", "antwerp")
    result = plan_single(demo, req)
    planning = result.requests[0]
    first = planning.plans[0]
    assert result.optimal
    assert first.total_shortfall == 0
    on_scene = first.on_scene_minutes
    # nl-1 flies in by helicopter; only de-1 (224 min) has bomb disposal within 4 h.
    assert on_scene["hostage_rescue"] == on_scene["negotiation"] == 87
    assert on_scene["eod"] == 224
    assert first.unit("nl-1").asked == {"hostage_rescue": 2, "negotiation": 1}
    assert first.unit("de-1").asked == {"eod": 1}
    assert on_scene_lines(first, req, demo)[1] == (
        "Hostage rescue ×2: nl-1 (NL), on scene in 1 h 27 min by helicopter"
    )
    assert all("de-1" in p.unit_ids for p in planning.plans)
    (only,) = irreplaceable_units(demo, result, "antwerp")
    assert (only.unit_id, only.capabilities, only.minutes_without) == ("de-1", ("eod",), 252)
    assert irreplaceable_sentence(only, demo).startswith(
        "de-1 is in every plan: the only unit with explosive ordnance disposal in reach"
    )


def test_antwerp_says_why_the_free_helicopter_units_are_not_in_plan_1(demo: Network) -> None:
    result = plan_single(demo, _hostage_taking(ANTWERP, "BE", "antwerp"))
    others = why_not_others(demo, result, "antwerp")
    by_id = {w.unit_id: w for w in others.nearest}
    assert len(others.nearest) == 10
    assert others.more == len(result.requests[0].candidates) - 3 - 10
    assert by_id["de-3"].why is WhyNot.HOME_RESERVE
    fr_1 = by_id["fr-1"]
    assert (fr_1.why, fr_1.capability, fr_1.minutes_with, fr_1.minutes_now) == (
        WhyNot.LATER,
        "hostage_rescue",
        128,
        87,
    )
    lines = why_not_others_lines(result.requests[0], result, others, demo)
    assert len(lines) <= 14  # one screen
    assert any(line.startswith("… and ") for line in lines)
    assert "faster or smaller" not in "\n".join(lines)


def test_lille_uses_be_1_when_de_1_is_asked_in_antwerp(demo: Network) -> None:
    busy = {"de-1": Engagement("crisis #1, Antwerp", 2)}
    req = _hostage_taking(LILLE, "FR", "lille")
    v1 = plan_single(demo, req, engaged=busy, order=Order.V1).requests[0].plans[0]
    assert v1.unit_ids == ("at-1",)  # what issue 10 saw: be-1 in Brussels left unused
    planning = plan_single(demo, req, engaged=busy).requests[0]
    first = planning.plans[0]
    assert first.unit_ids == ("be-1", "at-1")
    assert first.unit("at-1").asked == {"eod": 1}
    assert first.on_scene_minutes["hostage_rescue"] == first.unit("be-1").eta_minutes
    (de_1,) = [e for e in planning.excluded if e.id == "de-1"]
    assert de_1.reasons == (Reason.STATUS,)
    assert de_1.engaged_in == busy["de-1"]
    assert engaged_sentence(de_1, req) == (
        "de-1 (DE): asked in another open crisis, crisis #1, Antwerp (priority 2)"
    )


def test_a_higher_priority_request_is_told_whose_units_those_are() -> None:
    busy = Engagement("crisis #4, Ghent", priority=1)
    urgent = request({"hostage_rescue": 1}, priority=3)
    assert busy.outranked_by(urgent)
    assert not busy.outranked_by(request({"hostage_rescue": 1}, priority=1))
    net = network([country("BE"), country("DE")], [unit("de-1", "DE", {"hostage_rescue": 1})])
    planning = plan_single(net, urgent, engaged={"de-1": busy}).requests[0]
    assert planning.plans == ()
    sentence = engaged_sentence(planning.excluded[0], urgent)
    assert sentence is not None
    assert sentence.endswith(
        "this request has the higher priority (3): the requester of crisis #4, Ghent can be "
        "asked to release it"
    )


def test_a_unit_with_more_teams_than_needed_is_asked_only_for_the_need() -> None:
    net = network(
        [country("BE"), country("DE")],
        [unit("de-1", "DE", {"hostage_rescue": 3, "negotiation": 2}, lat=50.9, lon=7.0)],
    )
    first = plan_single(net, request({"hostage_rescue": 2})).requests[0].plans[0]
    assert first.units[0].asked == {"hostage_rescue": 2}
    assert first.units[0].provides == {"hostage_rescue": 3}


def _near_tie() -> Network:
    # Both units wait at the crisis: their ETAs are their mobilisation times, 91 and 95 min.
    return network(
        [country("BE"), country("DE"), country("NL")],
        [
            unit("de-1", "DE", {"hostage_rescue": 1, "negotiation": 1}, mobilisation=95,
                 lat=BRUSSELS.lat, lon=BRUSSELS.lon),
            unit("nl-1", "NL", {"hostage_rescue": 1}, mobilisation=91,
                 lat=BRUSSELS.lat, lon=BRUSSELS.lon),
        ],
    )  # fmt: skip


def test_the_step_lets_one_state_bring_everything_when_a_second_gains_minutes_only() -> None:
    req = request({"hostage_rescue": 1, "negotiation": 1})
    rounded = plan_single(_near_tie(), req, step_minutes=10).requests[0].plans[0]
    assert rounded.unit_ids == ("de-1",)
    exact = plan_single(_near_tie(), req, step_minutes=1).requests[0].plans[0]
    assert exact.unit_ids == ("nl-1", "de-1")
    assert exact.on_scene_minutes == {"hostage_rescue": 91, "negotiation": 95}


def test_a_second_state_for_no_minute_gained_is_named_as_the_reason() -> None:
    req = request({"hostage_rescue": 1, "negotiation": 1})
    result = plan_single(_near_tie(), req, alternatives=0)
    (nl_1,) = why_not_others(_near_tie(), result, "req-1").nearest
    assert nl_1.why is WhyNot.MORE_STATES


def test_a_unit_planned_for_another_request_names_it_and_its_priority() -> None:
    net = network(
        [country("BE"), country("DE")],
        [unit("de-1", "DE", {"hostage_rescue": 1}, lat=50.9, lon=7.0)],
    )
    reqs = [
        request({"hostage_rescue": 1}, request_id="ghent", priority=3),
        request({"hostage_rescue": 1}, request_id="liege", location=Location(50.63, 5.57)),
    ]
    result = plan_joint(net, reqs)
    planning = result.for_request("liege")
    (de_1,) = why_not_others(net, result, "liege").nearest
    assert (de_1.why, de_1.other_request, de_1.other_priority) == (
        WhyNot.OTHER_REQUEST,
        "ghent",
        3,
    )
    assert planning.plans == ()


def test_every_rule_of_the_model_says_whether_it_is_hard_or_soft() -> None:
    from atlasbot.planner.model import PlanningModel

    rules = [
        getattr(PlanningModel, name)
        for name in vars(PlanningModel)
        if name.startswith("_") and not name.startswith("__") and name not in ("_levels",)
        if name not in ("_declare_unit",)
    ]
    assert len(rules) == 8
    for rule in rules:
        assert (rule.__doc__ or "").startswith(("Hard", "Soft")), rule.__name__
