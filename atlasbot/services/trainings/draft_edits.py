"""Changing a coordinator's draft (issue 14.6): an uploaded file that replaces it only once
they say so, and one event removed. Each change is audited; the last solve is dropped, since
it no longer matches the events."""

from __future__ import annotations

from sqlmodel import Session

from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.trainings import drafts, records
from atlasbot.services.trainings.work import (
    Outcome,
    Pressed,
    Shown,
    Work,
    reply,
    require_coordinator,
)
from atlasbot.storage import audit
from atlasbot.storage.models import PlanStatus, TrainingPlan
from atlasbot.texts import training as texts
from atlasbot.texts import training_drafts as draft_texts
from atlasbot.training.events_file import DateRange


def _own_pending(session: Session, identity: Identity, plan_id: int) -> TrainingPlan:
    require_coordinator(identity)
    row = records.get_plan(session, plan_id, lock=True)
    if row.coordinator_member_id != identity.member_id:
        raise NotAuthorised(draft_texts.not_pending())
    if row.status != PlanStatus.PENDING.value:
        raise Conflict(draft_texts.not_pending())
    return row


def replace_draft(work: Work, pressed: Pressed) -> Outcome:
    """ "Replace my draft with this file" pressed: the file becomes the draft."""
    press = work.redeem(pressed)
    row = _own_pending(work.session, press.identity, int(press.payload["plan"]))
    old = records.draft_of(work.session, press.identity.member_id)
    if old is not None:
        drafts.discard_draft(work.session, press.identity, old.id or 0, now=work.now)
    row.status = PlanStatus.DRAFT.value
    row.updated_at = work.now
    work.session.add(row)
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.plan_replaced",
        obj=f"training_plan:{row.id}",
        payload={"replaced": old.id if old is not None else None},
        at=work.now,
    )
    assert row.id is not None
    summary = texts.draft_summary(row.id, row.source_name, row.events, False)
    keyboard = drafts.plan_keyboard(work, press.identity.member_id, row.id)
    shown = draft_texts.replaced(old.id if old is not None else None, summary)
    return reply(shown, keyboard, shown=Shown.REPLACE)


def keep_draft(work: Work, pressed: Pressed) -> Outcome:
    """ "Keep my draft" pressed: the uploaded file is dropped."""
    press = work.redeem(pressed)
    row = _own_pending(work.session, press.identity, int(press.payload["plan"]))
    row.status = PlanStatus.DISCARDED.value
    row.updated_at = work.now
    work.session.add(row)
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.upload_dropped",
        obj=f"training_plan:{row.id}",
        at=work.now,
    )
    draft = records.draft_of(work.session, press.identity.member_id)
    plan_id = draft.id if draft is not None else None
    keyboard = drafts.plan_keyboard(work, press.identity.member_id, plan_id)
    return reply(draft_texts.kept(row.source_name, plan_id), keyboard, shown=Shown.REPLACE)


def removal_list(work: Work, pressed: Pressed) -> Outcome:
    """ "Remove an event…" pressed: the draft's events, each a button."""
    press = work.redeem(pressed)
    row = records.get_plan(work.session, int(press.payload["plan"]))
    drafts.require_own_draft(press.identity, row)
    assert row.id is not None
    events = row.events.get("events", [])
    if not events:
        return reply(draft_texts.no_events_to_remove(row.id))
    rows = [
        [
            Button(
                draft_texts.remove_button(event),
                "train.remove",
                {"plan": row.id, "event": str(event["id"])},
                single_use=True,
            )
        ]
        for event in events
    ]
    keyboard = issue_keyboard(work.session, press.identity.member_id, rows, now=work.now)
    return reply(draft_texts.choose_event_to_remove(row.id), keyboard)


def remove_event(work: Work, pressed: Pressed) -> Outcome:
    """One event chosen: it leaves the draft (audited); the last solve is dropped."""
    press = work.redeem(pressed)
    row = records.get_plan(work.session, int(press.payload["plan"]), lock=True)
    drafts.require_own_draft(press.identity, row)
    event_id = str(press.payload["event"])
    events = [e for e in row.events.get("events", []) if str(e.get("id")) != event_id]
    if len(events) == len(row.events.get("events", [])):
        raise Conflict(draft_texts.no_such_event(event_id))
    row.events = {**row.events, "events": events}
    row.schedule = None
    row.version += 1
    row.updated_at = work.now
    work.session.add(row)
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.event_removed",
        obj=f"training_plan:{row.id}",
        payload={"event": event_id},
        at=work.now,
    )
    assert row.id is not None
    keyboard = drafts.plan_keyboard(work, press.identity.member_id, row.id)
    text = draft_texts.event_removed(event_id, row.id, len(events))
    return reply(text, keyboard, shown=Shown.REPLACE)


def add_blackout(work: Work, identity: Identity, unit_id: str, days: DateRange) -> Outcome:
    """The blackout wizard's last step: the unit cannot take part on those days (audited);
    the last solve is dropped."""
    require_coordinator(identity)
    row = records.draft_of(work.session, identity.member_id)
    if row is None or row.id is None:
        raise Conflict(texts.no_draft())
    drafts.require_own_draft(identity, row)
    blackout = {"unit": unit_id, "start": days.start.isoformat(), "end": days.end.isoformat()}
    mapping = {**row.events, "blackouts": [*row.events.get("blackouts", []), blackout]}
    if mapping.get("events"):
        network = registry.load_network(work.session)
        source = _("draft plan #{plan}", plan=row.id)
        mapping = records.plan_to_mapping(records.validated(mapping, source, network))
    row.events = mapping
    row.schedule = None
    row.version += 1
    row.updated_at = work.now
    work.session.add(row)
    audit.append(
        work.session,
        actor=identity.actor,
        action="training.blackout_added",
        obj=f"training_plan:{row.id}",
        payload=blackout,
        at=work.now,
    )
    text = draft_texts.blackout_added(unit_id, days.start, days.end, row.id)
    return reply(text, drafts.plan_keyboard(work, identity.member_id, row.id))
