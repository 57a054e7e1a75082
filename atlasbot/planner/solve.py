"""Solving a planning model in the §5 order, within a deadline, deterministically.

Each criterion is a stage: minimise it, fix its optimal value as a constraint, go on with the
next. On small models consecutive stages are merged into one weighted sum whose weights make
it exactly lexicographic (see merge_stages), which saves solver starts; on big ones they run
one by one, which keeps every objective's coefficients small. The last stages break ties by
unit id, and the teams asked of each unit are made canonical, so that the same input always
gives the same plans whatever the machine's speed or the solver's thread timing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atlasbot.planner.instance import (
    Instance,
    Solution,
    objective_key,
    request_figures,
    shortfall_floor,
)
from atlasbot.planner.model import PlanningModel

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

SMALL_MODEL_PAIRS = 150
MERGE_LIMIT = 1 << 31
_LEX_BLOCK = 40


@dataclass(frozen=True, slots=True)
class Tuning:
    """Solver settings by model size; results do not depend on them, only speed does."""

    num_workers: int
    merge_limit: int
    presolve: bool

    @staticmethod
    def for_instance(instance: Instance) -> Tuning:
        pairs = sum(len(d.options) for d in instance.requests)
        if pairs <= SMALL_MODEL_PAIRS:
            # One worker: on small models parallel search costs more than it saves.
            return Tuning(num_workers=1, merge_limit=1 << 50, presolve=False)
        return Tuning(num_workers=2, merge_limit=MERGE_LIMIT, presolve=True)


@dataclass
class StagedSolve:
    """Runs the stages on one model within a deadline; `optimal` turns False on a timeout."""

    model: PlanningModel
    deadline: float
    tuning: Tuning
    optimal: bool = True

    def run(
        self, hint: Solution, *, break_ties: bool = True, first_criteria: int | None = None
    ) -> Solution:
        """The best solution in the §5 order and the tie-breaks (the hint when out of time).

        Without `break_ties`, any solution optimal in the §5 order (enough for comparing);
        with `first_criteria`, optimal in that many first criteria only.
        """
        m = self.model
        best = hint
        criteria = m.criteria()[:first_criteria]
        for objective, stages in merge_stages(criteria, self.tuning.merge_limit):
            if stages == [0] and objective_key(m.instance, best)[0] == shortfall_floor(m.instance):
                # The hint already reaches the shortfall's lower bound: nothing to solve.
                value = objective_key(m.instance, best)[0]
            else:
                found = self._minimise(objective, best)
                if found is None:
                    return canonical_asked(m.instance, best)
                best, value, proven = found
                if not proven:
                    self.optimal = False
                    return canonical_asked(m.instance, best)
            if not isinstance(objective, int):
                m.model.add(objective <= value)
        if not break_ties or first_criteria is not None:
            return best
        if m.ranks_in_objective:
            return canonical_asked(m.instance, best)
        return canonical_asked(m.instance, self._break_remaining_ties(best))

    def _minimise(self, objective: Any, hint: Solution) -> tuple[Solution, int, bool] | None:
        from ortools.sat.python import cp_model

        m = self.model
        if isinstance(objective, int):
            return hint, objective, True
        if time.perf_counter() >= self.deadline:
            # Out of time before this stage: keep the best plan so far, unproven.
            self.optimal = False
            return None
        m.model.minimize(objective)
        m.hint(hint)
        solver = self._solver()
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.optimal = False
            return None
        return m.solution(solver), round(solver.objective_value), status == cp_model.OPTIMAL

    def _break_remaining_ties(self, best: Solution) -> Solution:
        """If another unit set has the same rank sum, take the lexicographically first by id."""
        from ortools.sat.python import cp_model

        m = self.model
        chosen = [(r, u) for r, asked in enumerate(best) for u in asked]
        if not chosen:
            return best
        probe = m.model.clone()
        probe.clear_objective()  # type: ignore[no-untyped-call]
        probe.add(
            sum(probe.get_bool_var_from_proto_index(m.x[k].index) for k in chosen)
            <= len(chosen) - 1
        )
        status = self._solver().solve(probe)
        if status == cp_model.INFEASIBLE:
            return best
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.optimal = False
            return best
        return self._earliest_ids_first(best, chosen)

    def _earliest_ids_first(self, best: Solution, chosen: Sequence[tuple[int, int]]) -> Solution:
        """Fix units one block at a time, earliest id first, each block maximising a
        binary-weighted sum (the exact lexicographic order). Every tied plan has this count
        and rank sum, so none holds a unit ranked above cap."""
        from ortools.sat.python import cp_model

        m = self.model
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
            m.hint(best)
            solver = self._solver()
            if solver.solve(m.model) != cp_model.OPTIMAL:
                self.optimal = False
                return best
            best = m.solution(solver)
            for k in block:
                value = int(solver.boolean_value(m.x[k]))
                m.model.add(m.x[k] == value)
                fixed_ones += value
            if fixed_ones == count:
                break
        return best

    def _solver(self) -> cp_model.CpSolver:
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.001, self.deadline - time.perf_counter())
        solver.parameters.num_workers = self.tuning.num_workers
        solver.parameters.linearization_level = 2
        # Presolve costs more than it saves on small models, and pays on big ones (measured).
        solver.parameters.cp_model_presolve = self.tuning.presolve
        solver.parameters.symmetry_level = 0
        return solver


def merge_stages(stages: Sequence[tuple[Any, int]], limit: int) -> list[tuple[Any, list[int]]]:
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


# --------------------------------------------------------------------------------------------
# Canonical asked teams.


def canonical_asked(instance: Instance, solution: Solution) -> Solution:
    """The same plans with their teams asked in one canonical way.

    For a fixed set of units, the §5 criteria depend on the asked teams only through each
    capability's teams in all and its rounded on-scene time. Any way of asking that keeps
    every unit asked for a team, every capability's total, and every unit asked for k no later
    than k's on-scene time, ranks the same. Of those, take the one that asks most of the
    earliest unit id (then capability order): the tie-break by unit ids, applied to teams.
    """
    return tuple(_canonical(instance, r, asked) for r, asked in enumerate(solution))


def _canonical(instance: Instance, r: int, asked: Any) -> dict[int, tuple[int, ...]]:
    if not asked:
        return dict(asked)
    data = instance.requests[r]
    figures = request_figures(instance, r, asked)
    by_unit = {o.unit: o for o in data.options}
    units = sorted(asked)
    totals = [sum(asked[u][k] for u in units) for k in range(len(data.codes))]
    limits = [
        [
            by_unit[u].caps[k] if by_unit[u].steps <= figures.on_scene_steps[k] else 0
            for k in range(len(data.codes))
        ]
        for u in units
    ]
    found = _lex_max(limits, totals)
    # The solver's own answer satisfies every condition, so a canonical one always exists.
    assert found is not None
    return {u: tuple(row) for u, row in zip(units, found, strict=True)}


def _lex_max(limits: list[list[int]], totals: list[int]) -> list[list[int]] | None:
    """The lexicographically largest table t (rows = units, in order) with 0 <= t <= limits,
    column sums equal to totals and every row asking for at least one team; None if none."""
    rows, columns = len(limits), len(totals)
    table = [[0] * columns for _ in range(rows)]
    # What the rows after i can still give to each column, for pruning.
    after = [
        [sum(limits[j][k] for j in range(i + 1, rows)) for k in range(columns)]
        for i in range(rows)
    ]

    def place(i: int, k: int, left: list[int]) -> bool:
        if k == columns:
            if not any(table[i]):
                return False
            if i + 1 == rows:
                return not any(left)
            if any(left[c] > after[i][c] for c in range(columns)):
                return False
            return place(i + 1, 0, left)
        for teams in range(min(limits[i][k], left[k]), -1, -1):
            table[i][k] = teams
            left[k] -= teams
            if place(i, k + 1, left):
                return True
            left[k] += teams
        table[i][k] = 0
        return False

    return table if place(0, 0, list(totals)) else None
