"""Alerts that must be acknowledged, and their escalation steps (ARCHITECTURE.md, "Timers that
survive a restart").

Every step is a row with its due time and a version. A job that wakes up for a step takes it
with a guarded ``UPDATE ... WHERE state='pending' AND version=?``: a second run, a stale job
or a job that lost a race to an acknowledgement changes nothing. Deliveries are written as
``sending`` before the Bot API call and ``sent`` (with the message id) after it.

Delivery semantics after a crash: a ``sending`` row of an alert that still waits for someone
is sent again (at least once: an alert is never lost, and a duplicate can only happen when the
process died in the few milliseconds between Telegram accepting the message and our commit);
a ``sending`` row of an alert already acknowledged, answered or expired is abandoned, so a
settled alert is never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import Action, AlertKind, Target, Timings, step_table
from atlasbot.services import assistance, duty
from atlasbot.services.enrolment import Identity, members_with
from atlasbot.services.errors import Conflict, NotAuthorised, NotFound
from atlasbot.storage import audit
from atlasbot.storage.models import (
    ACTIVE_ALERT_STATES,
    Alert,
    AlertDelivery,
    AlertState,
    AnswerStatus,
    AuditEntry,
    CountryRow,
    DeliveryStatus,
    DeploymentState,
    EscalationStep,
    Member,
    Role,
    StepState,
    UnitRow,
)

_log = logging.getLogger(__name__)


def _obj(alert_id: int | None) -> str:
    return f"alert:{alert_id}"


@dataclass(frozen=True, slots=True)
class ArmedStep:
    """What the job queue needs to arm one step."""

    step_id: int
    alert_id: int
    number: int
    version: int
    due_at: datetime

    @property
    def job_name(self) -> str:
        return step_job_name(self.alert_id, self.number)


def step_job_name(alert_id: int, number: int) -> str:
    """The job of an alert's step is named by what it is for, so it can be found and removed."""
    return f"alert:{alert_id}:step:{number}"


# --- raising ----------------------------------------------------------------------------


def timings_for(
    session: Session, base: Timings, *, country: str | None = None, unit_id: str | None = None
) -> Timings:
    """The timings of one alert's chain: ``base`` (the settings), then the state's escalation
    section from the network file over them, then the unit's.

    A unit's alert takes its state from the unit. A request uses the requested state's section
    and a counter-proposal the requesting state's: whichever state the alert goes to. A section
    that does not fit ``base`` (a deadline before the reminder the settings give) is skipped
    with a warning rather than losing the alert.
    """
    unit = session.get(UnitRow, unit_id) if unit_id is not None else None
    if unit is not None:
        country = unit.country
    state = session.get(CountryRow, country) if country is not None else None
    layers = [
        (f"country {state.code}" if state else "", state.escalation if state else None),
        (f"unit {unit.id}" if unit else "", unit.escalation if unit else None),
    ]
    timings = base
    for where, section in layers:
        if not section:
            continue
        try:
            timings = timings.with_overrides(section)
        except (TypeError, ValueError) as error:
            _log.warning("escalation section of %s skipped: %s", where, error)
    return timings


def raise_alert(
    session: Session,
    *,
    kind: AlertKind,
    subject: str,
    text: str,
    buttons: Sequence[Sequence[Mapping[str, Any]]] = (),
    timings: Timings,
    now: datetime,
    crisis_id: int | None = None,
    unit_id: str | None = None,
    country: str | None = None,
    drill_id: int | None = None,
    actor: str = "bot",
) -> Alert:
    """Record an alert with its chain snapshotted as step rows (the first one due now).

    ``timings`` are the defaults: the escalation sections of the alert's state and unit in
    the network file lie over them (``timings_for``).
    """
    if kind in (AlertKind.ORDER, AlertKind.DRILL) and unit_id is None:
        raise ValueError("a unit alert needs its unit")
    if unit_id is not None and country is None:
        unit = session.get(UnitRow, unit_id)
        country = unit.country if unit else None
    timings = timings_for(session, timings, country=country, unit_id=unit_id)
    alert = Alert(
        kind=kind.value,
        subject=subject,
        crisis_id=crisis_id,
        unit_id=unit_id,
        country=country,
        text=text[:4000],
        buttons=[[dict(button) for button in row] for row in buttons],
        state=AlertState.PENDING.value,
        created_at=now,
        is_drill=kind is AlertKind.DRILL,
        drill_id=drill_id,
    )
    session.add(alert)
    session.flush()
    assert alert.id is not None
    for scheduled in step_table(kind, timings, now):
        session.add(
            EscalationStep(
                alert_id=alert.id,
                number=scheduled.number,
                action=scheduled.spec.action.value,
                target=scheduled.spec.target.value,
                stops_on_ack=scheduled.spec.stops_on_ack,
                due_at=scheduled.due_at,
            )
        )
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="alert.raised",
        obj=_obj(alert.id),
        payload={
            "kind": kind.value,
            "subject": subject,
            "unit": unit_id,
            "country": country,
            "drill": drill_id,
        },
        at=now,
    )
    return alert


def get_alert(session: Session, alert_id: int, *, lock: bool = False) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=lock)
    if alert is None:
        raise NotFound(f"There is no alert #{alert_id}.")
    return alert


def pending_steps(session: Session, alert_ids: Sequence[int] | None = None) -> list[ArmedStep]:
    """Every step still to run (of some alerts, or of all), in due order."""
    query = select(EscalationStep).where(EscalationStep.state == StepState.PENDING.value)
    if alert_ids is not None:
        query = query.where(col(EscalationStep.alert_id).in_(list(alert_ids)))
    rows = session.exec(query.order_by(col(EscalationStep.due_at))).all()
    return [
        ArmedStep(s.id, s.alert_id, s.number, s.version, as_utc(s.due_at))
        for s in rows
        if s.id is not None
    ]


def next_steps(session: Session, alert_ids: Sequence[int] | None = None) -> list[ArmedStep]:
    """The next pending step of each alert (of some, or of all): the only one to arm."""
    first: dict[int, ArmedStep] = {}
    for step in pending_steps(session, alert_ids):
        known = first.get(step.alert_id)
        if known is None or step.number < known.number:
            first[step.alert_id] = step
    return sorted(first.values(), key=lambda step: step.due_at)


def next_step(session: Session, alert_id: int) -> ArmedStep | None:
    found = next_steps(session, [alert_id])
    return found[0] if found else None


# --- who a step reaches -----------------------------------------------------------------


Recipient = tuple[int, int]  # (member id, Telegram id)


def _on_rota(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    assert alert.unit_id is not None
    return [(d.member_id, d.telegram_user_id) for d in duty.on_duty(session, alert.unit_id, now)]


def _whole_unit(session: Session, alert: Alert, on_rota: list[Recipient]) -> list[Recipient]:
    return sorted(
        {
            *on_rota,
            *members_with(session, Role.DUTY, unit_id=alert.unit_id),
            *members_with(session, Role.COMMANDER, unit_id=alert.unit_id),
        }
    )


def _unit_all(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    return _whole_unit(session, alert, _on_rota(session, alert, now))


def _duty_now(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    on_rota = _on_rota(session, alert, now)
    # Nobody on the rota now: the whole unit gets it rather than nobody (the rota was read
    # once already, so it is not read again).
    return on_rota or _whole_unit(session, alert, on_rota)


def _authority(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    if alert.country is None:
        return []
    return members_with(session, Role.AUTHORITY, country=alert.country)


def _holders(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    rows = session.exec(
        select(AlertDelivery.member_id, AlertDelivery.chat_id).where(
            AlertDelivery.alert_id == alert.id,
            AlertDelivery.status == DeliveryStatus.SENT.value,
        )
    ).all()
    return sorted({(int(m), int(c)) for m, c in rows})


TARGETS: Mapping[Target, Callable[[Session, Alert, datetime], list[Recipient]]] = {
    Target.DUTY_NOW: _duty_now,
    Target.UNIT_ALL: _unit_all,
    Target.UNIT_AUTHORITY: _authority,
    Target.COUNTRY_AUTHORITY: _authority,
    Target.HOLDERS: _holders,
    Target.NOBODY: lambda session, alert, now: [],
}


# --- is the thing still waiting for someone? --------------------------------------------


@dataclass(frozen=True, slots=True)
class Settled:
    """The thing behind an alert was acted on: by whom (member id, if known) and how."""

    by_member_id: int | None
    outcome: str


def _request_settled(session: Session, alert: Alert) -> Settled | None:
    request = assistance.get_answer(session, int(alert.subject.split(":")[1]))
    if request.status == AnswerStatus.PENDING.value:
        return None
    words = {AnswerStatus.COUNTERED.value: "counter-proposed"}
    return Settled(
        request.answered_by_member_id,
        "answered: " + words.get(request.status, request.status.replace("_", " ")),
    )


def _counter_settled(session: Session, alert: Alert) -> Settled | None:
    request = assistance.get_answer(session, int(alert.subject.split(":")[1]))
    if request.status == AnswerStatus.COUNTERED.value:
        return None
    crisis = assistance.get_crisis(session, request.crisis_id)
    return Settled(crisis.requester_member_id, "answered: " + request.status.replace("_", " "))


def _order_settled(session: Session, alert: Alert) -> Settled | None:
    deployment = assistance.get_deployment(session, int(alert.subject.split(":")[1]))
    if deployment.state == DeploymentState.ORDERED.value:
        return None
    return Settled(
        _progress_reporter(session, deployment.crisis_id, deployment.id),
        f"reported {deployment.state.replace('_', ' ')}",
    )


def _progress_reporter(session: Session, crisis_id: int, deployment_id: int | None) -> int | None:
    """The member who last reported a deployment's progress, from the audit log."""
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.object == f"crisis:{crisis_id}",
            col(AuditEntry.action).startswith("deployment."),
        )
        .order_by(col(AuditEntry.seq).desc())
    ).all()
    for entry in entries:
        if entry.payload.get("deployment") == deployment_id and entry.actor.startswith("member:"):
            return int(entry.actor.removeprefix("member:"))
    return None


SETTLED_CHECKS: Mapping[AlertKind, Callable[[Session, Alert], Settled | None]] = {
    AlertKind.REQUEST: _request_settled,
    AlertKind.COUNTER: _counter_settled,
    AlertKind.ORDER: _order_settled,
    AlertKind.DRILL: lambda session, alert: None,
}


def _settle(session: Session, alert: Alert, settled: Settled, now: datetime) -> None:
    """The thing was acted on: the alert counts as acknowledged and every step stops."""
    if AlertState(alert.state).is_active:
        alert.state = AlertState.ACKNOWLEDGED.value
        alert.acknowledged_at = now
        alert.acknowledged_by_member_id = settled.by_member_id
    alert.resolved_at = now
    alert.outcome = settled.outcome[:200]
    alert.version += 1
    session.add(alert)
    _cancel_steps(session, alert, only_stopping=False)
    _reopen_copies(session, alert)
    audit.append(
        session,
        actor="bot",
        action="alert.settled",
        obj=_obj(alert.id),
        payload={"outcome": alert.outcome, "by": settled.by_member_id},
        at=now,
    )


def _cancel_steps(session: Session, alert: Alert, *, only_stopping: bool) -> None:
    query = (
        update(EscalationStep)
        .where(
            col(EscalationStep.alert_id) == alert.id,
            col(EscalationStep.state) == StepState.PENDING.value,
        )
        .values(state=StepState.CANCELLED.value, version=EscalationStep.version + 1)
    )
    if only_stopping:
        query = query.where(col(EscalationStep.stops_on_ack).is_(True))
    session.execute(query)


def _reopen_copies(session: Session, alert: Alert) -> None:
    """Copies closed at an acknowledgement say who took it; once the thing is answered or
    over they are edited again to say so. A unit's order is edited by its progress reports,
    so its copies stay as they are."""
    if alert.kind == AlertKind.ORDER.value:
        return
    session.execute(
        update(AlertDelivery)
        .where(
            col(AlertDelivery.alert_id) == alert.id,
            col(AlertDelivery.status) == DeliveryStatus.SENT.value,
        )
        .values(copy_closed=False)
    )


def settle_acted_upon(session: Session, *, crisis_id: int, now: datetime) -> list[int]:
    """Settle every alert of a crisis whose request or order was acted on since; returns
    their ids (their copies are then edited). Called after each decision on the crisis."""
    alerts = session.exec(
        select(Alert).where(Alert.crisis_id == crisis_id, col(Alert.resolved_at).is_(None))
    ).all()
    settled_ids = []
    for alert in alerts:
        outcome = SETTLED_CHECKS[AlertKind(alert.kind)](session, alert)
        if outcome is not None:
            _settle(session, alert, outcome, now)
            assert alert.id is not None
            settled_ids.append(alert.id)
    return settled_ids


# --- running a step ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedCopy:
    """A delivery row just written as ``sending``: the adapter adds text and buttons."""

    delivery_id: int
    member_id: int
    chat_id: int


@dataclass
class StepWork:
    """What one step decided, for the adapter to carry out after the commit."""

    alert: Alert
    number: int
    action: Action
    copies: list[PlannedCopy] = field(default_factory=list)
    no_response_request: int | None = None  # the request just recorded as "no response"
    settled: bool = False  # the alert stopped here (settled, expired, no response)
    deadline: datetime | None = None  # the answer deadline, for a reminder
    next_step: ArmedStep | None = None  # what to arm once this step's copies are out


def take_step(session: Session, step_id: int, version: int, *, now: datetime) -> StepWork | None:
    """Run one step if it is still pending at this version; None when stale or already run."""
    step = session.get(EscalationStep, step_id)
    if step is None or step.state != StepState.PENDING.value or step.version != version:
        return None
    earlier = session.exec(
        select(EscalationStep.id).where(
            EscalationStep.alert_id == step.alert_id,
            EscalationStep.state == StepState.PENDING.value,
            col(EscalationStep.number) < step.number,
        )
    ).first()
    if earlier is not None:
        return None  # steps run in order: the earlier one goes first
    taken = session.execute(
        update(EscalationStep)
        .where(
            col(EscalationStep.id) == step_id,
            col(EscalationStep.state) == StepState.PENDING.value,
            col(EscalationStep.version) == version,
        )
        .values(state=StepState.DONE.value, fired_at=now, version=version + 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    alert = get_alert(session, step.alert_id, lock=True)
    action = Action(step.action)
    work = StepWork(alert=alert, number=step.number, action=action)
    if alert.resolved_at is not None or (
        step.stops_on_ack and not AlertState(alert.state).is_active
    ):
        return work
    settled = SETTLED_CHECKS[AlertKind(alert.kind)](session, alert)
    if settled is not None:
        _settle(session, alert, settled, now)
        work.settled = True
        return work
    STEP_ACTIONS[action](session, alert, step, work, now)
    assert alert.id is not None
    if action is Action.NOTIFY and not work.copies:
        hurry_if_unreached(session, alert.id, now=now)  # nobody new, nobody holding it
    work.next_step = next_step(session, alert.id)
    return work


def _write_copies(
    session: Session,
    alert: Alert,
    step: EscalationStep,
    recipients: Sequence[Recipient],
    work: StepWork,
    now: datetime,
) -> None:
    for member_id, chat_id in recipients:
        delivery = AlertDelivery(
            alert_id=alert.id,  # type: ignore[arg-type]
            step_number=step.number,
            member_id=member_id,
            chat_id=chat_id,
            status=DeliveryStatus.SENDING.value,
            created_at=now,
            updated_at=now,
        )
        session.add(delivery)
        session.flush()
        assert delivery.id is not None
        work.copies.append(PlannedCopy(delivery.id, member_id, chat_id))


def _notify(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    already = set(
        session.exec(select(AlertDelivery.member_id).where(AlertDelivery.alert_id == alert.id))
    )
    reached = TARGETS[Target(step.target)](session, alert, now)
    fresh = [(m, c) for m, c in reached if m not in already]
    _write_copies(session, alert, step, fresh, work, now)
    alert.step_reached = step.number
    if step.number > 0:
        alert.state = AlertState.ESCALATED.value
    alert.version += 1
    session.add(alert)
    audit.append(
        session,
        actor="bot",
        action="alert.escalated" if step.number else "alert.notified",
        obj=_obj(alert.id),
        payload={
            "step": step.number,
            "target": step.target,
            "members": [m for m, _ in fresh],
            "already_held": sorted({m for m, _ in reached} & already),
        },
        at=now,
    )


def _remind(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    deadline = session.exec(
        select(EscalationStep.due_at).where(
            EscalationStep.alert_id == alert.id,
            col(EscalationStep.action).in_([Action.NO_RESPONSE.value, Action.EXPIRE.value]),
        )
    ).first()
    work.deadline = as_utc(deadline) if deadline else None
    holders = _holders(session, alert, now)
    _write_copies(session, alert, step, holders, work, now)
    alert.step_reached = step.number
    alert.state = AlertState.ESCALATED.value
    alert.version += 1
    session.add(alert)
    audit.append(
        session,
        actor="bot",
        action="alert.reminded",
        obj=_obj(alert.id),
        payload={"step": step.number, "members": [m for m, _ in holders]},
        at=now,
    )


def _no_response(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    request_id = int(alert.subject.split(":")[1])
    recorded = assistance.record_no_response(session, request_id, now=now)
    if recorded is not None:
        work.no_response_request = request_id
    _finish(session, alert, "no response by the deadline", now)
    work.settled = True


def _expire(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    _finish(session, alert, "expired unacknowledged", now)
    work.settled = True


def _finish(session: Session, alert: Alert, outcome: str, now: datetime) -> None:
    if AlertState(alert.state).is_active:
        alert.state = AlertState.EXPIRED.value
        alert.outcome = outcome
    alert.resolved_at = now
    alert.version += 1
    session.add(alert)
    _cancel_steps(session, alert, only_stopping=False)
    _reopen_copies(session, alert)
    audit.append(
        session,
        actor="bot",
        action="alert.expired",
        obj=_obj(alert.id),
        payload={"outcome": outcome, "state": alert.state},
        at=now,
    )


STEP_ACTIONS: Mapping[
    Action, Callable[[Session, Alert, EscalationStep, StepWork, datetime], None]
] = {
    Action.NOTIFY: _notify,
    Action.REMIND: _remind,
    Action.NO_RESPONSE: _no_response,
    Action.EXPIRE: _expire,
}


# --- deliveries -------------------------------------------------------------------------


def describe_copy(session: Session, delivery_id: int, text: str, markup: list[Any]) -> None:
    """Keep what a copy says and which buttons it has (before it is sent)."""
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        return
    delivery.text = text[:4096]
    delivery.markup = markup
    session.add(delivery)


def record_delivery(
    session: Session,
    delivery_id: int,
    *,
    status: DeliveryStatus,
    message_id: int | None,
    attempts: int,
    error: str,
    now: datetime,
) -> AlertDelivery | None:
    """Write what became of one copy, and audit it."""
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        return None
    delivery.status = status.value
    delivery.message_id = message_id
    delivery.attempts += attempts
    delivery.last_error = error[:300]
    delivery.updated_at = now
    session.add(delivery)
    audit.append(
        session,
        actor="bot",
        action=f"alert.delivery_{status.value}",
        obj=_obj(delivery.alert_id),
        payload={
            "member": delivery.member_id,
            "step": delivery.step_number,
            "message_id": message_id,
            "attempts": attempts,
            "error": error[:300],
        },
        at=now,
    )
    return delivery


def hurry_if_unreached(session: Session, alert_id: int, *, now: datetime) -> ArmedStep | None:
    """Nobody holds a copy (blocked the bot, undeliverable, nobody to ask): bring the next
    notify step forward to now instead of waiting on people who cannot see the alert."""
    alert = get_alert(session, alert_id, lock=True)
    if not AlertState(alert.state).is_active:
        return None
    holding = session.exec(
        select(AlertDelivery.id).where(
            AlertDelivery.alert_id == alert_id,
            col(AlertDelivery.status).in_(
                [DeliveryStatus.SENT.value, DeliveryStatus.SENDING.value]
            ),
        )
    ).first()
    if holding is not None:
        return None
    step = session.exec(
        select(EscalationStep)
        .where(
            EscalationStep.alert_id == alert_id,
            EscalationStep.state == StepState.PENDING.value,
        )
        .order_by(col(EscalationStep.number))
    ).first()
    if step is None or step.action != Action.NOTIFY.value or as_utc(step.due_at) <= now:
        return None
    step.due_at = now
    step.version += 1
    session.add(step)
    audit.append(
        session,
        actor="bot",
        action="alert.skipped_ahead",
        obj=_obj(alert_id),
        payload={"step": step.number, "reason": "nobody could be reached"},
        at=now,
    )
    assert step.id is not None
    return ArmedStep(step.id, alert_id, step.number, step.version, now)


# --- acknowledging ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AckOutcome:
    alert_id: int
    newly: bool  # this press acknowledged it
    state: str
    by_name: str  # who acknowledged (or answered) it
    at: datetime | None
    is_drill: bool
    drill_id: int | None


def member_name(session: Session, member_id: int | None) -> str:
    if member_id is None:
        return "the unit"
    member = session.get(Member, member_id)
    return (member.display_name if member else "") or f"member #{member_id}"


def acknowledge(
    session: Session, identity: Identity, alert_id: int, *, now: datetime
) -> AckOutcome:
    """A recipient takes the alert: the escalation stops everywhere at once. A second press
    (by anyone) learns who took it first."""
    alert = get_alert(session, alert_id, lock=True)
    held = session.exec(
        select(AlertDelivery.id).where(
            AlertDelivery.alert_id == alert_id, AlertDelivery.member_id == identity.member_id
        )
    ).first()
    if held is None:
        raise NotAuthorised("This alert was not sent to you.")
    if alert.state == AlertState.EXPIRED.value:
        raise Conflict(f"This alert has ended: {alert.outcome or 'expired'}.")
    if alert.state == AlertState.ACKNOWLEDGED.value:
        return AckOutcome(
            alert_id,
            False,
            alert.state,
            member_name(session, alert.acknowledged_by_member_id),
            as_utc(alert.acknowledged_at) if alert.acknowledged_at else None,
            alert.is_drill,
            alert.drill_id,
        )
    taken = session.execute(
        update(Alert)
        .where(
            col(Alert.id) == alert_id,
            col(Alert.state).in_(ACTIVE_ALERT_STATES),
            col(Alert.version) == alert.version,
        )
        .values(
            state=AlertState.ACKNOWLEDGED.value,
            acknowledged_at=now,
            acknowledged_by_member_id=identity.member_id,
            version=alert.version + 1,
        )
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The alert changed at this very moment; press Acknowledge again.")
    session.refresh(alert)
    _cancel_steps(session, alert, only_stopping=True)
    seconds = (now - as_utc(alert.created_at)).total_seconds()
    audit.append(
        session,
        actor=identity.actor,
        action="alert.acknowledged",
        obj=_obj(alert_id),
        payload={
            "seconds": round(seconds, 3),
            "step": alert.step_reached,
            "drill": alert.drill_id,
        },
        at=now,
    )
    return AckOutcome(
        alert_id,
        True,
        alert.state,
        member_name(session, identity.member_id),
        now,
        alert.is_drill,
        alert.drill_id,
    )


# --- copies of settled alerts, and recovery after a restart -----------------------------


@dataclass(frozen=True, slots=True)
class CopyToClose:
    """A delivered copy of an alert that no longer waits: edit it to say so."""

    delivery_id: int
    alert_id: int
    chat_id: int
    message_id: int
    text: str
    markup: list[Any]
    state: str
    outcome: str
    by_name: str
    at: datetime | None
    skip_edit: bool  # the reporter's own copy of an order: the report already edited it


def copies_to_close(session: Session, alert_ids: Sequence[int] | None = None) -> list[CopyToClose]:
    """Sent copies of settled alerts that still show an Acknowledge button."""
    query = (
        select(AlertDelivery, Alert)
        .join(Alert, col(Alert.id) == col(AlertDelivery.alert_id))
        .where(
            AlertDelivery.status == DeliveryStatus.SENT.value,
            col(AlertDelivery.copy_closed).is_(False),
            col(Alert.state).not_in(ACTIVE_ALERT_STATES),
        )
    )
    if alert_ids is not None:
        query = query.where(col(Alert.id).in_(list(alert_ids)))
    names: dict[int | None, str] = {}
    copies = []
    for delivery, alert in session.exec(query.order_by(col(AlertDelivery.id))).all():
        if delivery.message_id is None or delivery.id is None or alert.id is None:
            continue
        who = alert.acknowledged_by_member_id
        is_order = alert.kind == AlertKind.ORDER.value
        if who not in names:
            names[who] = member_name(session, who)
        copies.append(
            CopyToClose(
                delivery.id,
                alert.id,
                delivery.chat_id,
                delivery.message_id,
                delivery.text,
                list(delivery.markup),
                alert.state,
                alert.outcome,
                names[who],
                as_utc(alert.acknowledged_at) if alert.acknowledged_at else None,
                skip_edit=is_order
                and alert.resolved_at is not None
                and alert.outcome.startswith("reported")
                and delivery.member_id == who,
            )
        )
    return copies


def mark_copies_closed(session: Session, delivery_ids: Sequence[int]) -> None:
    if delivery_ids:
        session.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id).in_(list(delivery_ids)))
            .values(copy_closed=True)
        )


@dataclass(frozen=True, slots=True)
class InFlight:
    """A copy that was being sent when the process stopped."""

    delivery_id: int
    alert_id: int
    chat_id: int
    text: str
    markup: list[Any]


def in_flight_at_start(session: Session, *, now: datetime) -> list[InFlight]:
    """``sending`` rows left by a crash: those of alerts still waiting are returned to be sent
    again (at least once); those of settled alerts are abandoned (never re-sent)."""
    rows = session.exec(
        select(AlertDelivery, Alert)
        .join(Alert, col(Alert.id) == col(AlertDelivery.alert_id))
        .where(AlertDelivery.status == DeliveryStatus.SENDING.value)
        .order_by(col(AlertDelivery.id))
    ).all()
    again = []
    for delivery, alert in rows:
        assert delivery.id is not None
        if AlertState(alert.state).is_active and delivery.text:
            again.append(
                InFlight(
                    delivery.id,
                    delivery.alert_id,
                    delivery.chat_id,
                    delivery.text,
                    list(delivery.markup),
                )
            )
            continue
        delivery.status = DeliveryStatus.ABANDONED.value
        delivery.updated_at = now
        session.add(delivery)
        audit.append(
            session,
            actor="bot",
            action="alert.delivery_abandoned",
            obj=_obj(delivery.alert_id),
            payload={
                "member": delivery.member_id,
                "step": delivery.step_number,
                "reason": f"in flight at a restart; alert {alert.state}",
            },
            at=now,
        )
    return again


def commanders_to_tell(session: Session, alert_id: int, blocked_member: int) -> list[int]:
    """Telegram ids of the commanders to tell that a member of their unit blocked the bot."""
    alert = get_alert(session, alert_id)
    if alert.unit_id is None:
        return []
    return [
        chat
        for member, chat in members_with(session, Role.COMMANDER, unit_id=alert.unit_id)
        if member != blocked_member
    ]


def addressed_count(session: Session, alert_ids: Sequence[int]) -> int:
    """How many copies of these alerts were addressed to members (whatever became of them)."""
    rows = session.exec(
        select(AlertDelivery.id).where(col(AlertDelivery.alert_id).in_(list(alert_ids)))
    ).all()
    return len(rows)


def delivery_member(session: Session, delivery_id: int) -> int:
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"There is no delivery #{delivery_id}.")
    return delivery.member_id
