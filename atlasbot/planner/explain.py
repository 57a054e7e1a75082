"""Plain sentences that say why a plan is what it is: used by the CLI table and by the chat."""

from __future__ import annotations

from collections.abc import Mapping

from atlasbot.domain import CrisisRequest, Network
from atlasbot.planner.reasons import Irreplaceable, LeftOut, WhyNot, WhyNotOthers
from atlasbot.planner.results import (
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
    """Why an eligible unit is not in this request's first plan, without planning again.

    Kept for the chat until it shows why_not_others_lines, which gives the real reason.
    """
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
    # The real reason needs planning again with the unit forced in (reasons.why_not_others);
    # without it, only what the §5 order guarantees can be said.
    return f"{prefix}: plan 1 ranks before any plan with it (on-scene times, states, units)"


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


# --------------------------------------------------------------------------------------------
# Version 2: when each capability is on scene and by whom, in a commander's words.


def duration(minutes: int) -> str:
    """E.g. "45 min", "1 h 27 min", "4 h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def capability_title(network: Network, code: str) -> str:
    """The catalogue's name as it stands at the start of a line ("Hostage rescue")."""
    name = capability_name(network, code)
    return name[:1].upper() + name[1:]


def on_scene_lines(plan: Plan, request: CrisisRequest, network: Network) -> list[str]:
    """Per needed capability: who brings how many teams and when they are on scene.

    E.g. "Hostage rescue ×2: nl-1 (NL), on scene in 1 h 27 min by helicopter".
    """
    lines = []
    for code, need in request.needs.items():
        bringers = [u for u in plan.units if u.asked.get(code)]
        head = f"{capability_title(network, code)} ×{need}: "
        missing = plan.shortfall.get(code, 0)
        if not bringers:
            lines.append(head + "missing: no unit in reach can bring it")
            continue
        if len(bringers) == 1:
            (unit,) = bringers
            teams = "" if unit.asked[code] == need else f" ×{unit.asked[code]}"
            text = (
                f"{unit.id} ({unit.country}){teams}, on scene in "
                f"{duration(unit.eta_minutes)} by {unit.mode.value}"
            )
        else:
            parts = [
                f"{u.id} ({u.country}) ×{u.asked[code]} in {duration(u.eta_minutes)} "
                f"by {u.mode.value}"
                for u in bringers
            ]
            text = ", ".join(parts) + f"; all on scene in {duration(plan.on_scene_minutes[code])}"
        if missing:
            text += f"; {missing} missing"
        lines.append(head + text)
    return lines


def plan_headline(plan: Plan, network: Network) -> str:
    """E.g. "Plan 1 covers everything: 3 units from 2 states; first on scene in 1 h 27 min,
    everything in 3 h 44 min"."""
    if plan.total_shortfall == 0:
        head = f"Plan {plan.rank} covers everything"
    else:
        head = (
            f"Plan {plan.rank} covers part of the need (missing "
            f"{describe_teams(network, plan.shortfall)})"
        )
    units = f"{plan.unit_count} unit{'' if plan.unit_count == 1 else 's'}"
    states = f"{plan.state_count} state{'' if plan.state_count == 1 else 's'}"
    first = min(plan.on_scene_minutes.values(), default=0)
    return (
        f"{head}: {units} from {states}; first on scene in {duration(first)}, "
        f"everything it brings in {duration(plan.latest_eta_minutes)}"
    )


def irreplaceable_sentence(found: Irreplaceable, network: Network) -> str:
    """E.g. "de-1 is in every plan: the only unit with explosive ordnance disposal in reach"."""
    names = " and ".join(capability_name(network, c) for c in found.capabilities)
    if found.missing_without or found.minutes_without is None:
        return f"{found.unit_id} is in every plan: the only unit with {names} in reach"
    return (
        f"{found.unit_id} is in every plan: the only unit with {names} in reach within "
        f"{duration(found.minutes_with)} (without it: {duration(found.minutes_without)})"
    )


def left_out_sentence(left_out: LeftOut, result: PlanningResult, network: Network) -> str:
    """Why a candidate is not in plan 1, in the terms of the §5 order."""
    head = f"{left_out.unit_id} ({left_out.country}, {duration(left_out.eta_minutes)})"
    why = left_out.why
    capability = capability_name(network, left_out.capability) if left_out.capability else ""
    if why is WhyNot.OTHER_REQUEST:
        text = (
            f"asked in another open crisis, {left_out.other_request} "
            f"(priority {left_out.other_priority})"
        )
    elif why is WhyNot.HOME_RESERVE:
        limit = result.country_limits.get(left_out.country)
        name = country_name(network, left_out.country)
        text = f"home reserve: {name} keeps it at home"
        if limit is not None:
            text += (
                f" (reserve {limit.home_reserve}; the plans already take the "
                f"{limit.allowance} unit{'' if limit.allowance == 1 else 's'} it may give)"
            )
    elif why is WhyNot.LATER and left_out.minutes_with and left_out.minutes_now is not None:
        text = (
            f"would bring {capability} later ({duration(left_out.minutes_with)} instead of "
            f"{duration(left_out.minutes_now)})"
        )
        if left_out.other_request:
            text += f" for {left_out.other_request} (priority {left_out.other_priority})"
    else:
        text = _SIMPLE_REASONS.get(why, "would make the plan worse").format(capability=capability)
    if left_out.alternative is not None:
        text += f"; it is in the alternative plan {left_out.alternative}"
    return f"{head}: {text}"


_SIMPLE_REASONS = {
    WhyNot.LEAVES_SHORT: "taking it would leave {capability} short",
    WhyNot.LATER: "would bring a capability later",
    WhyNot.MORE_STATES: "one more state to deal with for no minute gained",
    WhyNot.MORE_UNITS: "one more unit for no minute gained",
    WhyNot.LONGER_ETAS: "no minute gained; the plan's units are nearer",
    WhyNot.TIE: "as good as plan 1, which wins the tie by unit ids",
    WhyNot.UNKNOWN: "not worked out within the time allowed",
}


def engaged_sentence(exclusion: Exclusion, request: CrisisRequest) -> str | None:
    """For a unit asked in another open crisis: which one, and whose priority is higher."""
    engaged = exclusion.engaged_in
    if engaged is None:
        return None
    text = (
        f"{exclusion.id} ({exclusion.country}): asked in another open crisis, "
        f"{engaged.crisis} (priority {engaged.priority})"
    )
    if engaged.outranked_by(request):
        text += (
            f"; this request has the higher priority ({request.priority}): the requester of "
            f"{engaged.crisis} can be asked to release it"
        )
    return text


def why_not_others_lines(
    planning: RequestPlanning,
    result: PlanningResult,
    others: WhyNotOthers,
    network: Network,
) -> list[str]:
    """One screen: the nearest ten left-out candidates, the rest counted, units busy in other
    crises, and the ineligible units counted by reason."""
    lines = ["Could help, but not in plan 1:"] if others.nearest else []
    lines += [f"• {left_out_sentence(w, result, network)}" for w in others.nearest]
    if others.more:
        lines.append(f"… and {others.more} more, all further away.")
    needed = set(planning.request.needs)
    busy = [
        sentence
        for e in planning.excluded
        if (sentence := engaged_sentence(e, planning.request)) and _has_any(network, e.id, needed)
    ]
    if busy:
        lines.append("Busy in other crises:")
        lines += [f"• {sentence}" for sentence in busy]
    counts: dict[Reason, int] = {}
    for exclusion in planning.excluded:
        if exclusion.engaged_in is None:
            counts[exclusion.reasons[0]] = counts.get(exclusion.reasons[0], 0) + 1
    if counts:
        parts = [f"{n} {_REASON_GROUPS[reason]}" for reason, n in counts.items()]
        lines.append("Not eligible: " + ", ".join(parts) + ".")
    return lines


_REASON_GROUPS = {
    Reason.OWN_STATE: "of the requesting state",
    Reason.STATUS: "deployed or unavailable",
    Reason.NOT_BOUND: "of partner states not included",
    Reason.NATIONAL_RESTRICTION: "of states that refuse armed action abroad",
    Reason.NO_CAPABILITY: "without any needed capability",
    Reason.UNREACHABLE: "out of reach",
}


def _has_any(network: Network, unit_id: str, codes: set[str]) -> bool:
    try:
        return any(network.unit(unit_id).teams_of(c) for c in codes)
    except KeyError:
        return False
