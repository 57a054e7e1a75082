"""A time limit that binds: never below first fit, counted from the start, honest reasons.

Some tests look inside the model (``model.build_model``, ``model.set_hint``): whether the
first-fit hint is complete and feasible is a property of the model, not of any schedule it returns.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ortools.sat.python import cp_model
from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.network import load_network
from atlasbot.training.calendar import (
    Placement,
    ScheduleStatus,
    check_schedule,
    first_fit,
    schedule,
)
from atlasbot.training.calendar import baseline as calendar_baseline
from atlasbot.training.calendar import model as calendar_model
from atlasbot.training.calendar import options as calendar_options
from atlasbot.training.events_file import EventsPlan, load_events

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def demo() -> tuple[Network, EventsPlan]:
    network = load_network(DATA / "network.yaml")
    return network, load_events(DATA / "exercises-2027.yaml", network)


def test_a_tiny_limit_returns_at_least_the_first_fit_schedule(demo: tuple[Network, EventsPlan]):
    network, plan = demo
    baseline = first_fit(network, plan)
    result = schedule(network, plan, time_limit_s=0.1)
    assert check_schedule(network, plan, result) == []
    assert len(baseline.events) == 38
    assert len(result.events) >= len(baseline.events)
    if len(result.events) == len(baseline.events):
        assert result.total_travel_km <= baseline.total_travel_km
    assert not result.proven_optimal
    assert result.status is ScheduleStatus.PARTIAL


def test_first_fit_is_a_complete_hint_the_model_accepts(demo: tuple[Network, EventsPlan]):
    network, plan = demo
    options = calendar_options.all_options(network, plan, {}, {})
    hint = calendar_baseline.greedy(network, plan, options)
    cal, stages = calendar_model.build_model(cp_model.CpModel(), network, plan, options, {}, {})
    _assert_complete_and_feasible(cal, stages, hint)


def test_the_re_planning_hint_keeps_pins_and_publications_and_is_feasible(
    demo: tuple[Network, EventsPlan],
):
    network, plan = demo
    published = schedule(network, plan)
    cut = published.events[len(published.events) // 2].start
    pinned = {e.id: Placement(e.start, e.host) for e in published.events if e.start < cut}
    still_open = {e.id: Placement(e.start, e.host) for e in published.events if e.id not in pinned}
    earliest = {e.id: cut for e in plan.events if e.id not in pinned}
    options = calendar_options.all_options(network, plan, earliest, pinned)
    hint = calendar_baseline.greedy(network, plan, options, pinned=pinned, published=still_open)
    # Nothing changed, so the hint is the published calendar itself: nothing moves.
    start = plan.horizon.start
    assert hint == {e.id: ((e.start - start).days, e.host) for e in published.events}
    cal, stages = calendar_model.build_model(
        cp_model.CpModel(), network, plan, options, pinned, still_open
    )
    _assert_complete_and_feasible(cal, stages, hint)


def _assert_complete_and_feasible(
    cal: calendar_model.CalendarModel,
    stages: list[cp_model.LinearExprT],
    hint: dict[str, tuple[int, str | None]],
) -> None:
    calendar_model.set_hint(cal, hint)
    proto = cal.model.proto
    assert len(proto.solution_hint.vars) == len(proto.variables)
    cal.model.minimize(stages[0])
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(cal.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert round(solver.objective_value) == len(cal.placed) - len(hint)


def test_the_limit_counts_from_the_start_including_building_the_model(
    demo: tuple[Network, EventsPlan], monkeypatch: pytest.MonkeyPatch
):
    network, plan = demo
    slow = calendar_options.event_options

    def slow_options(*args: object, **kwargs: object) -> calendar_options.EventOptions:
        time.sleep(0.02)  # 45 events: about 0.9 s of building before any solving
        return slow(*args, **kwargs)

    monkeypatch.setattr(calendar_options, "event_options", slow_options)
    started = time.perf_counter()
    result = schedule(network, plan, time_limit_s=1.5)
    wall = time.perf_counter() - started
    assert check_schedule(network, plan, result) == []
    assert wall < 1.5 + 0.5, wall
    assert result.solve_ms <= wall * 1000


def test_reasons_under_a_binding_limit_claim_no_proven_impossibility(
    demo: tuple[Network, EventsPlan],
):
    network, plan = demo
    result = schedule(network, plan, time_limit_s=0.1)
    assert result.unscheduled
    for missing in result.unscheduled:
        assert missing.reason.startswith(
            "not placed within the time limit, though it could be placed on its own: "
            "with the events placed so far, every possible slot "
        ), missing.reason
        assert missing.reason.endswith("; a longer time limit may find room for it")


def test_a_reason_proven_whatever_the_solve_stays_under_a_binding_limit(network: Network):
    plan = make_plan(
        [
            event("a", ["de-1", "nl-1"], duration_days=2),
            event("cbrn", ["de-1", "nl-1"], capability="cbrn"),
            event(
                "late",
                ["de-1", "nl-1"],
                window={"start": "2027-09-01", "end": "2027-09-30"},
            ),
        ]
    )
    result = schedule(network, plan, time_limit_s=0.1)
    reasons = {missing.id: missing.reason for missing in result.unscheduled}
    assert reasons["cbrn"] == "no participant has capability cbrn to host"
    assert reasons["late"] == (
        "its window 2027-09-01..2027-09-30 lies outside the horizon 2027-03-01..2027-06-30"
    )


def test_an_event_that_still_fits_is_added_after_the_solver_stops(network: Network):
    # The repair pass: first fit on top of a schedule the solver left with room to spare.
    plan = make_plan(
        [event(f"e{i}", ["de-1", "nl-1"]) for i in range(3)] + [event("f", ["fr-1", "be-1"])],
        min_gap_days=3,
    )
    options = calendar_options.all_options(network, plan, {}, {})
    stopped_early = {"e1": (30, "de-1"), "f": (1, "be-1")}
    repaired = calendar_baseline.greedy(network, plan, options, base=stopped_early)
    assert repaired.items() >= stopped_early.items()
    assert set(repaired) == {"e0", "e1", "e2", "f"}
