"""Plans for a crisis: show the ranked plans, explain who was left out, send the chosen one."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from telegram import Update

from atlasbot.bot import timers
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import (
    Outgoing,
    answer_user,
    edit_pressed,
    guarded,
    keyboard,
    redeem,
    send_all,
)
from atlasbot.bot.texts import general as texts
from atlasbot.handlers import notify
from atlasbot.planner.matching import PlanningResult, plan_single
from atlasbot.rules import Reason
from atlasbot.services import assistance
from atlasbot.services.enrolment import Identity
from atlasbot.services.outbox import Button

ALTERNATIVES = 2


def _plan_payload(crisis_id: int, plan: Any) -> dict[str, Any]:
    return {
        "crisis": crisis_id,
        "rank": plan.rank,
        "units": [
            {"id": u.id, "country": u.country, "eta": u.eta_minutes, "provides": dict(u.provides)}
            for u in plan.units
        ],
    }


def _plans_text(
    crisis_title: str, result: PlanningResult, pin: assistance.PlanningInput, names: dict[str, str]
) -> str:
    from atlasbot.planner import explain
    from atlasbot.planner.explain import partner_mark

    planning = result.requests[0]
    lines = [
        f"PLANS — {crisis_title}",
        f"Needed now: {texts.capability_line(dict(pin.request.needs), names)}",
    ]
    if pin.already_covered:
        lines.append(
            f"Already asked or agreed: {texts.capability_line(pin.already_covered, names)}"
        )
    if not planning.plans:
        lines.append(
            "\nNo unit can help with what is missing. Tap 'Why not others?' for the reasons."
        )
    for plan in planning.plans:
        lines.append("")
        lines.append(explain.explain_plan(plan, pin.network))
        for unit in plan.units:
            lines.append(
                f"  • {unit.id} ({unit.country}{partner_mark(pin.network, unit.country)}) "
                f"{unit.eta.describe()}: {texts.capability_line(dict(unit.provides), names)}"
            )
    if pin.removed_units:
        lines.append(f"\nRemoved by you: {', '.join(pin.removed_units)}")
    if not result.optimal:
        lines.append(
            "\n(The planner hit its time limit: these are the best plans found, not proven best.)"
        )
    lines.append(
        f"\n{len(planning.candidates)} units could help, {len(planning.excluded)} were left out."
    )
    return "\n".join(lines)


async def present_plans(
    context: AtlasContext, chat_id: int, identity: Identity, crisis_id: int
) -> None:
    """Plan what a crisis still needs and show the plans to the requester, with buttons."""
    services = context.services

    def read(session: Session) -> tuple[assistance.PlanningInput, str, dict[str, str]]:
        crisis = assistance.get_crisis(session, crisis_id)
        return (
            assistance.planning_input(session, crisis),
            texts.crisis_title(crisis),
            notify.capability_names(session),
        )

    pin, title, names = await services.run(read)
    result = await services.plan(
        lambda: plan_single(
            pin.network,
            pin.request,
            alternatives=ALTERNATIVES,
            model=services.settings.travel_model(),
            time_limit_s=services.settings.plan_time_limit_s,
        )
    )
    planning = result.requests[0]
    text = _plans_text(title, result, pin, names)

    def compose(session: Session) -> Outgoing:
        rows = [
            [
                Button(
                    f"📨 Send plan {plan.rank} "
                    f"({', '.join(sorted({u.country for u in plan.units}))})",
                    "plan.choose",
                    _plan_payload(crisis_id, plan),
                )
            ]
            for plan in planning.plans
        ]
        rows.append([Button("❓ Why not others?", "plan.exclusions", {"crisis": crisis_id})])
        if planning.candidates:
            rows.append([Button("➖ Remove a unit…", "plan.remove_menu", {"crisis": crisis_id})])
        rows.append([Button("🏁 Close crisis…", "crisis.close", {"crisis": crisis_id})])
        return Outgoing(chat_id, text, keyboard(session, identity.member_id, rows))

    await send_all(context, [await services.run(compose)])


@guarded
async def show(update: Update, context: AtlasContext) -> None:
    """Plan again for what the crisis still needs (from the board): the way back to plans
    whose message was lost, for instance when the bot stopped while planning."""

    def check(session: Session) -> tuple[Identity, int]:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        assistance.require_requester(press.identity, crisis)
        assistance.require_open(crisis)
        assert crisis.id is not None
        return press.identity, crisis.id

    identity, crisis_id = await context.services.run(check)
    if update.callback_query:
        await update.callback_query.answer("Planning…")
    if update.effective_chat:
        await present_plans(context, update.effective_chat.id, identity, crisis_id)


@guarded
async def choose(update: Update, context: AtlasContext) -> None:
    """Confirm before sending: sending to other states cannot be taken back."""

    def confirm(session: Session) -> tuple[str, Any]:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        assistance.require_requester(press.identity, crisis)
        units = press.payload["units"]
        by_state: dict[str, list[str]] = {}
        for unit in units:
            by_state.setdefault(unit["country"], []).append(unit["id"])
        listing = "; ".join(
            f"{state}: {', '.join(ids)}" for state, ids in sorted(by_state.items())
        )
        text = (
            f"Send plan {press.payload['rank']} for crisis #{crisis.id}?\n{listing}\n\n"
            "Each state's competent authority receives the request and decides (R2). "
            "This cannot be taken back."
        )
        markup = keyboard(
            session,
            press.identity.member_id,
            [
                [Button("✅ Confirm and send", "plan.send", press.payload, single_use=True)],
                [Button("↩ Back to the plans", "plan.back", {"crisis": crisis.id})],
            ],
        )
        return text, markup

    text, markup = await context.services.run(confirm)
    await answer_user(update, text, markup)


@guarded
async def send(update: Update, context: AtlasContext) -> None:
    now = context.services.clock.now()
    timings = context.services.settings.escalation_timings()

    def dispatch(session: Session) -> tuple[int, list[int], list[int], list[str]]:
        press = redeem(session, update, context)
        crisis_id = int(press.payload["crisis"])
        chosen = [
            assistance.ChosenUnit(u["id"], u["country"], int(u["eta"]), dict(u["provides"]))
            for u in press.payload["units"]
        ]
        created = assistance.send_requests(session, press.identity, crisis_id, chosen, now=now)
        request_ids = [r.id for r in created if r.id is not None]
        alert_ids = notify.raise_assistance_requests(
            session, request_ids, timings=timings, now=now
        )
        unreachable = sorted(
            r.country for r in created if not assistance.authority_recipients(session, r.country)
        )
        return crisis_id, request_ids, alert_ids, unreachable

    crisis_id, request_ids, alert_ids, unreachable = await context.services.run(dispatch)
    await timers.start_alerts(context, alert_ids)
    states = f"{len(request_ids)} state" + ("s" if len(request_ids) != 1 else "")
    text = f"Requests sent for crisis #{crisis_id} ({states})."
    if unreachable:
        # Said at once: otherwise the requester waits for the deadline to learn it.
        text += (
            f"\n⚠ Nobody of {', '.join(unreachable)}'s competent authority is enrolled in "
            "atlasbot, so nobody there was reached. Call them, or wait for the deadline and "
            "the next best plan."
        )
    await edit_pressed(update, text)
    await notify.refresh_board(context, crisis_id)


@guarded
async def back(update: Update, context: AtlasContext) -> None:
    def check(session: Session) -> tuple[Identity, int]:
        press = redeem(session, update, context)
        return press.identity, int(press.payload["crisis"])

    identity, crisis_id = await context.services.run(check)
    await edit_pressed(update, "Not sent.")
    if update.effective_chat:
        await present_plans(context, update.effective_chat.id, identity, crisis_id)


@guarded
async def exclusions(update: Update, context: AtlasContext) -> None:
    def read(session: Session) -> tuple[assistance.PlanningInput, Identity]:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        assistance.require_requester(press.identity, crisis)
        return assistance.planning_input(session, crisis), press.identity

    from atlasbot.planner import explain

    pin, _identity = await context.services.run(read)
    result = await context.services.plan(
        lambda: plan_single(
            pin.network,
            pin.request,
            alternatives=0,
            model=context.services.settings.travel_model(),
        )
    )
    planning = result.requests[0]
    lines = ["Left out, and why:"]
    for exclusion in planning.excluded:
        if exclusion.id in pin.asked_elsewhere and exclusion.reasons == (Reason.STATUS,):
            # Planned as deployed, but the member should know it is only asked so far.
            lines.append(f"• {exclusion.id} left out: asked in another open crisis")
        else:
            lines.append(f"• {explain.explain_exclusion(exclusion, pin.network)}")
    chosen = {u.id for p in planning.plans for u in p.units}
    others = [c for c in planning.candidates if c.id not in chosen]
    if others:
        lines.append("\nCould help, but not in the best plan:")
        lines += [
            f"• {explain.explain_not_chosen(c, planning, result, pin.network)}" for c in others
        ]
    if pin.involved_units:
        lines.append(f"\nAlready asked in this crisis: {', '.join(pin.involved_units)}")
    if pin.removed_units:
        lines.append(f"Removed by you: {', '.join(pin.removed_units)}")
    text = "\n".join(lines)
    if update.callback_query:
        await update.callback_query.answer()
    if update.effective_chat:
        for start in range(0, len(text), 4000):
            await update.effective_chat.send_message(text[start : start + 4000])


@guarded
async def remove_menu(update: Update, context: AtlasContext) -> None:
    def compose(session: Session) -> tuple[str, Any]:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        assistance.require_requester(press.identity, crisis)
        pin = assistance.planning_input(session, crisis)
        wanted = set(pin.request.needs)
        units = [
            u
            for u in pin.network.units
            if wanted & set(u.capabilities) and u.country != crisis.requesting_country
        ]
        rows = [
            [
                Button(
                    f"➖ {u.id} ({u.country})", "plan.remove", {"crisis": crisis.id, "unit": u.id}
                )
            ]
            for u in units[:40]
        ]
        return "Which unit should the next plans leave out?", keyboard(
            session, press.identity.member_id, rows
        )

    text, markup = await context.services.run(compose)
    await answer_user(update, text, markup)


@guarded
async def remove(update: Update, context: AtlasContext) -> None:
    def act(session: Session) -> tuple[Identity, int, str]:
        press = redeem(session, update, context)
        crisis_id, unit_id = int(press.payload["crisis"]), str(press.payload["unit"])
        assistance.remove_unit_from_planning(session, press.identity, crisis_id, unit_id)
        return press.identity, crisis_id, unit_id

    identity, crisis_id, unit_id = await context.services.run(act)
    await edit_pressed(update, f"{unit_id} left out. Planning again…")
    if update.effective_chat:
        await present_plans(context, update.effective_chat.id, identity, crisis_id)
