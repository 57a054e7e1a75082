"""What the bot says about meeting polls (plain text, RULES R11); pure, like
``atlasbot.texts.training``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from atlasbot.i18n import _, format_number, format_weekday
from atlasbot.texts.training import where


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
    return _(
        "{where} ({weekday}){travel}{clash}",
        where=where(start, end, option.get("host"), None),
        weekday=format_weekday(start),
        travel=travel,
        clash=clash,
    )


def poll_question(title: str, options: Sequence[Mapping[str, Any]], unit_id: str) -> str:
    lines = [
        _("🗳 Date vote for {unit}: {title}", unit=unit_id, title=title),
        _("Which date suits your unit best?"),
    ]
    lines += [_("{n}. {option}", n=n, option=option_line(o)) for n, o in enumerate(options, 1)]
    return "\n".join(lines)


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
