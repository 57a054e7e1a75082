"""What the bot says about joint trainings, exercises and meetings (plain text, RULES R11)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from atlasbot.domain import Network
from atlasbot.services.training import EventChange, ReminderNotice
from atlasbot.storage.models import RsvpAnswer, TrainingEvent
from atlasbot.training.calendar import ScheduledEvent, ScheduleResult
from atlasbot.training.currency import StaleCapability
from atlasbot.training.replan import format_days
from atlasbot.training.report import format_table

# Telegram allows 4096 characters a message; leave room for a heading.
CHUNK = 3800

KINDS = {"training": "🎯 Training", "exercise": "🚨 Exercise", "meeting": "🤝 Meeting"}
ANSWER_LABELS: Mapping[str, str] = {
    RsvpAnswer.ATTEND.value: "✅ Attend",
    RsvpAnswer.DECLINE.value: "✖ Can't attend",
    RsvpAnswer.TENTATIVE.value: "❔ Tentative",
}
ANSWER_WORDS: Mapping[str, str] = {
    RsvpAnswer.ATTEND.value: "attends",
    RsvpAnswer.DECLINE.value: "can't attend",
    RsvpAnswer.TENTATIVE.value: "tentative",
}

PLAN_HELP = (
    "Plan joint trainings, exercises and meetings (R11; not a request: no authority's "
    "approval is needed).\n"
    "• Send an events file (YAML, as for `atlasbot schedule`) as a document, or\n"
    "• add events one by one with the wizard.\n"
    "Then run the planner, check the preview, and publish: the participating units' "
    "commanders get invitations."
)
NO_EVENTS_FOR_YOU = "No published training, exercise or meeting involves your unit yet."
NOT_UTF8 = "{name}: the file is not UTF-8 text; nothing was stored."
TOO_BIG = "{name}: the file is larger than {kb} kB; nothing was stored."
WIZARD_GONE = "That wizard is no longer open. Start again with /plan_trainings or /meeting."


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


def where(start: dt.date, end: dt.date, host: str | None, network: Network | None) -> str:
    """'2027-03-08..10 at nl-1 (Amsterdam, NL)' or '... (virtual)'."""
    days = format_days(start, end)
    if host is None:
        return f"{days}, virtual"
    place = ""
    if network is not None:
        try:
            unit = network.unit(host)
            place = f" ({unit.base.place}, {unit.country})" if unit.base.place else ""
        except KeyError:
            place = ""
    return f"{days} at {host}{place}"


def draft_summary(plan_id: int, source: str, mapping: Mapping[str, Any], solved: bool) -> str:
    events = mapping.get("events", [])
    horizon = mapping.get("horizon", {})
    lines = [
        f"Draft plan #{plan_id} ({source or 'wizard'}): {len(events)} event"
        f"{'s' if len(events) != 1 else ''}, horizon {horizon.get('start')} to "
        f"{horizon.get('end')}."
    ]
    for event in events[:30]:
        lines.append(
            f"• {event['id']}: {event['title']} ({event['kind']}, {event['duration_days']} d, "
            f"{len(event['participants'])} units)"
        )
    if len(events) > 30:
        lines.append(f"• … and {len(events) - 30} more")
    lines.append("Preview ready: publish it, or run the planner again." if solved else "")
    return "\n".join(line for line in lines if line)


def planning(count: int, seconds: float) -> str:
    return f"⏳ Planning {count} event{'s' if count != 1 else ''} (at most {seconds:.0f} s)…"


def preview(plan_id: int, result: ScheduleResult, network: Network) -> str:
    status = {
        "optimal": "best possible calendar (proven)",
        "feasible": "good calendar; the time limit stopped the search before proof",
        "partial": "some events could not be placed (see below)",
    }[result.status.value]
    return f"Preview of plan #{plan_id}: {status}.\n\n{format_table(result, network)}"


def publish_question(plan_id: int, events: int, units: int) -> str:
    return (
        f"Publish plan #{plan_id}? {events} events go into the calendars of {units} units, and "
        "their commanders get invitations to answer (attend, can't attend, tentative). "
        "Reminders follow 14 and 2 days before each event."
    )


def published(plan_id: int, events: int, members: int) -> str:
    return f"📣 Plan #{plan_id} published: {events} events; {members} members invited."


def invitation(event: ScheduledEvent, unit_id: str, network: Network, may_answer: bool) -> str:
    lines = [
        f"{KINDS.get(event.kind.value, event.kind.value)} invitation for {unit_id}",
        event.title,
        where(event.start, event.end, event.host, network),
        f"Participants: {', '.join(event.participants)}",
    ]
    if event.capability:
        lines.append(f"Capability: {_capability(network, event.capability)}")
    lines.append(
        "Answer for your unit:"
        if may_answer
        else "For your information (the unit's commander answers)."
    )
    return "\n".join(lines)


def answered(text: str, unit_id: str, answer: str) -> str:
    base = text.split("\n\nYour answer:")[0]
    return f"{base}\n\nYour answer: {unit_id} {ANSWER_WORDS[answer]}."


def cant_attend(event: TrainingEvent, unit_id: str, network: Network) -> str:
    return (
        f"⚠ {unit_id} can't attend {event.title} ({event.event_key}, "
        f"{where(event.start, event.end, event.host, network)}).\n"
        "Re-plan the calendar without it? Published events stay where they are as far as "
        "possible."
    )


def replanning(unit_id: str, seconds: float) -> str:
    return f"⏳ Re-planning without {unit_id} (at most {seconds:.0f} s)…"


def replan_proposal(
    plan_id: int, changes: Sequence[str], result: ScheduleResult, network: Network
) -> str:
    what = "\n".join(f"• {c}" for c in changes) or "• nothing moves"
    return (
        f"Re-plan of plan #{plan_id}. What changes:\n{what}\n\nEvery other published event "
        f"stays where it is.\n\n{format_table(result, network)}"
    )


def change_notice(change: EventChange, unit_id: str, still_in: bool) -> str:
    if not change.after:
        return f"📅 Cancelled: {change.title} ({change.before}) could not be kept."
    if not still_in:
        return f"📅 {unit_id} no longer takes part in {change.title} ({change.before})."
    moved = f"moved from {change.before} to {change.after}" if change.moved else change.after
    return f"📅 Calendar change for {unit_id}: {change.title} {moved}."


def replan_published(plan_id: int, changes: int, members: int) -> str:
    return (
        f"✅ Re-plan of plan #{plan_id} published: {changes} event"
        f"{'s' if changes != 1 else ''} changed; {members} members told."
    )


def reminder(notice: ReminderNotice, unit_id: str, network: Network, answer: str | None) -> str:
    event = notice.event
    status = f"Your unit's answer: {ANSWER_WORDS[answer]}." if answer else "Not answered yet."
    return (
        f"⏰ In {notice.days_before} days: {event.title}\n"
        f"{where(event.start, event.end, event.host, network)}\n"
        f"Participants: {', '.join(event.participants)}\n{unit_id}: {status}"
    )


def calendar(
    events: Sequence[TrainingEvent],
    answers: Mapping[int, Mapping[str, str]],
    mine: Sequence[str],
    network: Network,
    today: dt.date,
    coordinator: bool,
) -> str:
    upcoming = [e for e in events if e.end >= today]
    scope = "the network" if coordinator else ", ".join(mine)
    lines = [f"📅 Joint trainings, exercises and meetings for {scope}:"]
    for event in upcoming:
        mark = ""
        own = [u for u in mine if u in event.participants and event.id is not None]
        if own and event.id is not None:
            states = [
                f"{u}: {ANSWER_WORDS.get(answers.get(event.id, {}).get(u, ''), 'not answered')}"
                for u in own
            ]
            mark = f" [{'; '.join(states)}]"
        lines.append(
            f"• {where(event.start, event.end, event.host, network)}: {event.title}{mark}"
        )
    if not upcoming:
        lines.append("• nothing upcoming")
    past = len(events) - len(upcoming)
    if past:
        lines.append(f"({past} past event{'s' if past != 1 else ''} only in the file.)")
    lines.append("The .ics file below imports them into your own calendar.")
    return "\n".join(lines)


def readiness(
    stale: Sequence[StaleCapability], proposal: Mapping[str, Any], network: Network, months: int
) -> str:
    if not stale:
        return f"Every unit trained each of its capabilities jointly within {months} months."
    names = {c.code: c.name for c in network.capabilities}
    by_capability: dict[str, list[StaleCapability]] = defaultdict(list)
    for item in stale:
        by_capability[item.capability].append(item)
    lines = [
        f"Capabilities not trained jointly within {months} months "
        f"({len(stale)} unit capabilities):"
    ]
    for code in sorted(by_capability):
        items = by_capability[code]
        units = ", ".join(f"{i.unit} ({i.last.isoformat() if i.last else 'never'})" for i in items)
        lines.append(f"• {names.get(code, code)}: {units}")
    events = proposal.get("events", [])
    lines.append("")
    lines.append(
        f"Proposal: {len(events)} refresher training{'s' if len(events) != 1 else ''} "
        f"of {events[0]['duration_days'] if events else 0} days, units grouped by distance:"
    )
    for event in events:
        lines.append(f"• {event['title']}: {', '.join(event['participants'])}")
    return "\n".join(lines)


def poll_question(title: str, options: Sequence[Mapping[str, Any]], unit_id: str) -> str:
    lines = [f"🗳 Date vote for {unit_id}: {title}", "Which date suits your unit best?"]
    lines += [f"{n}. {option_line(o)}" for n, o in enumerate(options, 1)]
    return "\n".join(lines)


def option_line(option: Mapping[str, Any]) -> str:
    start = dt.date.fromisoformat(option["start"])
    end = dt.date.fromisoformat(option["end"])
    busy = option.get("conflicts") or []
    clash = f"; busy: {', '.join(busy)}" if busy else ""
    travel = f"; travel {option['travel_km']:,} km" if option.get("host") else ""
    return f"{where(start, end, option.get('host'), None)} ({start:%a}){travel}{clash}"


def poll_summary(
    poll_id: int,
    title: str,
    options: Sequence[Mapping[str, Any]],
    votes: Mapping[int, Sequence[str]],
    participants: Sequence[str],
) -> str:
    lines = [f"🗳 Meeting poll #{poll_id}: {title}", f"Participants: {', '.join(participants)}"]
    for n, option in enumerate(options):
        voters = votes.get(n, [])
        who = f": {', '.join(voters)}" if voters else ""
        lines.append(f"{n + 1}. {option_line(option)} — {len(voters)} vote(s){who}")
    voted = {u for units in votes.values() for u in units}
    waiting = [u for u in participants if u not in voted]
    if waiting:
        lines.append(f"Not voted yet: {', '.join(waiting)}")
    lines.append("Confirm a date when you are ready; it becomes a published meeting.")
    return "\n".join(lines)


def _capability(network: Network, code: str) -> str:
    for capability in network.capabilities:
        if capability.code == code:
            return capability.name
    return code
