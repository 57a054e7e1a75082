"""Plain sentences that say why a plan is what it is: used by the CLI table and by the chat.

Every sentence goes through ``atlasbot.i18n`` (named placeholders, plural forms where a count
appears); the tables of reasons, transport modes and unit states are marked with ``N_`` and
translated when shown. Names from the network file (countries, capabilities) are data and are
shown as the file spells them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlasbot.domain import CrisisRequest, Network, TransportMode, UnitStatus
from atlasbot.i18n import N_, _, current_locale, ngettext
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

TRANSPORT_MODES: Mapping[TransportMode, str] = {
    TransportMode.ROAD: N_("road"),
    TransportMode.HELICOPTER: N_("helicopter"),
    TransportMode.AIRCRAFT: N_("aircraft"),
}
UNIT_STATUSES: Mapping[UnitStatus, str] = {
    UnitStatus.AVAILABLE: N_("available"),
    UnitStatus.STANDBY: N_("standby"),
    UnitStatus.DEPLOYED: N_("deployed"),
    UnitStatus.UNAVAILABLE: N_("unavailable"),
    UnitStatus.RETURNING: N_("returning home"),
}


def mode_name(mode: TransportMode) -> str:
    """A transport mode as a word in a sentence ("helicopter")."""
    return _(TRANSPORT_MODES[mode])


def country_name(network: Network, code: str) -> str:
    """The country's name, or its code when the network does not know it."""
    try:
        return network.country(code).name
    except KeyError:
        return code


def partner_mark(network: Network, code: str) -> str:
    """ ", partner state" for a state the Decision does not bind, else "": the plan marks
    partner units, which help on another legal basis."""
    try:
        bound = network.country(code).bound_by_decision
    except KeyError:
        return ""
    return "" if bound else _(", partner state")


def capability_name(network: Network, code: str) -> str:
    """The catalogue's name of a capability in the reader's language, lower-cased for use
    inside a sentence (but German nouns keep their capital)."""
    for capability in network.capabilities:
        if capability.code == code:
            name = _(capability.name)
            # Keep acronyms such as "CBRN" or "EOD" as they are.
            if name[:2].isupper() or current_locale() == "de":
                return name
            return name[:1].lower() + name[1:]
    return code.replace("_", " ")


def describe_teams(network: Network, counts: Mapping[str, int]) -> str:
    """E.g. "hostage rescue 2, negotiation 1"."""
    return ", ".join(
        _("{capability} {count}", capability=capability_name(network, c), count=n)
        for c, n in counts.items()
    )


def reason_sentence(reason: Reason, exclusion: Exclusion, network: Network) -> str:
    """Why one reason keeps a unit out, as a clause."""
    if reason is Reason.STATUS:
        try:
            return _(UNIT_STATUSES[network.unit(exclusion.id).status])
        except KeyError:
            return _("not available")
    return _(_EXCLUSION_CLAUSES[reason], name=country_name(network, exclusion.country))


_EXCLUSION_CLAUSES: Mapping[Reason, str] = {
    Reason.OWN_STATE: N_("it belongs to the requesting state"),
    Reason.NOT_BOUND: N_(
        "{name} is a partner state not bound by the Decision and the request does not "
        "include partners"
    ),
    Reason.NATIONAL_RESTRICTION: N_("{name} does not allow armed action abroad"),
    Reason.NO_CAPABILITY: N_("has none of the needed capabilities"),
    Reason.UNREACHABLE: N_(
        "none of its transport modes reaches the place (helicopters fly 600 km at most)"
    ),
}


def explain_exclusion(exclusion: Exclusion, network: Network) -> str:
    """E.g. "fr-2 left out: France does not allow armed action abroad"."""
    clauses = "; ".join(reason_sentence(r, exclusion, network) for r in exclusion.reasons)
    return _("{unit} left out: {clauses}", unit=exclusion.id, clauses=clauses)


def explain_plan(plan: Plan, network: Network) -> str:
    """E.g. "Plan 1 covers everything: de-1 (Germany, 145 min by aircraft); all on scene
    within 145 min"."""
    units = ", ".join(
        _(
            "{unit} ({country}, {minutes} min by {mode})",
            unit=u.id,
            country=country_name(network, u.country),
            minutes=u.eta_minutes,
            mode=mode_name(u.mode),
        )
        for u in plan.units
    )
    return _(
        "{head}: {units}; all on scene within {minutes} min",
        head=_plan_head(plan, network),
        units=units,
        minutes=plan.latest_eta_minutes,
    )


def _plan_head(plan: Plan, network: Network) -> str:
    """ "Plan 1 covers everything", or what it leaves missing."""
    if plan.total_shortfall == 0:
        return _("Plan {rank} covers everything", rank=plan.rank)
    return _(
        "Plan {rank} covers part of the need (missing {teams})",
        rank=plan.rank,
        teams=describe_teams(network, plan.shortfall),
    )


def explain_not_chosen(
    candidate: Candidate,
    planning: RequestPlanning,
    result: PlanningResult,
    network: Network,
) -> str:
    """Why an eligible unit is not in this request's first plan, without planning again.

    Kept for the chat until it shows why_not_others_lines, which gives the real reason.
    """
    return _(
        "{unit} not in plan 1: {reason}",
        unit=candidate.id,
        reason=_not_chosen_reason(candidate, planning, result, network),
    )


def _not_chosen_reason(
    candidate: Candidate,
    planning: RequestPlanning,
    result: PlanningResult,
    network: Network,
) -> str:
    limit = result.country_limits.get(candidate.country)
    name = country_name(network, candidate.country)
    if limit is not None and limit.allowance == 0:
        return ngettext(
            "{name} keeps all its {count} ready unit at home (home reserve {reserve})",
            "{name} keeps all its {count} ready units at home (home reserve {reserve})",
            limit.ready_units,
            name=name,
            reserve=limit.home_reserve,
        )
    if not planning.plans:
        return _("there is no plan")
    for other in result.requests:
        if other is not planning and other.plans and candidate.id in other.plans[0].unit_ids:
            return _("it is proposed for {request}", request=other.id)
    if limit is not None and _taken(result, candidate.country) >= limit.allowance:
        return _(
            "{name} keeps {reserve} of its {ready} ready units at home and the plans already "
            "take the {allowance} it may give",
            name=name,
            reserve=limit.home_reserve,
            ready=limit.ready_units,
            allowance=limit.allowance,
        )
    alternative = next(
        (plan.rank for plan in planning.plans[1:] if candidate.id in plan.unit_ids), None
    )
    if alternative is not None:
        return _("it is in the alternative plan {rank}", rank=alternative)
    # The real reason needs planning again with the unit forced in (reasons.why_not_others);
    # without it, only what the §5 order guarantees can be said.
    return _("plan 1 ranks before any plan with it (on-scene times, states, units)")


def explain_reserve(limit: CountryLimit, network: Network) -> str:
    """E.g. "Germany keeps 1 unit at home: at most 3 of its 4 ready units can be proposed"."""
    return ngettext(
        "{name} keeps {count} unit at home: at most {allowance} of its {ready} ready units "
        "can be proposed",
        "{name} keeps {count} units at home: at most {allowance} of its {ready} ready units "
        "can be proposed",
        limit.home_reserve,
        name=country_name(network, limit.country),
        allowance=limit.allowance,
        ready=limit.ready_units,
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
        return _("{minutes} min", minutes=rest)
    if not rest:
        return _("{hours} h", hours=hours)
    return _("{hours} h {minutes} min", hours=hours, minutes=rest)


def capability_title(network: Network, code: str) -> str:
    """The catalogue's name as it stands at the start of a line ("Hostage rescue")."""
    name = capability_name(network, code)
    return name[:1].upper() + name[1:]


def on_scene_lines(plan: Plan, request: CrisisRequest, network: Network) -> list[str]:
    """Per needed capability: who brings how many teams and when they are on scene.

    E.g. "Hostage rescue ×2: nl-1 (NL), on scene in 1 h 27 min by helicopter".
    """
    return [
        _(
            "{capability} ×{need}: {bringers}",
            capability=capability_title(network, code),
            need=need,
            bringers=_bringers(plan, code, need),
        )
        for code, need in request.needs.items()
    ]


def _bringers(plan: Plan, code: str, need: int) -> str:
    """Who brings a capability's teams and when, and how many are still missing."""
    bringers = [u for u in plan.units if u.asked.get(code)]
    if not bringers:
        return _("missing: no unit in reach can bring it")
    if len(bringers) == 1:
        (unit,) = bringers
        text = _(
            "{unit} ({country}){teams}, on scene in {duration} by {mode}",
            unit=unit.id,
            country=unit.country,
            teams="" if unit.asked[code] == need else _(" ×{count}", count=unit.asked[code]),
            duration=duration(unit.eta_minutes),
            mode=mode_name(unit.mode),
        )
    else:
        parts = ", ".join(
            _(
                "{unit} ({country}) ×{count} in {duration} by {mode}",
                unit=u.id,
                country=u.country,
                count=u.asked[code],
                duration=duration(u.eta_minutes),
                mode=mode_name(u.mode),
            )
            for u in bringers
        )
        text = _(
            "{bringers}; all on scene in {duration}",
            bringers=parts,
            duration=duration(plan.on_scene_minutes[code]),
        )
    missing = plan.shortfall.get(code, 0)
    if missing:
        text += _("; {count} missing", count=missing)
    return text


def plan_headline(plan: Plan, network: Network) -> str:
    """E.g. "Plan 1 covers everything: 3 units from 2 states; first on scene in 1 h 27 min,
    everything in 3 h 44 min"."""
    first = min(plan.on_scene_minutes.values(), default=0)
    return _(
        "{head}: {units} from {states}; first on scene in {first}, everything it brings in "
        "{latest}",
        head=_plan_head(plan, network),
        units=ngettext("{count} unit", "{count} units", plan.unit_count),
        states=ngettext("{count} state", "{count} states", plan.state_count),
        first=duration(first),
        latest=duration(plan.latest_eta_minutes),
    )


def irreplaceable_sentence(found: Irreplaceable, network: Network) -> str:
    """E.g. "de-1 is in every plan: the only unit with explosive ordnance disposal in reach"."""
    names = _(" and ").join(capability_name(network, c) for c in found.capabilities)
    if found.missing_without or found.minutes_without is None:
        return _(
            "{unit} is in every plan: the only unit with {capabilities} in reach",
            unit=found.unit_id,
            capabilities=names,
        )
    return _(
        "{unit} is in every plan: the only unit with {capabilities} in reach within {with_it} "
        "(without it: {without})",
        unit=found.unit_id,
        capabilities=names,
        with_it=duration(found.minutes_with),
        without=duration(found.minutes_without),
    )


def left_out_sentence(left_out: LeftOut, result: PlanningResult, network: Network) -> str:
    """Why a candidate is not in plan 1, in the terms of the §5 order."""
    text = _left_out_reason(left_out, result, network)
    if left_out.alternative is not None:
        text += _("; it is in the alternative plan {rank}", rank=left_out.alternative)
    return _(
        "{unit} ({country}, {duration}): {reason}",
        unit=left_out.unit_id,
        country=left_out.country,
        duration=duration(left_out.eta_minutes),
        reason=text,
    )


def _left_out_reason(left_out: LeftOut, result: PlanningResult, network: Network) -> str:
    why = left_out.why
    capability = capability_name(network, left_out.capability) if left_out.capability else ""
    if why is WhyNot.OTHER_REQUEST:
        return _(
            "asked in another open crisis, {crisis} (priority {priority})",
            crisis=left_out.other_request,
            priority=left_out.other_priority,
        )
    if why is WhyNot.HOME_RESERVE:
        name = country_name(network, left_out.country)
        limit = result.country_limits.get(left_out.country)
        if limit is None:
            return _("home reserve: {name} keeps it at home", name=name)
        return ngettext(
            "home reserve: {name} keeps it at home (reserve {reserve}; the plans already take "
            "the {count} unit it may give)",
            "home reserve: {name} keeps it at home (reserve {reserve}; the plans already take "
            "the {count} units it may give)",
            limit.allowance,
            name=name,
            reserve=limit.home_reserve,
        )
    if why is WhyNot.LATER and left_out.minutes_with and left_out.minutes_now is not None:
        text = _(
            "would bring {capability} later ({with_it} instead of {now})",
            capability=capability,
            with_it=duration(left_out.minutes_with),
            now=duration(left_out.minutes_now),
        )
        if left_out.other_request:
            text += _(
                " for {request} (priority {priority})",
                request=left_out.other_request,
                priority=left_out.other_priority,
            )
        return text
    return _(_SIMPLE_REASONS.get(why, _WORSE), capability=capability)


_WORSE = N_("would make the plan worse")
_SIMPLE_REASONS: Mapping[WhyNot, str] = {
    WhyNot.LEAVES_SHORT: N_("taking it would leave {capability} short"),
    WhyNot.LATER: N_("would bring a capability later"),
    WhyNot.MORE_STATES: N_("one more state to deal with for no minute gained"),
    WhyNot.MORE_UNITS: N_("one more unit for no minute gained"),
    WhyNot.LONGER_ETAS: N_("no minute gained; the plan's units are nearer"),
    WhyNot.TIE: N_("as good as plan 1, which wins the tie by unit ids"),
    WhyNot.UNKNOWN: N_("not worked out within the time allowed"),
}


def engaged_sentence(exclusion: Exclusion, request: CrisisRequest) -> str | None:
    """For a unit asked in another open crisis: which one, and whose priority is higher."""
    engaged = exclusion.engaged_in
    if engaged is None:
        return None
    text = _(
        "{unit} ({country}): asked in another open crisis, {crisis} (priority {priority})",
        unit=exclusion.id,
        country=exclusion.country,
        crisis=engaged.crisis,
        priority=engaged.priority,
    )
    if engaged.outranked_by(request):
        text += _(
            "; this request has the higher priority ({priority}): the requester of {crisis} "
            "can be asked to release it",
            priority=request.priority,
            crisis=engaged.crisis,
        )
    return text


# "Why not others?" shows at most this many units busy in other crises (the rest counted).
BUSY_SHOWN = 3


def _group_reason(left_out: LeftOut, result: PlanningResult, network: Network) -> str:
    """The reason of a left-out unit without its own numbers, so units that share it share
    one line: "Would bring negotiation later than plan 1 (1 h 27 min)"."""
    if left_out.why is WhyNot.LATER and left_out.capability and left_out.minutes_now is not None:
        text = _(
            "would bring {capability} later than plan 1 ({now})",
            capability=capability_name(network, left_out.capability),
            now=duration(left_out.minutes_now),
        )
        if left_out.other_request:
            text += _(
                " for {request} (priority {priority})",
                request=left_out.other_request,
                priority=left_out.other_priority,
            )
    else:
        text = _left_out_reason(left_out, result, network)
    return text[:1].upper() + text[1:]


def _unit_mention(left_out: LeftOut) -> str:
    """E.g. "fr-2 (3 h 42 min, in plan 2)": the unit, its time to the scene, its plan."""
    if left_out.alternative is not None:
        return _(
            "{unit} ({duration}, in plan {rank})",
            unit=left_out.unit_id,
            duration=duration(left_out.eta_minutes),
            rank=left_out.alternative,
        )
    return _("{unit} ({duration})", unit=left_out.unit_id, duration=duration(left_out.eta_minutes))


def grouped_left_out(
    nearest: Sequence[LeftOut], result: PlanningResult, network: Network
) -> list[str]:
    """The nearest left-out units grouped by their reason, one line a reason, the group of
    the nearest unit first: "Would bring X later than plan 1 (1 h 27 min): cz-1 (4 h 7 min),
    si-1 (4 h 27 min)". Fits a phone screen where one line a unit did not."""
    groups: dict[str, list[str]] = {}
    for left_out in nearest:
        reason = _group_reason(left_out, result, network)
        groups.setdefault(reason, []).append(_unit_mention(left_out))
    return [
        _("{reason}: {units}", reason=reason, units=", ".join(units))
        for reason, units in groups.items()
    ]


def why_not_others_lines(
    planning: RequestPlanning,
    result: PlanningResult,
    others: WhyNotOthers,
    network: Network,
) -> list[str]:
    """One screen: the nearest ten left-out candidates, the rest counted, units busy in other
    crises, and the ineligible units counted by reason."""
    lines = [_("Could help, but not in plan 1 (nearest first):")] if others.nearest else []
    lines += [f"• {line}" for line in grouped_left_out(others.nearest, result, network)]
    if others.more:
        lines.append(
            ngettext(
                "… and {count} more, all further away.",
                "… and {count} more, all further away.",
                others.more,
            )
        )
    needed = set(planning.request.needs)
    busy = [
        sentence
        for e in planning.excluded
        if (sentence := engaged_sentence(e, planning.request)) and _has_any(network, e.id, needed)
    ]
    if busy:
        lines.append(_("Busy in other crises:"))
        lines += [f"• {sentence}" for sentence in busy[:BUSY_SHOWN]]
        if len(busy) > BUSY_SHOWN:
            more = len(busy) - BUSY_SHOWN
            lines.append(ngettext("… and {count} more.", "… and {count} more.", more))
    counts: dict[Reason, int] = {}
    for exclusion in planning.excluded:
        if exclusion.engaged_in is None:
            counts[exclusion.reasons[0]] = counts.get(exclusion.reasons[0], 0) + 1
    if counts:
        groups = ", ".join(_reason_group(reason, n) for reason, n in counts.items())
        lines.append(_("Not eligible: {groups}.", groups=groups))
    return lines


def _reason_group(reason: Reason, count: int) -> str:
    """E.g. "3 of the requesting state": ineligible units counted by their first reason."""
    if reason is Reason.OWN_STATE:
        return ngettext(
            "{count} of the requesting state", "{count} of the requesting state", count
        )
    if reason is Reason.STATUS:
        return ngettext(
            "{count} deployed or unavailable", "{count} deployed or unavailable", count
        )
    if reason is Reason.NOT_BOUND:
        return ngettext(
            "{count} of partner states not included",
            "{count} of partner states not included",
            count,
        )
    if reason is Reason.NATIONAL_RESTRICTION:
        return ngettext(
            "{count} of states that refuse armed action abroad",
            "{count} of states that refuse armed action abroad",
            count,
        )
    if reason is Reason.NO_CAPABILITY:
        return ngettext(
            "{count} without any needed capability", "{count} without any needed capability", count
        )
    return ngettext("{count} out of reach", "{count} out of reach", count)


def _has_any(network: Network, unit_id: str, codes: set[str]) -> bool:
    try:
        return any(network.unit(unit_id).teams_of(c) for c in codes)
    except KeyError:
        return False
