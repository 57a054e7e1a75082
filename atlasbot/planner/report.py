"""The planning result as JSON (INTERFACES §6) and as a readable table."""

from __future__ import annotations

from typing import Any

from atlasbot.domain import Network
from atlasbot.planner.explain import (
    country_name,
    describe_teams,
    explain_exclusion,
    explain_not_chosen,
    explain_plan,
    explain_reserve,
    partner_mark,
)
from atlasbot.planner.matching import Plan, PlanningResult, RequestPlanning


def result_to_json(result: PlanningResult) -> dict[str, Any]:
    """Exactly §6's shape and key names."""
    return {
        "optimal": result.optimal,
        "solve_ms": result.solve_ms,
        "requests": [_request_json(planning) for planning in result.requests],
    }


def _request_json(planning: RequestPlanning) -> dict[str, Any]:
    return {
        "id": planning.id,
        "coverage": planning.coverage.value,
        "plans": [_plan_json(plan) for plan in planning.plans],
        "candidates": [
            {"id": c.id, "country": c.country, "eta_minutes": c.eta_minutes, "mode": c.mode.value}
            for c in planning.candidates
        ],
        "excluded": [
            {"id": e.id, "reasons": [r.value for r in e.reasons]} for e in planning.excluded
        ],
    }


def _plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "rank": plan.rank,
        "units": [
            {
                "id": u.id,
                "country": u.country,
                "eta_minutes": u.eta_minutes,
                "mode": u.mode.value,
                "provides": dict(u.provides),
            }
            for u in plan.units
        ],
        "shortfall": dict(plan.shortfall),
        "latest_eta_minutes": plan.latest_eta_minutes,
        "unit_count": plan.unit_count,
        "total_eta_minutes": plan.total_eta_minutes,
    }


def format_table(result: PlanningResult, network: Network) -> str:
    """A readable report: per request its plans, candidates and exclusions, with reasons."""
    lines: list[str] = []
    kind = "joint planning" if result.joint else "planning"
    proof = "proven optimal" if result.optimal else "best found within the time limit"
    lines.append(f"atlasbot {kind}: {proof}, {result.solve_ms:.1f} ms")
    for planning in result.requests:
        lines.extend(_request_lines(planning, result, network))
    limits = [
        explain_reserve(limit, network)
        for limit in result.country_limits.values()
        if limit.home_reserve > 0
    ]
    if limits:
        lines.append("")
        lines.append("Home reserves")
        lines.extend(f"  {sentence}" for sentence in limits)
    return "\n".join(lines) + "\n"


def _request_lines(
    planning: RequestPlanning, result: PlanningResult, network: Network
) -> list[str]:
    request = planning.request
    lines = [
        "",
        f"Request {request.id} from {country_name(network, request.requesting_country)}"
        f" ({request.crisis.value}, priority {request.priority}):"
        f" needs {describe_teams(network, request.needs)}",
        f"Coverage: {planning.coverage.value}",
    ]
    if not planning.plans:
        lines.append("  No unit can be proposed.")
    for plan in planning.plans:
        lines.append("")
        lines.append(f"  {explain_plan(plan, network)}")
        lines.append(_row("unit", "country", "ETA", "mode", "provides"))
        for unit in plan.units:
            lines.append(
                _row(
                    unit.id,
                    unit.country + ("*" if partner_mark(network, unit.country) else ""),
                    f"{unit.eta_minutes} min",
                    unit.mode.value,
                    describe_teams(network, unit.provides),
                )
            )
        if any(partner_mark(network, unit.country) for unit in plan.units):
            lines.append(
                "    * partner state, not bound by the Decision: helps on another basis (R12)"
            )
        missing = describe_teams(network, plan.shortfall) if plan.shortfall else "none"
        lines.append(
            f"    shortfall: {missing}; latest ETA {plan.latest_eta_minutes} min; "
            f"{plan.unit_count} unit{'' if plan.unit_count == 1 else 's'}; "
            f"sum of ETAs {plan.total_eta_minutes} min"
        )
    lines.append("")
    lines.append(f"  Candidates ({len(planning.candidates)}):")
    first = set(planning.plans[0].unit_ids) if planning.plans else set()
    for candidate in planning.candidates:
        note = "in plan 1" if candidate.id in first else ""
        if not note:
            note = explain_not_chosen(candidate, planning, result, network).split(": ", 1)[1]
        lines.append(
            _row(
                candidate.id,
                candidate.country,
                f"{candidate.eta_minutes} min",
                candidate.mode.value,
                note,
            )
        )
    lines.append(f"  Left out ({len(planning.excluded)}):")
    lines.extend(f"    {explain_exclusion(e, network)}" for e in planning.excluded)
    return lines


def _row(unit: str, country: str, eta: str, mode: str, detail: str) -> str:
    return f"    {unit:<12} {country:<7} {eta:>8}  {mode:<10} {detail}".rstrip()
