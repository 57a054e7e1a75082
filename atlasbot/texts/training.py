"""What the bot says about joint trainings and exercises (plain text, RULES R11).

Pure: the use cases of ``atlasbot.services.trainings`` compose their messages with these
functions from plain values (the pure core's types, strings, dates), so a handler and a timer
say the same words, and each text goes through the one translation function when shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import N_, _, ngettext
from atlasbot.training.calendar import ScheduledEvent, ScheduleResult
from atlasbot.training.replan import format_days
from atlasbot.training.report import format_list

# Telegram allows 4096 characters a message; leave room for a heading.
CHUNK = 3800
# A draft's summary lists this many events, then counts the rest.
EVENTS_LISTED = 30

KINDS: Mapping[str, str] = {
    "training": N_("🎯 Training"),
    "exercise": N_("🚨 Exercise"),
    "meeting": N_("🤝 Meeting"),
}
# Keyed by the stored answer (RsvpAnswer's values), in the order the buttons show them.
ANSWER_LABELS: Mapping[str, str] = {
    "attend": N_("✅ Attend"),
    "decline": N_("✖ Can't attend"),
    "tentative": N_("❔ Tentative"),
}
ANSWER_WORDS: Mapping[str, str] = {
    "attend": N_("attends"),
    "decline": N_("can't attend"),
    "tentative": N_("tentative"),
}
SCHEDULE_STATUS: Mapping[str, str] = {
    "optimal": N_("best possible calendar (proven)"),
    "feasible": N_("good calendar; the time limit stopped the search before proof"),
    "partial": N_("some events could not be placed (see below)"),
}


def kind_label(kind: str) -> str:
    """'🎯 Training' for 'training' (an unknown kind as it is)."""
    return _(KINDS[kind]) if kind in KINDS else kind


def answer_label(answer: str) -> str:
    """The label of the button that gives ``answer``."""
    return _(ANSWER_LABELS[answer])


def answer_word(answer: str) -> str:
    """'attends', "can't attend" or 'tentative'."""
    return _(ANSWER_WORDS[answer])


def chunks(text: str, size: int = CHUNK) -> list[str]:
    """Split a long text at line ends into messages Telegram accepts."""
    out: list[str] = []
    current = ""
    for line in text.splitlines():
        while len(line) > size:
            out.append(line[:size])
            line = line[size:]
        if len(current) + len(line) + 1 > size and current:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current or not out:
        out.append(current)
    return out


# --- refusals and errors ------------------------------------------------------------------


def not_coordinator() -> str:
    return _(
        "Only network coordinators plan, publish and re-plan joint trainings. "
        "Ask a coordinator, or send /calendar to see your unit's events."
    )


def too_big(name: str, kb: int) -> str:
    return _("{name}: the file is larger than {kb} kB; nothing was stored.", name=name, kb=kb)


def file_problems(source: str, problems: Sequence[str], shown: int) -> str:
    """Every problem of an events file (the first ``shown``), by its place in the file."""
    lines = [_("• {problem}", problem=p.removeprefix(source + ": ")) for p in problems[:shown]]
    more = len(problems) - len(lines)
    if more > 0:
        lines.append(_("• … and {more} more", more=more))
    head = ngettext(
        "{source}: {count} problem; nothing was stored. Fix the file and send it again.",
        "{source}: {count} problems; nothing was stored. Fix the file and send it again.",
        len(problems),
        source=source,
    )
    return head + "\n" + "\n".join(lines)


# --- plans -----------------------------------------------------------------------------------


def plan_help() -> str:
    return _(
        "Plan joint trainings, exercises and meetings (not a request: no authority's "
        "approval is needed).\n"
        "• Send an events file (YAML, as for `atlasbot schedule`) as a document, or\n"
        "• add events one by one with the wizard.\n"
        "Then run the planner, check the preview, and publish: the participating units' "
        "commanders get invitations."
    )


def no_draft() -> str:
    return plan_help() + "\n\n" + _("You have no draft plan yet.")


def where(start: dt.date, end: dt.date, host: str | None, network: Network | None) -> str:
    """'2027-03-08..10 at nl-1 (Amsterdam, NL)' or '..., virtual'."""
    days = format_days(start, end)
    if host is None:
        return _("{days}, virtual", days=days)
    place = ""
    if network is not None:
        try:
            unit = network.unit(host)
        except KeyError:
            unit = None
        if unit is not None and unit.base.place:
            place = _(" ({place}, {country})", place=unit.base.place, country=unit.country)
    return _("{days} at {host}{place}", days=days, host=host, place=place)


def placement(start: dt.date, end: dt.date, host: str | None) -> str:
    """'2027-03-08..10 at nl-1' or '2027-03-08..10 (virtual)' (what a re-plan changed)."""
    days = format_days(start, end)
    if host:
        return _("{days} at {host}", days=days, host=host)
    return _("{days} (virtual)", days=days)


def draft_summary(plan_id: int, source: str, mapping: Mapping[str, Any], solved: bool) -> str:
    """A draft plan's events, one line each."""
    events = mapping.get("events", [])
    horizon = mapping.get("horizon", {})
    lines = [
        ngettext(
            "Draft plan #{plan} ({source}): {count} event, horizon {start} to {end}.",
            "Draft plan #{plan} ({source}): {count} events, horizon {start} to {end}.",
            len(events),
            plan=plan_id,
            source=source or _("wizard"),
            start=horizon.get("start"),
            end=horizon.get("end"),
        )
    ]
    lines += [
        _(
            "• {id}: {title} ({kind}, {days} d, {units} units)",
            id=event["id"],
            title=event["title"],
            kind=event["kind"],
            days=event["duration_days"],
            units=len(event["participants"]),
        )
        for event in events[:EVENTS_LISTED]
    ]
    if len(events) > EVENTS_LISTED:
        lines.append(_("• … and {more} more", more=len(events) - EVENTS_LISTED))
    if solved:
        lines.append(_("Preview ready: publish it, or run the planner again."))
    return "\n".join(lines)


def file_valid(name: str, summary: str) -> str:
    return _("✅ {name} is valid.\n{summary}", name=name, summary=summary)


def event_added(event_id: str, plan_id: int, count: int) -> str:
    return _(
        "Added {event} to draft plan #{plan} ({count} events).",
        event=event_id,
        plan=plan_id,
        count=count,
    )


def draft_discarded(plan_id: int) -> str:
    return _("Draft plan #{plan} discarded. Nothing was sent.", plan=plan_id)


def plan_chart_title(plan_id: int) -> str:
    return _("Plan #{plan}", plan=plan_id)


# --- solving and publishing ---------------------------------------------------------------


def planning(count: int, seconds: float) -> str:
    return ngettext(
        "⏳ Planning {count} event (at most {seconds} s)…",
        "⏳ Planning {count} events (at most {seconds} s)…",
        count,
        seconds=f"{seconds:.0f}",
    )


def preview(plan_id: int, result: ScheduleResult, network: Network) -> str:
    """The preview under the chart: one short line per event (fits a phone), then what could
    not be placed and why; no wide table."""
    status = _(SCHEDULE_STATUS[result.status.value])
    lines = [_("Preview of plan #{plan}: {status}.", plan=plan_id, status=status), ""]
    lines += [
        _(
            "• {id} · {title}: {where}, {units} units",
            id=event.id,
            title=event.title,
            where=placement(event.start, event.end, event.host),
            units=len(event.participants),
        )
        for event in result.events
    ]
    if result.unscheduled:
        lines += ["", _("Not placed:")]
        lines += [
            _("• {id}: {reason}", id=item.id, reason=item.reason) for item in result.unscheduled
        ]
    return "\n".join(lines)


def after_preview() -> str:
    return _("Publish this calendar, change the draft, or run the planner again.")


def publish_question(plan_id: int, events: int, units: int) -> str:
    return _(
        "Publish plan #{plan}? {events} events go into the calendars of {units} units, and "
        "their commanders get invitations to answer (attend, can't attend, tentative). "
        "Reminders follow 14 and 2 days before each event.",
        plan=plan_id,
        events=events,
        units=units,
    )


def published(plan_id: int, events: int, members: int) -> str:
    return _(
        "📣 Plan #{plan} published: {events} events; {members} members invited.",
        plan=plan_id,
        events=events,
        members=members,
    )


def invitation(event: ScheduledEvent, unit_id: str, network: Network, may_answer: bool) -> str:
    lines = [
        _("{kind} invitation for {unit}", kind=kind_label(event.kind.value), unit=unit_id),
        event.title,
        where(event.start, event.end, event.host, network),
        _("Participants: {units}", units=", ".join(event.participants)),
    ]
    if event.capability:
        lines.append(_("Capability: {name}", name=capability_name(network, event.capability)))
    lines.append(
        _("Answer for your unit:")
        if may_answer
        else _("For your information (the unit's commander answers).")
    )
    return "\n".join(lines)


def answered(text: str, unit_id: str, answer: str) -> str:
    """The invitation's text with the unit's answer below it (an earlier answer replaced)."""
    marker = "\n\n" + _("Your answer:")
    base = text.split(marker)[0]
    return base + marker + _(" {unit} {word}.", unit=unit_id, word=answer_word(answer))


def answer_recorded(unit_id: str, answer: str) -> str:
    return _("Recorded: {unit} {word}.", unit=unit_id, word=answer_word(answer))


# --- re-planning -----------------------------------------------------------------------------


def cant_attend(event: ScheduledEvent, unit_id: str, network: Network) -> str:
    return _(
        "⚠ {unit} can't attend {title} ({key}, {where}).\n"
        "Re-plan the calendar without it? Published events stay where they are as far as "
        "possible.",
        unit=unit_id,
        title=event.title,
        key=event.id,
        where=where(event.start, event.end, event.host, network),
    )


def replan_button(unit_id: str) -> str:
    return _("🔁 Re-plan without {unit}", unit=unit_id)


def replanning(unit_id: str, seconds: float) -> str:
    return _(
        "⏳ Re-planning without {unit} (at most {seconds} s)…",
        unit=unit_id,
        seconds=f"{seconds:.0f}",
    )


def replan_proposal(
    plan_id: int, changes: Sequence[str], result: ScheduleResult, network: Network
) -> str:
    what = "\n".join(_("• {change}", change=c) for c in changes) or _("• nothing moves")
    return _(
        "Re-plan of plan #{plan}. What changes:\n{what}\n\nEvery other published event "
        "stays where it is.\n\n{table}",
        plan=plan_id,
        what=what,
        table=format_list(result, network),
    )


def change_notice(
    title: str, before: str, after: str, moved: bool, unit_id: str, still_in: bool
) -> str:
    """What a unit hears of a re-plan: cancelled, dropped out, or moved ("" after: cancelled)."""
    if not after:
        return _("📅 Cancelled: {title} ({before}) could not be kept.", title=title, before=before)
    if not still_in:
        return _(
            "📅 {unit} no longer takes part in {title} ({before}).",
            unit=unit_id,
            title=title,
            before=before,
        )
    change = _("moved from {before} to {after}", before=before, after=after) if moved else after
    return _(
        "📅 Calendar change for {unit}: {title} {change}.",
        unit=unit_id,
        title=title,
        change=change,
    )


def answer_again() -> str:
    return _("Please answer again for the new dates:")


def replan_published(plan_id: int, changes: int, members: int) -> str:
    return ngettext(
        "✅ Re-plan of plan #{plan} published: {count} event changed; {members} members told.",
        "✅ Re-plan of plan #{plan} published: {count} events changed; {members} members told.",
        changes,
        plan=plan_id,
        members=members,
    )


# --- reminders and the calendar -------------------------------------------------------------


def reminder(
    event: ScheduledEvent, days_before: int, unit_id: str, network: Network, answer: str | None
) -> str:
    status = (
        _("Your unit's answer: {word}.", word=answer_word(answer))
        if answer
        else _("Not answered yet.")
    )
    return _(
        "⏰ In {days} days: {title}\n{where}\nParticipants: {units}\n{unit}: {status}",
        days=days_before,
        title=event.title,
        where=where(event.start, event.end, event.host, network),
        units=", ".join(event.participants),
        unit=unit_id,
        status=status,
    )


def no_events_for_you() -> str:
    return _("No published training, exercise or meeting involves your unit yet.")


def calendar(
    events: Sequence[tuple[ScheduledEvent, Mapping[str, str]]],
    mine: Sequence[str],
    network: Network,
    today: dt.date,
    coordinator: bool,
) -> str:
    """The member's events (with their units' answers) and what the .ics below holds."""
    upcoming = [(e, answers) for e, answers in events if e.end >= today]
    scope = _("the network") if coordinator else ", ".join(mine)
    lines = [_("📅 Joint trainings, exercises and meetings for {scope}:", scope=scope)]
    for event, answers in upcoming:
        own = [u for u in mine if u in event.participants]
        states = [
            _("{unit}: {word}", unit=u, word=answer_word(answers[u]))
            if u in answers
            else _("{unit}: not answered", unit=u)
            for u in own
        ]
        mark = " [" + "; ".join(states) + "]" if states else ""
        lines.append(
            _(
                "• {where}: {title}{mark}",
                where=where(event.start, event.end, event.host, network),
                title=event.title,
                mark=mark,
            )
        )
    if not upcoming:
        lines.append(_("• nothing upcoming"))
    past = len(events) - len(upcoming)
    if past:
        lines.append(
            ngettext(
                "({count} past event only in the file.)",
                "({count} past events only in the file.)",
                past,
            )
        )
    lines.append(_("The .ics file below imports them into your own calendar."))
    return "\n".join(lines)


def ics_caption() -> str:
    return _("Import into your calendar")


# --- readiness --------------------------------------------------------------------------------


def add_refreshers(count: int) -> str:
    return _("➕ Add {count} refreshers to my draft", count=count)


def refreshers_added(count: int, plan_id: int) -> str:
    return _("Added {count} refresher trainings to draft plan #{plan}.", count=count, plan=plan_id)


def capability_name(network: Network, code: str) -> str:
    """The catalogue's name of a capability (its code when the catalogue has none)."""
    for capability in network.capabilities:
        if capability.code == code:
            return _(capability.name)
    return code
