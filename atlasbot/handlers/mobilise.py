"""Units report their progress: mobilising, departed with an ETA, on scene, released."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import answer_user, edit_pressed, guarded, keyboard, redeem
from atlasbot.bot.texts import general as texts
from atlasbot.handlers import notify
from atlasbot.services import assistance
from atlasbot.services.outbox import Button
from atlasbot.storage.models import DeploymentState

LATEST_REPORT = "\n\nLatest report: "


@guarded
async def departed_menu(update: Update, context: AtlasContext) -> None:
    """Departing asks for the ETA: the planned travel time, or later."""

    def compose(session: Session) -> tuple[str, Any]:
        press = redeem(session, update, context)
        deployment = assistance.get_deployment(session, int(press.payload["deployment"]))
        assistance.require_progress_reporter(session, press.identity, deployment)
        planned = assistance.travel_minutes(session, deployment)
        payload = {"deployment": deployment.id, "state": DeploymentState.DEPARTED.value}
        choices = [planned, planned + 30, planned + 60]
        rows = [
            [Button(f"ETA in {m} min", "progress.report", {**payload, "eta": m}) for m in choices]
        ]
        return f"{deployment.unit_id} departing: when will you be on scene?", keyboard(
            session, press.identity.member_id, rows
        )

    text, markup = await context.services.run(compose)
    await answer_user(update, text, markup)


@guarded
async def report(update: Update, context: AtlasContext) -> None:
    now = context.services.clock.now()
    tz = context.services.settings.tz

    def act(session: Session) -> tuple[int, str, str, Any]:
        press = redeem(session, update, context)
        state = DeploymentState(str(press.payload["state"]))
        eta = press.payload.get("eta")
        deployment = assistance.report_progress(
            session,
            press.identity,
            int(press.payload["deployment"]),
            state,
            eta_minutes=int(eta) if eta is not None else None,
            now=now,
        )
        assert deployment.id is not None
        markup = keyboard(
            session,
            press.identity.member_id,
            notify.progress_buttons(deployment.id, deployment.state),
        )
        return (
            deployment.crisis_id,
            deployment.unit_id,
            texts.deployment_status(deployment, tz),
            markup,
        )

    crisis_id, _unit_id, status, markup = await context.services.run(act)
    # Keep the order's text (it holds the agreement) and append the newest report to it.
    query = update.callback_query
    original = (
        query.message.text if query and query.message and hasattr(query.message, "text") else None
    )
    order = (original or "").split(LATEST_REPORT)[0].rstrip()
    await edit_pressed(update, f"{order}{LATEST_REPORT}{status}" if order else status, markup)
    await notify.refresh_board(context, crisis_id)


def progress_rows(deployment_id: int, state: str) -> list[list[Button]]:
    return notify.progress_buttons(deployment_id, state)
