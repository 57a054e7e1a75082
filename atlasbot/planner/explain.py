"""Plain sentences that say why a plan is what it is: used by the CLI table and by the chat."""

from __future__ import annotations

from collections.abc import Mapping

from atlasbot.domain import Network
from atlasbot.planner.matching import (
    Candidate,
    CountryLimit,
    Exclusion,
    Plan,
    PlanningResult,
    RequestPlanning,
)
from atlasbot.rules import Reason


def country_name(network: Network, code: str) -> str:
    """The country's name, or its code when the network does not know it."""
    try:
        return network.country(code).name
    except KeyError:
        return code


def partner_mark(network: Network, code: str) -> str:
    """ ", partner state (R12)" for a state the Decision does not bind, else "": the plan marks
    partner units, which help on another legal basis."""
    try:
        bound = network.country(code).bound_by_decision
    except KeyError:
        return ""
    return "" if bound else ", partner state (R12)"


def capability_name(network: Network, code: str) -> str:
    """The catalogue's name of a capability, lower-cased for use inside a sentence."""
    for capability in network.capabilities:
        if capability.code == code:
            name = capability.name
            # Keep acronyms such as "CBRN" or "EOD" as they are.
            return name if name[:2].isupper() else name[:1].lower() + name[1:]
    return code.replace("_", " ")


def describe_teams(network: Network, counts: Mapping[str, int]) -> str:
    """E.g. "hostage rescue 2, negotiation 1"."""
    return ", ".join(f"{capability_name(network, c)} {n}" for c, n in counts.items())


def reason_sentence(reason: Reason, exclusion: Exclusion, network: Network) -> str:
    """Why one reason keeps a unit out, as a clause."""
    name = country_name(network, exclusion.country)
    if reason is Reason.OWN_STATE:
        return "it belongs to the requesting state"
    if reason is Reason.STATUS:
        try:
            return network.unit(exclusion.id).status.value
        except KeyError:
            return "not available"
    if reason is Reason.NOT_BOUND:
        return (
            f"{name} is a partner state not bound by the Decision and the request does not "
            "include partners"
        )
    if reason is Reason.NATIONAL_RESTRICTION:
        return f"{name} does not allow armed action abroad"
    if reason is Reason.NO_CAPABILITY:
        return "has none of the needed capabilities"
    return "none of its transport modes reaches the place (helicopters fly 600 km at most)"


def explain_exclusion(exclusion: Exclusion, network: Network) -> str:
    """E.g. "fr-2 left out: France does not allow armed action abroad"."""
    clauses = "; ".join(reason_sentence(r, exclusion, network) for r in exclusion.reasons)
    return f"{exclusion.id} left out: {clauses}"


def explain_plan(plan: Plan, network: Network) -> str:
    """E.g. "Plan 1 covers everything: de-1 (Germany, 145 min by aircraft); all on scene
    within 145 min"."""
    units = ", ".join(
        f"{u.id} ({country_name(network, u.country)}, {u.eta_minutes} min by {u.mode.value})"
        for u in plan.units
    )
    if plan.total_shortfall == 0:
        head = f"Plan {plan.rank} covers everything"
    else:
        head = (
            f"Plan {plan.rank} covers part of the need (missing "
            f"{describe_teams(network, plan.shortfall)})"
        )
    return f"{head}: {units}; all on scene within {plan.latest_eta_minutes} min"


def explain_not_chosen(
    candidate: Candidate,
    planning: RequestPlanning,
    result: PlanningResult,
    network: Network,
) -> str:
    """Why an eligible unit is not in this request's first plan."""
    prefix = f"{candidate.id} not in plan 1"
    limit = result.country_limits.get(candidate.country)
    if limit is not None and limit.allowance == 0:
        name = country_name(network, candidate.country)
        return (
            f"{prefix}: {name} keeps all its {limit.ready_units} ready "
            f"unit{'' if limit.ready_units == 1 else 's'} at home "
            f"(home reserve {limit.home_reserve})"
        )
    if not planning.plans:
        return f"{prefix}: there is no plan"
    for other in result.requests:
        if other is not planning and other.plans and candidate.id in other.plans[0].unit_ids:
            return f"{prefix}: it is proposed for {other.id}"
    if limit is not None and _taken(result, candidate.country) >= limit.allowance:
        name = country_name(network, candidate.country)
        return (
            f"{prefix}: {name} keeps {limit.home_reserve} of its {limit.ready_units} ready "
            f"units at home and the plans already take the {limit.allowance} it may give"
        )
    alternative = next(
        (plan.rank for plan in planning.plans[1:] if candidate.id in plan.unit_ids), None
    )
    if alternative is not None:
        return f"{prefix}: it is in the alternative plan {alternative}"
    return f"{prefix}: a faster or smaller package covers the same needs"


def explain_reserve(limit: CountryLimit, network: Network) -> str:
    """E.g. "Germany keeps 1 unit at home: at most 3 of its 4 ready units can be proposed"."""
    name = country_name(network, limit.country)
    units = "unit" if limit.home_reserve == 1 else "units"
    return (
        f"{name} keeps {limit.home_reserve} {units} at home: at most {limit.allowance} of its "
        f"{limit.ready_units} ready units can be proposed"
    )


def _taken(result: PlanningResult, country: str) -> int:
    """Units of a country in the first plans (the ones the call proposes together)."""
    return sum(
        1
        for planning in result.requests
        if planning.plans
        for unit in planning.plans[0].units
        if unit.country == country
    )
