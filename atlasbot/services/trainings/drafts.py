"""A coordinator's draft plan: made from an events file or by the event wizard, shown,
and discarded. A draft is private to its coordinator until it is published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.services.outbox import Button, Keyboard, issue_keyboard
from atlasbot.services.trainings import records
from atlasbot.services.trainings.uploads import EventsRead
from atlasbot.services.trainings.work import (
    Outcome,
    Pressed,
    Shown,
    Work,
    reply,
    require_coordinator,
)
from atlasbot.storage import audit
from atlasbot.storage.models import CapabilityRow, PlanStatus, TrainingPlan, UnitRow
from atlasbot.texts import training as texts
from atlasbot.texts import training_drafts as draft_texts
from atlasbot.texts import uploads as upload_texts
from atlasbot.training.events_file import DateRange

DEFAULT_DRAFT_HORIZON_DAYS = 365
# The name of an events file sent without one.
DEFAULT_EVENTS_FILENAME = "events.yaml"


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as the wizard collects it: kind, title, capability, units, length, window."""

    kind: str
    title: str
    capability: str | None
    participants: tuple[str, ...]
    duration_days: int
    window: DateRange | None
    virtual: bool
    host: str | None = None  # chosen by the coordinator; None: the planner chooses

    def as_mapping(self) -> dict[str, Any]:
        """The event as an events-file mapping (its id is the kind, made unique when added)."""
        event: dict[str, Any] = {
            "id": self.kind,
            "kind": self.kind,
            "title": self.title,
            "duration_days": self.duration_days,
            "participants": list(self.participants),
        }
        if self.capability:
            event["capability"] = self.capability
        if self.window is not None:
            event["window"] = {
                "start": self.window.start.isoformat(),
                "end": self.window.end.isoformat(),
            }
        if self.virtual:
            event["virtual"] = True
        elif self.host:
            event["host"] = self.host
        return event


def plan_rows(plan_id: int | None, *, solved: bool = False) -> list[list[Button]]:
    """What a coordinator can do with their draft: add, solve, publish once solved, discard."""
    rows = [[Button(_("➕ Add an event"), "train.add")]]
    if plan_id is not None:
        payload = {"plan": plan_id}
        rows.insert(0, [Button(_("▶ Run the planner"), "train.solve", payload)])
        rows.append([Button(_("✂ Remove an event…"), "train.remove_list", payload)])
        rows.append([Button(draft_texts.blackout_button(), "train.blackout", payload)])
        rows.append(
            [Button(_("🗑 Discard this draft…"), "train.discard", payload, single_use=True)]
        )
        if solved:
            rows.insert(0, [Button(_("📣 Publish…"), "train.publish", payload)])
    return rows


def plan_keyboard(
    work: Work, member_id: int, plan_id: int | None, *, solved: bool = False
) -> Keyboard:
    """The draft's buttons, their tokens issued to the coordinator."""
    return issue_keyboard(work.session, member_id, plan_rows(plan_id, solved=solved), now=work.now)


def require_own_draft(identity: Identity, plan: TrainingPlan) -> None:
    """A coordinator changes only their own plan, and only while it is a draft."""
    require_coordinator(identity)
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict(
            _("Plan #{plan} is {status}, not a draft any more.", plan=plan.id, status=plan.status)
        )
    if plan.coordinator_member_id != identity.member_id:
        raise NotAuthorised(_("Plan #{plan} is another coordinator's draft.", plan=plan.id))


def overview(work: Work, identity: Identity) -> Outcome:
    """/plan_trainings: the coordinator's draft and what can be done with it."""
    require_coordinator(identity)
    draft = records.draft_of(work.session, identity.member_id)
    if draft is None or draft.id is None:
        return reply(texts.no_draft(), plan_keyboard(work, identity.member_id, None))
    solved = draft.schedule is not None
    text = texts.draft_summary(draft.id, draft.source_name, draft.events, solved)
    return reply(text, plan_keyboard(work, identity.member_id, draft.id, solved=solved))


# --- the events file ----------------------------------------------------------------------


def check_upload(identity: Identity) -> None:
    """Before the file is fetched: only coordinators upload events files."""
    require_coordinator(identity)


def _discard_drafts(
    session: Session, member_id: int, now: dt.datetime, *, status: PlanStatus = PlanStatus.DRAFT
) -> None:
    for old in session.exec(
        select(TrainingPlan).where(
            TrainingPlan.coordinator_member_id == member_id,
            TrainingPlan.status == status.value,
        )
    ):
        old.status = PlanStatus.DISCARDED.value
        old.updated_at = now
        session.add(old)


def upload_events(
    session: Session, identity: Identity, *, text: str, filename: str, now: dt.datetime
) -> TrainingPlan:
    """A coordinator's events file becomes their draft plan (replacing an older draft);
    a bad file is refused with every problem listed, and nothing is stored."""
    require_coordinator(identity)
    source = filename or _("events file")
    plan = records.parse_events_text(text, source, registry.load_network(session))
    return _store_draft(session, identity, text, records.plan_to_mapping(plan), source, now)


def _store_draft(
    session: Session,
    identity: Identity,
    text: str,
    events: dict[str, Any],
    source: str,
    now: dt.datetime,
    *,
    pending: bool = False,
) -> TrainingPlan:
    """The file as the new draft (older drafts discarded), or with ``pending`` as an upload
    waiting for the coordinator to say it replaces the draft they have."""
    if pending:
        _discard_drafts(session, identity.member_id, now, status=PlanStatus.PENDING)
    else:
        _discard_drafts(session, identity.member_id, now)
    row = TrainingPlan(
        status=(PlanStatus.PENDING if pending else PlanStatus.DRAFT).value,
        coordinator_member_id=identity.member_id,
        source_name=source[:200],
        source_text=text,
        events=events,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_uploaded",
        obj=f"training_plan:{row.id}",
        payload={
            "file": source,
            "events": len(events["events"]),
            "blackouts": len(events["blackouts"]),
            "pending": pending,
        },
        at=now,
    )
    return row


def store_events_file(work: Work, identity: Identity, read: EventsRead, filename: str) -> Outcome:
    """An events file sent as a document, read in the upload worker (``uploads``): kept as
    the coordinator's draft, with the keys that were ignored shown beside the summary. When
    they have a draft with events already, the file waits for them to say it replaces it."""
    require_coordinator(identity)
    existing = records.draft_of(work.session, identity.member_id)
    pending = existing is not None and bool(existing.events.get("events"))
    plan = _store_draft(
        work.session, identity, read.text, read.events, filename, work.now, pending=pending
    )
    assert plan.id is not None
    summary = texts.draft_summary(plan.id, plan.source_name, plan.events, False)
    ask = ""
    if existing is not None and existing.id is not None and pending:
        ask = draft_texts.replace_question(existing.id, len(existing.events["events"]), filename)
    shown = "\n\n".join(
        part
        for part in (texts.file_valid(filename, summary), upload_texts.ignored(read.ignored), ask)
        if part
    )
    if ask:
        payload = {"plan": plan.id}
        rows = [
            [Button(draft_texts.replace_button(), "train.replace", payload, single_use=True)],
            [Button(draft_texts.keep_button(), "train.keep_draft", payload, single_use=True)],
        ]
        return reply(shown, issue_keyboard(work.session, identity.member_id, rows, now=work.now))
    return reply(shown, plan_keyboard(work, identity.member_id, plan.id))


# --- events added one by one --------------------------------------------------------------


def _new_draft(
    session: Session, identity: Identity, *, today: dt.date, now: dt.datetime, source: str
) -> TrainingPlan:
    start = today + dt.timedelta(days=1)
    end = today + dt.timedelta(days=DEFAULT_DRAFT_HORIZON_DAYS)
    row = TrainingPlan(
        coordinator_member_id=identity.member_id,
        source_name=source,
        events={"horizon": {"start": start.isoformat(), "end": end.isoformat()}, "events": []},
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _free_id(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def _merged(
    mapping: Mapping[str, Any],
    new_events: Sequence[Mapping[str, Any]],
    horizon_end: dt.date | None,
) -> tuple[dict[str, Any], list[str]]:
    """The draft's mapping with the events added under free ids, its horizon widened to
    hold their windows; and the ids they got."""
    merged = dict(mapping)
    events = [dict(e) for e in merged.get("events", [])]
    taken = {str(e.get("id")) for e in events}
    start = dt.date.fromisoformat(merged["horizon"]["start"])
    end = dt.date.fromisoformat(merged["horizon"]["end"])
    if horizon_end is not None:
        end = max(end, horizon_end)
    ids = []
    for event in new_events:
        item = dict(event)
        item["id"] = _free_id(str(item.get("id") or item.get("kind") or "event"), taken)
        taken.add(item["id"])
        ids.append(item["id"])
        window = item.get("window")
        if isinstance(window, Mapping):
            start = min(start, dt.date.fromisoformat(str(window["start"])))
            end = max(end, dt.date.fromisoformat(str(window["end"])))
        events.append(item)
    merged["horizon"] = {"start": start.isoformat(), "end": end.isoformat()}
    merged["events"] = events
    return merged, ids


def merge_into_draft(
    session: Session,
    identity: Identity,
    new_events: Sequence[Mapping[str, Any]],
    *,
    today: dt.date,
    now: dt.datetime,
    source: str,
    horizon_end: dt.date | None = None,
) -> tuple[TrainingPlan, list[str]]:
    """Add events to the coordinator's draft (made when there is none), widening its horizon
    to hold their windows; returns the draft and the ids the events got."""
    require_coordinator(identity)
    row = records.draft_of(session, identity.member_id) or _new_draft(
        session, identity, today=today, now=now, source=source
    )
    mapping, ids = _merged(row.events, new_events, horizon_end)
    network = registry.load_network(session)
    plan = records.validated(mapping, _("draft plan #{plan}", plan=row.id), network)
    row.events = records.plan_to_mapping(plan)
    row.schedule = None  # the last solve no longer matches the events
    row.updated_at = now
    row.version += 1
    session.add(row)
    session.flush()
    return row, ids


def add_event(
    session: Session,
    identity: Identity,
    event: Mapping[str, Any],
    *,
    today: dt.date,
    now: dt.datetime,
) -> tuple[TrainingPlan, str]:
    """Add one event (an events-file mapping, as the wizard builds it) to the draft plan."""
    row, ids = merge_into_draft(session, identity, [event], today=today, now=now, source="wizard")
    audit.append(
        session,
        actor=identity.actor,
        action="training.event_added",
        obj=f"training_plan:{row.id}",
        payload={"event": ids[0], "title": event.get("title"), "kind": event.get("kind")},
        at=now,
    )
    return row, ids[0]


def add_wizard_event(work: Work, identity: Identity, event: NewEvent) -> Outcome:
    """The event wizard's last step: the event joins the coordinator's draft."""
    plan, event_id = add_event(
        work.session, identity, event.as_mapping(), today=work.today, now=work.now
    )
    assert plan.id is not None
    text = texts.event_added(event_id, plan.id, len(plan.events["events"]))
    return reply(text, plan_keyboard(work, identity.member_id, plan.id))


def begin_event(work: Work, pressed: Pressed) -> Identity:
    """ "Add an event" pressed: the coordinator may open the event wizard."""
    identity = work.redeem(pressed).identity
    require_coordinator(identity)
    return identity


def wizard_units(work: Work, identity: Identity) -> list[str]:
    """The units a coordinator may choose from in a wizard."""
    require_coordinator(identity)
    return list(work.session.exec(select(UnitRow.id).order_by(col(UnitRow.id))))


def wizard_capabilities(work: Work, identity: Identity) -> list[tuple[str, str]]:
    """(code, name) of every capability, for the event wizard."""
    require_coordinator(identity)
    rows = work.session.exec(select(CapabilityRow).order_by(col(CapabilityRow.code)))
    return [(row.code, _(row.name)) for row in rows]


# --- discarding ----------------------------------------------------------------------------


def discard_draft(session: Session, identity: Identity, plan_id: int, *, now: dt.datetime) -> None:
    """Drop a draft plan (nothing was ever sent from it)."""
    row = records.get_plan(session, plan_id, lock=True)
    require_own_draft(identity, row)
    row.status = PlanStatus.DISCARDED.value
    row.updated_at = now
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_discarded",
        obj=f"training_plan:{plan_id}",
        at=now,
    )


def discard(work: Work, pressed: Pressed) -> Outcome:
    """ "Discard this draft" pressed."""
    press = work.redeem(pressed)
    plan_id = int(press.payload["plan"])
    discard_draft(work.session, press.identity, plan_id, now=work.now)
    return reply(texts.draft_discarded(plan_id), shown=Shown.REPLACE)
