"""/status (a unit's readiness), /crises, the board's buttons, and closing a crisis."""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import (
    Outgoing,
    answer_user,
    edit_pressed,
    guarded,
    keyboard,
    redeem,
    require_identity,
    send_all,
)
from atlasbot.bot.texts import general as texts
from atlasbot.domain import UnitStatus
from atlasbot.handlers import notify
from atlasbot.services import assistance
from atlasbot.services.errors import NotAuthorised
from atlasbot.services.outbox import Button
from atlasbot.storage.models import AnswerStatus, CrisisStatus, Role, UnitRow

STATUS_LABELS = {
    UnitStatus.AVAILABLE: "🟢 available",
    UnitStatus.STANDBY: "🟡 standby",
    UnitStatus.DEPLOYED: "🔵 deployed",
    UnitStatus.UNAVAILABLE: "⚫ unavailable",
}


@guarded
async def status_command(update: Update, context: AtlasContext) -> None:
    identity = await require_identity(update, context)
    units = identity.units(Role.COMMANDER)
    if not units:
        raise NotAuthorised("Only a unit's commander sets its readiness.")

    def compose(session: Session) -> list[tuple[str, Any]]:
        out = []
        for unit_id in units:
            row = session.get(UnitRow, unit_id)
            current = row.status if row else "unknown"
            rows = [
                [Button(label, "unit.status", {"unit": unit_id, "status": status.value})]
                for status, label in STATUS_LABELS.items()
                if status.value != current
            ]
            out.append(
                (
                    f"{unit_id} is {current}. Set its readiness (the planner uses it at once):",
                    keyboard(session, identity.member_id, rows),
                )
            )
        return out

    for text, markup in await context.services.run(compose):
        if update.effective_chat:
            await update.effective_chat.send_message(text, reply_markup=markup)


@guarded
async def set_status(update: Update, context: AtlasContext) -> None:
    now = context.services.clock.now()

    def act(session: Session) -> tuple[str, str, str | None]:
        press = redeem(session, update, context)
        unit_id, status = str(press.payload["unit"]), UnitStatus(str(press.payload["status"]))
        previous = assistance.set_readiness(session, press.identity, unit_id, status, now=now)
        return unit_id, status.value, previous.value if previous else None

    unit_id, status, previous = await context.services.run(act)
    await edit_pressed(update, f"{unit_id}: {previous} → {status}. Recorded.")


@guarded
async def crises_command(update: Update, context: AtlasContext) -> None:
    identity = await require_identity(update, context)

    def compose(session: Session) -> tuple[str, Any]:
        crises = assistance.visible_crises(session, identity)
        if not crises:
            return "No open crisis that you may see.", None
        rows = [
            [Button(f"📋 Board of #{c.id}", "board.show", {"crisis": c.id})] for c in crises[:20]
        ]
        text = "Open crises:\n" + texts.list_lines(
            f"{texts.crisis_title(c)} — {c.status}" for c in crises
        )
        return text, keyboard(session, identity.member_id, rows)

    text, markup = await context.services.run(compose)
    if update.effective_chat:
        await update.effective_chat.send_message(text, reply_markup=markup)


@guarded
async def show_board(update: Update, context: AtlasContext) -> None:
    now = context.services.clock.now()
    tz = context.services.settings.tz

    def compose(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        if not assistance.can_see(session, press.identity, crisis):
            raise NotAuthorised("You may not see this crisis.")
        assert crisis.id is not None
        missing = assistance.still_missing(session, crisis)
        text = texts.board(
            crisis,
            assistance.requests_of(session, crisis.id),
            assistance.deployments_of(session, crisis.id),
            missing,
            tz,
            now,
        )
        # The requester acts from here too (plans lost with a message, closing).
        requester = press.identity.is_authority_of(crisis.requesting_country)
        if not requester or crisis.status == CrisisStatus.CLOSED.value:
            return text, None
        rows = notify.board_buttons(crisis.id, missing=bool(missing))
        return text, keyboard(session, press.identity.member_id, rows)

    text, markup = await context.services.run(compose)
    await answer_user(update, text, markup)


@guarded
async def refresh(update: Update, context: AtlasContext) -> None:
    def check(session: Session) -> int:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        assistance.require_requester(press.identity, crisis)
        assert crisis.id is not None
        return crisis.id

    crisis_id = await context.services.run(check)
    if update.callback_query:
        await update.callback_query.answer("Refreshed")
    await notify.refresh_board(context, crisis_id)


@guarded
async def close_ask(update: Update, context: AtlasContext) -> None:
    def compose(session: Session) -> tuple[str, Any]:
        press = redeem(session, update, context)
        crisis = assistance.get_crisis(session, int(press.payload["crisis"]))
        assistance.require_requester(press.identity, crisis)
        assistance.require_open(crisis)
        markup = keyboard(
            session,
            press.identity.member_id,
            [
                [
                    Button(
                        "🏁 Confirm: close the crisis",
                        "crisis.close_confirm",
                        {"crisis": crisis.id},
                        single_use=True,
                    )
                ]
            ],
        )
        return (
            f"Close crisis #{crisis.id}? Open requests are withdrawn and every assisting unit is "
            "released. This cannot be undone.",
            markup,
        )

    text, markup = await context.services.run(compose)
    await answer_user(update, text, markup)


def after_action_text(report: assistance.AfterAction, tz: Any) -> str:
    crisis = report.crisis
    lines = [f"AFTER-ACTION SUMMARY — {texts.crisis_title(crisis)}", ""]
    lines.append("Answers by state (minutes from request to answer):")
    for country, status in report.answers.items():
        minutes = report.answer_minutes.get(country)
        lines.append(
            f"• {country}: {texts.ANSWERS.get(status, status)}"
            + (f" after {minutes} min" if minutes is not None else "")
        )
    lines.append("\nArrival by unit (minutes from the request):")
    for unit_id, minutes in report.arrival_minutes.items():
        lines.append(
            f"• {unit_id}: "
            + (f"on scene after {minutes} min" if minutes is not None else "not on scene")
        )
    lines.append("\nTimeline (UTC):")
    for line in report.timeline:
        detail = ", ".join(
            f"{k}={v}" for k, v in line.detail.items() if v not in (None, "", [], {})
        )
        lines.append(
            f"{line.at:%Y-%m-%d %H:%M:%S} {line.action} by {line.actor}"
            + (f" ({detail})" if detail else "")
        )
    return "\n".join(lines)


@guarded
async def close_confirm(update: Update, context: AtlasContext) -> None:
    now = context.services.clock.now()
    tz = context.services.settings.tz

    def act(session: Session) -> tuple[int, str, list[str], list[str], list[int]]:
        press = redeem(session, update, context)
        crisis = assistance.close_crisis(
            session, press.identity, int(press.payload["crisis"]), now=now
        )
        assert crisis.id is not None
        report = assistance.after_action(session, crisis.id)
        requests = assistance.requests_of(session, crisis.id)
        helped = sorted({r.country for r in requests if r.status == AnswerStatus.ACCEPTED.value})
        withdrawn = sorted(
            {r.country for r in requests if r.status == AnswerStatus.WITHDRAWN.value}
        )
        unit_chats = sorted(
            {
                chat
                for d in assistance.deployments_of(session, crisis.id)
                for _, chat in assistance.unit_recipients(session, d.unit_id)
            }
        )
        return crisis.id, after_action_text(report, tz), helped, withdrawn, unit_chats

    crisis_id, summary, helped, withdrawn, unit_chats = await context.services.run(act)
    await edit_pressed(update, f"Crisis #{crisis_id} closed.")
    await notify.refresh_board(context, crisis_id)
    if update.effective_chat:
        head = summary if len(summary) <= 4000 else summary[:3990] + "\n…"
        await update.effective_chat.send_message(head)
        await update.effective_chat.send_document(
            io.BytesIO(summary.encode("utf-8")), filename=f"crisis-{crisis_id}-after-action.txt"
        )
    for country in withdrawn:
        await notify.tell_country(
            context,
            country,
            f"Crisis #{crisis_id} was closed by the requesting state; its request to you is "
            "withdrawn and needs no answer.",
        )
    for country in helped:
        await notify.tell_country(
            context,
            country,
            f"Crisis #{crisis_id} was closed by the requesting state; your units are "
            "released. Thank you.",
        )
    await send_all(
        context,
        [
            Outgoing(chat, f"Crisis #{crisis_id} closed: your unit is released.")
            for chat in unit_chats
        ],
    )
