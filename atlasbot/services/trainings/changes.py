"""Changing one published event (issue 14): cancel it, move it (a new date or host), or keep it
without a unit that can't attend; each after a confirmation, with a notice to everyone
affected, the digests edited and a calendar update (.ics with SEQUENCE, STATUS:CANCELLED,
METHOD:CANCEL where the event or a unit's part in it ends). The coordinator finds another
date that keeps every participant with ``other_placement`` (off the event loop)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotFound
from atlasbot.services.outbox import Button, Keyboard, Message, issue_keyboard
from atlasbot.services.readers import reading, render_for
from atlasbot.services.trainings import audience, digests, records
from atlasbot.services.trainings.reminders import cancel_reminders, set_reminders
from atlasbot.services.trainings.replanning import published_schedule
from atlasbot.services.trainings.work import (
    Document,
    Outcome,
    Pressed,
    Reply,
    Shown,
    Work,
    reply,
    require_coordinator,
)
from atlasbot.storage import audit
from atlasbot.storage.models import TrainingEvent, TrainingEventStatus, TrainingRsvp
from atlasbot.texts import training as training_texts
from atlasbot.texts import training_digest as texts
from atlasbot.training.calendar import ScheduledEvent, ScheduleResult, travel_km
from atlasbot.training.events_file import EventsPlan
from atlasbot.training.ics import calendar_update
from atlasbot.training.replan import hosted_by, other_placement, placement_problems

UPDATE_FILENAME = "atlas-calendar-update.ics"
VIRTUAL = "virtual"
TRAVEL = "travel"  # the reason code for which hosting the event is the first thing to try


def find_event(session: Session, ref: str) -> TrainingEvent:
    """A published event by its number (#12 or 12) or its events-file id (the latest plan's)."""
    ref = ref.strip().lstrip("#")
    if ref.isdigit():
        return records.get_event(session, int(ref))
    found = session.exec(
        select(TrainingEvent)
        .where(TrainingEvent.event_key == ref)
        .order_by(col(TrainingEvent.plan_id).desc())
    ).first()
    if found is None:
        raise NotFound(_("There is no published event {key}.", key=ref))
    return found


def _open(event: TrainingEvent, today: dt.date) -> None:
    if event.status != TrainingEventStatus.PUBLISHED.value:
        raise Conflict(_("{title} was cancelled already.", title=event.title))
    if event.start <= today:
        raise Conflict(_("{title} has started or is over; it cannot change.", title=event.title))


def _placement(event: TrainingEvent | ScheduledEvent) -> str:
    return training_texts.placement(event.start, event.end, event.host)


# --- /event: the list, one event's card, typed changes ----------------------------------------


def event_command(work: Work, identity: Identity, args: Sequence[str]) -> Outcome:
    """/event, /event KEY, /event KEY cancel, /event KEY move YYYY-MM-DD [HOST]."""
    require_coordinator(identity)
    network = registry.load_network(work.session)
    if not args:
        upcoming = [
            (e.id or 0, records.as_scheduled(e))
            for e in records.published_events(work.session)
            if e.end >= work.today
        ]
        return reply(texts.event_list(upcoming, network) + "\n" + texts.event_usage())
    event = find_event(work.session, args[0])
    verb = args[1].lower() if len(args) > 1 else ""
    if verb == "cancel":
        return _cancel_question(work, identity.member_id, event)
    if verb == "title" and len(args) > 2:
        return _title_question(work, identity.member_id, event, " ".join(args[2:]))
    if verb == "move" and len(args) in (3, 4):
        start = _typed_date(args[2])
        host = args[3] if len(args) == 4 else event.host
        return _move_question(work, identity.member_id, event, start, host)
    if verb:
        raise InvalidInput(texts.event_usage())
    return _card(work, identity.member_id, event, network)


def _typed_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("'{text}' is not a date; write it as YYYY-MM-DD.", text=text)
        ) from None


def _card(work: Work, member_id: int, event: TrainingEvent, network: Network) -> Outcome:
    status = (
        _("published") if event.status == TrainingEventStatus.PUBLISHED.value else _("cancelled")
    )
    text = texts.event_card(records.as_scheduled(event), network, status)
    if event.status != TrainingEventStatus.PUBLISHED.value or event.start <= work.today:
        return reply(text)
    payload = {"event": event.id}
    rows = [
        [Button(texts.move_search_button(), "train.move_find", payload)],
        [Button(texts.cancel_button(), "train.cancel_ask", payload)],
    ]
    return reply(text, issue_keyboard(work.session, member_id, rows, now=work.now))


def ask_cancel(work: Work, pressed: Pressed) -> Outcome:
    """ "Cancel this event…" pressed: the confirmation."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    event = records.get_event(work.session, int(press.payload["event"]))
    return _cancel_question(work, press.identity.member_id, event)


def _cancel_question(work: Work, member_id: int, event: TrainingEvent) -> Outcome:
    _open(event, work.today)
    button = Button(
        texts.confirm_cancel_button(),
        "train.cancel_ok",
        {"event": event.id, "revision": event.revision},
        single_use=True,
    )
    keyboard = issue_keyboard(work.session, member_id, [[button]], now=work.now)
    question = texts.confirm_cancel_question(event.title, event.event_key, len(event.participants))
    return reply(question, keyboard)


def _check_move(
    session: Session, event: TrainingEvent, start: dt.date, host: str | None, today: dt.date
) -> ScheduledEvent:
    """The event at its new place, checked against every hard rule of the calendar (the other
    published events as they stand); InvalidInput lists what breaks."""
    _open(event, today)
    if start <= today:
        raise InvalidInput(_("The new start must be after today."))
    host = None if host in (None, VIRTUAL) else host
    if host is not None and host not in event.participants:
        raise InvalidInput(
            _(
                "The host must be one of the participants: {units}.",
                units=", ".join(event.participants),
            )
        )
    moved = replace(
        records.as_scheduled(event), start=start, end=start + (event.end - event.start), host=host
    )
    if (moved.start, moved.host) == (event.start, event.host):
        raise InvalidInput(_("That is where the event is already."))
    network = registry.load_network(session)
    plan, published = _published_plan(session, event, network)
    problems = placement_problems(network, plan, published, moved)
    if problems:
        listed = "\n".join(f"• {p}" for p in problems)
        raise InvalidInput(_("The event cannot go there:\n{problems}", problems=listed))
    return replace(moved, travel_km=travel_km(network, moved.host, moved.participants))


def _published_plan(
    session: Session, event: TrainingEvent, network: Network
) -> tuple[EventsPlan, ScheduleResult]:
    row = records.get_plan(session, event.plan_id)
    plan = records.stored_plan(row, network)
    return plan, published_schedule(records.published_events(session, plan_id=row.id), plan)


def _move_question(
    work: Work, member_id: int, event: TrainingEvent, start: dt.date, host: str | None
) -> Outcome:
    moved = _check_move(work.session, event, start, host, work.today)
    button = Button(
        texts.confirm_move_button(),
        "train.move_ok",
        {
            "event": event.id,
            "revision": event.revision,
            "start": moved.start.isoformat(),
            "host": moved.host,
        },
        single_use=True,
    )
    keyboard = issue_keyboard(work.session, member_id, [[button]], now=work.now)
    question = texts.confirm_move_question(
        event.title, event.event_key, _placement(event), _placement(moved)
    )
    return reply(question, keyboard)


# --- applying a change: the event, the answers, the reminders, the audit ---------------------


def _locked(work: Work, pressed: Pressed) -> tuple[Identity, TrainingEvent, dict[str, object]]:
    """Redeem a confirmation and lock its event; refused when the event changed since."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    event = records.get_event(work.session, int(press.payload["event"]), lock=True)
    _open(event, work.today)
    if event.revision != int(press.payload["revision"]):
        raise Conflict(
            _("{title} changed since this question; look at it again.", title=event.title)
        )
    return press.identity, event, dict(press.payload)


def _audit(
    work: Work, identity: Identity, event: TrainingEvent, action: str, **details: object
) -> None:
    audit.append(
        work.session,
        actor=identity.actor,
        action=action,
        obj=f"training_event:{event.id}",
        payload={"event": event.event_key, "revision": event.revision, **details},
        at=work.now,
    )


def _update_document(work: Work, event: TrainingEvent, method: str) -> Reply:
    network = registry.load_network(work.session)
    entry = records.calendar_entry(work.session, event)
    if method == "CANCEL":
        entry = replace(entry, cancelled=True)
    ics = calendar_update([entry], network, dtstamp=work.now, method=method)
    return Reply(texts.update_caption(), document=Document(UPDATE_FILENAME, ics))


def confirm_cancel(work: Work, pressed: Pressed) -> Outcome:
    """ "Confirm: cancel" pressed: the event ends for everyone; the units are told."""
    identity, event, _payload = _locked(work, pressed)
    assert event.id is not None
    before = _placement(event)
    event.status = TrainingEventStatus.CANCELLED.value
    event.revision += 1
    work.session.add(event)
    cancel_reminders(work.session, event.id)
    _audit(work, identity, event, "training.event_cancelled", before=before)
    messages = [
        Message(
            r.chat_id,
            render_for(
                work.session,
                r.chat_id,
                functools.partial(texts.cancelled_notice, r.unit_id, event.title, before),
            ),
            (),
            f"cancel:{event.id}",
        )
        for unit_id in event.participants
        for r in digests.recipients(work.session, unit_id)
    ]
    return _changed(
        work,
        event,
        event.participants,
        messages,
        "CANCEL",
        texts.cancelled_done(event.title, len({m.chat_id for m in messages})),
    )


def _changed(
    work: Work,
    event: TrainingEvent,
    units: Sequence[str],
    messages: Sequence[Message],
    method: str,
    done: str,
) -> Outcome:
    network = registry.load_network(work.session)
    edits = digests.digest_edits(
        work.session, event.plan_id, units, network, today=work.today, now=work.now
    )
    return Outcome(
        replies=(Reply(done), _update_document(work, event, method)),
        shown=Shown.REPLACE,
        messages=tuple(messages),
        edits=tuple(edits),
    )


def confirm_move(work: Work, pressed: Pressed) -> Outcome:
    """ "Confirm: move" pressed: new dates (or host); answers asked again; a new host told."""
    identity, event, payload = _locked(work, pressed)
    host = payload.get("host")
    moved = _check_move(
        work.session,
        event,
        dt.date.fromisoformat(str(payload["start"])),
        None if host is None else str(host),
        work.today,
    )
    assert event.id is not None
    before, old_host = _placement(event), event.host
    event.start, event.end, event.host = moved.start, moved.end, moved.host
    event.travel_km = moved.travel_km
    event.revision += 1
    work.session.add(event)
    for rsvp in work.session.exec(select(TrainingRsvp).where(TrainingRsvp.event_id == event.id)):
        work.session.delete(rsvp)
    timers = set_reminders(work.session, event, work.terms.policy, work.now)
    after = _placement(event)
    _audit(work, identity, event, "training.event_moved", before=before, after=after)
    messages = _move_notices(work, event, before, after, old_host)
    outcome = _changed(
        work,
        event,
        event.participants,
        messages,
        "PUBLISH",
        texts.moved_done(event.title, after, len({m.chat_id for m in messages})),
    )
    return replace(outcome, timers=tuple(timers))


def _move_notices(
    work: Work, event: TrainingEvent, before: str, after: str, old_host: str | None
) -> list[Message]:
    """One "what changed" message per member of each unit (commanders may answer again); the
    new host's members hear that their unit hosts."""
    assert event.id is not None
    lifetime = audience.token_lifetime(event.end, work.today)
    out = []
    for unit_id in event.participants:
        for r in digests.recipients(work.session, unit_id):
            keyboard: Keyboard = audience.rsvp_keyboard(
                work.session, r, event.id, now=work.now, lifetime=lifetime
            )
            with reading(work.session, r.chat_id):
                text = texts.moved_notice(unit_id, event.title, before, after, r.may_answer)
                if event.host is not None and event.host != old_host and unit_id == event.host:
                    text += "\n" + texts.new_host(unit_id, event.title, after)
            out.append(Message(r.chat_id, text, keyboard, f"move:{event.id}"))
    return out


def _title_question(work: Work, member_id: int, event: TrainingEvent, title: str) -> Outcome:
    _open(event, work.today)
    title = title.strip()[:200]
    payload = {"event": event.id, "revision": event.revision, "title": title}
    button = Button(texts.confirm_title_button(), "train.title_ok", payload, single_use=True)
    keyboard = issue_keyboard(work.session, member_id, [[button]], now=work.now)
    return reply(texts.confirm_title_question(event.title, event.event_key, title), keyboard)


def confirm_title(work: Work, pressed: Pressed) -> Outcome:
    """ "Confirm: rename" pressed: the event's new title reaches its units and calendars."""
    identity, event, payload = _locked(work, pressed)
    assert event.id is not None
    before, event.title = event.title, str(payload["title"])
    event.revision += 1
    work.session.add(event)
    _audit(work, identity, event, "training.event_renamed", before=before, after=event.title)
    messages = [
        Message(
            r.chat_id,
            render_for(
                work.session,
                r.chat_id,
                functools.partial(texts.renamed_notice, u, before, event.title),
            ),
            (),
            f"title:{event.id}",
        )
        for u in event.participants
        for r in digests.recipients(work.session, u)
    ]
    done = texts.renamed_done(event.title, len({m.chat_id for m in messages}))
    return _changed(work, event, event.participants, messages, "PUBLISH", done)


# --- keeping an event without one unit -------------------------------------------------------


def ask_drop(work: Work, pressed: Pressed) -> Outcome:
    """ "Keep … without …" pressed: the confirmation."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    event = records.get_event(work.session, int(press.payload["event"]))
    unit_id = str(press.payload["unit"])
    _check_drop(event, unit_id, work.today)
    button = Button(
        texts.confirm_drop_button(),
        "train.drop_ok",
        {"event": event.id, "unit": unit_id, "revision": event.revision},
        single_use=True,
    )
    keyboard = issue_keyboard(work.session, press.identity.member_id, [[button]], now=work.now)
    return reply(texts.confirm_drop_question(event.title, event.event_key, unit_id), keyboard)


def _check_drop(event: TrainingEvent, unit_id: str, today: dt.date) -> None:
    _open(event, today)
    if unit_id not in event.participants:
        raise Conflict(
            _("{unit} no longer takes part in {title}.", unit=unit_id, title=event.title)
        )
    if len(event.participants) <= 2:
        raise Conflict(
            _(
                "{title} would keep fewer than two units: cancel it or move it instead.",
                title=event.title,
            )
        )
    if event.host == unit_id:
        raise Conflict(
            _(
                "{unit} hosts {title}: find another date or host instead.",
                unit=unit_id,
                title=event.title,
            )
        )


def confirm_drop(work: Work, pressed: Pressed) -> Outcome:
    """ "Confirm: keep it without the unit" pressed: the unit's part ends (its calendar gets
    the cancellation), the others keep the event as it is."""
    identity, event, payload = _locked(work, pressed)
    unit_id = str(payload["unit"])
    _check_drop(event, unit_id, work.today)
    assert event.id is not None
    before = _placement(event)
    event.participants = [u for u in event.participants if u != unit_id]
    event.dropped = sorted({*(event.dropped or []), unit_id})
    event.revision += 1
    work.session.add(event)
    _audit(work, identity, event, "training.unit_dropped", unit=unit_id)
    messages = [
        Message(
            r.chat_id,
            render_for(
                work.session,
                r.chat_id,
                lambda: texts.dropped_notice(unit_id, event.title, before),
            ),
            (),
            f"drop:{event.id}",
        )
        for r in digests.recipients(work.session, unit_id)
    ]
    network = registry.load_network(work.session)
    edits = digests.digest_edits(
        work.session, event.plan_id, [unit_id], network, today=work.today, now=work.now
    )
    done = texts.dropped_done(event.title, unit_id, len({m.chat_id for m in messages}))
    return Outcome(
        replies=(Reply(done),), shown=Shown.REPLACE, messages=tuple(messages), edits=tuple(edits)
    )


# --- another date that keeps every unit -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacementSearch:
    """The inputs of a search for another date, read in one transaction."""

    identity: Identity
    event_id: int
    revision: int
    key: str
    unit_id: str | None  # the unit that can't attend (None: move the event for everyone)
    avoid: tuple[str, ...]
    network: Network
    plan: EventsPlan
    published: ScheduleResult
    from_date: dt.date
    outcome: Outcome
    host_first: str | None = None  # travel is the unit's obstacle: try it as the host first


def start_search(work: Work, pressed: Pressed) -> PlacementSearch:
    """ "Find a date that keeps …" or "Find another date…" pressed: read the calendar."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    event = records.get_event(work.session, int(press.payload["event"]))
    _open(event, work.today)
    unit = press.payload.get("unit")
    unit_id = None if unit is None else str(unit)
    if unit_id is not None and unit_id not in event.participants:
        raise Conflict(
            _("{unit} no longer takes part in {title}.", unit=unit_id, title=event.title)
        )
    network = registry.load_network(work.session)
    plan, published = _published_plan(work.session, event, network)
    assert event.id is not None
    avoid = (unit_id,) if unit_id is not None else tuple(event.participants)
    seconds = work.terms.plan_time_limit_s
    reason = _reason(work.session, event.id, unit_id)
    return PlacementSearch(
        press.identity,
        event.id,
        event.revision,
        event.event_key,
        unit_id,
        avoid,
        network,
        plan,
        published,
        work.today + dt.timedelta(days=1),
        reply(texts.searching(unit_id or ", ".join(event.participants), seconds)),
        unit_id if reason == TRAVEL else None,
    )


def _reason(session: Session, event_id: int, unit_id: str | None) -> str | None:
    """Why the unit said it can't attend (None: no reason, or no unit)."""
    if unit_id is None:
        return None
    rsvp = session.exec(
        select(TrainingRsvp).where(
            TrainingRsvp.event_id == event_id, TrainingRsvp.unit_id == unit_id
        )
    ).first()
    return None if rsvp is None else rsvp.reason


def solve_search(search: PlacementSearch, time_limit_s: float) -> ScheduledEvent | None:
    """CPU-bound, no database: the best other placement that keeps every unit; when travel is
    the unit's obstacle, the same days hosted by that unit first."""
    if search.host_first is not None:
        hosted = hosted_by(
            search.network, search.plan, search.published, search.key, search.host_first
        )
        if hosted is not None:
            return hosted
    return other_placement(
        search.network,
        search.plan,
        search.published,
        search.key,
        avoid=search.avoid,
        from_date=search.from_date,
        time_limit_s=time_limit_s,
    )


def finish_search(work: Work, search: PlacementSearch, found: ScheduledEvent | None) -> Outcome:
    """The options: move the event there (keeps every unit), or keep it without the unit."""
    option = None if found is None else _placement(found)
    rows: list[list[Button]] = []
    if found is not None and option is not None:
        rows.append(
            [
                Button(
                    texts.move_button(search.key, option),
                    "train.move_ok",
                    {
                        "event": search.event_id,
                        "revision": search.revision,
                        "start": found.start.isoformat(),
                        "host": found.host,
                    },
                    single_use=True,
                )
            ]
        )
    if search.unit_id is not None:
        rows.append(
            [
                Button(
                    texts.drop_button(search.key, search.unit_id),
                    "train.drop_ask",
                    {"event": search.event_id, "unit": search.unit_id},
                )
            ]
        )
    keyboard = issue_keyboard(work.session, search.identity.member_id, rows, now=work.now)
    text = texts.keep_options(search.key, search.unit_id or "", option)
    return reply(text, keyboard)
