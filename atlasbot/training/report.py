"""Plain renderings of a schedule: the §8 JSON object and a table for the terminal.

The JSON keeps the format's codes; the table's words go through ``atlasbot.i18n`` (an
operator reads it in the terminal, members in the chat).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import N_, _, ngettext
from atlasbot.training.calendar import ScheduleResult, ScheduleStatus
from atlasbot.training.events_file import EventKind
from atlasbot.training.replan import format_days

EVENT_KINDS: Mapping[EventKind, str] = {
    EventKind.TRAINING: N_("training"),
    EventKind.EXERCISE: N_("exercise"),
    EventKind.MEETING: N_("meeting"),
}
STATUSES: Mapping[ScheduleStatus, str] = {
    ScheduleStatus.OPTIMAL: N_("optimal"),
    ScheduleStatus.FEASIBLE: N_("feasible"),
    ScheduleStatus.PARTIAL: N_("partial"),
}


def kind_name(kind: EventKind) -> str:
    """An event's kind as a word ("training")."""
    return _(EVENT_KINDS[kind])


def result_to_json(result: ScheduleResult) -> dict[str, Any]:
    """The schedule as docs/formats.md §8's JSON object (dates as YYYY-MM-DD)."""
    return {
        "status": result.status.value,
        "solve_ms": float(result.solve_ms),
        "total_travel_km": result.total_travel_km,
        "lower_bound_km": result.lower_bound_km,
        "events": [
            {
                "id": placed.id,
                "start": placed.start.isoformat(),
                "end": placed.end.isoformat(),
                "host": placed.host,
                "participants": list(placed.participants),
                "travel_km": placed.travel_km,
            }
            for placed in result.events
        ],
        "unscheduled": [
            {"id": missing.id, "reason": missing.reason} for missing in result.unscheduled
        ],
    }


def format_table(result: ScheduleResult, network: Network) -> str:
    """A readable terminal table: one line per event, then the unplaced ones and totals."""
    headers = (_("Dates"), _("Event"), _("Kind"), _("Host"), _("Units"), _("Travel km"))
    rows = []
    for placed in result.events:
        if placed.host is None:
            host = _("virtual")
        else:
            host = f"{placed.host} ({network.unit(placed.host).country})"
        rows.append(
            (
                format_days(placed.start, placed.end),
                _one_line(f"{placed.id}: {placed.title}"),
                kind_name(placed.kind),
                host,
                str(len(placed.participants)),
                f"{placed.travel_km:,}",
            )
        )
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    numeric = {4, 5}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    out = [line(headers), line(tuple("-" * w for w in widths))]
    out.extend(line(row) for row in rows)
    if result.unscheduled:
        out.append("")
        out.append(_("Not placed ({count}):", count=len(result.unscheduled)))
        out.extend(
            f"  {_one_line(f'{missing.id}: {missing.reason}')}" for missing in result.unscheduled
        )
    out.append("")
    out.append(_totals(result))
    return "\n".join(out)


def format_list(result: ScheduleResult, network: Network) -> str:
    """The schedule as a list for the chat, where a wide table wraps into noise on a phone:
    one bullet an event (dates, title, kind, host, units, travel), then the unplaced ones and
    the totals."""
    out = []
    for placed in result.events:
        if placed.host is None:
            host = _("virtual")
        else:
            host = _(
                "host {unit} ({country})",
                unit=placed.host,
                country=network.unit(placed.host).country,
            )
        out.append(
            _(
                "• {dates}: {title} — {kind}, {host}, {units}, {km:,} km of travel",
                dates=format_days(placed.start, placed.end),
                title=_one_line(f"{placed.id}: {placed.title}"),
                kind=kind_name(placed.kind),
                host=host,
                units=ngettext("{count} unit", "{count} units", len(placed.participants)),
                km=placed.travel_km,
            )
        )
    if result.unscheduled:
        out.append("")
        out.append(_("Not placed ({count}):", count=len(result.unscheduled)))
        out.extend(
            f"• {_one_line(f'{missing.id}: {missing.reason}')}" for missing in result.unscheduled
        )
    out.append("")
    out.append(_totals(result))
    return "\n".join(out)


def _totals(result: ScheduleResult) -> str:
    """The status, events placed, total travel (and the best bound) and the solve time."""
    bound = ""
    if result.lower_bound_km != result.total_travel_km:
        bound = _(" (best bound {km:,} km)", km=result.lower_bound_km)
    return _(
        "Status: {status}; {placed}; total travel {km:,} km{bound}; solved in {ms:,.0f} ms",
        status=_(STATUSES[result.status]),
        placed=ngettext("{count} event placed", "{count} events placed", len(result.events)),
        km=result.total_travel_km,
        bound=bound,
        ms=result.solve_ms,
    )


def _one_line(text: str) -> str:
    """A cell on one line: a title may hold line breaks or tabs, which would break the table."""
    return " ".join(text.split())
