"""A Gantt chart of the calendar by unit, sized to be read on a phone.

Rows are units (grouped by country), bars are their events, coloured by kind; the host's own
bar has a dark outline, virtual events are hatched. Month ticks along a shared time axis, with
the year under the first month and under every January, so a plan across New Year reads right.
PNG by default; SVG on request (the CLI picks it from the file name).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from atlasbot.domain import Network
from atlasbot.i18n import N_, _
from atlasbot.training.calendar import ScheduledEvent, ScheduleResult
from atlasbot.training.events_file import EventKind
from atlasbot.training.report import kind_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

KIND_COLOURS = {
    EventKind.TRAINING: "#1f77b4",
    EventKind.EXERCISE: "#d62728",
    EventKind.MEETING: "#2ca02c",
}
WIDTH_INCHES = 7.2  # 1080 px at 150 dpi: a phone screen's width
ROW_INCHES = 0.32
DPI = 150
ChartFormat = Literal["png", "svg"]
# The chart formats by file suffix; a path without a suffix gets PNG.
CHART_SUFFIXES: dict[str, ChartFormat] = {".png": "png", ".svg": "svg", "": "png"}


def chart_format(path: str | Path) -> ChartFormat | None:
    """The format a chart file's name asks for, or None when it is neither PNG nor SVG."""
    return CHART_SUFFIXES.get(Path(path).suffix.lower())


def gantt_png(
    result: ScheduleResult,
    network: Network,
    path_or_buffer: str | Path | IO[bytes],
    *,
    title: str | None = None,
    image_format: ChartFormat = "png",
) -> None:
    """Draw the schedule as a Gantt chart (PNG, or SVG), one row per participating unit;
    the title defaults to "Joint trainings, exercises and meetings"."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the bot and the CLI run headless
    import matplotlib.pyplot as plt

    bars = _bars_by_unit(result)
    # Days since the first month shown: plain numbers keep the axis simple and typed.
    first = min((e.start for e in result.events), default=dt.date(2000, 1, 1)).replace(day=1)
    last = max((e.end for e in result.events), default=first)
    order = {unit.id: index for index, unit in enumerate(network.units)}
    units = sorted(bars, key=lambda u: (_country_of(network, u), order.get(u, len(order)), u))
    height = max(4.0, 1.6 + ROW_INCHES * len(units))
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        _draw_bars(axes, units, bars, first)
        _draw_axes(axes, units, first, last)
        axes.set_title(
            title if title is not None else _("Joint trainings, exercises and meetings"),
            fontsize=14,
            pad=28,
        )
        _draw_legend(axes, height)
        figure.tight_layout()
        # No date in the file and fixed SVG element ids: the same schedule gives the same bytes.
        metadata = {"Date": None} if image_format == "svg" else {}
        with matplotlib.rc_context({"svg.hashsalt": "atlasbot"}):
            figure.savefig(path_or_buffer, format=image_format, dpi=DPI, metadata=metadata)
    finally:
        plt.close(figure)


def _bars_by_unit(result: ScheduleResult) -> dict[str, list[ScheduledEvent]]:
    """Each participating unit's events, in the schedule's order."""
    bars: dict[str, list[ScheduledEvent]] = defaultdict(list)
    for placed in result.events:
        for unit_id in placed.participants:
            bars[unit_id].append(placed)
    return bars


def _draw_bars(
    axes: Axes,
    units: Sequence[str],
    bars: Mapping[str, Sequence[ScheduledEvent]],
    first: dt.date,
) -> None:
    """One bar per unit and event: coloured by kind, outlined for the host, hatched if virtual."""
    for row, unit_id in enumerate(units):
        for placed in bars[unit_id]:
            start = (placed.start - first).days
            length = (placed.end - placed.start).days + 1
            axes.barh(
                row,
                length,
                left=start,
                height=0.72,
                color=KIND_COLOURS.get(placed.kind, "#7f7f7f"),
                edgecolor="black" if placed.host == unit_id else "none",
                linewidth=1.2,
                hatch="///" if placed.host is None else None,
                alpha=0.85,
            )


def _draw_axes(axes: Axes, units: Sequence[str], first: dt.date, last: dt.date) -> None:
    """Units down the side, month ticks along the top and bottom, a light grid per month."""
    axes.set_yticks(range(len(units)), labels=units, fontsize=11)
    axes.set_ylim(len(units) - 0.4, -0.6)
    months = _month_starts(first, last)
    axes.set_xticks([(month - first).days for month in months], labels=month_labels(months))
    axes.set_xlim(0, (last - first).days + 3)
    axes.tick_params(axis="x", labelsize=11, labeltop=True, top=True)
    axes.grid(axis="x", color="#cccccc", linewidth=0.6)
    axes.set_axisbelow(True)


def _draw_legend(axes: Axes, height: float) -> None:
    """The kinds' colours, the host's outline and the virtual hatch, under the chart."""
    from matplotlib.patches import Patch

    legend = [
        Patch(facecolor=colour, label=kind_name(kind)) for kind, colour in KIND_COLOURS.items()
    ]
    legend.append(Patch(facecolor="white", edgecolor="black", label=_("host")))
    legend.append(Patch(facecolor="white", edgecolor="grey", hatch="///", label=_("virtual")))
    axes.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02 - 0.5 / height),
        ncol=5,
        fontsize=10,
        frameon=False,
    )


def _country_of(network: Network, unit_id: str) -> str:
    try:
        return network.unit(unit_id).country
    except KeyError:
        return ""


# Month abbreviations of the axis, translated when drawn (not the process's C locale).
MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def month_labels(months: Sequence[dt.date]) -> list[str]:
    """``Mar``; the first month and every January also carry the year: ``Jan\n2028``."""
    return [
        _("{month}\n{year}", month=_(MONTHS[month.month - 1]), year=month.year)
        if index == 0 or month.month == 1
        else _(MONTHS[month.month - 1])
        for index, month in enumerate(months)
    ]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from ``first``'s month to ``last``'s."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months
