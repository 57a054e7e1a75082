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
from atlasbot.services.trainings import audience, digests, records
from atlasbot.services.trainings.work import Outcome, Pressed, Reply, Shown, Work
from atlasbot.storage import audit
from atlasbot.storage.models import RsvpAnswer, TrainingEvent, TrainingEventStatus, TrainingRsvp
from atlasbot.texts import training as texts
from atlasbot.texts import training_digest as digest_texts


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
        rsvp.reason = None
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


def _cant_attend_alerts(
    work: Work, event: TrainingEvent, unit_id: str, reason: str
) -> list[Message]:
    """Every coordinator hears that a unit can't attend and why, with the options: look for a
    date that keeps it, keep the event without it, or re-plan the calendar without it."""
    assert event.id is not None
    network = registry.load_network(work.session)
    text = digest_texts.cant_attend(records.as_scheduled(event), unit_id, reason, network)
    payload = {"event": event.id, "unit": unit_id}
    rows = [
        [Button(digest_texts.keep_button(unit_id), "train.keep", payload)],
        [Button(digest_texts.drop_button(event.event_key, unit_id), "train.drop_ask", payload)],
        [Button(texts.replan_button(unit_id), "train.replan", payload)],
    ]
    return [
        Message(
            chat_id,
            text,
            issue_keyboard(work.session, member_id, rows, now=work.now),
            f"cant_attend:{event.id}",
        )
        for member_id, chat_id in audience.coordinator_recipients(work.session)
    ]


def _reason_question(work: Work, member_id: int, event: TrainingEvent, unit_id: str) -> Reply:
    """ "Why can't you attend?": one single-use button per reason."""
    rows = [
        [
            Button(
                digest_texts.reason_label(code),
                "train.reason",
                {"event": event.id, "unit": unit_id, "reason": code},
                single_use=True,
            )
        ]
        for code in digest_texts.REASONS
    ]
    keyboard = issue_keyboard(work.session, member_id, rows, now=work.now)
    return Reply(digest_texts.ask_reason(unit_id, event.title), keyboard)


def answer(work: Work, pressed: Pressed, invitation_text: str) -> Outcome:
    """An answer button pressed: the unit's answer (the latest wins) shows in every copy of its
    digest; a new "can't attend" asks why before the coordinators hear of it."""
    press = work.redeem(pressed)
    unit_id = str(press.payload["unit"])
    given = RsvpAnswer(str(press.payload["answer"]))
    event, previous = answer_invitation(
        work.session, press.identity, int(press.payload["event"]), unit_id, given, now=work.now
    )
    network = registry.load_network(work.session)
    edits = digests.digest_edits(
        work.session, event.plan_id, [unit_id], network, today=work.today, now=work.now
    )
    replies: list[Reply] = []
    shown = Shown.NEW
    in_digest = digests.is_digest_copy(
        work.session, press.identity.telegram_user_id, pressed.message_id
    )
    if not in_digest:
        replies.append(Reply(texts.answered(invitation_text, unit_id, given.value)))
        shown = Shown.KEEP_BUTTONS
    if given is RsvpAnswer.DECLINE and previous != given.value:
        replies.append(_reason_question(work, press.identity.member_id, event, unit_id))
    return Outcome(
        replies=tuple(replies),
        shown=shown,
        notice=digest_texts.answer_recorded(unit_id, event.title, given.value),
        edits=tuple(edits),
    )


def give_reason(work: Work, pressed: Pressed) -> Outcome:
    """A reason chosen for "can't attend": kept with the answer, shown in the digest copies,
    and the coordinators get the options that try to keep the unit first."""
    press = work.redeem(pressed)
    unit_id, code = str(press.payload["unit"]), str(press.payload["reason"])
    event = records.get_event(work.session, int(press.payload["event"]), lock=True)
    _check_answerable(press.identity, event, unit_id, work.today)
    rsvp = work.session.exec(
        select(TrainingRsvp).where(
            TrainingRsvp.event_id == event.id, TrainingRsvp.unit_id == unit_id
        )
    ).first()
    if rsvp is None or rsvp.answer != RsvpAnswer.DECLINE.value:
        raise Conflict(_("{unit} no longer says it can't attend.", unit=unit_id))
    rsvp.reason = code
    work.session.add(rsvp)
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.rsvp_reason",
        obj=f"training_event:{event.id}",
        payload={"unit": unit_id, "reason": code},
        at=work.now,
    )
    network = registry.load_network(work.session)
    edits = digests.digest_edits(
        work.session, event.plan_id, [unit_id], network, today=work.today, now=work.now
    )
    return Outcome(
        replies=(Reply(digest_texts.reason_given(unit_id, event.title, code)),),
        shown=Shown.REPLACE,
        messages=tuple(_cant_attend_alerts(work, event, unit_id, code)),
        edits=tuple(edits),
    )
