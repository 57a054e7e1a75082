"""The words of planning: the ranked plans and who was left out, and why.

Pure: the planner's result and the planning input's plain values in, text out. The planner's
own sentences (``planner.explain``) are used as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlasbot.domain import Network
from atlasbot.i18n import _, ngettext
from atlasbot.planner import explain
from atlasbot.planner.matching import PlanningResult
from atlasbot.rules import Reason
from atlasbot.texts.crisis import capability_line


def plans_text(
    title: str,
    result: PlanningResult,
    network: Network,
    needs: Mapping[str, int],
    covered: Mapping[str, int],
    removed: Sequence[str],
    names: Mapping[str, str],
) -> str:
    """The plans for what a crisis still needs, best first."""
    planning = result.requests[0]
    lines = [
        _("PLANS — {title}", title=title),
        _("Needed now: {needs}", needs=capability_line(dict(needs), names)),
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
        lines.append("")
        lines.append(explain.explain_plan(plan, network))
        for unit in plan.units:
            lines.append(
                _(
                    "  • {unit} ({country}{partner}) {eta}: {teams}",
                    unit=unit.id,
                    country=unit.country,
                    partner=explain.partner_mark(network, unit.country),
                    eta=unit.eta.describe(),
                    teams=capability_line(dict(unit.provides), names),
                )
            )
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


def exclusions_text(
    result: PlanningResult,
    network: Network,
    asked_elsewhere: Sequence[str],
    involved: Sequence[str],
    removed: Sequence[str],
) -> str:
    """Who was left out of the plans and why, and who could help but is not in the best plan."""
    planning = result.requests[0]
    lines = [_("Left out, and why:")]
    for exclusion in planning.excluded:
        if exclusion.id in asked_elsewhere and exclusion.reasons == (Reason.STATUS,):
            # Planned as deployed, but the member should know it is only asked so far.
            lines.append(_("• {unit} left out: asked in another open crisis", unit=exclusion.id))
        else:
            lines.append(f"• {explain.explain_exclusion(exclusion, network)}")
    chosen = {u.id for p in planning.plans for u in p.units}
    others = [c for c in planning.candidates if c.id not in chosen]
    if others:
        lines.append(_("\nCould help, but not in the best plan:"))
        lines += [f"• {explain.explain_not_chosen(c, planning, result, network)}" for c in others]
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
        "Each state's competent authority receives the request and decides (R2). "
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
