"""A commander answers an invitation for their unit; "can't attend" offers the coordinators
a re-plan."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.trainings import audience, records
from atlasbot.services.trainings.work import Outcome, Pressed, Reply, Shown, Work
from atlasbot.storage import audit
from atlasbot.storage.models import RsvpAnswer, TrainingEvent, TrainingEventStatus, TrainingRsvp
from atlasbot.texts import training as texts


def _check_answerable(
    identity: Identity, event: TrainingEvent, unit_id: str, today: dt.date
) -> None:
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(_("Only the commander of {unit} answers for it.", unit=unit_id))
    if event.status != TrainingEventStatus.PUBLISHED.value:
        raise Conflict(_("{title} was cancelled; there is nothing to answer.", title=event.title))
    if unit_id not in event.participants:
        raise Conflict(
            _("{unit} is no longer a participant of {title}.", unit=unit_id, title=event.title)
        )
    if event.end < today:
        raise Conflict(_("{title} is over.", title=event.title))


def answer_invitation(
    session: Session,
    identity: Identity,
    event_id: int,
    unit_id: str,
    answer: RsvpAnswer,
    *,
    now: dt.datetime,
) -> tuple[TrainingEvent, str | None]:
    """A commander answers for their unit: attend, can't attend, or tentative; returns the
    event and the unit's previous answer."""
    event = records.get_event(session, event_id, lock=True)
    _check_answerable(identity, event, unit_id, now.date())
    rsvp = session.exec(
        select(TrainingRsvp).where(
            TrainingRsvp.event_id == event_id, TrainingRsvp.unit_id == unit_id
        )
    ).first()
    previous = rsvp.answer if rsvp else None
    if rsvp is None:
        rsvp = TrainingRsvp(
            event_id=event_id,
            unit_id=unit_id,
            answer=answer.value,
            member_id=identity.member_id,
            answered_at=now,
        )
    else:
        rsvp.answer, rsvp.member_id, rsvp.answered_at = answer.value, identity.member_id, now
    session.add(rsvp)
    audit.append(
        session,
        actor=identity.actor,
        action="training.rsvp",
        obj=f"training_event:{event_id}",
        payload={"unit": unit_id, "answer": answer.value, "previous": previous},
        at=now,
    )
    return event, previous


def _cant_attend_alerts(work: Work, event: TrainingEvent, unit_id: str) -> list[Message]:
    """Every coordinator hears that a unit can't attend, with a button to re-plan."""
    assert event.id is not None
    network = registry.load_network(work.session)
    text = texts.cant_attend(records.as_scheduled(event), unit_id, network)
    button = Button(
        texts.replan_button(unit_id), "train.replan", {"event": event.id, "unit": unit_id}
    )
    return [
        Message(
            chat_id,
            text,
            issue_keyboard(work.session, member_id, [[button]], now=work.now),
            f"cant_attend:{event.id}",
        )
        for member_id, chat_id in audience.coordinator_recipients(work.session)
    ]


def answer(work: Work, pressed: Pressed, invitation_text: str) -> Outcome:
    """An answer button pressed: record it below the invitation (whose buttons stay, so the
    answer can change); a new "can't attend" alerts the coordinators."""
    press = work.redeem(pressed)
    unit_id = str(press.payload["unit"])
    given = RsvpAnswer(str(press.payload["answer"]))
    event, previous = answer_invitation(
        work.session, press.identity, int(press.payload["event"]), unit_id, given, now=work.now
    )
    alerts = []
    if given is RsvpAnswer.DECLINE and previous != given.value:
        alerts = _cant_attend_alerts(work, event, unit_id)
    return Outcome(
        replies=(Reply(texts.answered(invitation_text, unit_id, given.value)),),
        shown=Shown.KEEP_BUTTONS,
        notice=texts.answer_recorded(unit_id, given.value),
        messages=tuple(alerts),
    )
