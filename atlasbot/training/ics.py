"""The calendar as an iCalendar (.ics) file members import into their own calendars.

UIDs are ``<event-id>@<year>.atlasbot``, the year being the horizon's first: stable across
runs, so a re-published calendar updates the events members already imported instead of
duplicating them, while ``mar-1`` of the 2027 file and ``mar-1`` of the 2028 file stay two
events. Without a plan the id alone is used (``<event-id>@atlasbot``): the caller's ids must
then be unique on their own. Pass ``sequences`` (event id -> revision number) when
re-publishing moved events, so clients accept the newer version.

The chat uses the same ``event_uid`` with the year of the plan's horizon, so the file of
``atlasbot schedule --ics`` and the chat's files update one and the same event. An event that
ends (cancelled, or a unit's part in it ended) is sent with ``STATUS:CANCELLED`` and a higher
``SEQUENCE``; ``calendar_update`` with ``method="CANCEL"`` is the iTIP cancellation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.training.calendar import ScheduledEvent, ScheduleResult
from atlasbot.training.events_file import EventsPlan
from atlasbot.training.report import kind_name

UID_DOMAIN = "atlasbot"
PRODUCT_ID = "-//atlasbot//joint training calendar//EN"


def event_uid(event_id: str, year: int | None = None) -> str:
    """The stable iCalendar UID of an event, of the plan whose horizon starts in ``year``."""
    return f"{event_id}@{UID_DOMAIN}" if year is None else f"{event_id}@{year}.{UID_DOMAIN}"


def to_ics(
    result: ScheduleResult,
    network: Network,
    plan: EventsPlan | None = None,
    *,
    dtstamp: dt.datetime | None = None,
    sequences: Mapping[str, int] | None = None,
    calendar_name: str | None = None,
) -> bytes:
    """One all-day VEVENT per placed event; reproducible when ``dtstamp`` is given. The
    calendar is named "ATLAS joint trainings" unless ``calendar_name`` is given.

    Without ``dtstamp`` the stamp is midnight UTC of the horizon start (or the first event),
    never the clock, so the same schedule always gives the same bytes.
    """
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("ATLAS joint trainings") if calendar_name is None else calendar_name
    calendar.add("x-wr-calname", name)
    stamp = dtstamp or _default_stamp(result, plan)
    year = plan.horizon.start.year if plan is not None else None
    for placed in result.events:
        entry = CalendarEntry(placed, year, (sequences or {}).get(placed.id, 0))
        calendar.add_component(_vevent(entry, network, stamp, Event))
    ical: bytes = calendar.to_ical()
    return ical


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One event as a calendar file carries it: its UID year, revision and whether it ended
    (for everyone, or for the unit whose calendar this is)."""

    placed: ScheduledEvent
    year: int | None
    sequence: int = 0
    cancelled: bool = False


def _vevent(entry: CalendarEntry, network: Network, stamp: dt.datetime, factory: Any) -> Any:
    placed = entry.placed
    vevent = factory()
    vevent.add("uid", event_uid(placed.id, entry.year))
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", placed.start)
    # All-day DTEND is exclusive: the day after the last day.
    vevent.add("dtend", placed.end + dt.timedelta(days=1))
    vevent.add("summary", placed.title)
    vevent.add("location", _location(network, placed))
    vevent.add("description", _description(network, placed))
    vevent.add("categories", [placed.kind.value])
    vevent.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    vevent.add("sequence", entry.sequence)
    vevent.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return vevent


def calendar_update(
    entries: Sequence[CalendarEntry],
    network: Network,
    *,
    dtstamp: dt.datetime,
    method: str = "PUBLISH",
    calendar_name: str | None = None,
) -> bytes:
    """A calendar of published events as they stand now (``method`` PUBLISH), or the
    cancellation of events that ended (``method`` CANCEL: every entry cancelled)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    name = _("ATLAS joint trainings") if calendar_name is None else calendar_name
    calendar.add("x-wr-calname", name)
    for entry in entries:
        calendar.add_component(_vevent(entry, network, dtstamp, Event))
    ical: bytes = calendar.to_ical()
    return ical


def _default_stamp(result: ScheduleResult, plan: EventsPlan | None) -> dt.datetime:
    if plan is not None:
        day = plan.horizon.start
    elif result.events:
        day = min(e.start for e in result.events)
    else:
        day = dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _location(network: Network, placed: ScheduledEvent) -> str:
    if placed.host is None:
        return "Virtual"
    unit = network.unit(placed.host)
    country = _country_name(network, unit.country)
    return f"{unit.base.place}, {country}" if unit.base.place else country


def _country_name(network: Network, code: str) -> str:
    try:
        return network.country(code).name
    except KeyError:
        return code


def _description(network: Network, placed: ScheduledEvent) -> str:
    names = []
    for unit_id in placed.participants:
        try:
            unit = network.unit(unit_id)
            names.append(f"{unit.name} ({unit_id}, {unit.country})")
        except KeyError:
            names.append(unit_id)
    host = _("Host: {host}", host=placed.host) if placed.host else _("Virtual meeting")
    capability = (
        _("Capability: {capability}\n", capability=placed.capability) if placed.capability else ""
    )
    return _(
        "{kind}: {title}\n{host}\n{capability}Participants:\n{participants}",
        kind=kind_name(placed.kind).capitalize(),
        title=placed.title,
        host=host,
        capability=capability,
        participants="\n".join(f"- {name}" for name in names),
    )
