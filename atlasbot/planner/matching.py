"""Which units to propose for crisis requests: CP-SAT matching, optimal in the §5 order.

One request gets its best plan and alternatives; several requests get one plan each, planned
jointly. Each §5 criterion is a stage: solve for it, fix its optimal value as a constraint, go
on with the next. Two last stages break the remaining ties by unit id, so the same input
always gives the same plans whatever the machine's speed or the solver's thread timing.

Hard constraints (each a named function below): every unit serves at most one request, and a
state never gives more units than it has ready minus its home reserve (OP-RESERVE).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from atlasbot.domain import CrisisRequest, Network, TransportMode, Unit, frozen_counts
from atlasbot.planner.travel import Eta, TravelModel, eta
from atlasbot.rules import Reason, country_allowance, exclusion_reasons

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

DEFAULT_TIME_LIMIT_S = 10.0
SHORTFALL, LATEST = 0, 1  # indices of the first two stages
DEFAULT_ALTERNATIVES = 2


class Coverage(StrEnum):
    """How much of a request its best plan covers."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class PlannedUnit:
    """A unit in a plan: where from, when on scene, what it brings of the needs."""

    id: str
    country: str
    eta_minutes: int
    mode: TransportMode
    provides: Mapping[str, int]
    eta: Eta


@dataclass(frozen=True, slots=True)
class Plan:
    """One package of units for one request, with its §5 figures."""

    rank: int
    units: tuple[PlannedUnit, ...]
    shortfall: Mapping[str, int]
    latest_eta_minutes: int
    unit_count: int
    total_eta_minutes: int

    @property
    def total_shortfall(self) -> int:
        """Teams missing over all needed capabilities (0 when the plan covers everything)."""
        return sum(self.shortfall.values())

    @property
    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.units)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible unit for a request, with its ETA there."""

    id: str
    country: str
    eta_minutes: int
    mode: TransportMode
    eta: Eta


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A unit left out of a request, with every reason that applies."""

    id: str
    country: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class RequestPlanning:
    """Everything planned for one request."""

    request: CrisisRequest
    coverage: Coverage
    plans: tuple[Plan, ...]
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def id(self) -> str:
        return self.request.id


@dataclass(frozen=True, slots=True)
class CountryLimit:
    """OP-RESERVE: how many units a state may give in this planning call."""

    country: str
    ready_units: int
    home_reserve: int
    allowance: int


@dataclass(frozen=True, slots=True)
class PlanningResult:
    """The outcome of one planning call (INTERFACES §6)."""

    requests: tuple[RequestPlanning, ...]
    optimal: bool
    solve_ms: float
    joint: bool
    country_limits: Mapping[str, CountryLimit] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def for_request(self, request_id: str) -> RequestPlanning:
        """The planning of one request by id (KeyError when unknown)."""
        for planning in self.requests:
            if planning.id == request_id:
                return planning
        raise KeyError(request_id)


# --------------------------------------------------------------------------------------------
# The instance: eligible (request, unit) pairs with their ETAs, independent of any solver.


@dataclass(frozen=True, slots=True)
class _Option:
    """A unit that can serve a request: its ETA and its teams of each need, capped at the need."""

    unit: int  # index into _Instance.units
    eta: Eta
    contribution: tuple[int, ...]  # aligned with _RequestData.codes


@dataclass(frozen=True, slots=True)
class _RequestData:
    request: CrisisRequest
    codes: tuple[str, ...]
    needs: tuple[int, ...]
    options: tuple[_Option, ...]  # sorted by unit id
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def total_need(self) -> int:
        return sum(self.needs)

    def standalone_shortfall(self) -> int:
        """Teams missing even if every candidate served this request alone (a lower bound)."""
        provided = [sum(o.contribution[k] for o in self.options) for k in range(len(self.codes))]
        return sum(max(0, n - p) for n, p in zip(self.needs, provided, strict=True))

    def cover_threshold(self) -> int | None:
        """The earliest ETA by which this request's candidates alone could cover it, if ever."""
        missing = list(self.needs)
        for option in sorted(self.options, key=lambda o: o.eta.minutes):
            missing = [max(0, m - c) for m, c in zip(missing, option.contribution, strict=True)]
            if not any(missing):
                return option.eta.minutes
        return None


@dataclass(frozen=True, slots=True)
class _Instance:
    units: tuple[Unit, ...]  # sorted by id: the index is the tie-break rank
    requests: tuple[_RequestData, ...]
    allowance: Mapping[str, int]


# An assignment: for each request (by position), the unit indices chosen for it.
Assignment = tuple[tuple[int, ...], ...]


def build_instance(
    network: Network, requests: Sequence[CrisisRequest], model: TravelModel
) -> _Instance:
    """Eligibility and ETAs for every (request, unit) pair, each distance computed once."""
    units = tuple(sorted(network.units, key=lambda u: u.id))
    countries = {c.code: c for c in network.countries}
    allowance = {c.code: country_allowance(c, units) for c in network.countries}
    data = []
    for request in requests:
        codes = tuple(request.needs)
        needs = tuple(request.needs[c] for c in codes)
        options: list[_Option] = []
        candidates: list[Candidate] = []
        excluded: list[Exclusion] = []
        for index, unit in enumerate(units):
            reasons = exclusion_reasons(unit, countries[unit.country], request)
            arrival = None if reasons else eta(unit, request.location, model)
            if not reasons and arrival is None:
                reasons = [Reason.UNREACHABLE]
            if reasons or arrival is None:
                excluded.append(Exclusion(unit.id, unit.country, tuple(reasons)))
                continue
            contribution = tuple(
                min(unit.teams_of(c), n) for c, n in zip(codes, needs, strict=True)
            )
            options.append(_Option(index, arrival, contribution))
            candidates.append(
                Candidate(unit.id, unit.country, arrival.minutes, arrival.mode, arrival)
            )
        candidates.sort(key=lambda c: (c.eta_minutes, c.id))
        data.append(
            _RequestData(request, codes, needs, tuple(options), tuple(candidates), tuple(excluded))
        )
    return _Instance(units, tuple(data), MappingProxyType(allowance))


# --------------------------------------------------------------------------------------------
# The §5 order, evaluated directly (used for checks, greedy and results).


def objective_key(instance: _Instance, assignment: Assignment) -> tuple[int, int, int, int]:
    """The §5 joint key of an assignment (for one request, it is that request's key)."""
    weighted_shortfall = weighted_latest = count = total_eta = 0
    for data, chosen in zip(instance.requests, assignment, strict=True):
        by_unit = {o.unit: o for o in data.options}
        provided = [0] * len(data.codes)
        latest = 0
        for unit in chosen:
            option = by_unit[unit]
            provided = [p + c for p, c in zip(provided, option.contribution, strict=True)]
            latest = max(latest, option.eta.minutes)
            total_eta += option.eta.minutes
        shortfall = sum(max(0, n - p) for n, p in zip(data.needs, provided, strict=True))
        weighted_shortfall += data.request.priority * shortfall
        weighted_latest += data.request.priority * latest
        count += len(chosen)
    return (weighted_shortfall, weighted_latest, count, total_eta)


def greedy_assignment(instance: _Instance) -> Assignment:
    """Nearest capable unit first, per request (highest priority first), until covered.

    A baseline and a starting hint for the solver; it keeps every hard constraint.
    """
    used: set[int] = set()
    taken: dict[str, int] = {}
    chosen: dict[int, list[int]] = {i: [] for i in range(len(instance.requests))}
    order = sorted(
        range(len(instance.requests)), key=lambda i: -instance.requests[i].request.priority
    )
    for position in order:
        data = instance.requests[position]
        missing = list(data.needs)
        for option in sorted(data.options, key=lambda o: (o.eta.minutes, o.unit)):
            if not any(missing):
                break
            unit = instance.units[option.unit]
            helps = any(m > 0 and c > 0 for m, c in zip(missing, option.contribution, strict=True))
            room = taken.get(unit.country, 0) < instance.allowance.get(unit.country, 0)
            if option.unit in used or not helps or not room:
                continue
            used.add(option.unit)
            taken[unit.country] = taken.get(unit.country, 0) + 1
            chosen[position].append(option.unit)
            missing = [max(0, m - c) for m, c in zip(missing, option.contribution, strict=True)]
    return tuple(tuple(sorted(chosen[i])) for i in range(len(instance.requests)))


# --------------------------------------------------------------------------------------------
# The CP-SAT model.


class _Model:
    """The CP-SAT model of one planning call, its variables and its stage objectives."""

    def __init__(self, instance: _Instance, forbidden_plans: Sequence[tuple[int, ...]]) -> None:
        from ortools.sat.python import cp_model  # lazily: the import costs ~0.3 s

        self.instance = instance
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        for r, data in enumerate(instance.requests):
            for option in data.options:
                self.x[r, option.unit] = self.model.new_bool_var(f"x_{r}_{option.unit}")
        self.shortfall_terms: list[Any] = []
        self.latest_terms: list[Any] = []
        self.latest_levels: dict[int, dict[int, Any]] = {}
        self._each_unit_serves_at_most_one_request()
        self._no_state_gives_more_than_its_allowance()
        for r in range(len(instance.requests)):
            self._shortfall_of_request(r)
            self._latest_eta_of_request(r)
            self._a_plan_has_no_redundant_unit(r)
        for plan in forbidden_plans:
            self._leave_out_one_unit_of(plan)

    def _each_unit_serves_at_most_one_request(self) -> None:
        """Hard: a unit goes to one request at most."""
        by_unit: dict[int, list[Any]] = {}
        for (_, unit), var in self.x.items():
            by_unit.setdefault(unit, []).append(var)
        for variables in by_unit.values():
            if len(variables) > 1:
                self.model.add_at_most_one(variables)

    def _no_state_gives_more_than_its_allowance(self) -> None:
        """Hard (OP-RESERVE): units taken from a state <= its ready units - home reserve."""
        by_country: dict[str, list[Any]] = {}
        distinct: dict[str, set[int]] = {}
        for (_, unit), var in self.x.items():
            country = self.instance.units[unit].country
            by_country.setdefault(country, []).append(var)
            distinct.setdefault(country, set()).add(unit)
        for country, variables in by_country.items():
            limit = self.instance.allowance.get(country, 0)
            if len(distinct[country]) > limit:
                self.model.add(sum(variables) <= limit)

    def _shortfall_of_request(self, r: int) -> None:
        """Soft (criterion 1): s_c >= need_c - teams provided, s_c >= 0, per capability."""
        data = self.instance.requests[r]
        priority = data.request.priority
        for k, need in enumerate(data.needs):
            providers = [(o.contribution[k], self.x[r, o.unit]) for o in data.options]
            providers = [(c, v) for c, v in providers if c > 0]
            if not providers:
                self.shortfall_terms.append(priority * need)
                continue
            missing = self.model.new_int_var(0, need, f"s_{r}_{k}")
            self.model.add(missing + sum(c * v for c, v in providers) >= need)
            self.shortfall_terms.append(priority * missing)

    def _latest_eta_of_request(self, r: int) -> None:
        """Soft (criterion 2): the latest ETA of a request, in order encoding.

        One literal per distinct ETA e_j says "latest >= e_j"; a chosen unit implies the
        literal of its ETA, each literal implies the one below, and the latest ETA is the sum
        of the steps (e_j - e_{j-1}) over the true literals. Its LP relaxation is far stronger
        than "latest >= eta * x", which is what makes joint planning fast.
        """
        data = self.instance.requests[r]
        if not data.options:
            return
        etas = sorted({o.eta.minutes for o in data.options})
        levels = {e: self.model.new_bool_var(f"latest_{r}_ge_{e}") for e in etas}
        for lower, upper in itertools.pairwise(etas):
            self.model.add_implication(levels[upper], levels[lower])
        for option in data.options:
            self.model.add_implication(self.x[r, option.unit], levels[option.eta.minutes])
        steps = [(e - below, levels[e]) for below, e in zip([0, *etas], etas, strict=False)]
        self.latest_levels[r] = levels
        self.latest_terms.append(data.request.priority * sum(d * z for d, z in steps))

    def _a_plan_has_no_redundant_unit(self, r: int) -> None:
        """Valid cut: an optimal plan never holds more units than teams needed.

        Each unit of an optimal plan is needed for some capability (else dropping it is
        better), and a capability of need n has at most n such units.
        """
        data = self.instance.requests[r]
        if len(data.options) > data.total_need:
            self.model.add(sum(self.x[r, o.unit] for o in data.options) <= data.total_need)

    def restrict_latest(self, weighted_latest_bound: int) -> None:
        """Valid once the optimal shortfall is 0: bound each request's latest ETA.

        Every request is then fully covered, so its latest ETA is at least the ETA by which
        its own candidates could cover it alone (lb_r). With the sum of priority * latest at
        most the bound, latest_r <= (bound - sum of the others' p * lb) / p_r: units that
        arrive later than that cannot be in an optimal plan and are fixed out.
        """
        requests = self.instance.requests
        lower = [d.cover_threshold() for d in requests]
        if any(lb is None for lb in lower):
            return
        bounds = [lb or 0 for lb in lower]
        total = sum(d.request.priority * lb for d, lb in zip(requests, bounds, strict=True))
        for r, (data, lb) in enumerate(zip(requests, bounds, strict=True)):
            priority = data.request.priority
            ub = (weighted_latest_bound - (total - priority * lb)) // priority
            for option in data.options:
                if option.eta.minutes > ub:
                    self.model.add(self.x[r, option.unit] == 0)
            for e, level in self.latest_levels.get(r, {}).items():
                if e > ub:
                    self.model.add(level == 0)
                elif e <= lb:
                    self.model.add(level == 1)

    def _leave_out_one_unit_of(self, plan: tuple[int, ...]) -> None:
        """Hard (alternatives): the plan leaves out at least one unit of an earlier plan."""
        self.model.add(sum(self.x[0, unit] for unit in plan) <= len(plan) - 1)

    def stage_objectives(self) -> list[tuple[Any, int]]:
        """The §5 criteria in order, then the rank-sum tie-break, each with an upper bound."""
        requests = self.instance.requests
        x = self.x
        etas = {(r, o.unit): o.eta.minutes for r, d in enumerate(requests) for o in d.options}
        # An optimal plan of request r has at most min(total need, options) units (see the
        # redundant-unit cut), which bounds the sums below.
        most = [min(d.total_need, len(d.options)) for d in requests]

        def top(values: Iterable[int], k: int) -> int:
            return sum(sorted(values, reverse=True)[:k])

        bounds = [
            sum(d.request.priority * d.total_need for d in requests),
            sum(
                d.request.priority * max((o.eta.minutes for o in d.options), default=0)
                for d in requests
            ),
            sum(most),
            sum(
                top((o.eta.minutes for o in d.options), k)
                for d, k in zip(requests, most, strict=True)
            ),
            sum(
                top((self.rank((r, o.unit)) for o in d.options), k)
                for r, (d, k) in enumerate(zip(requests, most, strict=True))
            ),
        ]
        expressions = [
            sum(self.shortfall_terms),
            sum(self.latest_terms),
            sum(x.values()),
            sum(etas[key] * var for key, var in x.items()),
            sum(self.rank(key) * var for key, var in x.items()),
        ]
        return list(zip(expressions, bounds, strict=True))

    def rank(self, key: tuple[int, int]) -> int:
        """Tie-break rank of a (request, unit): requests in order, then units by id; from 1."""
        r, unit = key
        return r * len(self.instance.units) + unit + 1

    def assignment(self, values: Mapping[tuple[int, int], int]) -> Assignment:
        chosen: list[list[int]] = [[] for _ in self.instance.requests]
        for (r, unit), value in values.items():
            if value:
                chosen[r].append(unit)
        return tuple(tuple(sorted(c)) for c in chosen)


def _domain(values: Iterable[int]) -> Any:
    from ortools.sat.python import cp_model

    return cp_model.Domain.from_values(sorted(set(values)))


@dataclass
class _Solve:
    """Runs the stages on one model within a deadline."""

    model: _Model
    deadline: float
    tuning: _Tuning
    optimal: bool = True

    def run(self, hint: Assignment) -> Assignment:
        m = self.model
        instance = m.instance
        best = hint
        for objective, stages in _merge_stages(m.stage_objectives(), self.tuning.merge_limit):
            if stages == [SHORTFALL] and objective_key(instance, best)[0] == _shortfall_floor(
                instance
            ):
                # The hint already reaches the shortfall's lower bound: nothing to solve.
                value = objective_key(instance, best)[0]
            else:
                values = self._minimise(objective, best)
                if values is None:
                    return best
                best, value, proven = values
                if not proven:
                    self.optimal = False
                    return best
            if not isinstance(objective, int):
                m.model.add(objective <= value)
            if stages == [SHORTFALL] and value == 0:
                m.restrict_latest(objective_key(instance, best)[1])
            if stages == [LATEST] and objective_key(instance, best)[0] == 0:
                m.restrict_latest(value)
        return self._break_remaining_ties(best)

    def _minimise(self, objective: Any, hint: Assignment) -> tuple[Assignment, int, bool] | None:
        from ortools.sat.python import cp_model

        m = self.model
        if isinstance(objective, int):
            return hint, objective, True
        if time.perf_counter() >= self.deadline:
            # Out of time before this stage: keep the best plan so far, unproven.
            self.optimal = False
            return None
        m.model.minimize(objective)
        self._hint(hint)
        solver = self._solver()
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.optimal = False
            return None
        values = {key: int(solver.boolean_value(var)) for key, var in m.x.items()}
        return m.assignment(values), round(solver.objective_value), status == cp_model.OPTIMAL

    def _break_remaining_ties(self, best: Assignment) -> Assignment:
        """If another plan has the same rank sum, take the lexicographically first by id."""
        from ortools.sat.python import cp_model

        m = self.model
        chosen = [(r, u) for r, units in enumerate(best) for u in units]
        if not chosen:
            return best
        probe = m.model.clone()
        probe.clear_objective()  # type: ignore[no-untyped-call]
        probe.add(
            sum(probe.get_bool_var_from_proto_index(m.x[k].index) for k in chosen)
            <= len(chosen) - 1
        )
        solver = self._solver()
        status = solver.solve(probe)
        if status == cp_model.INFEASIBLE:
            return best
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.optimal = False
            return best
        # Several plans tie even on the rank sum: fix units one block at a time, earliest id
        # first, each block maximising a binary-weighted sum (the exact lexicographic order).
        # Every tied plan has this count and rank sum, so none holds a unit ranked above cap.
        count = len(chosen)
        cap = sum(m.rank(k) for k in chosen) - count * (count - 1) // 2
        keys = sorted((k for k in m.x if m.rank(k) <= cap), key=m.rank)
        for k in m.x:
            if m.rank(k) > cap:
                m.model.add(m.x[k] == 0)
        fixed_ones = 0
        for start in range(0, len(keys), _LEX_BLOCK):
            block = keys[start : start + _LEX_BLOCK]
            weights = [1 << (len(block) - 1 - i) for i in range(len(block))]
            m.model.maximize(sum(w * m.x[k] for w, k in zip(weights, block, strict=True)))
            self._hint(best)
            solver = self._solver()
            status = solver.solve(m.model)
            if status != cp_model.OPTIMAL:
                self.optimal = False
                return best
            values = {key: int(solver.boolean_value(var)) for key, var in m.x.items()}
            best = m.assignment(values)
            for k in block:
                m.model.add(m.x[k] == values[k])
                fixed_ones += values[k]
            if fixed_ones == count:
                break
        return best

    def _hint(self, assignment: Assignment) -> None:
        m = self.model
        m.model.clear_hints()  # type: ignore[no-untyped-call]
        chosen = {(r, u) for r, units in enumerate(assignment) for u in units}
        for key, var in m.x.items():
            m.model.add_hint(var, key in chosen)

    def _solver(self) -> cp_model.CpSolver:
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.001, self.deadline - time.perf_counter())
        solver.parameters.num_workers = self.tuning.num_workers
        solver.parameters.linearization_level = 2
        solver.parameters.cp_model_presolve = self.tuning.presolve
        solver.parameters.symmetry_level = self.tuning.symmetry_level
        return solver


@dataclass(frozen=True, slots=True)
class _Tuning:
    """Solver settings by model size; results do not depend on them, only speed does."""

    num_workers: int
    presolve: bool
    symmetry_level: int
    merge_limit: int

    @staticmethod
    def for_instance(instance: _Instance) -> _Tuning:
        pairs = sum(len(d.options) for d in instance.requests)
        if pairs <= SMALL_MODEL_PAIRS:
            # Presolve and symmetry detection cost more than they save on small models.
            return _Tuning(num_workers=1, presolve=False, symmetry_level=0, merge_limit=1 << 50)
        # Presolve is off here too: the stages' fixings are simple and measured faster so.
        return _Tuning(num_workers=2, presolve=False, symmetry_level=0, merge_limit=1)


SMALL_MODEL_PAIRS = 400
_LEX_BLOCK = 40


def _merge_stages(stages: Sequence[tuple[Any, int]], limit: int) -> list[tuple[Any, list[int]]]:
    """Fold consecutive stages into one weighted objective while the weights stay <= limit.

    With every stage value v_i in [0, ub_i], weights W_last = 1 and W_i = W_{i+1} (ub_{i+1} + 1)
    give sum_{j>i} W_j ub_j = W_i - 1 < W_i: one unit of an earlier stage outweighs any change
    of all later ones, so minimising the sum is exactly the lexicographic order. Returns each
    objective with the stage indices it holds.
    """
    groups: list[tuple[Any, list[int]]] = []
    expression: Any = None
    members: list[int] = []
    weight = 1
    for index in reversed(range(len(stages))):
        objective, bound = stages[index]
        if expression is not None and weight * (bound + 1) <= limit:
            expression = expression + weight * objective
            members.insert(0, index)
            weight *= bound + 1
            continue
        if expression is not None:
            groups.append((expression, members))
        expression, members, weight = objective, [index], bound + 1
    groups.append((expression, members))
    return groups[::-1]


def _shortfall_floor(instance: _Instance) -> int:
    """A lower bound of criterion 1: each request's shortfall with all its candidates."""
    return sum(d.request.priority * d.standalone_shortfall() for d in instance.requests)


# --------------------------------------------------------------------------------------------
# Public API.


def plan(
    network: Network,
    requests: Sequence[CrisisRequest],
    alternatives: int = DEFAULT_ALTERNATIVES,
    *,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanningResult:
    """Plan one request with alternatives, or several jointly (one plan each)."""
    if len(requests) == 1:
        return plan_single(
            network, requests[0], alternatives=alternatives, model=model, time_limit_s=time_limit_s
        )
    return plan_joint(network, requests, model=model, time_limit_s=time_limit_s)


def plan_single(
    network: Network,
    request: CrisisRequest,
    *,
    alternatives: int = DEFAULT_ALTERNATIVES,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanningResult:
    """The best plan for one request and up to `alternatives` more (§5 alternatives rule)."""
    _load_solver()
    started = time.perf_counter()
    instance = build_instance(network, [request], model)
    deadline = started + time_limit_s
    plans: list[tuple[int, ...]] = []
    optimal = True
    for _ in range(1 + max(0, alternatives)):
        solve = _Solve(_Model(instance, plans), deadline, _Tuning.for_instance(instance))
        hint = _hint_avoiding(instance, plans)
        chosen = solve.run(hint)[0]
        optimal = optimal and solve.optimal
        if not chosen:
            break
        plans.append(chosen)
    return _result(network, instance, [plans], optimal, started, joint=False)


def plan_joint(
    network: Network,
    requests: Sequence[CrisisRequest],
    *,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanningResult:
    """One plan per request, optimal for all of them together (§5 joint order)."""
    _load_solver()
    started = time.perf_counter()
    instance = build_instance(network, requests, model)
    deadline = started + time_limit_s
    solve = _Solve(_Model(instance, []), deadline, _Tuning.for_instance(instance))
    assignment = solve.run(greedy_assignment(instance))
    plans = [[chosen] if chosen else [] for chosen in assignment]
    return _result(network, instance, plans, solve.optimal, started, joint=True)


def _load_solver() -> None:
    """Import OR-Tools before the clock starts: solve_ms measures planning, not imports."""
    from ortools.sat.python import cp_model  # noqa: F401


def _hint_avoiding(instance: _Instance, plans: Sequence[tuple[int, ...]]) -> Assignment:
    """The greedy plan if it respects the alternatives rule, else no units (always feasible)."""
    greedy = greedy_assignment(instance)
    if all(not set(plan) <= set(greedy[0]) for plan in plans):
        return greedy
    return ((),)


def _result(
    network: Network,
    instance: _Instance,
    plans: Sequence[Sequence[tuple[int, ...]]],
    optimal: bool,
    started: float,
    *,
    joint: bool,
) -> PlanningResult:
    plannings = []
    for data, chosen_plans in zip(instance.requests, plans, strict=True):
        built = tuple(
            _plan(instance, data, rank, chosen) for rank, chosen in enumerate(chosen_plans, 1)
        )
        if not built:
            coverage = Coverage.NONE
        elif built[0].total_shortfall == 0:
            coverage = Coverage.COMPLETE
        else:
            coverage = Coverage.PARTIAL
        excluded = tuple(sorted(data.excluded, key=lambda e: e.id))
        plannings.append(RequestPlanning(data.request, coverage, built, data.candidates, excluded))
    limits = {}
    for country in network.countries:
        ready = sum(
            1 for u in network.units if u.country == country.code and u.status.can_be_proposed
        )
        limits[country.code] = CountryLimit(
            country.code, ready, country.home_reserve, instance.allowance[country.code]
        )
    solve_ms = (time.perf_counter() - started) * 1000
    return PlanningResult(
        tuple(plannings), optimal, round(solve_ms, 1), joint, MappingProxyType(limits)
    )


def _plan(instance: _Instance, data: _RequestData, rank: int, chosen: tuple[int, ...]) -> Plan:
    by_unit = {o.unit: o for o in data.options}
    options = sorted((by_unit[u] for u in chosen), key=lambda o: (o.eta.minutes, o.unit))
    units = []
    provided = dict.fromkeys(data.codes, 0)
    for option in options:
        unit = instance.units[option.unit]
        # A unit provides its full count of each needed capability it has (§5).
        provides = {c: unit.teams_of(c) for c in data.codes if unit.teams_of(c) > 0}
        for code, teams in provides.items():
            provided[code] += teams
        units.append(
            PlannedUnit(
                unit.id,
                unit.country,
                option.eta.minutes,
                option.eta.mode,
                frozen_counts(provides),
                option.eta,
            )
        )
    shortfall = {
        c: n - provided[c] for c, n in zip(data.codes, data.needs, strict=True) if provided[c] < n
    }
    etas = [u.eta_minutes for u in units]
    return Plan(
        rank=rank,
        units=tuple(units),
        shortfall=frozen_counts(shortfall),
        latest_eta_minutes=max(etas, default=0),
        unit_count=len(units),
        total_eta_minutes=sum(etas),
    )
