"""What the bot says about meeting polls (plain text, RULES R11); pure, like
``atlasbot.texts.training``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from atlasbot.i18n import _, format_number, format_weekday
from atlasbot.texts.training import where
from atlasbot.training.meetings import NONE_SUITS


def at_least_two_units() -> str:
    return _("A meeting needs at least two participating units.")


def no_weekday(start: dt.date, end: dt.date) -> str:
    return _(
        "No weekday between {start} and {end} suits these units (public holidays); "
        "choose a wider window.",
        start=start,
        end=end,
    )


def unknown_units(units: Sequence[str]) -> str:
    return _("Unknown units: {units}", units=", ".join(units))


def default_title() -> str:
    return _("Meeting")


def option_line(option: Mapping[str, Any]) -> str:
    """'2027-03-08, virtual (Mon)' or '2027-03-08 at nl-1 (Mon); travel 1,234 km; busy: …'."""
    start = dt.date.fromisoformat(option["start"])
    end = dt.date.fromisoformat(option["end"])
    busy = option.get("conflicts") or []
    clash = _("; busy: {units}", units=", ".join(busy)) if busy else ""
    travel = (
        _("; travel {km} km", km=format_number(option["travel_km"])) if option.get("host") else ""
    )
    time = option.get("time") or ""
    return _(
        "{where} ({weekday}{time}){travel}{clash}",
        where=where(start, end, option.get("host"), None),
        weekday=format_weekday(start),
        time=", " + time_of_day(time) if time else "",
        travel=travel,
        clash=clash,
    )


# The times of day a meeting may take (the wizard's last step); "" is all day.
TIMES_OF_DAY = ("morning", "afternoon", "")


def time_of_day(value: str) -> str:
    """'09:00–12:00' for a morning meeting, '14:00–17:00' for an afternoon, else all day."""
    if value == "morning":
        return _("09:00–12:00")
    if value == "afternoon":
        return _("14:00–17:00")
    return _("all day")


def poll_question(
    title: str, options: Sequence[Mapping[str, Any]], unit_id: str, first: int = 0
) -> str:
    """The dates to vote on (numbered from ``first`` + 1: new dates follow the old ones)."""
    lines = [
        _("🗳 Date vote for {unit}: {title}", unit=unit_id, title=title),
        _("Which date suits your unit best?"),
    ]
    lines += [
        _("{n}. {option}", n=n, option=option_line(o))
        for n, o in enumerate(options[first:], first + 1)
    ]
    lines.append(_("If none of them suits your unit, say why: new dates will be proposed."))
    return "\n".join(lines)


def none_suits_button() -> str:
    return _("🙅 None of these suits us")


def none_reason_question(unit_id: str) -> str:
    return _(
        "Why does none of the dates suit {unit}? Type one line (e.g. 'exercise that week', "
        "'mornings only'); new dates will be proposed to every unit.",
        unit=unit_id,
    )


def reason_length() -> str:
    return _("Type a reason of 3 to 200 characters.")


def new_dates_question(unit_id: str, reason: str) -> str:
    return _(
        "New dates proposed: {unit} said none suited ({reason}).", unit=unit_id, reason=reason
    )


def none_recorded(count: int) -> str:
    if not count:
        return _("Noted; no other weekday is free in the window. The coordinator was told.")
    return _("Noted. {count} new dates were proposed to every unit.", count=count)


def none_to_coordinator(poll_id: int, unit_id: str, reason: str, count: int, summary: str) -> str:
    head = _(
        "🙅 Meeting poll #{poll}: {unit} says none of the dates suits it: {reason}.",
        poll=poll_id,
        unit=unit_id,
        reason=reason,
    )
    if count:
        more = _("{count} new dates were proposed to every unit.", count=count)
    else:
        more = _("No other weekday is free: confirm a date or start a new poll.")
    return f"{head}\n{more}\n\n{summary}"


def vote_to_coordinator(
    poll_id: int, unit_id: str, option: int, day: str, voted: int, of: int
) -> str:
    return _(
        "🗳 Meeting poll #{poll}: {unit} voted for option {n} ({day}); {voted} of {of} units "
        "have answered.",
        poll=poll_id,
        unit=unit_id,
        n=option,
        day=day,
        voted=voted,
        of=of,
    )


def option_button(number: int, start: str) -> str:
    return _("{n}. {start}", n=number, start=start)


def poll_summary(
    poll_id: int,
    title: str,
    options: Sequence[Mapping[str, Any]],
    votes: Mapping[int, Sequence[str]],
    participants: Sequence[str],
) -> str:
    """The poll's options with their votes, and who has not voted yet."""
    lines = [
        _("🗳 Meeting poll #{poll}: {title}", poll=poll_id, title=title),
        _("Participants: {units}", units=", ".join(participants)),
    ]
    for n, option in enumerate(options):
        voters = votes.get(n, [])
        who = _(": {units}", units=", ".join(voters)) if voters else ""
        lines.append(
            _(
                "{n}. {option} — {count} vote(s){who}",
                n=n + 1,
                option=option_line(option),
                count=len(voters),
                who=who,
            )
        )
    none = votes.get(NONE_SUITS, [])
    if none:
        lines.append(_("None suits: {units}", units=", ".join(none)))
    voted = {u for units in votes.values() for u in units}
    waiting = [u for u in participants if u not in voted]
    if waiting:
        lines.append(_("Not voted yet: {units}", units=", ".join(waiting)))
    lines.append(_("Confirm a date when you are ready; it becomes a published meeting."))
    return "\n".join(lines)


def poll_opened(summary: str, commanders: int) -> str:
    return _("{summary}\nVote sent to {count} commanders.", summary=summary, count=commanders)


def poll_confirmed_mark(summary: str) -> str:
    return _("{summary}\n(Confirmed.)", summary=summary)


def show_tally() -> str:
    return _("📊 Show the tally")


def confirm_option(number: int) -> str:
    return _("✅ Confirm {n}", n=number)


def vote_recorded(option: int, day: str) -> str:
    return _(
        "Your vote: option {n} ({day}). You can change it until confirmed.", n=option, day=day
    )


def meeting_confirmed(title: str, option: Mapping[str, Any], invited: int) -> str:
    return _(
        "✅ Meeting '{title}' confirmed: {option}. {count} members invited.",
        title=title,
        option=option_line(option),
        count=invited,
    )


def already_confirmed() -> str:
    return _("The date of this meeting is already confirmed.")


def unknown_option() -> str:
    return _("Unknown date option.")


def only_commander_votes(unit_id: str) -> str:
    return _("Only the commander of {unit} votes for it.", unit=unit_id)


def not_invited(unit_id: str) -> str:
    return _("{unit} is not invited to this meeting.", unit=unit_id)


def no_poll(poll_id: int) -> str:
    return _("There is no meeting poll #{poll}.", poll=poll_id)
