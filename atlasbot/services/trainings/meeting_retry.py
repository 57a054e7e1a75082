""" "None of these suits us" in a meeting poll (issue 14.8): a commander gives the reason for
their unit, and new dates (not offered before, spread over the window, else in the four weeks
after it) go to every participating unit; the coordinator is told why, with the poll."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import select

from atlasbot.chat_input import free_text
from atlasbot.errors import InvalidInput
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.services.trainings import audience
from atlasbot.services.trainings.meetings import (
    busy_days,
    coordinator_messages,
    get_poll,
    option_payload,
    tally,
    vote_requests,
)
from atlasbot.services.trainings.work import Outcome, Pressed, Reply, Work
from atlasbot.storage import audit
from atlasbot.storage.models import MeetingPoll, MeetingVote, PollStatus
from atlasbot.texts import meetings as texts
from atlasbot.training.events_file import DateRange
from atlasbot.training.meetings import NONE_SUITS, MeetingOption, best_meeting_dates

# New dates per "none suits", and the most a poll offers in all.
NEW_OPTIONS = 3
MAX_OPTIONS = 12
# When the window has no other free weekday, the new dates come from the weeks after it.
EXTRA_DAYS = 28
MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class NoneAsked:
    """A commander pressed "none of these suits us": the poll and the unit to ask why for."""

    poll_id: int
    unit_id: str


def _check(identity: Identity, poll: MeetingPoll, unit_id: str) -> None:
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(texts.only_commander_votes(unit_id))
    if unit_id not in poll.participants:
        raise NotAuthorised(texts.not_invited(unit_id))
    if poll.status != PollStatus.OPEN.value:
        raise Conflict(texts.already_confirmed())


def none_begin(work: Work, pressed: Pressed) -> NoneAsked:
    """ "None of these suits us" pressed: checked before the reason is asked."""
    press = work.redeem(pressed)
    poll = get_poll(work.session, int(press.payload["poll"]))
    unit_id = str(press.payload["unit"])
    _check(press.identity, poll, unit_id)
    assert poll.id is not None
    return NoneAsked(poll.id, unit_id)


def valid_reason(text: str) -> str:
    """The reason typed: one line of 3 to 200 characters."""
    reason = " ".join(free_text(text, what=_("Reason"), max_length=4096, min_length=0).split())
    if not 3 <= len(reason) <= MAX_REASON:
        raise InvalidInput(texts.reason_length())
    return reason


def _new_options(work: Work, poll: MeetingPoll) -> list[MeetingOption]:
    """Dates not offered yet: in the poll's window (from tomorrow), else in the weeks after."""
    room = min(NEW_OPTIONS, MAX_OPTIONS - len(poll.options))
    if room <= 0:
        return []
    network = registry.load_network(work.session)
    offered = {dt.date.fromisoformat(o["start"]) for o in poll.options}
    tomorrow = work.today + dt.timedelta(days=1)
    after = poll.window_end + dt.timedelta(days=1)
    windows = [
        (max(poll.window_start, tomorrow), poll.window_end),
        (max(after, tomorrow), poll.window_end + dt.timedelta(days=EXTRA_DAYS)),
    ]
    busy = busy_days(work.session)
    for first, last in windows:
        if first > last:
            continue
        found = best_meeting_dates(
            network,
            poll.participants,
            DateRange(first, last),
            virtual=poll.virtual,
            busy=busy,
            count=room,
            exclude=offered,
        )
        if found:
            return found
    return []


def _record(work: Work, identity: Identity, poll: MeetingPoll, unit_id: str, reason: str) -> None:
    row = work.session.exec(
        select(MeetingVote).where(MeetingVote.poll_id == poll.id, MeetingVote.unit_id == unit_id)
    ).first()
    if row is None:
        row = MeetingVote(poll_id=poll.id or 0, unit_id=unit_id, option=NONE_SUITS, member_id=0)
    row.option, row.reason = NONE_SUITS, reason
    row.member_id, row.voted_at = identity.member_id, work.now
    work.session.add(row)


def none_suits(
    work: Work, identity: Identity, poll_id: int, unit_id: str, reason_text: str
) -> Outcome:
    """The reason given: recorded as the unit's vote, new dates proposed to every unit, the
    coordinator told (audited)."""
    reason = valid_reason(reason_text)
    poll = get_poll(work.session, poll_id, lock=True)
    _check(identity, poll, unit_id)
    _record(work, identity, poll, unit_id, reason)
    time = str(poll.options[0].get("time") or "") if poll.options else ""
    new = [option_payload(o, time) for o in _new_options(work, poll)]
    first = len(poll.options)
    poll.options = [*poll.options, *new]  # a new list: the JSON column sees the change
    work.session.add(poll)
    audit.append(
        work.session,
        actor=identity.actor,
        action="meeting.none_suits",
        obj=f"meeting_poll:{poll_id}",
        payload={"unit": unit_id, "reason": reason, "new_options": new},
        at=work.now,
    )
    messages = []
    if new:
        end = max(poll.window_end, *(dt.date.fromisoformat(o["end"]) for o in new))
        lifetime = audience.token_lifetime(end, work.today)
        intro = texts.new_dates_question(unit_id, reason)
        messages += vote_requests(work, poll, lifetime, first=first, intro=intro)
    votes = tally(work.session, poll_id)
    summary = texts.poll_summary(poll_id, poll.title, poll.options, votes, poll.participants)
    told = texts.none_to_coordinator(poll_id, unit_id, reason, len(new), summary)
    messages += coordinator_messages(work, poll, told, keyboard=True)
    return Outcome(replies=(Reply(texts.none_recorded(len(new))),), messages=tuple(messages))
