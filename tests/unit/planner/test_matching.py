"""The matching: optimal in the §5 (version 2) order, alternatives, joint planning, reserves,
asked teams, the planning step, determinism."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner_factories import country, network, request, unit

from atlasbot.domain import CrisisRequest, Location, Network, TransportMode, UnitStatus
from atlasbot.planner import model, solve
from atlasbot.planner.matching import (
    Coverage,
    PlanningResult,
    plan,
    plan_joint,
    plan_single,
)
from atlasbot.planner.travel import eta
from atlasbot.rules import Reason, country_allowance

HELI = (TransportMode.ROAD, TransportMode.HELICOPTER)
# A few base positions only, so that equal ETAs (ties) are common.
BASES = [(50.9, 7.0), (52.4, 4.9), (49.6, 6.1), (48.9, 2.4)]

# ------------------------------------------------------------------------------------------
# Brute force: the §5 version 2 order plus our tie-breaks, by enumerating every way of asking
# every unit for teams (rank sum, then earliest ids; then the most teams of the earliest id).

Table = dict[str, tuple[int, ...]]  # unit id -> teams asked, aligned with the request's codes


def _eligible(net: Network, req: CrisisRequest) -> dict[str, int]:
    """Unit id -> ETA for the units that can serve the request."""
    planned = plan_single(net, req, alternatives=0)
    return {c.id: c.eta_minutes for c in planned.requests[0].candidates}


def _within_allowances(net: Network, unit_ids: Sequence[str]) -> bool:
    for c in net.countries:
        taken = sum(1 for uid in unit_ids if net.unit(uid).country == c.code)
        if taken > country_allowance(c, net.units):
            return False
    return True


def _tables(net: Network, req: CrisisRequest, units: Sequence[str]) -> Iterator[Table]:
    """Every way of asking these units for teams with no capability over its need."""
    codes = tuple(req.needs)

    def rows(unit_id: str, left: Sequence[int]) -> Iterator[tuple[int, ...]]:
        ranges = [
            range(min(net.unit(unit_id).teams_of(c), n) + 1)
            for c, n in zip(codes, left, strict=True)
        ]
        yield from itertools.product(*ranges)

    def walk(i: int, left: tuple[int, ...], table: Table) -> Iterator[Table]:
        if i == len(units):
            yield dict(table)
            return
        for row in rows(units[i], left):
            if any(row):
                table[units[i]] = row
            yield from walk(i + 1, tuple(n - t for n, t in zip(left, row, strict=True)), table)
            table.pop(units[i], None)

    yield from walk(0, tuple(req.needs[c] for c in codes), {})


def _v2_key(net: Network, req: CrisisRequest, etas: Mapping[str, int], table: Table, step: int):  # type: ignore[no-untyped-def]
    codes = tuple(req.needs)
    shortfall = sum(
        req.needs[c] - sum(row[k] for row in table.values()) for k, c in enumerate(codes)
    )
    on_scene = [
        max((math.ceil(etas[u] / step) for u, row in table.items() if row[k]), default=0)
        for k in range(len(codes))
    ]
    states = len({net.unit(u).country for u in table})
    return (
        shortfall,
        max(on_scene),
        sum(on_scene),
        states,
        len(table),
        sum(etas[u] for u in table),
    )


def _rank(net: Network, unit_id: str) -> int:
    return sorted(u.id for u in net.units).index(unit_id) + 1


def _tie_key(ranks: Sequence[int]) -> tuple[int, tuple[int, ...]]:
    return (sum(ranks), tuple(sorted(ranks)))


def _asked_key(net: Network, table: Table) -> tuple[int, ...]:
    return tuple(-n for u in sorted(table, key=lambda u: _rank(net, u)) for n in table[u])


def _brute_force_single(
    net: Network, req: CrisisRequest, earlier: Sequence[Sequence[str]] = (), step: int = 10
) -> Table | None:
    etas = _eligible(net, req)
    best = None
    for table in _tables(net, req, sorted(etas)):
        if not table or not _within_allowances(net, list(table)):
            continue
        if any(set(plan_ids) <= set(table) for plan_ids in earlier):
            continue
        key = (
            _v2_key(net, req, etas, table, step),
            _tie_key([_rank(net, u) for u in table]),
            _asked_key(net, table),
        )
        if best is None or key < best[0]:
            best = (key, table)
    return None if best is None else best[1]


def _table_of(result: PlanningResult, rank: int = 1, request_id: str | None = None) -> Table:
    planning = result.requests[0] if request_id is None else result.for_request(request_id)
    if len(planning.plans) < rank:
        return {}
    codes = tuple(planning.request.needs)
    return {u.id: tuple(u.asked.get(c, 0) for c in codes) for u in planning.plans[rank - 1].units}


@st.composite
def instances(draw: st.DrawFn, requests: int = 1) -> tuple[Network, list[CrisisRequest]]:
    codes = ["hostage_rescue", "negotiation", "cbrn"][: draw(st.integers(1, 3 - requests + 1))]
    countries = [
        country("BE"),
        country("DE", reserve=draw(st.integers(0, 2))),
        country("FR", armed=draw(st.booleans())),
        country("NL", reserve=draw(st.integers(0, 1))),
    ]
    units = []
    for i in range(draw(st.integers(1, 7 - requests))):
        caps = {c: draw(st.integers(0, 3)) for c in codes}
        lat, lon = draw(st.sampled_from(BASES))
        units.append(
            unit(
                f"u-{i}",
                draw(st.sampled_from(["BE", "DE", "FR", "NL"])),
                {c: n for c, n in caps.items() if n > 0},
                lat=lat,
                lon=lon,
                mobilisation=draw(st.sampled_from([30, 34, 60])),
                status=draw(st.sampled_from([UnitStatus.AVAILABLE, UnitStatus.STANDBY])),
                transport=HELI,
            )
        )
    reqs = [
        request(
            {c: draw(st.integers(1, 2)) for c in codes if draw(st.booleans()) or c == codes[0]},
            request_id=f"req-{r}",
            priority=draw(st.integers(1, 3)),
            location=Location(50.85 + r, 4.35),
        )
        for r in range(requests)
    ]
    return network(countries, units), reqs


BOUNDED = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STEPS = st.sampled_from([1, 10, 30])
# Small models are solved with one weighted objective, big ones stage by stage: the
# brute-force checks run both ways.
BOTH_WAYS = pytest.mark.parametrize("staged", [False, True], ids=["weighted", "staged"])


@contextmanager
def _solved(staged: bool) -> Iterator[None]:
    if not staged:
        yield
        return
    # Stage by stage, and the earliest-ids tie-break by probing instead of in the objective.
    with patch.object(solve, "SMALL_MODEL_PAIRS", -1), patch.object(model, "LEX_IN_OBJECTIVE", -1):
        yield


@BOTH_WAYS
@BOUNDED
@given(instance=instances(), step=STEPS)
def test_the_first_plan_and_its_asked_teams_are_the_best_of_all(
    staged: bool, instance: tuple[Network, list[CrisisRequest]], step: int
) -> None:
    net, (req,) = instance
    with _solved(staged):
        result = plan_single(net, req, alternatives=0, step_minutes=step)
    expected = _brute_force_single(net, req, step=step)
    plans = result.requests[0].plans
    assert result.optimal
    if expected is None:
        assert plans == ()
        assert result.requests[0].coverage is Coverage.NONE
    else:
        assert _table_of(result) == expected


@BOTH_WAYS
@BOUNDED
@given(instance=instances(), step=STEPS)
def test_each_alternative_is_the_best_plan_leaving_out_a_unit_of_every_earlier_plan(
    staged: bool, instance: tuple[Network, list[CrisisRequest]], step: int
) -> None:
    net, (req,) = instance
    with _solved(staged):
        result = plan_single(net, req, alternatives=3, step_minutes=step)
    plans = result.requests[0].plans
    earlier: list[tuple[str, ...]] = []
    for p in plans:
        assert all(not set(e) <= set(p.unit_ids) for e in earlier)
        assert _table_of(result, p.rank) == _brute_force_single(net, req, earlier, step)
        earlier.append(p.unit_ids)
    if len(plans) < 4:
        assert _brute_force_single(net, req, earlier, step) is None


def _brute_force_joint(net: Network, reqs: Sequence[CrisisRequest], step: int):  # type: ignore[no-untyped-def]
    etas = [_eligible(net, r) for r in reqs]
    ids = sorted(u.id for u in net.units)
    best = None
    for choice in itertools.product(range(len(reqs) + 1), repeat=len(ids)):
        groups = [
            [u for u, c in zip(ids, choice, strict=True) if c == r + 1] for r in range(len(reqs))
        ]
        if any(u not in etas[r] for r, g in enumerate(groups) for u in g):
            continue
        if not _within_allowances(net, [u for g in groups for u in g]):
            continue
        per_request = [
            [t for t in _tables(net, req, g) if set(t) == set(g)]
            for req, g in zip(reqs, groups, strict=True)
        ]
        for tables in itertools.product(*per_request):
            keys = [
                _v2_key(net, q, etas[r], t, step)
                for r, (q, t) in enumerate(zip(reqs, tables, strict=True))
            ]
            joint = tuple(
                sum((q.priority if i < 3 else 1) * k[i] for q, k in zip(reqs, keys, strict=True))
                for i in range(6)
            )
            ranks = [r * len(ids) + _rank(net, u) for r, g in enumerate(groups) for u in g]
            asked = tuple(n for t in tables for n in _asked_key(net, t))
            key = (joint, _tie_key(ranks), asked)
            if best is None or key < best[0]:
                best = (key, list(tables))
    assert best is not None
    return best[1]


@BOTH_WAYS
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances(requests=2), step=STEPS)
def test_joint_planning_is_the_best_of_all_assignments_with_priorities(
    staged: bool, instance: tuple[Network, list[CrisisRequest]], step: int
) -> None:
    net, reqs = instance
    with _solved(staged):
        result = plan_joint(net, reqs, step_minutes=step)
    assert result.optimal
    got = [_table_of(result, 1, q.id) for q in reqs]
    assert got == _brute_force_joint(net, reqs, step)


# ------------------------------------------------------------------------------------------
# Behaviours a coordinator would notice.


def _two_states() -> Network:
    return network(
        [country("BE"), country("DE", reserve=1), country("NL")],
        [
            unit("de-1", "DE", {"hostage_rescue": 2}, lat=50.9, lon=7.0, transport=HELI),
            unit("de-2", "DE", {"hostage_rescue": 2}, lat=50.9, lon=7.0, transport=HELI),
            unit("de-3", "DE", {"negotiation": 1}, lat=50.9, lon=7.0, transport=HELI),
            unit("nl-1", "NL", {"negotiation": 1}, lat=52.1, lon=5.1),
        ],
    )


def test_joint_planning_never_gives_a_unit_to_two_requests() -> None:
    reqs = [
        request({"hostage_rescue": 2}, request_id="a"),
        request({"hostage_rescue": 2}, request_id="b", location=Location(51.2, 4.4)),
    ]
    result = plan_joint(_two_states(), reqs)
    ids = [u for p in result.requests for pl in p.plans for u in pl.unit_ids]
    assert len(ids) == len(set(ids))


def test_the_home_reserve_is_kept_in_joint_planning() -> None:
    # DE has three ready units and keeps one home: only two may be taken in all.
    reqs = [
        request({"hostage_rescue": 2, "negotiation": 1}, request_id="a"),
        request({"hostage_rescue": 2}, request_id="b", location=Location(51.2, 4.4)),
    ]
    result = plan_joint(_two_states(), reqs)
    taken = [
        u for p in result.requests for pl in p.plans for u in pl.unit_ids if u.startswith("de")
    ]
    assert len(taken) == 2


def test_the_home_reserve_is_kept_in_single_planning() -> None:
    # DE may give two of its three units: both rescue units, so not also its negotiator.
    result = plan_single(_two_states(), request({"hostage_rescue": 4, "negotiation": 2}))
    for p in result.requests[0].plans:
        assert sum(1 for u in p.unit_ids if u.startswith("de")) <= 2
    first = result.requests[0].plans[0]
    assert sorted(first.unit_ids) == ["de-1", "de-2", "nl-1"]
    assert first.shortfall == {"negotiation": 1}


def test_the_higher_priority_request_is_served_first() -> None:
    net = network(
        [country("BE"), country("DE")],
        [unit("de-1", "DE", {"hostage_rescue": 1}, lat=50.9, lon=7.0)],
    )
    reqs = [
        request({"hostage_rescue": 1}, request_id="low", priority=1),
        request(
            {"hostage_rescue": 1}, request_id="high", priority=3, location=Location(51.2, 4.4)
        ),
    ]
    result = plan_joint(net, reqs)
    assert result.for_request("high").plans[0].unit_ids == ("de-1",)
    assert result.for_request("low").plans == ()
    assert result.for_request("low").coverage is Coverage.NONE


def test_ties_are_broken_by_unit_id() -> None:
    net = network(
        [country("BE"), country("DE"), country("AT")],
        [
            unit(uid, cc, {"hostage_rescue": 1}, lat=50.9, lon=7.0)
            for uid, cc in [("de-3", "DE"), ("at-2", "AT"), ("de-1", "DE"), ("at-1", "AT")]
        ],
    )
    result = plan_single(net, request({"hostage_rescue": 2}), alternatives=1)
    plans = result.requests[0].plans
    assert sorted(plans[0].unit_ids) == ["at-1", "at-2"]
    # Version 2 asks one state rather than two before it looks at ids (§5 criterion 4).
    assert sorted(plans[1].unit_ids) == ["de-1", "de-3"]


def test_planning_twice_gives_the_same_result() -> None:
    net = _two_states()
    req = request({"hostage_rescue": 2, "negotiation": 1})
    first = plan(net, [req], 2)
    second = plan(net, [req], 2)
    assert [p.unit_ids for p in first.requests[0].plans] == [
        p.unit_ids for p in second.requests[0].plans
    ]


def test_candidates_are_sorted_by_eta_then_id_and_excluded_units_by_id() -> None:
    net = network(
        [country("BE"), country("DE"), country("FR", armed=False), country("NO", bound=False)],
        [
            unit("de-2", "DE", {"hostage_rescue": 1}, lat=50.9, lon=7.0),
            unit("de-1", "DE", {"hostage_rescue": 1}, lat=50.9, lon=7.0),
            unit("fr-1", "FR", {"hostage_rescue": 1}),
            unit("no-1", "NO", {"hostage_rescue": 1}, status=UnitStatus.DEPLOYED),
            unit("be-1", "BE", {"divers": 1}),
        ],
    )
    planning = plan_single(net, request({"hostage_rescue": 1})).requests[0]
    assert [c.id for c in planning.candidates] == ["de-1", "de-2"]
    assert [(e.id, e.reasons) for e in planning.excluded] == [
        ("be-1", (Reason.OWN_STATE, Reason.NO_CAPABILITY)),
        ("fr-1", (Reason.NATIONAL_RESTRICTION,)),
        ("no-1", (Reason.STATUS, Reason.NOT_BOUND)),
    ]


def test_a_unit_provides_its_full_count_of_each_needed_capability_only() -> None:
    net = network(
        [country("BE"), country("DE")],
        [unit("de-1", "DE", {"hostage_rescue": 3, "k9": 2, "negotiation": 1}, lat=50.9, lon=7.0)],
    )
    first = plan_single(net, request({"hostage_rescue": 2, "cbrn": 1})).requests[0].plans[0]
    assert dict(first.units[0].provides) == {"hostage_rescue": 3}
    assert dict(first.shortfall) == {"cbrn": 1}


def test_a_helicopter_only_unit_too_far_away_is_excluded_as_unreachable() -> None:
    net = network(
        [country("BE"), country("PL")],
        [
            unit(
                "pl-1",
                "PL",
                {"hostage_rescue": 1},
                lat=52.2,
                lon=21.0,
                transport=[TransportMode.HELICOPTER],
            )
        ],
    )
    planning = plan_single(net, request({"hostage_rescue": 1})).requests[0]
    assert planning.excluded[0].reasons == (Reason.UNREACHABLE,)
    assert planning.coverage is Coverage.NONE


def test_a_partial_plan_reports_its_shortfall_and_eta() -> None:
    net = network(
        [country("BE"), country("DE")],
        [unit("de-1", "DE", {"hostage_rescue": 1}, lat=50.9, lon=7.0, transport=HELI)],
    )
    planning = plan_single(net, request({"hostage_rescue": 2, "negotiation": 1})).requests[0]
    assert planning.coverage is Coverage.PARTIAL
    first = planning.plans[0]
    expected = eta(net.unit("de-1"), request({"hostage_rescue": 1}).location)
    assert expected is not None
    assert first.latest_eta_minutes == expected.minutes == first.units[0].eta_minutes
    assert dict(first.shortfall) == {"hostage_rescue": 1, "negotiation": 1}


def test_a_tie_on_every_criterion_goes_to_the_earliest_unit_id() -> None:
    # {a-1, d-1} and {b-1, c-1} tie on all four criteria and on the sum of id ranks; each
    # state may give one unit only. The plan holding the earliest id, a-1, wins.
    net = network(
        [country("BE"), country("DE", reserve=1), country("NL", reserve=1)],
        [
            unit("a-1", "DE", {"hostage_rescue": 1}, lat=50.9, lon=7.0),
            unit("b-1", "NL", {"hostage_rescue": 1}, lat=50.9, lon=7.0),
            unit("c-1", "DE", {"negotiation": 1}, lat=50.9, lon=7.0),
            unit("d-1", "NL", {"negotiation": 1}, lat=50.9, lon=7.0),
        ],
    )
    plans = plan_single(net, request({"hostage_rescue": 1, "negotiation": 1})).requests[0].plans
    assert [sorted(p.unit_ids) for p in plans[:2]] == [["a-1", "d-1"], ["b-1", "c-1"]]


def test_out_of_time_the_best_plan_found_is_returned_unproven() -> None:
    reqs = [
        request({"hostage_rescue": 2}, request_id="a"),
        request({"negotiation": 1}, request_id="b", location=Location(51.2, 4.4)),
    ]
    result = plan_joint(_two_states(), reqs, time_limit_s=0)
    assert result.optimal is False
    ids = [u for p in result.requests for pl in p.plans for u in pl.unit_ids]
    assert ids
    assert len(ids) == len(set(ids))
    assert sum(1 for u in ids if u.startswith("de")) <= 2


@BOTH_WAYS
def test_a_tie_on_the_rank_sum_goes_to_the_earliest_ids_not_the_latest(staged: bool) -> None:
    # {a-1, e-1, f-1} and {b-1, c-1, g-1} tie on every criterion and on the rank sum (1+5+6 =
    # 2+3+7); DE and FR may give one unit each, which rules out every other package. The
    # earliest id, a-1, decides, although the other package holds the smaller second rank.
    net = network(
        [country("BE"), country("DE", reserve=1), country("FR", reserve=1), country("NL"),
         country("AT")],
        [
            unit("a-1", "DE", {"hostage_rescue": 1}),
            unit("b-1", "FR", {"hostage_rescue": 1}),
            unit("c-1", "DE", {"negotiation": 1}),
            unit("d-1", "NL", {"divers": 1}),
            unit("e-1", "NL", {"negotiation": 1}),
            unit("f-1", "FR", {"cbrn": 1}),
            unit("g-1", "AT", {"cbrn": 1}),
        ],
    )  # fmt: skip
    req = request({"hostage_rescue": 1, "negotiation": 1, "cbrn": 1})
    with _solved(staged):
        plans = plan_single(net, req, alternatives=1).requests[0].plans
    assert [sorted(p.unit_ids) for p in plans] == [["a-1", "e-1", "f-1"], ["b-1", "c-1", "g-1"]]
