"""The planning instance: eligible (request, unit) pairs with ETAs, and the §5 order itself.

Everything here is independent of any solver: the CP-SAT model is built from it, and the
order is evaluated directly on a solution for the greedy hint, checks and the benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from atlasbot.domain import CrisisRequest, Network, Unit
from atlasbot.planner.results import Candidate, Engagement, Exclusion
from atlasbot.planner.travel import Eta, TravelModel, eta
from atlasbot.rules import Reason, country_allowance, exclusion_reasons

DEFAULT_STEP_MIN = 10


class Order(StrEnum):
    """Which §5 order ranks plans. V1 is kept only to measure what version 2 changed."""

    V1 = "v1"  # shortfall, latest ETA of the whole package, units, sum of ETAs
    V2 = "v2"  # shortfall, latest and sum of on-scene times (rounded), states, units, ETAs


@dataclass(frozen=True, slots=True)
class Option:
    """A unit that can serve a request: its ETA, and the most teams of each need it can give."""

    unit: int  # index into Instance.units
    eta: Eta
    steps: int  # the ETA rounded up to the planning step, in steps
    caps: tuple[int, ...]  # min(count, need), aligned with RequestData.codes


@dataclass(frozen=True, slots=True)
class RequestData:
    request: CrisisRequest
    codes: tuple[str, ...]
    needs: tuple[int, ...]
    options: tuple[Option, ...]  # sorted by unit index (id order)
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]
    position: int = 0  # in the planning call: the tie-break ranks requests by it

    @property
    def total_need(self) -> int:
        return sum(self.needs)

    @property
    def priority(self) -> int:
        return self.request.priority

    def standalone_shortfall(self) -> int:
        """Teams missing even if every candidate served this request alone (a lower bound)."""
        provided = [sum(o.caps[k] for o in self.options) for k in range(len(self.codes))]
        return sum(max(0, n - p) for n, p in zip(self.needs, provided, strict=True))

    def cover_steps(self) -> int:
        """The fewest steps by which this request's candidates alone could cover it (or 0).

        Only meaningful when they can cover it: a lower bound of its latest on-scene time.
        """
        missing = list(self.needs)
        for option in sorted(self.options, key=lambda o: o.steps):
            missing = [max(0, m - c) for m, c in zip(missing, option.caps, strict=True)]
            if not any(missing):
                return option.steps
        return 0


@dataclass(frozen=True, slots=True)
class Instance:
    units: tuple[Unit, ...]  # sorted by id: the index is the tie-break rank
    requests: tuple[RequestData, ...]
    allowance: Mapping[str, int]
    step: int
    order: Order


# A solution: per request (by position), the chosen unit indices, each with its asked teams
# aligned with that request's codes. A unit is chosen exactly when it is asked for a team.
Asked = Mapping[int, tuple[int, ...]]
Solution = tuple[Asked, ...]


def steps_of(minutes: int, step: int) -> int:
    """Minutes rounded up to the planning step, counted in steps."""
    return -(-minutes // step)


def build_instance(
    network: Network,
    requests: Sequence[CrisisRequest],
    model: TravelModel,
    *,
    step: int = DEFAULT_STEP_MIN,
    order: Order = Order.V2,
    engaged: Mapping[str, Engagement] | None = None,
) -> Instance:
    """Eligibility and ETAs for every (request, unit) pair, each distance computed once."""
    if step < 1:
        raise ValueError("the planning step is at least 1 minute")
    order = Order(order)
    step = 1 if order is Order.V1 else step  # version 1 compared exact ETAs
    engaged = engaged or {}
    units = tuple(sorted(network.units, key=lambda u: u.id))
    countries = {c.code: c for c in network.countries}
    allowance = {c.code: country_allowance(c, units) for c in network.countries}
    data = [_request_data(request, units, countries, model, step, engaged) for request in requests]
    return Instance(units, tuple(data), MappingProxyType(allowance), step, order)


def _request_data(
    request: CrisisRequest,
    units: Sequence[Unit],
    countries: Mapping[str, object],
    model: TravelModel,
    step: int,
    engaged: Mapping[str, Engagement],
) -> RequestData:
    codes = tuple(request.needs)
    needs = tuple(request.needs[c] for c in codes)
    options: list[Option] = []
    candidates: list[Candidate] = []
    excluded: list[Exclusion] = []
    for index, unit in enumerate(units):
        reasons = exclusion_reasons(unit, countries[unit.country], request)  # type: ignore[arg-type]
        elsewhere = engaged.get(unit.id)
        if elsewhere is not None and Reason.STATUS not in reasons:
            # Asked in another open crisis: not free, whatever its registered status.
            reasons = sorted([*reasons, Reason.STATUS], key=list(Reason).index)
        arrival = None if reasons else eta(unit, request.location, model)
        if not reasons and arrival is None:
            reasons = [Reason.UNREACHABLE]
        if reasons or arrival is None:
            excluded.append(Exclusion(unit.id, unit.country, tuple(reasons), elsewhere))
            continue
        caps = tuple(min(unit.teams_of(c), n) for c, n in zip(codes, needs, strict=True))
        options.append(Option(index, arrival, steps_of(arrival.minutes, step), caps))
        candidates.append(Candidate(unit.id, unit.country, arrival.minutes, arrival.mode, arrival))
    candidates.sort(key=lambda c: (c.eta_minutes, c.id))
    return RequestData(request, codes, needs, tuple(options), tuple(candidates), tuple(excluded))


# --------------------------------------------------------------------------------------------
# The §5 order, evaluated directly.


@dataclass(frozen=True, slots=True)
class RequestFigures:
    """One request's §5 figures under a solution (on-scene times in steps)."""

    shortfall: int
    on_scene_steps: tuple[int, ...]  # per code; 0 where no team is asked
    states: int
    units: int
    total_eta: int

    @property
    def latest_steps(self) -> int:
        return max(self.on_scene_steps, default=0)


def request_figures(instance: Instance, r: int, asked: Asked) -> RequestFigures:
    """Shortfall, on-scene times, states, units and ETAs of one request's plan."""
    data = instance.requests[r]
    by_unit = {o.unit: o for o in data.options}
    on_scene = [0] * len(data.codes)
    given = [0] * len(data.codes)
    for unit, teams in asked.items():
        option = by_unit[unit]
        for k, n in enumerate(teams):
            if n:
                given[k] += n
                on_scene[k] = max(on_scene[k], option.steps)
    return RequestFigures(
        shortfall=sum(n - g for n, g in zip(data.needs, given, strict=True)),
        on_scene_steps=tuple(on_scene),
        states=len({instance.units[u].country for u in asked}),
        units=len(asked),
        total_eta=sum(by_unit[u].eta.minutes for u in asked),
    )


def objective_key(instance: Instance, solution: Solution) -> tuple[int, ...]:
    """The joint key of a solution in the instance's order (one request: its own key)."""
    figures = [request_figures(instance, r, asked) for r, asked in enumerate(solution)]
    weights = [d.priority for d in instance.requests]
    shortfall = sum(w * f.shortfall for w, f in zip(weights, figures, strict=True))
    latest = sum(w * f.latest_steps for w, f in zip(weights, figures, strict=True))
    units = sum(f.units for f in figures)
    total_eta = sum(f.total_eta for f in figures)
    if instance.order is Order.V1:
        return (shortfall, latest, units, total_eta)
    on_scene = sum(w * sum(f.on_scene_steps) for w, f in zip(weights, figures, strict=True))
    states = sum(f.states for f in figures)
    return (shortfall, latest, on_scene, states, units, total_eta)


def greedy_solution(instance: Instance, banned: frozenset[int] = frozenset()) -> Solution:
    """Nearest capable unit first, per request (highest priority first), until covered.

    A baseline and the solver's starting hint; it keeps every hard constraint. `banned` units
    (indices) are never taken.
    """
    used: set[int] = set(banned)
    taken: dict[str, int] = {}
    chosen: list[dict[int, tuple[int, ...]]] = [{} for _ in instance.requests]
    order = sorted(range(len(instance.requests)), key=lambda i: -instance.requests[i].priority)
    for position in order:
        data = instance.requests[position]
        missing = list(data.needs)
        for option in sorted(data.options, key=lambda o: (o.eta.minutes, o.unit)):
            if not any(missing):
                break
            country = instance.units[option.unit].country
            teams = tuple(min(m, c) for m, c in zip(missing, option.caps, strict=True))
            room = taken.get(country, 0) < instance.allowance.get(country, 0)
            if option.unit in used or not any(teams) or not room:
                continue
            used.add(option.unit)
            taken[country] = taken.get(country, 0) + 1
            chosen[position][option.unit] = teams
            missing = [m - t for m, t in zip(missing, teams, strict=True)]
    return tuple(MappingProxyType(c) for c in chosen)


def greedy_alternative(instance: Instance, earlier: Sequence[Sequence[int]]) -> Solution:
    """A good single-request plan that leaves out a unit of every earlier plan, for a hint.

    The greedy plan with one unit of an earlier plan banned, the best in the order of those
    that respect the alternatives rule; no units when none does (always allowed).
    """
    best: Solution = ({},)
    best_key = objective_key(instance, best)
    for unit in sorted({u for plan in earlier for u in plan}):
        found = greedy_solution(instance, frozenset([unit]))
        if any(set(plan) <= set(found[0]) for plan in earlier):
            continue
        key = objective_key(instance, found)
        if key < best_key:
            best, best_key = found, key
    return best


def shortfall_floor(instance: Instance) -> int:
    """A lower bound of criterion 1: each request's shortfall with all its candidates."""
    return sum(d.priority * d.standalone_shortfall() for d in instance.requests)


@dataclass(frozen=True, slots=True)
class Floor:
    """Lower bounds of one request's shortfall and latest on-scene time (steps) in any plan
    of the call whose shortfall is smallest; the latest bound holds once every request is at
    its shortfall bound."""

    shortfall: int
    latest_steps: int


def default_floors(instance: Instance) -> list[Floor]:
    """Each request with all its candidates to itself: the shortfall left, and the steps by
    which it could be covered when it can be."""
    return [
        Floor(d.standalone_shortfall(), d.cover_steps() if not d.standalone_shortfall() else 0)
        for d in instance.requests
    ]


def without_late_options(
    instance: Instance, hint: Solution, floors: Sequence[Floor] | None = None
) -> Instance:
    """Drop the options no optimal solution can use, given a hint that reaches the floors.

    When the hint's weighted shortfall equals the floors' (no solution does better), every
    optimal solution has each request at its shortfall floor, and its weighted latest
    on-scene time is at most the hint's (criterion 2). Each request's latest time is at
    least its floor, so request r's latest time, hence the ETA of any unit it asks, is at
    most (hint's value - the others' floors) / priority_r. Units beyond cannot be chosen.
    """
    floors = default_floors(instance) if floors is None else floors
    weights = [d.priority for d in instance.requests]
    least = sum(w * f.shortfall for w, f in zip(weights, floors, strict=True))
    if objective_key(instance, hint)[0] != least:
        return instance
    figures = [request_figures(instance, r, asked) for r, asked in enumerate(hint)]
    bound = sum(w * f.latest_steps for w, f in zip(weights, figures, strict=True))
    lower = [w * f.latest_steps for w, f in zip(weights, floors, strict=True)]
    trimmed = []
    for data, own in zip(instance.requests, lower, strict=True):
        latest = (bound - (sum(lower) - own)) // data.priority
        kept = tuple(o for o in data.options if o.steps <= latest)
        trimmed.append(replace(data, options=kept))
    return replace(instance, requests=tuple(trimmed))


def sub_instance(instance: Instance, positions: Sequence[int]) -> Instance:
    """The instance restricted to some requests (they keep their positions for the ranks)."""
    return replace(instance, requests=tuple(instance.requests[r] for r in positions))
