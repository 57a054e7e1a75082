"""Releasing a unit cannot be taken back: it is asked first, and the requester is told
(issue 11, point 4)."""

from __future__ import annotations

import functools
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.services.assistance import mobilising, raising
from atlasbot.services.assistance.outcome import Outcome, PressInput
from atlasbot.services.assistance.records import board_viewers
from atlasbot.services.crisis_records import get_crisis, get_deployment
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import render_for
from atlasbot.services.zones import zone_of, zones_of
from atlasbot.storage.models import DeploymentState, UnitRow
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import outcomes as texts


def ask_release(session: Session, press: PressInput) -> Outcome:
    """ "🏁 Released" asks first: what releasing means, with a single-use confirmation."""
    pressed = press.redeem(session)
    deployment = get_deployment(session, int(pressed.payload["deployment"]))
    mobilising.require_progress_reporter(session, pressed.identity, deployment)
    if deployment.state == DeploymentState.RELEASED.value:
        raise Conflict(texts.already_released(deployment.unit_id))
    payload = {"deployment": deployment.id}
    rows = [
        [Button(texts.confirm_release_label(), "release.confirm", payload, single_use=True)],
        [Button(texts.keep_label(), "release.keep", payload, single_use=True)],
    ]
    return Outcome(
        reply=texts.ask_release(deployment.unit_id, deployment.crisis_id),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
    )


def confirm_release(
    session: Session, press: PressInput, tz: ZoneInfo, return_home: timedelta
) -> Outcome:
    """The release confirmed: recorded (audited by the progress report), the unit "returning"
    until its ETA home, the requester told."""
    pressed = press.redeem(session)
    deployment = mobilising.report_progress(
        session,
        pressed.identity,
        int(pressed.payload["deployment"]),
        DeploymentState.RELEASED,
        now=press.now,
        return_home=return_home,
    )
    crisis = get_crisis(session, deployment.crisis_id)
    unit = session.get(UnitRow, deployment.unit_id)
    country = unit.country if unit else ""
    viewers = board_viewers(session, crisis)
    zones = zones_of(session, (m for m, _c in viewers), fallback=tz)
    who = pressed.identity.display_name or pressed.identity.actor
    messages = tuple(
        Message(
            chat,
            render_for(
                session,
                chat,
                functools.partial(
                    texts.told_released,
                    deployment.unit_id,
                    country,
                    crisis.id,
                    who,
                    press.now,
                    zones[m],
                ),
            ),
        )
        for m, chat in viewers
    )
    zone = zone_of(session, pressed.identity.member_id, fallback=tz)
    assert deployment.id is not None
    rows = raising.progress_buttons(deployment.id, deployment.state)
    return Outcome(
        reply=crisis_texts.deployment_status(deployment, zone),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
        messages=messages,
        board=deployment.crisis_id,
    )


def keep(session: Session, press: PressInput) -> Outcome:
    """Not released after all: nothing changes."""
    pressed = press.redeem(session)
    deployment = get_deployment(session, int(pressed.payload["deployment"]))
    return Outcome(reply=texts.not_released(deployment.unit_id))
