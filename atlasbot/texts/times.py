"""Times as a member reads them: in their own zone, with the zone's abbreviation.

Pure: a moment (timezone-aware) and a zone come in, words go out. Which zone a member reads
in is decided by ``atlasbot.services.zones.zone_of``; every text that shows a time to a member
formats it here, so "19:40 WET" reads the same in an alert, a rota and a crisis board.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from atlasbot.i18n import format_day_time


def zone_abbreviation(moment: datetime, zone: ZoneInfo) -> str:
    """'WET', 'CEST', 'EET' (or '+03' where the zone has no letters) at that moment."""
    return moment.astimezone(zone).tzname() or zone.key


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """'19:40 WET': the clock time in the zone, with its abbreviation ('—' for no time)."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {zone_abbreviation(moment, zone)}"


def local_datetime(moment: datetime | None, zone: ZoneInfo) -> str:
    """'Mon 04 Jan 19:40 WET': day, date and clock time in the zone."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone)
    return f"{format_day_time(local)} {zone_abbreviation(moment, zone)}"


def local_date_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """'2027-01-04 19:40 WET': a full date and time in the zone (lists and logs)."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_abbreviation(moment, zone)}"
