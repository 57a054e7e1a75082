"""The shared drawing: a figure whose axes fill the picture exactly (so a place's pixel is
``Frame.pixel``), the sea, the countries, a title box, a legend, PNG bytes out."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from atlasbot.maps.frame import DPI, Frame
from atlasbot.maps.outlines import Outlines

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SEA = "#dbe8f3"
LAND = "#f3f0e8"
NETWORK_LAND = "#e9e3d3"
BORDER = "#9a9a9a"
# Drawing order, bottom to top: lines under markers, labels under markers, markers on top
# (so a marker's pixel shows the marker's colour).
Z_LAND, Z_LINES, Z_LABELS, Z_MARKERS, Z_TOP = 1, 3, 4, 6, 8


@contextmanager
def canvas(frame: Frame, outlines: Outlines) -> Iterator[tuple[Figure, Axes]]:
    """A figure of the frame's pixel size with the countries drawn; closed afterwards."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the bot and the CLI run headless
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(frame.width_px / DPI, frame.height_px / DPI), dpi=DPI)
    try:
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(frame.x(frame.lon_min), frame.x(frame.lon_max))
        axes.set_ylim(frame.lat_min, frame.lat_max)
        axes.set_facecolor(SEA)
        axes.set_xticks([])
        axes.set_yticks([])
        for spine in axes.spines.values():
            spine.set_visible(False)
        _draw_countries(axes, frame, outlines)
        yield figure, axes
    finally:
        plt.close(figure)


def _draw_countries(axes: Axes, frame: Frame, outlines: Outlines) -> None:
    from matplotlib.patches import Polygon

    for country in outlines.countries:
        colour = NETWORK_LAND if country.code else LAND
        for polygon in country.polygons:
            ring = _unwrapped(polygon[0])
            lons = [p[0] for p in ring]
            lats = [p[1] for p in ring]
            if (
                max(lons) < frame.lon_min
                or min(lons) > frame.lon_max
                or max(lats) < frame.lat_min
                or min(lats) > frame.lat_max
            ):
                continue
            xy = [(frame.x(lon), lat) for lon, lat in ring]
            axes.add_patch(
                Polygon(xy, closed=True, facecolor=colour, edgecolor=BORDER, lw=0.6, zorder=Z_LAND)
            )


def _unwrapped(ring: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring across the antimeridian (Russia's far east) continued past 180° east."""
    if max(p[0] for p in ring) - min(p[0] for p in ring) <= 180:
        return list(ring)
    return [(lon + 360 if lon < 0 else lon, lat) for lon, lat in ring]


def title_box(axes: Axes, lines: Sequence[str]) -> None:
    """The title (first line bold) in a white box at the top left."""
    text = "\n".join(lines)
    axes.text(
        0.015,
        0.985,
        text,
        transform=axes.transAxes,
        va="top",
        ha="left",
        fontsize=13,
        zorder=Z_TOP,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "alpha": 0.9, "lw": 0.5},
    )


def legend(
    axes: Axes,
    entries: Sequence[tuple[str, str, str]],
    columns: int = 1,
) -> None:
    """A legend at the bottom left, in ``columns``: (marker, colour, label) per entry."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker=marker, color=colour, linestyle="", markersize=10, label=label)
        for marker, colour, label in entries
    ]
    box = axes.legend(
        handles=handles, loc="lower left", ncols=columns, fontsize=12, framealpha=0.9
    )
    box.set_zorder(Z_TOP)


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, at the frame's exact pixel size (no trimming)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def label(axes: Axes, frame: Frame, lat: float, lon: float, text: str, colour: str) -> None:
    """A short label beside a marker, on a light halo so it reads over lines and borders."""
    import matplotlib.patheffects as effects

    # Towards the picture's right edge the label goes to the marker's left, to stay in view.
    right = frame.pixel(lat, lon)[0] > frame.width_px * 0.7
    axes.annotate(
        text,
        (frame.x(lon), lat),
        xytext=(-7 if right else 7, 5),
        textcoords="offset points",
        ha="right" if right else "left",
        fontsize=11,
        color=colour,
        zorder=Z_LABELS,
        path_effects=[effects.withStroke(linewidth=2.5, foreground="white")],
    )
