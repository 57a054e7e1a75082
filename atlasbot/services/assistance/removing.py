"""Leaving a unit out of the next plans, and putting it back (issue 11, point 4): the menu
lists only the units of the plans shown, and a removal can be undone until a plan is sent."""

from __future__ import annotations

from sqlmodel import Session

from atlasbot.services.assistance import planning
from atlasbot.services.assistance.outcome import Outcome, PlanTarget, PressInput
from atlasbot.services.assistance.records import requests_of, require_open, require_requester
from atlasbot.services.crisis_records import crisis_object, get_crisis
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.storage import audit
from atlasbot.texts import outcomes as texts


def removal_menu(session: Session, press: PressInput) -> Outcome:
    """The units of the plans shown (a button from before lists those that could help)."""
    pressed = press.redeem(session)
    listed = pressed.payload.get("units")
    if listed is None:
        return planning.removal_menu_of(session, pressed, press.now)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    require_requester(pressed.identity, crisis)
    rows = [
        [
            Button(
                texts.remove_label(str(unit_id), str(country)),
                "plan.remove",
                {"crisis": crisis.id, "unit": unit_id},
            )
        ]
        for unit_id, country in listed
    ]
    return Outcome(
        reply=texts.which_unit(),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
    )


def remove_unit(session: Session, press: PressInput) -> Outcome:
    """The requester leaves one unit out; the plans are made again; undo until sending."""
    pressed = press.redeem(session)
    crisis_id, unit_id = int(pressed.payload["crisis"]), str(pressed.payload["unit"])
    planning.remove_unit_from_planning(session, pressed.identity, crisis_id, unit_id)
    sent = len(requests_of(session, crisis_id))
    undo = Button(
        texts.restore_label(unit_id),
        "plan.restore",
        {"crisis": crisis_id, "unit": unit_id, "sent": sent},
        single_use=True,
    )
    return Outcome(
        reply=texts.removed(unit_id),
        keyboard=issue_keyboard(session, pressed.identity.member_id, [[undo]], now=press.now),
        plans=(PlanTarget(press.chat_id, pressed.identity.member_id, crisis_id),),
    )


def restore_unit(session: Session, press: PressInput) -> Outcome:
    """Put a removed unit back, as long as no plan was sent since it was removed."""
    pressed = press.redeem(session)
    crisis_id, unit_id = int(pressed.payload["crisis"]), str(pressed.payload["unit"])
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(pressed.identity, crisis)
    require_open(crisis)
    if len(requests_of(session, crisis_id)) != int(pressed.payload["sent"]):
        raise Conflict(texts.restore_too_late(unit_id))
    if unit_id in crisis.excluded_units:
        crisis.excluded_units = [u for u in crisis.excluded_units if u != unit_id]
        crisis.version += 1
        session.add(crisis)
        audit.append(
            session,
            actor=pressed.identity.actor,
            action="plan.unit_restored",
            obj=crisis_object(crisis_id),
            payload={"unit": unit_id},
            at=press.now,
        )
    return Outcome(
        reply=texts.restored(unit_id),
        plans=(PlanTarget(press.chat_id, pressed.identity.member_id, crisis_id),),
    )
