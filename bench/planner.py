"""Benchmark of the crisis planner (docs/formats.md §5 version 2): speed against HiGHS, and what
version 2 changes for a commander against version 1 on the demo network.

Run: .venv/bin/python bench/planner.py [--quick]

Speed cases
  (a) the demo network, one request + 2 alternatives, median of 25 runs, ETAs included (the
      distance cache is cleared before every run): Antwerp as in issue 10 (hostage rescue 2,
      negotiation 1, precision marksmen 1, bomb disposal 1) and Brussels (hostage rescue 2,
      negotiation 1). Goal: median <= 20 ms for the whole call.
  (b) a seeded synthetic network of 300 units, 10 requests planned jointly. Goal: proven
      optimal and >= 10x faster than HiGHS on the same model.
  (c) 1,000 units, 30 requests planned jointly. Goal: proven optimal within 10 s.

HiGHS (scipy.optimize.milp) solves the very same CP-SAT model of the whole joint call,
translated constraint by constraint from its proto: the instance after the greedy bound drops
late units (the planner's own first step), the six §5 criteria one after another (no
tie-breaks), with a time limit per case; its figures must agree with CP-SAT's.

Quality: 200 seeded crises on data/network.yaml, the first plan by the version 1 order
against version 2: when the first capability is on scene, each capability, the whole
package, and how many states are asked.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atlasbot.domain import (  # noqa: E402
    CrisisRequest,
    Location,
    Network,
    TransportMode,
    Unit,
    UnitStatus,
    frozen_counts,
    make_request,
)
from atlasbot.geo import geodesic_km  # noqa: E402
from atlasbot.network import load_network  # noqa: E402
from atlasbot.planner.instance import (  # noqa: E402
    Order,
    build_instance,
    greedy_solution,
    objective_key,
    without_late_options,
)
from atlasbot.planner.matching import Plan, PlanningResult, plan  # noqa: E402
from atlasbot.planner.model import PlanningModel  # noqa: E402
from atlasbot.planner.travel import TravelModel  # noqa: E402

DEMO = ROOT / "data" / "network.yaml"
INT64_MAX = 2**63 - 1


# ------------------------------------------------------------------------------------------
# Instances.


def demo_request(place: str, lat: float, lon: float, needs: dict[str, int]) -> CrisisRequest:
    return make_request(
        id=place.lower(),
        requesting_country="BE",
        crisis="hostage_taking",
        location=Location(lat, lon, place),
        needs=needs,
        assistance=["action"],
    )


ANTWERP = demo_request(
    "Antwerp",
    51.2194,
    4.4025,
    {"hostage_rescue": 2, "negotiation": 1, "precision_marksmen": 1, "eod": 1},
)
BRUSSELS = demo_request("Brussels", 50.85, 4.35, {"hostage_rescue": 2, "negotiation": 1})


def synthetic_case(units: int, requests: int, seed: int) -> tuple[Network, list[CrisisRequest]]:
    """A seeded network over Europe with the demo's states and catalogue, and requests."""
    rng = random.Random(seed)
    demo = load_network(DEMO)
    countries = demo.countries
    catalogue = [c.code for c in demo.capabilities]
    generated = []
    for i in range(units):
        home = countries[i % len(countries)]
        modes = [TransportMode.ROAD]
        modes += [
            m for m in (TransportMode.HELICOPTER, TransportMode.AIRCRAFT) if rng.random() < 0.5
        ]
        skills = rng.sample(catalogue, rng.randint(2, 6))
        generated.append(
            Unit(
                id=f"{home.code.lower()}-{i // len(countries) + 1}",
                name=f"Synthetic unit {i}",
                country=home.code,
                base=Location(rng.uniform(36, 65), rng.uniform(-10, 30)),
                status=rng.choices(list(UnitStatus), weights=[70, 20, 5, 5])[0],
                mobilisation_minutes=rng.choice([30, 45, 60, 90, 120]),
                transport=tuple(modes),
                capabilities=frozen_counts({s: rng.randint(1, 3) for s in skills}),
            )
        )
    network = Network(demo.capabilities, countries, tuple(generated))
    members = [c for c in countries if c.bound_by_decision]
    asked = [
        make_request(
            id=f"req-{r + 1}",
            requesting_country=rng.choice(members).code,
            crisis="hostage_taking",
            location=Location(rng.uniform(38, 62), rng.uniform(-8, 28)),
            needs={s: rng.randint(1, 3) for s in rng.sample(catalogue, rng.randint(2, 3))},
            assistance=rng.choice([["action"], ["expertise"], ["action", "equipment"]]),
            priority=rng.randint(1, 3),
        )
        for r in range(requests)
    ]
    return network, asked


# ------------------------------------------------------------------------------------------
# HiGHS on the same model, translated from the CP-SAT proto.


@dataclass
class HighsOutcome:
    key: tuple[int, ...] | None
    proven: bool
    hit_limit: bool
    ms: float


class _Milp:
    """The rows of a CP-SAT proto as a scipy MILP (only the constraint kinds the planner uses)."""

    def __init__(self, proto: Any) -> None:
        self.width = len(proto.variables)
        # list() first: the proto's repeated fields do not index from the end.
        domains = [list(v.domain) for v in proto.variables]
        self.lower = np.array([float(d[0]) for d in domains])
        self.upper = np.array([float(d[-1]) for d in domains])
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.row_low: list[float] = []
        self.row_high: list[float] = []
        for constraint in proto.constraints:
            self._translate(constraint)

    def _row(self, terms: Sequence[tuple[int, float]], low: float, high: float) -> None:
        index = len(self.row_low)
        for column, value in terms:
            self.rows.append(index)
            self.cols.append(column)
            self.vals.append(value)
        self.row_low.append(low)
        self.row_high.append(high)

    @staticmethod
    def _literal(ref: int) -> tuple[int, float, float]:
        """A literal as (column, coefficient, constant): x, or 1 - x for a negated one."""
        return (ref, 1.0, 0.0) if ref >= 0 else (-ref - 1, -1.0, 1.0)

    def _translate(self, constraint: Any) -> None:
        if constraint.has_bool_and():
            (enforcement,) = constraint.enforcement_literal
            e_col, e_coef, e_const = self._literal(enforcement)
            for ref in constraint.bool_and.literals:
                col, coef, const = self._literal(ref)  # literal >= enforcement
                self._row([(col, coef), (e_col, -e_coef)], e_const - const, np.inf)
        elif constraint.has_at_most_one():
            parts = [self._literal(ref) for ref in constraint.at_most_one.literals]
            self._row([(c, k) for c, k, _ in parts], -np.inf, 1 - sum(k for _, _, k in parts))
        elif constraint.has_linear():
            assert not constraint.enforcement_literal
            linear = constraint.linear
            domain = list(linear.domain)
            low, high = domain[0], domain[-1]
            self._row(
                list(zip(linear.vars, map(float, linear.coeffs), strict=True)),
                -np.inf if low <= -INT64_MAX else float(low),
                np.inf if high >= INT64_MAX else float(high),
            )
        else:
            raise ValueError(f"no MILP translation for {constraint}")

    def minimise(self, cost: np.ndarray, time_limit_s: float) -> Any:
        matrix = coo_matrix(
            (self.vals, (self.rows, self.cols)), shape=(len(self.row_low), self.width)
        ).tocsr()
        return milp(
            cost,
            constraints=LinearConstraint(matrix, self.row_low, self.row_high),
            integrality=np.ones(self.width),
            bounds=Bounds(self.lower, self.upper),
            options={"time_limit": max(0.01, time_limit_s)},
        )


def _objectives(model: PlanningModel) -> list[tuple[np.ndarray, float]]:
    """Each §5 criterion of the model as a cost vector and a constant."""
    costs = []
    for expression, _ in model.criteria()[:-1]:  # the last one is the tie-break rank sum
        model.model.minimize(expression)
        objective = model.model.proto.objective
        cost = np.zeros(len(model.model.proto.variables))
        for var, coef in zip(objective.vars, objective.coeffs, strict=True):
            cost[var] += coef
        costs.append((cost, float(objective.offset)))
    model.model.clear_objective()  # type: ignore[no-untyped-call]
    return costs


def highs_on_the_same_model(
    network: Network, requests: Sequence[CrisisRequest], time_limit_s: float
) -> HighsOutcome:
    """The six §5 criteria one after another with HiGHS, on the whole call as one model."""
    instance = build_instance(network, requests, TravelModel())
    instance = without_late_options(instance, greedy_solution(instance))
    model = PlanningModel(instance)
    costs = _objectives(model)
    problem = _Milp(model.model.proto)
    started = time.perf_counter()
    values: list[int] = []
    proven = True
    for cost, offset in costs:
        remaining = time_limit_s - (time.perf_counter() - started)
        outcome = problem.minimise(cost, remaining) if remaining > 0 else None
        if outcome is None or outcome.x is None:
            return HighsOutcome(None, False, True, (time.perf_counter() - started) * 1000)
        proven = proven and outcome.status == 0
        values.append(round(outcome.fun + offset))
        nonzero = np.nonzero(cost)[0]
        problem._row(
            [(int(j), float(cost[j])) for j in nonzero], -np.inf, values[-1] - offset + 0.5
        )
    ms = (time.perf_counter() - started) * 1000
    return HighsOutcome(tuple(values), proven, not proven, ms)


# ------------------------------------------------------------------------------------------
# Speed.


def timed(runs: int, action: Callable[[], PlanningResult]) -> tuple[float, PlanningResult]:
    times = []
    result = action()  # warm-up: imports and the solver's first start
    for _ in range(runs):
        geodesic_km.cache_clear()
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def our_key(
    network: Network, requests: Sequence[CrisisRequest], result: PlanningResult
) -> tuple[int, ...]:
    """The §5 key of our first plans, recomputed from the returned plans alone."""
    instance = build_instance(network, requests, TravelModel())
    index = {unit.id: i for i, unit in enumerate(instance.units)}
    solution = tuple(
        {
            index[u.id]: tuple(u.asked.get(c, 0) for c in p.request.needs)
            for u in (p.plans[0].units if p.plans else ())
        }
        for p in result.requests
    )
    return objective_key(instance, solution)


def speed_rows(quick: bool) -> list[str]:
    rows = []
    demo = load_network(DEMO)
    for label, request in (("Antwerp", ANTWERP), ("Brussels", BRUSSELS)):
        ms, result = timed(25, lambda r=request: plan(demo, [r], 2))  # type: ignore[misc]
        plans = len(result.requests[0].plans)
        met = "met" if ms <= 20 and result.optimal else "NOT met"
        rows.append(
            f"| (a) demo, {label}, 1 request + {plans - 1} alternatives, 25 runs "
            f"| **{ms:.1f} ms** | {'yes' if result.optimal else 'no'} | — | "
            f"median ≤ 20 ms: {met} |"
        )
    for label, units, count, limit in (
        ("(b) 300 units × 10 joint requests", 300, 10, 30.0 if quick else 60.0),
        ("(c) 1,000 units × 30 joint requests", 1000, 30, 30.0 if quick else 120.0),
    ):
        rows.append(_synthetic_row(label, units, count, limit, runs=1 if quick else 3))
    return rows


def _synthetic_row(label: str, units: int, count: int, highs_limit: float, runs: int) -> str:
    network, requests = synthetic_case(units, count, seed=2027)
    ms, result = timed(runs, lambda: plan(network, requests, time_limit_s=60))
    key = our_key(network, requests, result)
    highs = highs_on_the_same_model(network, requests, highs_limit)
    if highs.proven and highs.key != key[:6]:
        raise SystemExit(f"{label}: HiGHS {highs.key} disagrees with CP-SAT {key}")
    if highs.key is None:
        highs_cell = f"no answer within its {highs_limit:.0f} s limit"
    elif highs.hit_limit:
        highs_cell = f"{highs.ms:,.0f} ms: hit its {highs_limit:.0f} s limit, not proven"
    else:
        highs_cell = f"{highs.ms:,.0f} ms, same objective"
    if units == 300:
        factor = highs.ms / ms
        goal = (
            f"≥ 10× faster than HiGHS: {'met' if result.optimal and factor >= 10 else 'NOT met'}"
        )
        goal += f" ({'at least ' if highs.hit_limit else ''}{factor:,.0f}×)"
    else:
        goal = f"optimal ≤ 10 s: {'met' if result.optimal and ms <= 10_000 else 'NOT met'}"
    proven = "yes" if result.optimal else "no"
    return f"| {label}, {runs} run(s) | **{ms:,.0f} ms** | {proven} | {highs_cell} | {goal} |"


# ------------------------------------------------------------------------------------------
# Quality: version 1 against version 2 on generated crises.


def generated_crises(network: Network, count: int, seed: int) -> list[CrisisRequest]:
    """Crises inside member states, near one of their units' bases, needing hostage rescue
    and one to three other capabilities of the catalogue."""
    rng = random.Random(seed)
    members = [c.code for c in network.countries if c.bound_by_decision]
    others = [c.code for c in network.capabilities if c.code != "hostage_rescue"]
    crises = []
    for i in range(count):
        state = rng.choice(members)
        base = rng.choice([u.base for u in network.units if u.country == state])
        needs = {"hostage_rescue": rng.randint(1, 2)}
        needs.update(dict.fromkeys(rng.sample(others, rng.randint(1, 3)), 1))
        crises.append(
            make_request(
                id=f"crisis-{i + 1}",
                requesting_country=state,
                crisis="hostage_taking",
                location=Location(
                    base.lat + rng.uniform(-0.5, 0.5), base.lon + rng.uniform(-0.5, 0.5)
                ),
                needs=needs,
                assistance=["action"] if rng.random() < 0.7 else ["expertise"],
            )
        )
    return crises


def v1_on_scene(plan_1: Plan, request: CrisisRequest) -> dict[str, int]:
    """When a version 1 package (whole units asked) has each fully covered need on scene: the
    ETA by which its units, earliest first, bring enough teams (the best it can do)."""
    times = {}
    for code, need in request.needs.items():
        teams = 0
        for unit in sorted(plan_1.units, key=lambda u: u.eta_minutes):
            teams += unit.provides.get(code, 0)
            if teams >= need:
                times[code] = unit.eta_minutes
                break
    return times


@dataclass
class Sample:
    first: list[int]
    each: list[int]
    package: list[int]
    states: list[int]
    units: list[int]


def quality_rows(count: int = 200) -> list[str]:
    network = load_network(DEMO)
    samples = {Order.V1: Sample([], [], [], [], []), Order.V2: Sample([], [], [], [], [])}
    earlier = later = 0
    for request in generated_crises(network, count, seed=2027):
        v1 = plan(network, [request], 0, order=Order.V1).requests[0]
        v2 = plan(network, [request], 0).requests[0]
        if not v1.plans or not v2.plans:
            continue
        assert v1.plans[0].total_shortfall == v2.plans[0].total_shortfall
        covered = [c for c in request.needs if c not in v2.plans[0].shortfall]
        times = {
            Order.V1: v1_on_scene(v1.plans[0], request),
            Order.V2: dict(v2.plans[0].on_scene_minutes),
        }
        for order, first_plan in ((Order.V1, v1.plans[0]), (Order.V2, v2.plans[0])):
            sample, on_scene = samples[order], [times[order][c] for c in covered]
            sample.first.append(min(on_scene))
            sample.each.extend(on_scene)
            sample.package.append(max(on_scene))
            sample.states.append(first_plan.state_count)
            sample.units.append(first_plan.unit_count)
        earlier += any(times[Order.V2][c] < times[Order.V1][c] for c in covered)
        later += any(times[Order.V2][c] > times[Order.V1][c] for c in covered)
    rows = []
    for label, field in (
        ("first capability on scene (min)", "first"),
        ("each capability on scene (min)", "each"),
        ("whole package on scene (min)", "package"),
        ("states asked", "states"),
        ("units asked", "units"),
    ):
        v1_values = getattr(samples[Order.V1], field)
        v2_values = getattr(samples[Order.V2], field)
        rows.append(
            f"| {label} | {_median(v1_values)} | {_p90(v1_values)} | "
            f"**{_median(v2_values)}** | **{_p90(v2_values)}** |"
        )
    planned = len(samples[Order.V2].first)
    rows.append(
        f"\n{planned} of {count} crises had a plan; version 2 brings some capability earlier "
        f"in {earlier}, some capability later in {later} (a capability may wait a little so "
        "that fewer states are asked: the step)."
    )
    return rows


def _median(values: Sequence[int]) -> str:
    return f"{statistics.median(values):g}"


def _p90(values: Sequence[int]) -> str:
    return f"{statistics.quantiles(values, n=10, method='inclusive')[-1]:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter HiGHS limits")
    args = parser.parse_args()
    started = time.perf_counter()
    print("| case | CP-SAT, whole call (median) | proven optimal | HiGHS, same model | goal |")
    print("|---|---|---|---|---|")
    for row in speed_rows(args.quick):
        print(row, flush=True)
    print()
    print("| 200 crises on the demo network, plan 1 | v1 median | v1 p90 | v2 median | v2 p90 |")
    print("|---|---|---|---|---|")
    for row in quality_rows():
        print(row)
    print(f"\n(bench ran {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
