"""A Gantt chart of the calendar by unit, sized to be read on a phone.

Rows are units (grouped by country, each named with its id, name and country), bars are their
events, coloured by kind and labelled with the event's id (inside the bar when it fits, beside
it otherwise); a one-day meeting is drawn at least ``MIN_BAR_FRACTION`` of the span wide, so
it is never a hairline. The host's own bar has a dark outline; virtual events are pale, densely
hatched and dashed. Month ticks along a shared time axis, with the year under the first month
and under every January, so a plan across New Year reads right; a span of up to
``DAY_TICKS_UP_TO`` days gets day ticks instead. PNG by default; SVG on request (the CLI picks
it from the file name), its text kept as text so that labels can be searched.
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
# The narrowest bar, as a share of the days shown (1/120 of a year: about 3 days, 9 px).
MIN_BAR_FRACTION = 1 / 120
# Spans up to this many days get day (or weekly) ticks instead of month ticks.
DAY_TICKS_UP_TO = 62
# The axis' width in inches and a label character's width (fontsize 7), to fit labels.
_AXIS_INCHES = 5.0
_CHAR_INCHES = 0.058
_UNIT_NAME_CHARACTERS = 14


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
    # Days since the first day shown: plain numbers keep the axis simple and typed.
    first, last = _span(result)
    order = {unit.id: index for index, unit in enumerate(network.units)}
    units = sorted(bars, key=lambda u: (_country_of(network, u), order.get(u, len(order)), u))
    height = max(4.0, 1.6 + ROW_INCHES * len(units))
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        _draw_bars(axes, units, bars, first, (last - first).days + 3)
        _draw_axes(axes, [unit_label(network, u) for u in units], first, last)
        axes.set_title(
            title if title is not None else _("Joint trainings, exercises and meetings"),
            fontsize=14,
            pad=28,
        )
        _draw_legend(axes, height)
        figure.tight_layout()
        # No date in the file and fixed SVG element ids: the same schedule gives the same bytes.
        metadata = {"Date": None} if image_format == "svg" else {}
        # SVG text as text (not paths): the labels can be read and searched.
        with matplotlib.rc_context({"svg.hashsalt": "atlasbot", "svg.fonttype": "none"}):
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


def _span(result: ScheduleResult) -> tuple[dt.date, dt.date]:
    """The first and last day shown: from the first month (or, for a short span, two days
    before the first event) to the last event's end."""
    start = min((e.start for e in result.events), default=dt.date(2000, 1, 1))
    last = max((e.end for e in result.events), default=start)
    if (last - start).days <= DAY_TICKS_UP_TO:
        return start - dt.timedelta(days=2), last
    return start.replace(day=1), last


def unit_label(network: Network, unit_id: str) -> str:
    """A row's name: ``de-1 · GSG 9 (DE)`` (the name cut to fit a phone)."""
    try:
        unit = network.unit(unit_id)
    except KeyError:
        return unit_id
    name = unit.name
    if len(name) > _UNIT_NAME_CHARACTERS:
        name = name[: _UNIT_NAME_CHARACTERS - 1].rstrip() + "…"
    return f"{unit_id} · {name} ({unit.country})"


def bar_width(start: dt.date, end: dt.date, span_days: int) -> float:
    """A bar's width in days: its length, but never narrower than ``MIN_BAR_FRACTION``."""
    return max((end - start).days + 1.0, span_days * MIN_BAR_FRACTION)


def _draw_bars(
    axes: Axes,
    units: Sequence[str],
    bars: Mapping[str, Sequence[ScheduledEvent]],
    first: dt.date,
    span_days: int,
) -> None:
    """One bar per unit and event: coloured by kind, outlined for the host, pale, hatched and
    dashed if virtual, labelled with the event's id."""
    for row, unit_id in enumerate(units):
        placed_bars = sorted(bars[unit_id], key=lambda e: (e.start, e.id))
        lefts = [(e.start - first).days for e in placed_bars] + [span_days]
        free_from = 0.0  # where the row's next label may begin without covering another
        for index, placed in enumerate(placed_bars):
            start = lefts[index]
            width = bar_width(placed.start, placed.end, span_days)
            colour = KIND_COLOURS.get(placed.kind, "#7f7f7f")
            virtual = placed.host is None
            axes.barh(
                row,
                width,
                left=start,
                height=0.72,
                color=colour,
                edgecolor=colour if virtual else ("black" if placed.host == unit_id else "none"),
                linewidth=1.2,
                linestyle="--" if virtual else "-",
                hatch="xxxx" if virtual else None,
                alpha=0.45 if virtual else 0.85,
                gid=f"bar-{placed.id}-{unit_id}",
            )
            free_from = _label_bar(
                axes,
                (row, start, width, placed.id),
                span_days,
                room=(free_from, lefts[index + 1]),
                dark=not virtual,
            )


def _label_bar(
    axes: Axes,
    bar: tuple[int, float, float, str],
    span_days: int,
    *,
    room: tuple[float, float],
    dark: bool,
) -> float:
    """The event's id inside its bar when it fits, else just right of it when that covers no
    other bar or label (else none: the bar's colour and row still say what it is). Returns
    where the next label of the row may begin."""
    row, start, width, label = bar
    label_days = len(label) * _CHAR_INCHES * span_days / _AXIS_INCHES
    if label_days <= width:
        x, align, colour = start + width / 2, "center", "white" if dark else "black"
        ends = start + width
    else:
        x, align, colour = start + width + span_days * 0.004, "left", "black"
        ends = x + label_days
        if x < room[0] or ends > room[1]:
            return max(room[0], start + width)
    axes.text(x, row, label, ha=align, va="center", fontsize=7, color=colour, clip_on=True)
    return ends


def _draw_axes(axes: Axes, units: Sequence[str], first: dt.date, last: dt.date) -> None:
    """Units down the side, month (or day) ticks along the top and bottom, a light grid."""
    axes.set_yticks(range(len(units)), labels=units, fontsize=9)
    axes.set_ylim(len(units) - 0.4, -0.6)
    if (last - first).days <= DAY_TICKS_UP_TO + 2:  # _span starts a short one 2 days early
        days = _day_ticks(first, last)
        axes.set_xticks([(day - first).days for day in days], labels=day_labels(days))
    else:
        months = _month_starts(first, last)
        axes.set_xticks([(month - first).days for month in months], labels=month_labels(months))
    axes.set_xlim(0, (last - first).days + 3)
    axes.tick_params(axis="x", labelsize=9, labeltop=True, top=True)
    axes.grid(axis="x", color="#cccccc", linewidth=0.6)
    axes.set_axisbelow(True)


def _day_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day of a span up to two weeks; every Monday (and the first day) of a longer one."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 3)]
    if len(days) <= 16:
        return days
    return [day for index, day in enumerate(days) if index == 0 or day.weekday() == 0]


def day_labels(days: Sequence[dt.date]) -> list[str]:
    """``3``; the first day and every first of a month also carry the month: ``1\nMar``."""
    return [
        _("{day}\n{month}", day=day.day, month=_(MONTHS[day.month - 1]))
        if index == 0 or day.day == 1 or days[index - 1].month != day.month
        else str(day.day)
        for index, day in enumerate(days)
    ]


def _draw_legend(axes: Axes, height: float) -> None:
    """The kinds' colours, the host's outline and the virtual hatch, under the chart."""
    from matplotlib.patches import Patch

    legend = [
        Patch(facecolor=colour, label=kind_name(kind)) for kind, colour in KIND_COLOURS.items()
    ]
    legend.append(Patch(facecolor="white", edgecolor="black", label=_("host")))
    legend.append(
        Patch(
            facecolor="white", edgecolor="grey", hatch="xxxx", linestyle="--", label=_("virtual")
        )
    )
    axes.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02 - 0.5 / height),
        ncol=5,
        fontsize=8,
        handlelength=1.6,
        columnspacing=1.0,
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
