"""The coverage drawn and exported: each place coloured by how soon help could be there,
the units that could come, the worst-covered places numbered; GeoJSON for other tools."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.maps import canvas as draw
from atlasbot.maps.coverage import Coverage, PlaceCoverage
from atlasbot.maps.frame import Frame
from atlasbot.maps.outlines import Outlines, load_outlines

# Upper bounds in minutes and their colours, soonest first; nobody at all is black.
BANDS: tuple[tuple[int, str], ...] = (
    (60, "#1a9850"),
    (120, "#91cf60"),
    (180, "#d9ef8b"),
    (240, "#fee08b"),
    (360, "#fc8d59"),
    (10**9, "#d73027"),
)
NOBODY_COLOUR = "#222222"
UNIT_COLOUR = "#1f3a93"
HEIGHT_PX = 1350
LEGEND_ROOM = 0.2  # of the places' height, added below them
WORST_APART_KM = 150.0  # the numbered places are at least this far apart


def band_colour(minutes: int | None) -> str:
    """The colour of a place's earliest on-scene time."""
    if minutes is None:
        return NOBODY_COLOUR
    return next(colour for bound, colour in BANDS if minutes <= bound)


def coverage_frame(coverage: Coverage) -> Frame:
    """The frame around every place of the coverage."""
    # Portrait, as a phone holds it, with room at the bottom for the legend.
    points = [(p.place.lat, p.place.lon) for p in coverage.places]
    lats = [lat for lat, _lon in points]
    span = max(lats) - min(lats)
    points.append((min(lats) - LEGEND_ROOM * span, points[0][1]))
    return Frame.around(
        points,
        margin=0.03,
        min_span_deg=2.0,
        height_px=HEIGHT_PX,
    )


def render_coverage_map(
    coverage: Coverage,
    network: Network,
    title: str,
    *,
    worst: int = 10,
    outlines: Outlines | None = None,
) -> bytes:
    """The coverage map as a PNG (1080 x 1080 pixels)."""
    frame = coverage_frame(coverage)
    with draw.canvas(frame, outlines or load_outlines()) as (figure, axes):
        axes.scatter(
            [frame.x(p.place.lon) for p in coverage.places],
            [p.place.lat for p in coverage.places],
            c=[band_colour(p.minutes) for p in coverage.places],
            s=_cell_size(coverage, frame),
            marker="s",
            linewidths=0,
            zorder=draw.Z_LINES - 1,
            alpha=0.85,
        )
        units = [u for u in network.units if u.teams_of(coverage.question.capability) > 0]
        axes.scatter(
            [frame.x(u.base.lon) for u in units],
            [u.base.lat for u in units],
            marker="^",
            s=60,
            c=UNIT_COLOUR,
            edgecolors="white",
            zorder=draw.Z_MARKERS,
        )
        _number_worst(axes, frame, coverage.worst(worst, apart_km=WORST_APART_KM))
        draw.title_box(axes, [title, _("Earliest full team on scene from another state")])
        draw.legend(axes, _legend(), columns=2)
        return draw.png_bytes(figure)


def _cell_size(coverage: Coverage, frame: Frame) -> float:
    """Marker area (points²) of one grid cell: the gap between neighbouring places."""
    lats = sorted({p.place.lat for p in coverage.places})
    gaps = [b - a for a, b in itertools.pairwise(lats) if b - a > 1e-6]
    step = min(gaps, default=0.5)
    points_per_degree = frame.height_px / (frame.lat_max - frame.lat_min) * 72 / 150
    # A little more than the gap, so neighbouring cells meet.
    return float(max(4.0, (1.2 * step * points_per_degree) ** 2))


def _number_worst(axes: Any, frame: Frame, worst: Sequence[PlaceCoverage]) -> None:
    for number, item in enumerate(worst, start=1):
        axes.plot(
            frame.x(item.place.lon),
            item.place.lat,
            marker="o",
            markersize=13,
            markerfacecolor="white",
            markeredgecolor="black",
            zorder=draw.Z_MARKERS + 1,
        )
        axes.text(
            frame.x(item.place.lon),
            item.place.lat,
            str(number),
            ha="center",
            va="center",
            fontsize=8,
            zorder=draw.Z_MARKERS + 2,
        )


def _legend() -> list[tuple[str, str, str]]:
    entries = []
    lower = 0
    for bound, colour in BANDS:
        text = (
            _("{low}–{high} min", low=lower, high=bound)
            if bound < 10**9
            else _("over {low} min", low=lower)
        )
        entries.append(("s", colour, text))
        lower = bound
    entries.append(("s", NOBODY_COLOUR, _("nobody can come")))
    entries.append(("^", UNIT_COLOUR, _("unit with the capability")))
    entries.append(("o", "black", _("worst covered (numbered)")))
    return entries


def coverage_geojson(coverage: Coverage) -> dict[str, Any]:
    """The coverage as a GeoJSON FeatureCollection of points (minutes null: nobody)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.place.lon, p.place.lat]},
                "properties": {
                    "name": p.place.name,
                    "country": p.place.country,
                    "capability": coverage.question.capability,
                    "minutes": p.minutes,
                    "unit": p.unit,
                },
            }
            for p in coverage.places
        ],
    }


def coverage_geojson_text(coverage: Coverage) -> str:
    """``coverage_geojson`` as JSON text."""
    return json.dumps(coverage_geojson(coverage), ensure_ascii=False, indent=1)
