"""Meeting polls (issue 6.5): the best dates for the participating units are put to a vote
of their commanders; the coordinator confirms one, and it becomes a published meeting with
invitations and reminders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from atlasbot.services.outbox import Button, Keyboard, Message, issue_keyboard
from atlasbot.services.readers import reading
from atlasbot.services.trainings import audience, records
from atlasbot.services.trainings.publishing import Publication
from atlasbot.services.trainings.reminders import ReminderPolicy, set_reminders
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
from atlasbot.storage.models import (
    MeetingPoll,
    MeetingVote,
    Member,
    PlanStatus,
    PollStatus,
    TrainingPlan,
)
from atlasbot.texts import meetings as texts
from atlasbot.training.calendar import ScheduledEvent, travel_km
from atlasbot.training.events_file import DateRange, EventKind
from atlasbot.training.meetings import MeetingOption, best_meeting_dates


def busy_days(session: Session) -> dict[str, list[DateRange]]:
    """Each unit's published event days: a meeting on them is possible, but a conflict."""
    busy: dict[str, list[DateRange]] = defaultdict(list)
    for event in records.published_events(session):
        for unit_id in event.participants:
            busy[unit_id].append(DateRange(event.start, event.end))
    return dict(busy)


def meeting_inputs(
    session: Session, identity: Identity
) -> tuple[Network, dict[str, list[DateRange]]]:
    """The network and the units' busy days, for finding meeting dates."""
    require_coordinator(identity)
    return registry.load_network(session), busy_days(session)


@dataclass(frozen=True, slots=True)
class MeetingRequest:
    """A meeting as the wizard describes it: title, units, the month, virtual or hosted."""

    title: str
    participants: tuple[str, ...]
    month: DateRange
    virtual: bool
    time_of_day: str = ""  # "morning", "afternoon" or "" (all day)


@dataclass(frozen=True, slots=True)
class PollStart:
    """What finding a meeting's dates needs: the request, the network, the busy days, and
    the window (the month from tomorrow on)."""

    request: MeetingRequest
    network: Network
    busy: dict[str, list[DateRange]]
    window: DateRange


def start_poll(work: Work, identity: Identity, request: MeetingRequest) -> PollStart:
    """The meeting wizard is done: read what the date search needs."""
    network, busy = meeting_inputs(work.session, identity)
    month = request.month
    window = DateRange(max(month.start, work.today + dt.timedelta(days=1)), month.end)
    return PollStart(request, network, busy, window)


def find_dates(start: PollStart) -> list[MeetingOption]:
    """CPU-bound, no database: the best dates (run it off the event loop)."""
    request = start.request
    return best_meeting_dates(
        start.network, request.participants, start.window, virtual=request.virtual, busy=start.busy
    )


def option_payload(option: MeetingOption, time_of_day: str = "") -> dict[str, Any]:
    """A date option as stored with its poll (with the meeting's time of day)."""
    return {
        "start": option.start.isoformat(),
        "end": option.end.isoformat(),
        "host": option.host,
        "conflicts": list(option.conflicts),
        "travel_km": option.travel_km,
        "time": time_of_day,
    }


def _check_poll(
    session: Session,
    participants: Sequence[str],
    window: DateRange,
    options: Sequence[MeetingOption],
) -> None:
    if len(set(participants)) < 2:
        raise InvalidInput(texts.at_least_two_units())
    if not options:
        raise InvalidInput(texts.no_weekday(window.start, window.end))
    known = {unit.id for unit in registry.load_network(session).units}
    unknown = sorted(set(participants) - known)
    if unknown:
        raise InvalidInput(texts.unknown_units(unknown))


def create_poll(
    session: Session,
    identity: Identity,
    *,
    title: str,
    participants: Sequence[str],
    window: DateRange,
    virtual: bool,
    options: Sequence[MeetingOption],
    now: dt.datetime,
    time_of_day: str = "",
) -> MeetingPoll:
    """Open a vote among the participating units on the best dates found."""
    require_coordinator(identity)
    _check_poll(session, participants, window, options)
    poll = MeetingPoll(
        coordinator_member_id=identity.member_id,
        title=(title.strip() or texts.default_title())[:200],
        participants=list(dict.fromkeys(participants)),
        virtual=virtual,
        window_start=window.start,
        window_end=window.end,
        options=[option_payload(o, time_of_day) for o in options],
        created_at=now,
    )
    session.add(poll)
    session.flush()
    audit.append(
        session,
        actor=identity.actor,
        action="meeting.poll_opened",
        obj=f"meeting_poll:{poll.id}",
        payload={"participants": poll.participants, "options": poll.options, "title": poll.title},
        at=now,
    )
    return poll


def get_poll(session: Session, poll_id: int, *, lock: bool = False) -> MeetingPoll:
    """A meeting poll by id, or NotFound."""
    poll = session.get(MeetingPoll, poll_id, with_for_update=lock)
    if poll is None:
        raise NotFound(texts.no_poll(poll_id))
    return poll


def poll_recipients(session: Session, poll: MeetingPoll) -> list[audience.Recipient]:
    """The participating units' commanders (they vote for their unit)."""
    return [r for r in audience.unit_recipients(session, poll.participants) if r.may_answer]


def poll_keyboard(work: Work, member_id: int, poll: MeetingPoll) -> Keyboard:
    assert poll.id is not None
    rows = [
        [Button(texts.show_tally(), "train.tally", {"poll": poll.id})],
        [
            Button(
                texts.confirm_option(n + 1), "train.poll_ok", {"poll": poll.id, "option": n}, True
            )
            for n in range(len(poll.options))
        ],
    ]
    return issue_keyboard(work.session, member_id, rows, now=work.now)


def vote_requests(
    work: Work, poll: MeetingPoll, lifetime: dt.timedelta, *, first: int = 0, intro: str = ""
) -> list[Message]:
    """Each participating unit's commander gets the dates to vote on (from option ``first``
    on), for their unit, and "none of these suits us"."""
    out = []
    for recipient in poll_recipients(work.session, poll):
        out.append(_vote_request(work, poll, lifetime, recipient, first, intro))
    return out


def _vote_request(
    work: Work,
    poll: MeetingPoll,
    lifetime: dt.timedelta,
    recipient: audience.Recipient,
    first: int,
    intro: str,
) -> Message:
    """One commander's vote request, in their language."""
    with reading(work.session, recipient.chat_id):
        payload = {"poll": poll.id, "unit": recipient.unit_id}
        rows = [
            [
                Button(
                    texts.option_button(n + 1, option["start"]),
                    "train.vote",
                    {**payload, "option": n},
                )
                for n, option in enumerate(poll.options)
                if n >= first
            ],
            [Button(texts.none_suits_button(), "train.none", payload)],
        ]
        keyboard = issue_keyboard(
            work.session, recipient.member_id, rows, now=work.now, lifetime=lifetime
        )
        text = texts.poll_question(poll.title, poll.options, recipient.unit_id, first)
        text = f"{intro}\n{text}" if intro else text
    return Message(recipient.chat_id, text, keyboard, f"poll:{poll.id}")


def open_poll(
    work: Work, identity: Identity, start: PollStart, options: Sequence[MeetingOption]
) -> Outcome:
    """Open the vote: the commanders get the dates, the coordinator the poll's summary."""
    request = start.request
    poll = create_poll(
        work.session,
        identity,
        title=request.title,
        participants=request.participants,
        window=start.window,
        virtual=request.virtual,
        options=options,
        now=work.now,
        time_of_day=request.time_of_day,
    )
    assert poll.id is not None
    lifetime = audience.token_lifetime(start.window.end, work.today)
    messages = vote_requests(work, poll, lifetime)
    summary = texts.poll_summary(poll.id, poll.title, poll.options, {}, poll.participants)
    keyboard = poll_keyboard(work, identity.member_id, poll)
    text = texts.poll_opened(summary, len(messages))
    return Outcome(replies=(Reply(text, keyboard),), messages=tuple(messages))


# --- votes ------------------------------------------------------------------------------------


def _check_vote(identity: Identity, poll: MeetingPoll, unit_id: str, option: int) -> None:
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(texts.only_commander_votes(unit_id))
    if unit_id not in poll.participants:
        raise NotAuthorised(texts.not_invited(unit_id))
    if poll.status != PollStatus.OPEN.value:
        raise Conflict(texts.already_confirmed())
    if not 0 <= option < len(poll.options):
        raise InvalidInput(texts.unknown_option())


def vote(
    session: Session,
    identity: Identity,
    poll_id: int,
    unit_id: str,
    option: int,
    *,
    now: dt.datetime,
) -> MeetingPoll:
    """A commander votes for a date on behalf of their unit (a new vote replaces the old)."""
    poll = get_poll(session, poll_id, lock=True)
    _check_vote(identity, poll, unit_id, option)
    row = session.exec(
        select(MeetingVote).where(MeetingVote.poll_id == poll_id, MeetingVote.unit_id == unit_id)
    ).first()
    if row is None:
        row = MeetingVote(
            poll_id=poll_id,
            unit_id=unit_id,
            option=option,
            member_id=identity.member_id,
            voted_at=now,
        )
    else:
        row.option, row.member_id, row.voted_at = option, identity.member_id, now
        row.reason = None  # a date chosen after "none suits"
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="meeting.vote",
        obj=f"meeting_poll:{poll_id}",
        payload={"unit": unit_id, "option": option},
        at=now,
    )
    return poll


def cast_vote(work: Work, pressed: Pressed) -> Outcome:
    """A date button pressed by a commander: their unit's vote (a later one replaces it);
    the coordinator is told at once, with the count so far."""
    press = work.redeem(pressed)
    option = int(press.payload["option"])
    unit_id = str(press.payload["unit"])
    poll = vote(
        work.session, press.identity, int(press.payload["poll"]), unit_id, option, now=work.now
    )
    assert poll.id is not None
    day = str(poll.options[option]["start"])
    voted = sum(len(units) for units in tally(work.session, poll.id).values())
    told = texts.vote_to_coordinator(
        poll.id, unit_id, option + 1, day, voted, len(poll.participants)
    )
    return Outcome(
        notice=texts.vote_recorded(option + 1, day),
        messages=tuple(coordinator_messages(work, poll, told)),
    )


def coordinator_messages(
    work: Work, poll: MeetingPoll, text: str, *, keyboard: bool = False
) -> list[Message]:
    """A message to the coordinator who opened the poll (with its buttons when asked)."""
    member = work.session.get(Member, poll.coordinator_member_id)
    if member is None or member.telegram_user_id is None:
        return []
    buttons = poll_keyboard(work, member.id or 0, poll) if keyboard else ()
    return [Message(member.telegram_user_id, text, buttons, f"poll:{poll.id}")]


def tally(session: Session, poll_id: int) -> dict[int, list[str]]:
    """Option index -> the units that voted for it."""
    counts: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(
        select(MeetingVote)
        .where(MeetingVote.poll_id == poll_id)
        .order_by(col(MeetingVote.unit_id))
    ):
        counts[row.option].append(row.unit_id)
    return dict(counts)


def show_tally(work: Work, pressed: Pressed) -> Outcome:
    """ "Show the tally" pressed: the votes so far, and the confirm buttons while open."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    poll = get_poll(work.session, int(press.payload["poll"]))
    assert poll.id is not None
    votes = tally(work.session, poll.id)
    text = texts.poll_summary(poll.id, poll.title, poll.options, votes, poll.participants)
    if poll.status != PollStatus.OPEN.value:
        return reply(texts.poll_confirmed_mark(text))
    return reply(text, poll_keyboard(work, press.identity.member_id, poll))


# --- confirmation ------------------------------------------------------------------------------


def _meeting_plan(
    identity: Identity, poll_id: int, placed: ScheduledEvent, now: dt.datetime
) -> TrainingPlan:
    """The published one-event plan that holds a confirmed meeting."""
    start, end = placed.start, placed.end
    event: dict[str, Any] = {
        "id": placed.id,
        "kind": EventKind.MEETING.value,
        "title": placed.title,
        "duration_days": (end - start).days + 1,
        "participants": list(placed.participants),
        **({"host": placed.host} if placed.host else {"virtual": True}),
    }
    return TrainingPlan(
        coordinator_member_id=identity.member_id,
        status=PlanStatus.PUBLISHED.value,
        source_name=f"meeting poll #{poll_id}",
        events={
            "horizon": {"start": start.isoformat(), "end": end.isoformat()},
            "events": [event],
        },
        created_at=now,
        updated_at=now,
        published_at=now,
        version=1,
    )


def _placed_meeting(session: Session, poll: MeetingPoll, chosen: dict[str, Any]) -> ScheduledEvent:
    network = registry.load_network(session)
    return ScheduledEvent(
        id=f"meeting-{poll.id}",
        kind=EventKind.MEETING,
        title=poll.title,
        start=dt.date.fromisoformat(chosen["start"]),
        end=dt.date.fromisoformat(chosen["end"]),
        host=chosen["host"],
        participants=tuple(poll.participants),
        travel_km=travel_km(network, chosen["host"], poll.participants),
    )


def confirm_poll(
    session: Session,
    identity: Identity,
    poll_id: int,
    option: int,
    *,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> tuple[MeetingPoll, Publication]:
    """The coordinator confirms a date: the meeting becomes a published event."""
    require_coordinator(identity)
    poll = get_poll(session, poll_id, lock=True)
    if poll.status != PollStatus.OPEN.value:
        raise Conflict(texts.already_confirmed())
    if not 0 <= option < len(poll.options):
        raise InvalidInput(texts.unknown_option())
    chosen = poll.options[option]
    placed = _placed_meeting(session, poll, chosen)
    plan = _meeting_plan(identity, poll_id, placed, now)
    session.add(plan)
    session.flush()
    assert plan.id is not None
    event = records.new_event(plan.id, placed, now)
    session.add(event)
    session.flush()
    assert event.id is not None
    timers = set_reminders(session, event, policy, now)
    poll.status = PollStatus.CONFIRMED.value
    poll.confirmed_option = option
    poll.event_id = event.id
    session.add(poll)
    audit.append(
        session,
        actor=identity.actor,
        action="meeting.confirmed",
        obj=f"meeting_poll:{poll_id}",
        payload={"option": option, "event": event.id, **chosen},
        at=now,
    )
    return poll, Publication(plan.id, (event.id,), tuple(timers))


def confirm_meeting(work: Work, pressed: Pressed) -> Outcome:
    """ "Confirm n" pressed: a published meeting, with invitations and reminders."""
    press = work.redeem(pressed)
    poll, publication = confirm_poll(
        work.session,
        press.identity,
        int(press.payload["poll"]),
        int(press.payload["option"]),
        policy=work.terms.policy,
        now=work.now,
    )
    network = registry.load_network(work.session)
    messages = audience.invitations(
        work.session, publication.event_ids, network, today=work.today, now=work.now
    )
    chosen = poll.options[poll.confirmed_option or 0]
    return Outcome(
        replies=(Reply(texts.meeting_confirmed(poll.title, chosen, len(messages))),),
        shown=Shown.REPLACE,
        messages=tuple(messages),
        timers=publication.timers,
    )
