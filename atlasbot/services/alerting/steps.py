"""Running one escalation step (ARCHITECTURE.md, "Timers that survive a restart").

A job that wakes up for a step takes it with a guarded ``UPDATE ... WHERE state='pending'
AND version=?``: a second run, a stale job or a job that lost a race to an acknowledgement
changes nothing. The copies it decides are written ``sending`` in the same transaction, with
their text and their buttons' tokens, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import Action, AlertKind, Target
from atlasbot.services import crisis_records
from atlasbot.services.alerting.deliveries import (
    CopyToSend,
    describe_copy,
    hurry_if_unreached,
    stored_rows,
)
from atlasbot.services.alerting.raising import (
    ArmedStep,
    alert_buttons,
    alert_object,
    alert_text,
    get_alert,
    next_step,
)
from atlasbot.services.alerting.recipients import TARGETS, Recipient, holders
from atlasbot.services.alerting.settling import SETTLED_CHECKS, finish, settle
from atlasbot.services.outbox import Message, Venue, issue_keyboard
from atlasbot.services.readers import reading
from atlasbot.services.zones import zones_of
from atlasbot.storage import audit
from atlasbot.storage.models import (
    Alert,
    AlertDelivery,
    AlertState,
    Crisis,
    DeliveryStatus,
    EscalationStep,
    StepState,
)
from atlasbot.texts import alerts as texts
from atlasbot.texts import crisis as crisis_texts


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
    ran_out: bool = False  # the chain ran out unacknowledged (an order, a counter-proposal)
    deadline: datetime | None = None  # the answer deadline, for a reminder
    next_step: ArmedStep | None = None  # what to arm once this step's copies are out
    lateness_s: float = 0.0  # how long after its due time the step was taken
    reached_before: bool = True  # False: no earlier step reached anyone (nobody enrolled)


@dataclass(frozen=True, slots=True)
class StepDecision:
    """A step taken: what it decided, and its copies with their text and tokens."""

    work: StepWork
    copies: tuple[CopyToSend, ...]


def run_step(
    session: Session, step_id: int, version: int, *, now: datetime, tz: ZoneInfo
) -> StepDecision | None:
    """Take one step if it is still pending at ``version`` and compose its copies (each
    recipient's buttons issued to them); None when the step is stale or already run."""
    work = take_step(session, step_id, version, now=now)
    if work is None:
        return None
    alert = work.alert
    assert alert.id is not None
    # Each recipient reads the deadline in their own zone (``tz`` is for those with none),
    # and the alert in their own language.
    zones = zones_of(session, (planned.member_id for planned in work.copies), fallback=tz)
    pin = order_pin(session, alert)
    copies = []
    for planned in work.copies:
        with reading(session, planned.chat_id) as language:
            text = texts.copy_text(
                alert_text(alert, language),
                is_drill=alert.is_drill,
                number=work.number,
                action=work.action,
                deadline=work.deadline,
                tz=zones[planned.member_id],
                reached_before=work.reached_before,
            )
            buttons = alert_buttons(alert, language)
        keyboard = issue_keyboard(session, planned.member_id, buttons, now=now)
        describe_copy(session, planned.delivery_id, text, stored_rows(keyboard))
        message = Message(
            planned.chat_id, text, keyboard, purpose=alert_object(alert.id), venue=pin
        )
        copies.append(CopyToSend(planned.delivery_id, alert.id, planned.member_id, message))
    return StepDecision(work, tuple(copies))


def order_pin(session: Session, alert: Alert) -> Venue | None:
    """A mobilisation order's place as a map pin after its text (None for other alerts)."""
    if alert.kind != AlertKind.ORDER.value or alert.crisis_id is None:
        return None
    crisis = session.get(Crisis, alert.crisis_id)
    if crisis is None:
        return None
    return Venue(crisis.lat, crisis.lon, crisis.place, crisis_texts.crisis_title(crisis))


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
    work.lateness_s = max(0.0, (as_utc(now) - as_utc(step.due_at)).total_seconds())
    if alert.resolved_at is not None or (
        step.stops_on_ack and not AlertState(alert.state).is_active
    ):
        return work
    settled = SETTLED_CHECKS[AlertKind(alert.kind)](session, alert)
    if settled is not None:
        settle(session, alert, settled, now)
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
    work.reached_before = bool(already)
    _write_copies(session, alert, step, fresh, work, now)
    if alert.kind == AlertKind.REQUEST.value:
        # A request states its deadline, each reader in their own zone (R5, issue 11).
        work.deadline = _answer_deadline(session, alert)
    alert.step_reached = step.number
    if step.number > 0:
        alert.state = AlertState.ESCALATED.value
    alert.version += 1
    session.add(alert)
    audit.append(
        session,
        actor="bot",
        action="alert.escalated" if step.number else "alert.notified",
        obj=alert_object(alert.id),
        payload={
            "step": step.number,
            "target": step.target,
            "members": [m for m, _ in fresh],
            "already_held": sorted({m for m, _ in reached} & already),
        },
        at=now,
    )


def _answer_deadline(session: Session, alert: Alert) -> datetime | None:
    deadline = session.exec(
        select(EscalationStep.due_at).where(
            EscalationStep.alert_id == alert.id,
            col(EscalationStep.action).in_([Action.NO_RESPONSE.value, Action.EXPIRE.value]),
        )
    ).first()
    return as_utc(deadline) if deadline else None


def _remind(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    work.deadline = _answer_deadline(session, alert)
    reached = holders(session, alert, now)
    _write_copies(session, alert, step, reached, work, now)
    alert.step_reached = step.number
    alert.state = AlertState.ESCALATED.value
    alert.version += 1
    session.add(alert)
    audit.append(
        session,
        actor="bot",
        action="alert.reminded",
        obj=alert_object(alert.id),
        payload={"step": step.number, "members": [m for m, _ in reached]},
        at=now,
    )


def _no_response(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    request_id = int(alert.subject.split(":")[1])
    recorded = crisis_records.record_no_response(session, request_id, now=now)
    if recorded is not None:
        work.no_response_request = request_id
    finish(session, alert, "no response by the deadline", now)
    work.settled = True


def _expire(
    session: Session, alert: Alert, step: EscalationStep, work: StepWork, now: datetime
) -> None:
    # An alert acknowledged but not acted on has no expiry step left (it stops on ack).
    work.ran_out = AlertState(alert.state).is_active
    finish(session, alert, "expired unacknowledged", now)
    work.settled = True


STEP_ACTIONS: Mapping[
    Action, Callable[[Session, Alert, EscalationStep, StepWork, datetime], None]
] = {
    Action.NOTIFY: _notify,
    Action.REMIND: _remind,
    Action.NO_RESPONSE: _no_response,
    Action.EXPIRE: _expire,
}
