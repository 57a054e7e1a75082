"""Fair deadlines (R5, issue 11 point 2).

Opening Accept or Counter-propose acknowledges the request and holds its answer deadline (at
least ``hold_s`` ahead) while the answer is being written. An acceptance or counter-proposal
confirmed after the request was recorded "no response" is not lost: it is recorded, audited
and offered to the requester, who takes it or leaves it. Nothing is accepted automatically.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import Action, AlertKind, Timings
from atlasbot.services import alerting
from atlasbot.services.assistance import raising
from atlasbot.services.assistance.answering import (
    Agreement,
    AnswerStart,
    _order_units,
    start_answer,
    validate_agreement,
)
from atlasbot.services.assistance.late_answers import LATE
from atlasbot.services.assistance.outcome import Outcome, PressInput
from atlasbot.services.assistance.records import (
    authority_recipients,
    require_open,
    require_requester,
)
from atlasbot.services.crisis_records import crisis_object, get_answer, get_crisis
from atlasbot.services.enrolment import Identity, require_member
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.services.outbox import Message
from atlasbot.services.readers import render_for
from atlasbot.services.zones import zone_of
from atlasbot.storage import audit
from atlasbot.storage.models import (
    Alert,
    AlertState,
    AnswerStatus,
    AssistanceRequest,
    EscalationStep,
    StepState,
)
from atlasbot.storage.models.assistance import request_subject
from atlasbot.texts import late as texts


@dataclass(frozen=True, slots=True)
class Held:
    """The request's alert (to re-arm and edit its copies) and the deadline now in force;
    ``previous``: the deadline before this hold moved it (None when it did not move it)."""

    alert_id: int | None
    deadline: datetime | None
    previous: datetime | None = None


def _request_alert(session: Session, request_id: int) -> Alert | None:
    return session.exec(
        select(Alert)
        .where(
            Alert.kind == AlertKind.REQUEST.value,
            Alert.subject == request_subject(request_id),
            col(Alert.resolved_at).is_(None),
        )
        .order_by(col(Alert.id).desc())
    ).first()


@dataclass(frozen=True, slots=True)
class OpenedAnswer:
    """The answer wizard's start, and the deadline held for it."""

    start: AnswerStart
    held: Held
    notice: str = ""  # to the member: the request is theirs, the deadline held until when


def open_answer(
    session: Session, press: PressInput, *, hold_s: float, tz: ZoneInfo
) -> OpenedAnswer:
    """A requested state's authority opens its answer; Accept and Counter-propose (``hold_s``
    above 0) acknowledge the request and hold its deadline."""
    start = start_answer(session, press)
    if hold_s <= 0:
        return OpenedAnswer(start, Held(None, None))
    identity = require_member(session, press.telegram_user_id)
    held = hold_deadline(session, identity, start.request_id, hold_s=hold_s, now=press.now)
    zone = zone_of(session, identity.member_id, fallback=tz)
    return OpenedAnswer(start, held, texts.held(start.request_id, held.deadline, zone))


def hold_deadline(
    session: Session, identity: Identity, request_id: int, *, hold_s: float, now: datetime
) -> Held:
    """Opening an answer acknowledges the request and moves its deadline to at least
    ``hold_s`` from now (audited)."""
    alert = _request_alert(session, request_id)
    if alert is None or alert.id is None:
        return Held(None, None)
    if AlertState(alert.state).is_active:
        # Not sent to this member (enrolled since): the hold still applies.
        with contextlib.suppress(NotAuthorised, Conflict):
            alerting.acknowledge(session, identity, alert.id, now=now)
    step = _deadline_step(session, alert.id)
    if step is None:
        return Held(alert.id, None)
    until = now + timedelta(seconds=hold_s)
    previous = as_utc(step.due_at)
    if previous < until:
        held = "assistance.deadline_held"
        _move_deadline(session, step, until, identity, held, alert, request_id, now)
        return Held(alert.id, until, previous)
    return Held(alert.id, previous)


def release_held_by(
    session: Session,
    *,
    telegram_user_id: int,
    request_id: int,
    held_until: datetime,
    previous: datetime,
    now: datetime,
) -> Held:
    """``release_hold`` for the member behind a Telegram user (revoked since: nothing)."""
    try:
        identity = require_member(session, telegram_user_id)
    except NotAuthorised:
        return Held(None, None)
    return release_hold(
        session, identity, request_id, held_until=held_until, previous=previous, now=now
    )


def _deadline_step(session: Session, alert_id: int) -> EscalationStep | None:
    """The request alert's "no response" step while it is still to come."""
    return session.exec(
        select(EscalationStep).where(
            EscalationStep.alert_id == alert_id,
            EscalationStep.action == Action.NO_RESPONSE.value,
            EscalationStep.state == StepState.PENDING.value,
        )
    ).first()


def release_hold(
    session: Session,
    identity: Identity,
    request_id: int,
    *,
    held_until: datetime,
    previous: datetime,
    now: datetime,
) -> Held:
    """An answer opened and then cancelled gives its hold back: the deadline returns to what it
    was (or now, when that has passed), so the requester is not kept waiting for an answer
    nobody is writing. Only the hold this member set: a deadline moved since (another
    member's hold, the answer given) is left alone. Audited."""
    alert = _request_alert(session, request_id)
    if alert is None or alert.id is None:
        return Held(None, None)
    step = _deadline_step(session, alert.id)
    if step is None or as_utc(step.due_at) != held_until:
        return Held(alert.id, None)
    back = max(previous, now)
    released = "assistance.deadline_released"
    _move_deadline(session, step, back, identity, released, alert, request_id, now)
    return Held(alert.id, back, held_until)


def _move_deadline(
    session: Session,
    step: EscalationStep,
    until: datetime,
    identity: Identity,
    action: str,
    alert: Alert,
    request_id: int,
    now: datetime,
) -> None:
    """The request's "no response" step moves to ``until`` (a new version, so the job armed
    for the old time does nothing), audited as ``action``."""
    step.due_at = until
    step.version += 1
    session.add(step)
    audit.append(
        session,
        actor=identity.actor,
        action=action,
        obj=crisis_object(alert.crisis_id or 0),
        payload={"request": request_id, "until": until.isoformat()},
        at=now,
    )


def _waiting_late(session: Session, identity: Identity, request_id: int) -> AssistanceRequest:
    request = get_answer(session, request_id, lock=True)
    crisis = get_crisis(session, request.crisis_id)
    require_requester(identity, crisis)
    require_open(crisis)
    late = request.agreement.get(LATE)
    if (
        request.status != AnswerStatus.NO_RESPONSE.value
        or not isinstance(late, dict)
        or "agreement" not in late
        or "taken" in late
    ):
        raise Conflict(texts.no_late_answer(request.status.replace("_", " ")))
    return request


def decide_late_answer(session: Session, press: PressInput, *, timings: Timings) -> Outcome:
    """The requester takes a late answer (its units are ordered on its terms) or leaves it
    (it stays "no response"); the answering state is told either way."""
    pressed = press.redeem(session)
    request = _waiting_late(session, pressed.identity, int(pressed.payload["request"]))
    late = dict(request.agreement[LATE])
    taken = pressed.action == "late.take"
    orders: list[int] = []
    if taken:
        terms = Agreement.from_payload(dict(late["agreement"])).as_payload()
        problems = validate_agreement(session, request, Agreement.from_payload(terms))
        if problems:
            raise InvalidInput("; ".join(problems))
        request.status = AnswerStatus.ACCEPTED.value
        request.answered_at = press.now
        request.answered_by_member_id = int(late["by"])
        request.agreement = {**request.agreement, **terms, LATE: {**late, "taken": True}}
        request.forms = list(terms.get("forms", request.forms))
        deployments = _order_units(session, request, pressed.identity.actor, press.now)
        ordered = [d.id for d in deployments if d.id is not None]
        orders = raising.raise_mobilisation_orders(
            session, ordered, timings=timings, now=press.now
        )
    else:
        request.agreement = {**request.agreement, LATE: {**late, "taken": False}}
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=pressed.identity.actor,
        action="assistance.late_taken" if taken else "assistance.late_left",
        obj=crisis_object(request.crisis_id),
        payload={"request": request.id, "country": request.country},
        at=press.now,
    )

    def told() -> str:
        return texts.told_country(request.id, request.crisis_id, taken=taken)

    return Outcome(
        reply=texts.decided(request.country, request.id, taken=taken),
        messages=tuple(
            Message(chat, render_for(session, chat, told))
            for _m, chat in authority_recipients(session, request.country)
        ),
        alerts=tuple(orders),
        board=request.crisis_id,
    )
