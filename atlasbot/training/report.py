"""Plain renderings of a schedule: the §8 JSON object and a table for the terminal."""

from __future__ import annotations

from typing import Any

from atlasbot.domain import Network
from atlasbot.training.calendar import ScheduleResult
from atlasbot.training.replan import format_days


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
    headers = ("Dates", "Event", "Kind", "Host", "Units", "Travel km")
    rows = []
    for placed in result.events:
        if placed.host is None:
            host = "virtual"
        else:
            host = f"{placed.host} ({network.unit(placed.host).country})"
        rows.append(
            (
                format_days(placed.start, placed.end),
                _one_line(f"{placed.id}: {placed.title}"),
                placed.kind.value,
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
        out.append(f"Not placed ({len(result.unscheduled)}):")
        out.extend(
            f"  {_one_line(f'{missing.id}: {missing.reason}')}" for missing in result.unscheduled
        )
    out.append("")
    bound = ""
    if result.lower_bound_km != result.total_travel_km:
        bound = f" (best bound {result.lower_bound_km:,} km)"
    count = len(result.events)
    out.append(
        f"Status: {result.status.value}; {count} event{'' if count == 1 else 's'} placed; "
        f"total travel {result.total_travel_km:,} km{bound}; solved in {result.solve_ms:,.0f} ms"
    )
    return "\n".join(out)


def _one_line(text: str) -> str:
    """A cell on one line: a title may hold line breaks or tabs, which would break the table."""
    return " ".join(text.split())
