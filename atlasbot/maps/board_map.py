"""A crisis's board on a map: the crisis and each asked unit in the colour of its state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atlasbot.domain import Location
from atlasbot.i18n import _
from atlasbot.maps import canvas as draw
from atlasbot.maps.frame import Frame
from atlasbot.maps.outlines import Outlines, load_outlines
from atlasbot.maps.plan_map import CRISIS_COLOUR

# A unit's state on the board (a deployment's state, else its state's answer) -> colour.
STATE_COLOURS = {
    "pending": "#8e44ad",
    "countered": "#8e44ad",
    "ordered": "#e07b00",
    "mobilising": "#e07b00",
    "departed": "#1f5fbf",
    "on_scene": "#2a9d3a",
    "released": "#555555",
}
OTHER_COLOUR = "#a0a0a0"  # declined, no response, withdrawn, rejected


def state_colour(state: str) -> str:
    """The colour of a unit's state on the board map."""
    return STATE_COLOURS.get(state, OTHER_COLOUR)


@dataclass(frozen=True, slots=True)
class BoardUnit:
    """A unit on the board map: where its base is, its state (key) and its label."""

    id: str
    lat: float
    lon: float
    state: str
    label: str


@dataclass(frozen=True, slots=True)
class BoardMap:
    """What the board map draws."""

    title: str
    crisis: Location
    units: tuple[BoardUnit, ...]
    legend: tuple[tuple[str, str], ...]  # (state key, its name) for the states shown

    @property
    def frame(self) -> Frame:
        points = [(self.crisis.lat, self.crisis.lon)] + [(u.lat, u.lon) for u in self.units]
        return Frame.around(points)


def render_board_map(spec: BoardMap, outlines: Outlines | None = None) -> bytes:
    """The board map as a PNG (1080 x 1080 pixels)."""
    frame = spec.frame
    with draw.canvas(frame, outlines or load_outlines()) as (figure, axes):
        for unit in spec.units:
            colour = state_colour(unit.state)
            axes.plot(
                [frame.x(unit.lon), frame.x(spec.crisis.lon)],
                [unit.lat, spec.crisis.lat],
                color=colour,
                lw=1.8,
                ls="-" if colour != OTHER_COLOUR else ":",
                zorder=draw.Z_LINES,
            )
            axes.plot(
                frame.x(unit.lon),
                unit.lat,
                marker="o",
                markersize=10,
                color=colour,
                markeredgecolor="white",
                zorder=draw.Z_MARKERS,
            )
            draw.label(axes, frame, unit.lat, unit.lon, unit.label, colour)
        axes.plot(
            frame.x(spec.crisis.lon),
            spec.crisis.lat,
            marker="*",
            markersize=22,
            color=CRISIS_COLOUR,
            markeredgecolor="black",
            markeredgewidth=0.8,
            zorder=draw.Z_MARKERS + 2,
        )
        draw.title_box(axes, [spec.title, _("Units and their state now")])
        draw.legend(axes, _legend(spec.legend))
        return draw.png_bytes(figure)


def _legend(states: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    entries = [("*", CRISIS_COLOUR, _("crisis"))]
    entries += [("o", state_colour(key), name) for key, name in states]
    return entries
