"""The words of planning: the ranked plans and who was left out, and why.

Pure: the planner's result and the planning input's plain values in, text out. The frame is
translated here; the planner's own sentences (``planner.explain``: when each capability is on
scene and by whom, who is in every plan, why a unit is not in plan 1, which crisis holds a
busy unit) are translated where the pure core composes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlasbot.domain import CrisisRequest, Network
from atlasbot.i18n import _, ngettext
from atlasbot.planner import explain
from atlasbot.planner.matching import Plan, PlanningResult
from atlasbot.planner.reasons import Irreplaceable, WhyNotOthers
from atlasbot.texts.crisis import capability_line


def plans_text(
    title: str,
    result: PlanningResult,
    irreplaceable: Sequence[Irreplaceable],
    network: Network,
    covered: Mapping[str, int],
    removed: Sequence[str],
    names: Mapping[str, str],
) -> str:
    """The plans for what a crisis still needs, best first: when each capability is on scene
    and by whom, the teams asked of each unit, and the units nothing else can replace."""
    planning = result.requests[0]
    lines = [
        _("PLANS — {title}", title=title),
        _("Needed now: {needs}", needs=capability_line(dict(planning.request.needs), names)),
    ]
    if covered:
        lines.append(
            _("Already asked or agreed: {covered}", covered=capability_line(dict(covered), names))
        )
    if not planning.plans:
        lines.append(
            _("\nNo unit can help with what is missing. Tap 'Why not others?' for the reasons.")
        )
    for plan in planning.plans:
        lines += _plan_lines(plan, planning.request, network, names)
    if irreplaceable:
        lines.append("")
        lines += [explain.irreplaceable_sentence(found, network) for found in irreplaceable]
    busy = busy_lines(result, network)
    if busy:
        lines.append(_("\nBusy in other crises:"))
        lines += busy
    if removed:
        lines.append(_("\nRemoved by you: {units}", units=", ".join(removed)))
    if not result.optimal:
        limit_hit = _(
            "(The planner hit its time limit: these are the best plans found, not proven best.)"
        )
        lines.append(f"\n{limit_hit}")
    lines.append(
        _(
            "\n{could} units could help, {left} were left out.",
            could=len(planning.candidates),
            left=len(planning.excluded),
        )
    )
    return "\n".join(lines)


def _plan_lines(
    plan: Plan, request: CrisisRequest, network: Network, names: Mapping[str, str]
) -> list[str]:
    """A plan's headline, its on-scene time per capability, and each unit with its teams."""
    lines = ["", explain.plan_headline(plan, network)]
    lines += [f"  {line}" for line in explain.on_scene_lines(plan, request, network)]
    for unit in plan.units:
        lines.append(
            _(
                "  • {unit} ({country}{partner}) {eta}: asked {teams}",
                unit=unit.id,
                country=unit.country,
                partner=explain.partner_mark(network, unit.country),
                eta=unit.eta.describe(),
                teams=capability_line(dict(unit.asked), names),
            )
        )
    return lines


def busy_lines(result: PlanningResult, network: Network) -> list[str]:
    """Units that could help but are asked in another open crisis: which one, its priority,
    and, when this request outranks it, whom to talk to."""
    planning = result.requests[0]
    needed = set(planning.request.needs)
    lines = []
    for exclusion in planning.excluded:
        sentence = explain.engaged_sentence(exclusion, planning.request)
        if sentence is not None and _has_any(network, exclusion.id, needed):
            lines.append(f"• {sentence}")
    return lines


def _has_any(network: Network, unit_id: str, codes: set[str]) -> bool:
    try:
        unit = network.unit(unit_id)
    except KeyError:
        return False
    return any(unit.teams_of(code) for code in codes)


def exclusions_text(
    result: PlanningResult,
    network: Network,
    others: WhyNotOthers,
    involved: Sequence[str],
    removed: Sequence[str],
) -> str:
    """'Why not others?' on one screen: the nearest left-out units with the real reason, the
    rest counted, units busy in other crises, and the ineligible counted by reason."""
    planning = result.requests[0]
    lines = [_("Why not others?")]
    lines += explain.why_not_others_lines(planning, result, others, network)
    if len(lines) == 1:
        lines.append(_("Every unit that could help is in plan 1."))
    if involved:
        lines.append(_("\nAlready asked in this crisis: {units}", units=", ".join(involved)))
    if removed:
        lines.append(_("Removed by you: {units}", units=", ".join(removed)))
    return "\n".join(lines)


def send_question(rank: object, crisis_id: int, by_state: Mapping[str, Sequence[str]]) -> str:
    """Asked before a plan goes to other states: it cannot be taken back (R2)."""
    listing = "; ".join(f"{state}: {', '.join(ids)}" for state, ids in sorted(by_state.items()))
    return _(
        "Send plan {rank} for crisis #{crisis}?\n{listing}\n\n"
        "Each state's competent authority receives the request and decides. "
        "This cannot be taken back.",
        rank=rank,
        crisis=crisis_id,
        listing=listing,
    )


def requests_sent(crisis_id: int, states: int, unreachable: Sequence[str]) -> str:
    """What the requester reads once the plan went out."""
    text = ngettext(
        "Requests sent for crisis #{crisis} ({count} state).",
        "Requests sent for crisis #{crisis} ({count} states).",
        states,
        crisis=crisis_id,
    )
    if unreachable:
        # Said at once: otherwise the requester waits for the deadline to learn it.
        text += _(
            "\n⚠ Nobody of {states}'s competent authority is enrolled in atlasbot, so nobody "
            "there was reached. Call them, or wait for the deadline and the next best plan.",
            states=", ".join(unreachable),
        )
    return text
