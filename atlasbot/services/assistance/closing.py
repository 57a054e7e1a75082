"""Closing a crisis and its after-action summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from atlasbot.clock import as_utc
from atlasbot.i18n import _
from atlasbot.services import alerting
from atlasbot.services.assistance.after_action import Reports, reports_for
from atlasbot.services.assistance.mobilising import release_unit
from atlasbot.services.assistance.outcome import Outcome, PressInput
from atlasbot.services.assistance.records import (
    authority_recipients,
    deployments_of,
    requests_of,
    require_open,
    require_requester,
    unit_recipients,
)
from atlasbot.services.assistance.returning import DEFAULT_RETURN_HOME
from atlasbot.services.crisis_records import crisis_object, get_crisis
from atlasbot.services.enrolment import Identity
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import messages_for
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    Crisis,
    CrisisStatus,
    DeploymentState,
    utc_now,
)
from atlasbot.storage.models.assistance import request_subject


def close_crisis(
    session: Session,
    identity: Identity,
    crisis_id: int,
    *,
    now: datetime | None = None,
    return_home: timedelta = DEFAULT_RETURN_HOME,
) -> Crisis:
    """The requester closes the crisis: open requests are withdrawn, every unit released."""
    moment = now or utc_now()
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(identity, crisis)
    require_open(crisis)
    assert crisis.id is not None
    for request in requests_of(session, crisis.id):
        if AnswerStatus(request.status).is_open:
            request.status = AnswerStatus.WITHDRAWN.value
            request.version += 1
            session.add(request)
    for deployment in deployments_of(session, crisis.id):
        if deployment.state != DeploymentState.RELEASED.value:
            release_unit(session, deployment, identity.actor, moment, return_home=return_home)
    crisis.status = CrisisStatus.CLOSED.value
    crisis.closed_at = moment
    crisis.version += 1
    session.add(crisis)
    audit.append(
        session,
        actor=identity.actor,
        action="crisis.closed",
        obj=crisis_object(crisis.id),
        at=moment,
    )
    return crisis


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AfterAction:
    """The after-action summary: the timeline and the answer and arrival times."""

    crisis: Crisis
    timeline: tuple[TimelineLine, ...]
    answer_minutes: dict[str, float | None]  # per requested state
    answers: dict[str, str]
    arrival_minutes: dict[str, float | None]  # per unit, from the request to on scene


def after_action(session: Session, crisis_id: int) -> AfterAction:
    """Build the after-action summary from the audit log, the one source of what happened."""
    crisis = get_crisis(session, crisis_id)
    entries = [
        e
        for e in audit.entries_about(session, crisis_object(crisis_id))
        if e.object == crisis_object(crisis_id)
    ]
    timeline = tuple(
        TimelineLine(as_utc(e.at), e.actor, e.action, dict(e.payload)) for e in entries
    )
    start = as_utc(crisis.created_at)
    answer_minutes: dict[str, float | None] = {}
    answers: dict[str, str] = {}
    for request in requests_of(session, crisis_id):
        key = f"{request.country} (request #{request.id})"
        answers[key] = request.status
        answer_minutes[key] = (
            round((as_utc(request.answered_at) - as_utc(request.sent_at)).total_seconds() / 60, 1)
            if request.answered_at
            else None
        )
    arrival: dict[str, float | None] = {}
    for deployment in deployments_of(session, crisis_id):
        arrived = next(
            (
                line.at
                for line in timeline
                if line.action == "deployment.on_scene"
                and line.detail.get("deployment") == deployment.id
            ),
            None,
        )
        arrival[deployment.unit_id] = (
            round((arrived - start).total_seconds() / 60, 1) if arrived else None
        )
    return AfterAction(crisis, timeline, answer_minutes, answers, arrival)


# --- use cases: closing from the chat ----------------------------------------------------


def ask_to_close(session: Session, press: PressInput) -> Outcome:
    """Confirm before closing: it cannot be undone."""
    pressed = press.redeem(session)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    require_requester(pressed.identity, crisis)
    require_open(crisis)
    button = Button(
        _("🏁 Confirm: close the crisis"),
        "crisis.close_confirm",
        {"crisis": crisis.id},
        single_use=True,
    )
    return Outcome(
        reply=_(
            "Close crisis #{crisis}? Open requests are withdrawn and every assisting unit is "
            "released. This cannot be undone.",
            crisis=crisis.id,
        ),
        keyboard=issue_keyboard(session, pressed.identity.member_id, [[button]], now=press.now),
    )


@dataclass(frozen=True, slots=True)
class Closed:
    """A closed crisis: the outcome for everyone, and the after-action report (with its CSV)
    for the requester and every state that took part."""

    outcome: Outcome
    crisis_id: int
    reports: Reports


def _closing_messages(session: Session, crisis_id: int) -> tuple[Message, ...]:
    requests = requests_of(session, crisis_id)
    messages: list[Message] = []
    withdrawn = sorted({r.country for r in requests if r.status == AnswerStatus.WITHDRAWN.value})
    helped = sorted({r.country for r in requests if r.status == AnswerStatus.ACCEPTED.value})
    # Each reader is told in their own language.
    for country in withdrawn:
        messages += messages_for(
            session,
            [chat for _m, chat in authority_recipients(session, country)],
            lambda: _(
                "Crisis #{crisis} was closed by the requesting state; its request to you is "
                "withdrawn and needs no answer.",
                crisis=crisis_id,
            ),
        )
    for country in helped:
        messages += messages_for(
            session,
            [chat for _m, chat in authority_recipients(session, country)],
            lambda: _(
                "Crisis #{crisis} was closed by the requesting state; your units are released. "
                "Thank you.",
                crisis=crisis_id,
            ),
        )
    unit_chats = sorted(
        {
            chat
            for d in deployments_of(session, crisis_id)
            for _m, chat in unit_recipients(session, d.unit_id)
        }
    )
    released = messages_for(
        session,
        unit_chats,
        lambda: _("Crisis #{crisis} closed: your unit is released.", crisis=crisis_id),
    )
    return (*messages, *released)


def close(
    session: Session, press: PressInput, return_home: timedelta = DEFAULT_RETURN_HOME
) -> Closed:
    """The requester closes the crisis; the states and units involved are told."""
    pressed = press.redeem(session)
    crisis = close_crisis(
        session,
        pressed.identity,
        int(pressed.payload["crisis"]),
        now=press.now,
        return_home=return_home,
    )
    assert crisis.id is not None
    closer = ((pressed.identity.member_id, press.chat_id),)
    reports = reports_for(session, crisis.id, requester=closer)
    outcome = Outcome(
        reply=_("Crisis #{crisis} closed.", crisis=crisis.id),
        messages=_closing_messages(session, crisis.id),
        board=crisis.id,
        copies_to_edit=_late_buttons_to_remove(session, crisis.id),
    )
    return Closed(outcome, crisis.id, reports)


def _late_buttons_to_remove(session: Session, crisis_id: int) -> tuple[int, ...]:
    """Requests run out that still offered a late answer: closed, their copies lose it."""
    return tuple(
        alert_id
        for request in requests_of(session, crisis_id)
        if request.awaits_late_answer()
        for alert_id in alerting.reopen_copies(session, request_subject(request.id))
    )
