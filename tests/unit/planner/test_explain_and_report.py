"""Explanation sentences, the §6 JSON shape and the readable table."""

from __future__ import annotations

import json

from planner_factories import country, network, request, unit

from atlasbot.domain import Location, Network, TransportMode, UnitStatus
from atlasbot.planner.explain import (
    explain_exclusion,
    explain_not_chosen,
    explain_plan,
    explain_reserve,
)
from atlasbot.planner.matching import PlanningResult, plan, plan_joint, plan_single
from atlasbot.planner.report import format_table, result_to_json

AIR = (TransportMode.AIRCRAFT,)


def _network() -> Network:
    return network(
        [
            country("BE", name="Belgium"),
            country("DE", name="Germany", reserve=1),
            country("FR", name="France", armed=False),
            country("NO", name="Norway", bound=False),
            country("PL", name="Poland"),
            country("MT", name="Malta"),
            country("AT", name="Austria"),
        ],
        [
            unit("be-1", "BE", {"hostage_rescue": 1}),
            unit("de-1", "DE", {"hostage_rescue": 2}, lat=52.5, lon=13.4, transport=AIR),
            unit("de-2", "DE", {"hostage_rescue": 2}, lat=52.5, lon=13.4, transport=AIR),
            unit("fr-2", "FR", {"hostage_rescue": 2}),
            unit("no-1", "NO", {"hostage_rescue": 2}),
            unit("pl-1", "PL", {"hostage_rescue": 2}, status=UnitStatus.DEPLOYED),
            unit("mt-1", "MT", {"divers": 2}),
            unit("at-1", "AT", {"hostage_rescue": 2}, lat=48.2, lon=16.4, transport=AIR),
        ],
    )


def _result() -> PlanningResult:
    return plan_single(_network(), request({"hostage_rescue": 2}), alternatives=1)


def _sentence(result: PlanningResult, unit_id: str) -> str:
    (exclusion,) = [e for e in result.requests[0].excluded if e.id == unit_id]
    return explain_exclusion(exclusion, _network())


def test_each_exclusion_reads_as_a_sentence() -> None:
    result = _result()
    assert _sentence(result, "fr-2") == "fr-2 left out: France does not allow armed action abroad"
    assert _sentence(result, "pl-1") == "pl-1 left out: deployed"
    assert _sentence(result, "be-1") == "be-1 left out: it belongs to the requesting state"
    assert _sentence(result, "no-1") == (
        "no-1 left out: Norway is a partner state not bound by the Decision and the request "
        "does not include partners"
    )
    assert _sentence(result, "mt-1") == "mt-1 left out: has none of the needed capabilities"


def test_a_plan_reads_as_a_sentence() -> None:
    first = _result().requests[0].plans[0]
    eta = first.units[0].eta_minutes
    assert explain_plan(first, _network()) == (
        f"Plan 1 covers everything: de-1 (Germany, {eta} min by aircraft); "
        f"all on scene within {eta} min"
    )


def test_a_partial_plan_says_what_is_missing() -> None:
    result = plan_single(_network(), request({"hostage_rescue": 2, "cbrn": 1}), alternatives=0)
    sentence = explain_plan(result.requests[0].plans[0], _network())
    assert sentence.startswith("Plan 1 covers part of the need (missing cbrn 1): de-1")


def test_a_candidate_not_chosen_is_explained() -> None:
    result = _result()
    planning = result.requests[0]
    (at_1,) = [c for c in planning.candidates if c.id == "at-1"]
    assert explain_not_chosen(at_1, planning, result, _network()) == (
        "at-1 not in plan 1: plan 1 ranks before any plan with it (on-scene times, states, units)"
    )


def test_a_candidate_held_back_by_the_home_reserve_is_explained() -> None:
    result = plan_single(_network(), request({"hostage_rescue": 6}), alternatives=0)
    planning = result.requests[0]
    assert "de-1" in planning.plans[0].unit_ids
    (de_2,) = [c for c in planning.candidates if c.id == "de-2"]
    assert explain_not_chosen(de_2, planning, result, _network()) == (
        "de-2 not in plan 1: Germany keeps 1 of its 2 ready units at home and the plans "
        "already take the 1 it may give"
    )
    assert explain_reserve(result.country_limits["DE"], _network()) == (
        "Germany keeps 1 unit at home: at most 1 of its 2 ready units can be proposed"
    )


def test_a_candidate_given_to_another_request_is_explained() -> None:
    reqs = [
        request({"hostage_rescue": 2}, request_id="a", priority=3),
        request({"hostage_rescue": 2}, request_id="b", location=Location(51.2, 4.4)),
    ]
    result = plan_joint(_network(), reqs)
    planning = result.for_request("b")
    (de_1,) = [c for c in planning.candidates if c.id == "de-1"]
    assert explain_not_chosen(de_1, planning, result, _network()) == (
        "de-1 not in plan 1: it is proposed for a"
    )


def test_the_json_has_exactly_the_contract_keys() -> None:
    data = result_to_json(_result())
    json.dumps(data)  # serialisable as it is
    assert set(data) == {"optimal", "solve_ms", "requests"}
    assert data["optimal"] is True
    assert isinstance(data["solve_ms"], float)
    (entry,) = data["requests"]
    assert set(entry) == {"id", "coverage", "step_minutes", "plans", "candidates", "excluded"}
    assert entry["step_minutes"] == 10
    assert entry["coverage"] == "complete"
    first = entry["plans"][0]
    assert set(first) == {
        "rank",
        "units",
        "shortfall",
        "on_scene_minutes",
        "latest_eta_minutes",
        "state_count",
        "unit_count",
        "total_eta_minutes",
    }
    assert first["rank"] == 1
    assert set(first["units"][0]) == {
        "id",
        "country",
        "eta_minutes",
        "mode",
        "provides",
        "asked",
    }
    assert first["units"][0]["provides"] == {"hostage_rescue": 2}
    assert first["units"][0]["asked"] == {"hostage_rescue": 2}
    assert first["on_scene_minutes"] == {"hostage_rescue": first["units"][0]["eta_minutes"]}
    assert first["state_count"] == first["unit_count"] == 1
    assert first["shortfall"] == {}
    assert set(entry["candidates"][0]) == {"id", "country", "eta_minutes", "mode"}
    assert {"id": "pl-1", "reasons": ["status"]} in entry["excluded"]
    assert [e["id"] for e in entry["excluded"]] == sorted(e["id"] for e in entry["excluded"])


def test_the_json_of_a_request_nobody_can_help_has_no_plans() -> None:
    data = result_to_json(plan(_network(), [request({"cbrn": 1})], 2))
    (entry,) = data["requests"]
    assert entry["coverage"] == "none"
    assert entry["plans"] == []


def test_the_table_shows_plans_candidates_and_exclusions() -> None:
    text = format_table(_result(), _network())
    assert "proven optimal" in text
    assert "Coverage: complete" in text
    assert "Plan 1 covers everything: 1 unit from 1 state" in text
    assert "Hostage rescue ×2: de-1 (DE), on scene in " in text
    assert "hostage rescue 2 of 2" in text
    assert "at-1" in text
    assert "fr-2 left out: France does not allow armed action abroad" in text
    assert "Germany keeps 1 unit at home" in text


def test_the_table_marks_partner_units_when_partners_are_included() -> None:
    """R12: the plan marks units of states the Decision does not bind."""
    only_norway = network(
        [country("BE", name="Belgium"), country("NO", name="Norway", bound=False)],
        [unit("no-1", "NO", {"hostage_rescue": 2})],
    )
    result = plan_single(only_norway, request({"hostage_rescue": 2}, include_partners=True))
    text = format_table(result, only_norway)
    assert "no-1         NO*" in text
    assert "* partner state, not bound by the Decision" in text
    assert "1 unit;" in text
    assert "partner" not in format_table(_result(), _network()).split("Could help")[0]


def test_a_candidate_in_an_alternative_plan_says_so() -> None:
    result = plan_single(_network(), request({"hostage_rescue": 2}), alternatives=2)
    planning = result.requests[0]
    first = set(planning.plans[0].unit_ids)
    rank, unit_id = next(
        (plan.rank, unit.id)
        for plan in planning.plans[1:]
        for unit in plan.units
        if unit.id not in first and result.country_limits[unit.country].home_reserve == 0
    )
    (candidate,) = [c for c in planning.candidates if c.id == unit_id]
    assert explain_not_chosen(candidate, planning, result, _network()) == (
        f"{unit_id} not in plan 1: it is in the alternative plan {rank}"
    )


def test_a_state_whose_reserve_takes_all_its_units_is_named_as_the_reason() -> None:
    guarded = network(
        [country("BE", name="Belgium"), country("FR", name="France", reserve=5)],
        [unit("fr-1", "FR", {"hostage_rescue": 1})],
    )
    result = plan_single(guarded, request({"hostage_rescue": 1}))
    planning = result.requests[0]
    (fr_1,) = planning.candidates
    assert explain_not_chosen(fr_1, planning, result, guarded) == (
        "fr-1 not in plan 1: France keeps all its 1 ready unit at home (home reserve 5)"
    )
