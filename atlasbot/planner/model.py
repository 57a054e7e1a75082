"""The CP-SAT model of one planning call: variables, one named function per rule, objectives.

Variables, per request r and eligible unit u:
- x[r,u]: u is chosen for r;
- a[r,u,k]: teams of the k-th needed capability asked of u (0..min(count, need));
- y[r,u,k]: u is asked for at least one team of that capability;
- level literals in order encoding: on[r,k,e] says "capability k is on scene at step e or
  later", latest[r,e] says "the whole request is"; a time is the sum of its true levels'
  steps. Their LP relaxation is far stronger than "T >= eta * y", which keeps joint planning
  fast; on-scene times are counted in planning steps, which keeps the weights small.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from atlasbot.planner.instance import Instance, Option, Order, Solution

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

Key = tuple[int, int]  # (request position, unit index)
# Up to this many (request, unit) pairs the exact tie-break is one more weighted criterion;
# beyond, its weights grow too large and it is found by probing (solve.py).
LEX_IN_OBJECTIVE = 24


class PlanningModel:
    """The model of one planning call, its variables and its criteria in the §5 order."""

    def __init__(
        self,
        instance: Instance,
        forbidden_plans: Sequence[Iterable[int]] = (),
        *,
        forced: Key | None = None,
        left_out: Key | None = None,
    ) -> None:
        from ortools.sat.python import cp_model  # lazily: the import costs ~0.3 s

        self.instance = instance
        self.model = cp_model.CpModel()
        self.x: dict[Key, Any] = {}
        self.asked: dict[tuple[int, int, int], Any] = {}
        self.asked_any: dict[tuple[int, int, int], Any] = {}
        self.shortfall_terms: list[Any] = []
        self.latest_terms: list[Any] = []
        self.on_scene_terms: list[Any] = []
        self.state_terms: list[Any] = []
        for r, data in enumerate(instance.requests):
            for option in data.options:
                self._declare_unit(r, option)
        self._each_unit_serves_at_most_one_request()
        self._no_state_gives_more_than_its_allowance()
        for r in range(len(instance.requests)):
            self._a_chosen_unit_is_asked_for_a_team(r)
            self._no_capability_is_asked_for_more_than_needed(r)
            self._on_scene_times_of_request(r)
            self._states_of_request(r)
        for plan in forbidden_plans:
            self._leave_out_one_unit_of(list(plan))
        if forced is not None:
            self.model.add(self.x[forced] == 1)
        if left_out is not None and left_out in self.x:
            self.model.add(self.x[left_out] == 0)

    def _declare_unit(self, r: int, option: Option) -> None:
        u = option.unit
        self.x[r, u] = self.model.new_bool_var(f"x_{r}_{u}")
        for k, cap in enumerate(option.caps):
            if cap == 0:
                continue
            chosen = self.model.new_bool_var(f"y_{r}_{u}_{k}")
            teams = chosen if cap == 1 else self.model.new_int_var(0, cap, f"a_{r}_{u}_{k}")
            if cap > 1:
                self.model.add(teams <= cap * chosen)
                self.model.add(teams >= chosen)
            self.model.add_implication(chosen, self.x[r, u])
            self.asked[r, u, k] = teams
            self.asked_any[r, u, k] = chosen

    def _each_unit_serves_at_most_one_request(self) -> None:
        """Hard (§4): a unit goes to one request at most."""
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

    def _a_chosen_unit_is_asked_for_a_team(self, r: int) -> None:
        """Hard (§5): no unit comes for nothing; it is asked for at least one team in all.

        Also the valid cut "units <= teams needed", implied by this and the next rule, which
        tightens the LP relaxation.
        """
        data = self.instance.requests[r]
        for option in data.options:
            teams = [self.asked[r, option.unit, k] for k, c in enumerate(option.caps) if c]
            self.model.add(sum(teams) >= self.x[r, option.unit])
        if len(data.options) > data.total_need:
            self.model.add(sum(self.x[r, o.unit] for o in data.options) <= data.total_need)

    def _no_capability_is_asked_for_more_than_needed(self, r: int) -> None:
        """Hard (§5): sum of teams asked of a capability <= its need; the rest is shortfall.

        Soft (criterion 1): the shortfall, need - teams asked, weighted by the priority.
        """
        data = self.instance.requests[r]
        for k, need in enumerate(data.needs):
            teams = [self.asked[r, o.unit, k] for o in data.options if o.caps[k]]
            if teams:
                self.model.add(sum(teams) <= need)
            self.shortfall_terms.append(data.priority * (need - sum(teams)))

    def _on_scene_times_of_request(self, r: int) -> None:
        """Soft (criteria 2 and 3): each capability's on-scene time and the latest of them.

        The time of capability k is the largest ETA (in steps) of the units asked for it; a
        unit asked for k implies k's level at its ETA, a level implies the one below it and
        the request's latest level at the same step. Version 1 ranks the latest ETA only.
        """
        data = self.instance.requests[r]
        if not data.options:
            return
        latest = self._levels(f"latest_{r}", {o.steps for o in data.options})
        for option in data.options:
            self.model.add_implication(self.x[r, option.unit], latest[option.steps])
        self.latest_terms.append(data.priority * _level_sum(latest))
        if self.instance.order is Order.V1:
            return
        for k in range(len(data.codes)):
            providers = [o for o in data.options if o.caps[k]]
            if not providers:
                continue
            on = self._levels(f"on_{r}_{k}", {o.steps for o in providers})
            for option in providers:
                self.model.add_implication(self.asked_any[r, option.unit, k], on[option.steps])
            for steps, level in on.items():
                self.model.add_implication(level, latest[steps])
            self.on_scene_terms.append(data.priority * _level_sum(on))

    def _states_of_request(self, r: int) -> None:
        """Soft (criterion 4, version 2): the states asked for a request, one per country."""
        if self.instance.order is Order.V1:
            return
        by_country: dict[str, list[Any]] = {}
        for option in self.instance.requests[r].options:
            country = self.instance.units[option.unit].country
            by_country.setdefault(country, []).append(self.x[r, option.unit])
        for country, variables in by_country.items():
            asked = self.model.new_bool_var(f"state_{r}_{country}")
            for var in variables:
                self.model.add_implication(var, asked)
            self.state_terms.append(asked)

    def _leave_out_one_unit_of(self, plan: Sequence[int]) -> None:
        """Hard (§5 alternatives): the plan leaves out at least one unit of an earlier plan."""
        self.model.add(sum(self.x[0, u] for u in plan) <= len(plan) - 1)

    def _levels(self, name: str, steps: Iterable[int]) -> dict[int, Any]:
        ordered = sorted(set(steps))
        levels = {s: self.model.new_bool_var(f"{name}_ge_{s}") for s in ordered}
        for lower, upper in itertools.pairwise(ordered):
            self.model.add_implication(levels[upper], levels[lower])
        return levels

    # ----------------------------------------------------------------------------------------
    # The criteria, each with an upper bound of its value (for merging them into one sum).

    @property
    def ranks_in_objective(self) -> bool:
        """Whether the criteria end with the exact earliest-ids order (small models only)."""
        return len(self.x) <= LEX_IN_OBJECTIVE

    def criteria(self) -> list[tuple[Any, int]]:
        """The §5 criteria of the instance's order, then the tie-break: the sum of ranks and,
        on small models, the earliest ids first as one binary-weighted sum."""
        requests = self.instance.requests
        most = [min(d.total_need, len(d.options)) for d in requests]
        furthest = [max((o.steps for o in d.options), default=0) for d in requests]
        shortfall = (sum(self.shortfall_terms), sum(d.priority * d.total_need for d in requests))
        latest = (
            sum(self.latest_terms),
            sum(d.priority * f for d, f in zip(requests, furthest, strict=True)),
        )
        units = (sum(self.x.values()), sum(most))
        total_eta = (
            sum(
                o.eta.minutes * self.x[r, o.unit]
                for r, d in enumerate(requests)
                for o in d.options
            ),
            sum(
                _top((o.eta.minutes for o in d.options), k)
                for d, k in zip(requests, most, strict=True)
            ),
        )
        ranks = (
            sum(self.rank(key) * var for key, var in self.x.items()),
            sum(
                _top((self.rank((r, o.unit)) for o in d.options), k)
                for r, (d, k) in enumerate(zip(requests, most, strict=True))
            ),
        )
        ties = [ranks, self._earliest_ids_first()] if self.ranks_in_objective else [ranks]
        if self.instance.order is Order.V1:
            return [shortfall, latest, units, total_eta, *ties]
        on_scene = (
            sum(self.on_scene_terms),
            sum(d.priority * f * len(d.codes) for d, f in zip(requests, furthest, strict=True)),
        )
        states = (sum(self.state_terms), sum(most))
        return [shortfall, latest, on_scene, states, units, total_eta, *ties]

    def _earliest_ids_first(self) -> tuple[Any, int]:
        """Soft (tie-break): of plans equal in everything else, the one with the earliest ids.

        Minimising sum over options, in rank order i = 1..n, of 2^(n-i) * (1 - x_i) is the
        lexicographic maximum of (x_1, .., x_n): each option outweighs all later ones
        together. Distinct choices get distinct values, so the optimum is unique.
        """
        keys = sorted(self.x, key=self.rank)
        n = len(keys)
        weights = [1 << (n - 1 - i) for i in range(n)]
        expression = sum(w * (1 - self.x[k]) for w, k in zip(weights, keys, strict=True))
        return expression, (1 << n) - 1

    def rank(self, key: Key) -> int:
        """Tie-break rank of a (request, unit): requests in order, then units by id; from 1."""
        r, unit = key
        return self.instance.requests[r].position * len(self.instance.units) + unit + 1

    def hint(self, solution: Solution) -> None:
        """Start the search from a known solution (all of its variables)."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for (r, u), var in self.x.items():
            self.model.add_hint(var, u in solution[r])
        for (r, u, k), var in self.asked.items():
            teams = solution[r].get(u)
            self.model.add_hint(var, teams[k] if teams else 0)

    def solution(self, solver: cp_model.CpSolver) -> Solution:
        """The chosen units and their asked teams in the solver's answer."""
        chosen: list[dict[int, list[int]]] = [{} for _ in self.instance.requests]
        for (r, u), var in self.x.items():
            if solver.boolean_value(var):
                chosen[r][u] = [0] * len(self.instance.requests[r].codes)
        for (r, u, k), var in self.asked.items():
            if u in chosen[r]:
                chosen[r][u][k] = int(solver.value(var))
        return tuple({u: tuple(t) for u, t in c.items()} for c in chosen)


def _level_sum(levels: Mapping[int, Any]) -> Any:
    below = [0, *levels][:-1]
    return sum((s - b) * levels[s] for b, s in zip(below, levels, strict=True))


def _top(values: Iterable[int], k: int) -> int:
    return sum(sorted(values, reverse=True)[:k])
