"""The plans on a map: the crisis, each plan's units with a line to it and their on-scene
time, and the nearest units left out, greyed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atlasbot.domain import Location, Network
from atlasbot.geo import geodesic_km
from atlasbot.i18n import _
from atlasbot.maps import canvas as draw
from atlasbot.maps.frame import Frame
from atlasbot.maps.outlines import Outlines, load_outlines
from atlasbot.planner.results import RequestPlanning

CRISIS_COLOUR = "#d62728"
PLAN_COLOURS = ("#1f5fbf", "#e07b00", "#2a9d3a", "#8e44ad")
LEFT_OUT_COLOUR = "#a0a0a0"
NEARBY_LEFT_OUT = 6  # how many of the nearest left-out units are shown


@dataclass(frozen=True, slots=True)
class MapUnit:
    """A unit as a plan map shows it: where, its label, and its plan's rank (0: left out)."""

    id: str
    lat: float
    lon: float
    label: str
    rank: int


@dataclass(frozen=True, slots=True)
class PlanMap:
    """What the plan map draws, in plain values (its frame computed from them)."""

    title: str
    crisis: Location
    units: tuple[MapUnit, ...]
    ranks: tuple[int, ...]

    @property
    def frame(self) -> Frame:
        """Around the crisis and the planned units (the units left out show where they fall)."""
        points = [(self.crisis.lat, self.crisis.lon)]
        points += [(u.lat, u.lon) for u in self.units if u.rank]
        return Frame.around(points)


def plan_colour(rank: int) -> str:
    """The colour of plan ``rank`` (1, 2, …); grey for a unit left out (0)."""
    return PLAN_COLOURS[(rank - 1) % len(PLAN_COLOURS)] if rank > 0 else LEFT_OUT_COLOUR


def plan_map(title: str, planning: RequestPlanning, network: Network) -> PlanMap:
    """The plans of one request as a map: each unit in its best plan's colour, labelled with
    its on-scene minutes and the plans it is in; the nearest units in no plan, greyed."""
    where = planning.request.location
    best: dict[str, int] = {}
    in_plans: dict[str, list[int]] = {}
    minutes: dict[str, int] = {}
    for plan in planning.plans:
        for planned in plan.units:
            best.setdefault(planned.id, plan.rank)
            in_plans.setdefault(planned.id, []).append(plan.rank)
            minutes[planned.id] = planned.eta_minutes
    units = [
        MapUnit(
            unit_id,
            network.unit(unit_id).base.lat,
            network.unit(unit_id).base.lon,
            _(
                "{unit} {minutes} min ({plans})",
                unit=unit_id,
                minutes=minutes[unit_id],
                plans=",".join(str(r) for r in in_plans[unit_id]),
            ),
            rank,
        )
        for unit_id, rank in best.items()
    ]
    others = sorted(
        (u for u in network.units if u.id not in best),
        key=lambda u: geodesic_km(u.base.lat, u.base.lon, where.lat, where.lon),
    )[:NEARBY_LEFT_OUT]
    units += [MapUnit(u.id, u.base.lat, u.base.lon, u.id, 0) for u in others]
    return PlanMap(title, where, tuple(units), tuple(p.rank for p in planning.plans))


def render_plan_map(spec: PlanMap, outlines: Outlines | None = None) -> bytes:
    """The plan map as a PNG (1080 x 1080 pixels)."""
    frame = spec.frame
    with draw.canvas(frame, outlines or load_outlines()) as (figure, axes):
        for unit in sorted(spec.units, key=lambda u: -u.rank if u.rank else -99):
            colour = plan_colour(unit.rank)
            if unit.rank:
                axes.plot(
                    [frame.x(unit.lon), frame.x(spec.crisis.lon)],
                    [unit.lat, spec.crisis.lat],
                    color=colour,
                    lw=2.2 if unit.rank == 1 else 1.4,
                    ls="-" if unit.rank == 1 else "--",
                    zorder=draw.Z_LINES,
                )
            axes.plot(
                frame.x(unit.lon),
                unit.lat,
                marker="o",
                markersize=9 if unit.rank else 7,
                color=colour,
                markeredgecolor="white",
                zorder=draw.Z_MARKERS + (1 if unit.rank else 0),
            )
            draw.label(axes, frame, unit.lat, unit.lon, unit.label, _text(colour))
        _crisis(axes, frame, spec.crisis)
        draw.title_box(axes, [spec.title, _("On-scene minutes from the alert")])
        draw.legend(axes, _legend(spec.ranks))
        return draw.png_bytes(figure)


def _text(colour: str) -> str:
    return "#606060" if colour == LEFT_OUT_COLOUR else colour


def _crisis(axes: object, frame: Frame, where: Location) -> None:
    axes.plot(  # type: ignore[attr-defined]
        frame.x(where.lon),
        where.lat,
        marker="*",
        markersize=22,
        color=CRISIS_COLOUR,
        markeredgecolor="black",
        markeredgewidth=0.8,
        zorder=draw.Z_MARKERS + 2,
    )


def _legend(ranks: Sequence[int]) -> list[tuple[str, str, str]]:
    entries = [("*", CRISIS_COLOUR, _("crisis"))]
    entries += [("o", plan_colour(rank), _("plan {rank}", rank=rank)) for rank in ranks]
    entries.append(("o", LEFT_OUT_COLOUR, _("left out")))
    return entries
