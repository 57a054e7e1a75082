"""Messages the workflow sends to others: requests to authorities, orders to units, the board.

Each function reads what it needs in one unit of work (issuing the buttons' tokens there),
then sends after the commit, so nobody is told of a decision that did not land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select
from telegram.error import BadRequest, TelegramError

from atlasbot.bot import timers
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import Outgoing, keyboard, send_all
from atlasbot.bot.texts import general as texts
from atlasbot.escalation import AlertKind, Timings
from atlasbot.services import alerting, assistance
from atlasbot.services.outbox import Button
from atlasbot.storage.models import (
    AnswerStatus,
    CapabilityRow,
    CountryRow,
    CrisisStatus,
    DeploymentState,
)


def capability_names(session: Session) -> dict[str, str]:
    return {row.code: row.name for row in session.exec(select(CapabilityRow)).all()}


def answer_buttons(request_id: int) -> list[list[Button]]:
    payload = {"request": request_id}
    return [
        [Button("✅ Accept…", "answer.accept", payload)],
        [Button("↔ Counter-propose…", "answer.counter", payload)],
        [Button("✖ Decline…", "answer.decline", payload)],
    ]


def _bound_by_decision(session: Session, country: str) -> bool:
    row = session.get(CountryRow, country)
    return row is None or row.bound_by_decision


def raise_assistance_requests(
    session: Session, request_ids: list[int], *, timings: Timings, now: datetime
) -> list[int]:
    """Record each new request to its state's competent authority members (R2) as an alert
    (reminder, then "no response" at the deadline), in the caller's transaction: the
    decision and its alerts commit together, so a crash right after the commit loses no
    request (the restart finds the alerts' first steps due and sends them)."""
    names = capability_names(session)
    alert_ids = []
    for request_id in request_ids:
        request = assistance.get_answer(session, request_id)
        crisis = assistance.get_crisis(session, request.crisis_id)
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.REQUEST,
            subject=f"request:{request_id}",
            text=texts.request_to_authority(
                crisis, request, names, partner=not _bound_by_decision(session, request.country)
            ),
            buttons=timers.button_specs(answer_buttons(request_id)),
            timings=timings,
            now=now,
            crisis_id=crisis.id,
            country=request.country,
        )
        assert alert.id is not None
        alert_ids.append(alert.id)
    return alert_ids


def progress_buttons(deployment_id: int, state: str) -> list[list[Button]]:
    """The next steps a unit can report, from where it is."""
    payload = {"deployment": deployment_id}
    order = [s.value for s in DeploymentState]
    position = order.index(state)
    labels = {
        DeploymentState.MOBILISING.value: "🟡 Mobilising",
        DeploymentState.DEPARTED.value: "🚁 Departed…",
        DeploymentState.ON_SCENE.value: "📍 On scene",
        DeploymentState.RELEASED.value: "🏁 Released",
    }
    action = {DeploymentState.DEPARTED.value: "progress.departed"}
    return [
        [Button(label, action.get(step, "progress.report"), {**payload, "state": step})]
        for step, label in labels.items()
        if order.index(step) > position
    ]


def raise_mobilisation_orders(
    session: Session, deployment_ids: list[int], *, timings: Timings, now: datetime
) -> list[int]:
    """Order each unit as an alert (its duty member first, then the whole unit, then its
    state's competent authority, until someone acknowledges or reports progress), in the
    caller's transaction, so an agreement never commits without its orders."""
    alert_ids = []
    for deployment_id in deployment_ids:
        deployment = assistance.get_deployment(session, deployment_id)
        crisis = assistance.get_crisis(session, deployment.crisis_id)
        request = assistance.get_answer(session, deployment.assistance_request_id)
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.ORDER,
            subject=f"deployment:{deployment_id}",
            text=texts.mobilisation_order(crisis, deployment, request.agreement),
            buttons=timers.button_specs(progress_buttons(deployment_id, deployment.state)),
            timings=timings,
            now=now,
            crisis_id=crisis.id,
            unit_id=deployment.unit_id,
        )
        assert alert.id is not None
        alert_ids.append(alert.id)
    return alert_ids


async def tell_requester(context: AtlasContext, crisis_id: int, text: str) -> None:
    """A line to the requesting state's authority members."""

    def compose(session: Session) -> list[Outgoing]:
        crisis = assistance.get_crisis(session, crisis_id)
        return [Outgoing(chat, text) for _, chat in assistance.board_viewers(session, crisis)]

    await send_all(context, await context.services.run(compose))


async def tell_country(context: AtlasContext, country: str, text: str) -> None:
    def compose(session: Session) -> list[Outgoing]:
        return [
            Outgoing(chat, text) for _, chat in assistance.authority_recipients(session, country)
        ]

    await send_all(context, await context.services.run(compose))


@dataclass(frozen=True, slots=True)
class _BoardView:
    chat_id: int
    message_id: int | None
    outgoing: Outgoing


def board_buttons(crisis_id: int, *, missing: bool) -> list[list[Button]]:
    """What the requester can do from an open crisis's board."""
    payload = {"crisis": crisis_id}
    rows = [[Button("🔄 Refresh", "board.refresh", payload)]]
    if missing:
        rows.append([Button("🧭 Plan what is still missing", "plan.show", payload)])
    rows.append([Button("🏁 Close crisis…", "crisis.close", payload)])
    return rows


async def refresh_board(context: AtlasContext, crisis_id: int) -> None:
    """Edit the live board in place for every viewer (or post it where it is not yet)."""
    # Every decision on a crisis refreshes its board: alerts it answered stop here too.
    await timers.settle_crisis(context, crisis_id)
    tz = context.services.settings.tz
    now = context.services.clock.now()

    def compose(session: Session) -> list[_BoardView]:
        crisis = assistance.get_crisis(session, crisis_id)
        missing = assistance.still_missing(session, crisis)
        text = texts.board(
            crisis,
            assistance.requests_of(session, crisis_id),
            assistance.deployments_of(session, crisis_id),
            missing,
            tz,
            now,
        )
        where = {b.chat_id: b.message_id for b in assistance.board_messages(session, crisis_id)}
        views = []
        for member_id, chat_id in assistance.board_viewers(session, crisis):
            rows: list[list[Button]] = []
            if crisis.status != CrisisStatus.CLOSED.value:
                rows = board_buttons(crisis_id, missing=bool(missing))
            markup = keyboard(session, member_id, rows)
            views.append(_BoardView(chat_id, where.get(chat_id), Outgoing(chat_id, text, markup)))
        return views

    views = await context.services.run(compose)
    for view in views:
        if view.message_id is not None:
            try:
                await context.bot.edit_message_text(
                    view.outgoing.text,
                    chat_id=view.chat_id,
                    message_id=view.message_id,
                    reply_markup=view.outgoing.markup,
                )
                continue
            except BadRequest as err:
                if "not modified" in str(err).lower():
                    continue
            except TelegramError:
                pass
        sent = (await send_all(context, [view.outgoing]))[0]
        if sent is not None:
            message_id = sent.message_id

            def remember(
                session: Session, chat: int = view.chat_id, mid: int = message_id
            ) -> None:
                assistance.remember_board_message(session, crisis_id, chat, mid)

            await context.services.run(remember)


def open_request_statuses() -> tuple[str, ...]:
    return (AnswerStatus.PENDING.value, AnswerStatus.COUNTERED.value)
