"""Publishing a solved draft: its events go into the units' calendars, their commanders get
invitations to answer, and reminders are placed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.trainings import digests, drafts, records
from atlasbot.services.trainings.reminders import ReminderPolicy, ReminderTimer, set_reminders
from atlasbot.services.trainings.work import (
    Outcome,
    Pressed,
    Reply,
    Shown,
    Work,
    reply,
    require_coordinator,
)
from atlasbot.storage import audit
from atlasbot.storage.models import PlanStatus
from atlasbot.texts import training as texts
from atlasbot.texts import training_digest as digest_texts


@dataclass(frozen=True, slots=True)
class Publication:
    """Published events (ids) and the reminder timers to arm."""

    plan_id: int
    event_ids: tuple[int, ...]
    timers: tuple[ReminderTimer, ...]


def ask_to_publish(work: Work, pressed: Pressed) -> Outcome:
    """ "Publish…" pressed: ask for confirmation (a single-use button)."""
    press = work.redeem(pressed)
    plan = records.get_plan(work.session, int(press.payload["plan"]))
    require_coordinator(press.identity)
    if plan.schedule is None or plan.id is None:
        raise Conflict(_("Run the planner before publishing."))
    events = plan.schedule["events"]
    units = {u for e in events for u in e["participants"]}
    button = Button(
        _("✅ Confirm: publish and invite"),
        "train.publish_ok",
        {"plan": plan.id, "version": plan.version},
        single_use=True,
    )
    keyboard = issue_keyboard(work.session, press.identity.member_id, [[button]], now=work.now)
    return reply(texts.publish_question(plan.id, len(events), len(units)), keyboard)


def publish(
    session: Session,
    identity: Identity,
    plan_id: int,
    plan_version: int,
    *,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> Publication:
    """Publish a solved draft: its placed events go into members' calendars, with reminders."""
    row = records.get_plan(session, plan_id, lock=True)
    drafts.require_own_draft(identity, row)
    if row.version != plan_version:
        raise Conflict(_("The draft changed since this preview; run the planner again."))
    if row.schedule is None or row.schedule.get("plan_version") != row.version:
        raise Conflict(_("Run the planner before publishing."))
    result = records.schedule_from_json(row.schedule)
    if not result.events:
        raise Conflict(_("No event could be placed, so there is nothing to publish."))
    ids: list[int] = []
    timers: list[ReminderTimer] = []
    for placed in result.events:
        event = records.new_event(plan_id, placed, now)
        session.add(event)
        session.flush()
        assert event.id is not None
        ids.append(event.id)
        timers.extend(set_reminders(session, event, policy, now))
        audit.append(
            session,
            actor=identity.actor,
            action="training.event_published",
            obj=f"training_event:{event.id}",
            payload={
                "plan": plan_id,
                "event": placed.id,
                "start": placed.start.isoformat(),
                "end": placed.end.isoformat(),
                "host": placed.host,
                "participants": list(placed.participants),
            },
            at=now,
        )
    row.status = PlanStatus.PUBLISHED.value
    row.published_at = now
    row.updated_at = now
    row.version += 1
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_published",
        obj=f"training_plan:{plan_id}",
        payload={"events": len(ids), "unscheduled": [u.id for u in result.unscheduled]},
        at=now,
    )
    return Publication(plan_id, tuple(ids), tuple(timers))


def confirm_publication(work: Work, pressed: Pressed) -> Outcome:
    """ "Confirm: publish and invite" pressed: publish, invite, place the reminders."""
    press = work.redeem(pressed)
    publication = publish(
        work.session,
        press.identity,
        int(press.payload["plan"]),
        int(press.payload["version"]),
        policy=work.terms.policy,
        now=work.now,
    )
    network = registry.load_network(work.session)
    messages = digests.plan_digests(
        work.session, publication.plan_id, network, today=work.today, now=work.now
    )
    people = len({m.chat_id for m in messages})
    units = len(
        {u for e in records.events_of(work.session, publication.plan_id) for u in e.participants}
    )
    text = digest_texts.published(publication.plan_id, len(publication.event_ids), people, units)
    return Outcome(
        replies=(Reply(text),),
        shown=Shown.REPLACE,
        messages=tuple(messages),
        timers=publication.timers,
    )
