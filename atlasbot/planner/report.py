"""The planning result as JSON (docs/formats.md §6) and as a readable table.

The JSON keeps the format's codes; the table is read by an operator, so its words go through
``atlasbot.i18n`` like the chat's.
"""

from __future__ import annotations

import time
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import _, ngettext
from atlasbot.planner.explain import (
    capability_name,
    country_name,
    describe_teams,
    explain_exclusion,
    explain_reserve,
    irreplaceable_sentence,
    mode_name,
    on_scene_lines,
    partner_mark,
    plan_headline,
    why_not_others_lines,
)
from atlasbot.planner.reasons import irreplaceable_units, why_not_others
from atlasbot.planner.results import Plan, PlanningResult, RequestPlanning
from atlasbot.planner.travel import TravelModel

# The table's reasons plan again once per unit explained; a joint file with many requests
# shares this budget, and a reason not found in time says so.
REASONS_BUDGET_S = 10.0


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
        "step_minutes": planning.step_minutes,
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
                "asked": dict(u.asked),
            }
            for u in plan.units
        ],
        "shortfall": dict(plan.shortfall),
        "on_scene_minutes": dict(plan.on_scene_minutes),
        "latest_eta_minutes": plan.latest_eta_minutes,
        "state_count": plan.state_count,
        "unit_count": plan.unit_count,
        "total_eta_minutes": plan.total_eta_minutes,
    }


def format_table(
    result: PlanningResult,
    network: Network,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
) -> str:
    """A readable report: per request its plans (who brings each capability, when), why the
    nearest others are left out, and the exclusions with reasons."""
    lines: list[str] = []
    kind = _("joint planning") if result.joint else _("planning")
    proof = _("proven optimal") if result.optimal else _("best found within the time limit")
    lines.append(
        _("atlasbot {kind}: {proof}, {ms:.1f} ms", kind=kind, proof=proof, ms=result.solve_ms)
    )
    deadline = time.perf_counter() + REASONS_BUDGET_S
    for planning in result.requests:
        budget = max(0.0, deadline - time.perf_counter()) / 2
        lines.extend(_request_lines(planning, result, network, model, budget))
    limits = [
        explain_reserve(limit, network)
        for limit in result.country_limits.values()
        if limit.home_reserve > 0
    ]
    if limits:
        lines.append("")
        lines.append(_("Home reserves"))
        lines.extend(f"  {sentence}" for sentence in limits)
    return "\n".join(lines) + "\n"


def _request_lines(
    planning: RequestPlanning,
    result: PlanningResult,
    network: Network,
    model: TravelModel,
    budget_s: float,
) -> list[str]:
    request = planning.request
    lines = [
        "",
        _(
            "Request {request} from {country} ({crisis}, priority {priority}): needs {needs}",
            request=request.id,
            country=country_name(network, request.requesting_country),
            crisis=request.crisis.value,
            priority=request.priority,
            needs=describe_teams(network, request.needs),
        ),
        _(
            "Coverage: {coverage}; on-scene times compared in steps of {minutes} min",
            coverage=planning.coverage.value,
            minutes=planning.step_minutes,
        ),
    ]
    if not planning.plans:
        lines.append(_("  No unit can be proposed."))
    for plan in planning.plans:
        lines.extend(_plan_lines(plan, planning, network))
    if len(planning.plans) > 1:
        # "In every plan" says something only where there are alternatives to compare.
        found = irreplaceable_units(network, result, planning.id, model=model, budget_s=budget_s)
        lines.extend(f"  {irreplaceable_sentence(f, network)}" for f in found)
    if planning.plans:
        others = why_not_others(network, result, planning.id, model=model, budget_s=budget_s)
        lines.append("")
        lines.extend(
            f"  {line}" for line in why_not_others_lines(planning, result, others, network)
        )
    lines.append(_("  Left out ({count}):", count=len(planning.excluded)))
    lines.extend(f"    {explain_exclusion(e, network)}" for e in planning.excluded)
    return lines


def _plan_lines(plan: Plan, planning: RequestPlanning, network: Network) -> list[str]:
    lines = ["", f"  {plan_headline(plan, network)}"]
    lines.extend(f"    {line}" for line in on_scene_lines(plan, planning.request, network))
    lines.append(_row(_("unit"), _("country"), _("ETA"), _("mode"), _("asked (of its teams)")))
    for unit in plan.units:
        asked = ", ".join(
            _(
                "{capability} {asked} of {teams}",
                capability=capability_name(network, code),
                asked=n,
                teams=unit.provides.get(code, n),
            )
            for code, n in unit.asked.items()
        )
        lines.append(
            _row(
                unit.id,
                unit.country + ("*" if partner_mark(network, unit.country) else ""),
                _("{minutes} min", minutes=unit.eta_minutes),
                mode_name(unit.mode),
                asked,
            )
        )
    if any(partner_mark(network, unit.country) for unit in plan.units):
        lines.append(
            _("    * partner state, not bound by the Decision: helps on another basis (R12)")
        )
    lines.append(_plan_figures(plan, network))
    return lines


def _plan_figures(plan: Plan, network: Network) -> str:
    """The figures the §5 order compares: shortfall, latest ETA, states, units, sum of ETAs."""
    return _(
        "    shortfall: {missing}; latest ETA {latest} min; {states}; {units}; "
        "sum of ETAs {total} min",
        missing=describe_teams(network, plan.shortfall) if plan.shortfall else _("none"),
        latest=plan.latest_eta_minutes,
        states=ngettext("{count} state", "{count} states", plan.state_count),
        units=ngettext("{count} unit", "{count} units", plan.unit_count),
        total=plan.total_eta_minutes,
    )


def _row(unit: str, country: str, eta: str, mode: str, detail: str) -> str:
    return f"    {unit:<12} {country:<7} {eta:>8}  {mode:<10} {detail}".rstrip()
