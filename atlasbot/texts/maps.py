"""The words around the maps: the plan and board maps' captions, /coverage's answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlasbot.i18n import _
from atlasbot.maps.coverage import Coverage


def plans_map_caption(title: str) -> str:
    """Under the plan map."""
    return _("🗺 {title}: the plans' units and their on-scene minutes", title=title)


def board_map_caption(title: str) -> str:
    """Under the board map."""
    return _("🗺 {title}: the units and their state now", title=title)


def board_map_button() -> str:
    """The board's map button."""
    return _("🗺 Map")


def coverage_not_allowed() -> str:
    """/coverage by someone who is neither a coordinator nor a competent authority."""
    return _("Only coordinators and competent authorities may see the network's coverage.")


def coverage_usage(codes: Sequence[str]) -> str:
    """/coverage without a known capability."""
    return _(
        "Usage: /coverage CAPABILITY [UNIT …] — the units named are assumed deployed "
        "(what if they leave?).\nCapabilities: {codes}",
        codes=", ".join(codes),
    )


def unknown_units(units: Sequence[str]) -> str:
    """/coverage naming units the registry does not know."""
    return _("Unknown units: {units}. Nothing was computed.", units=", ".join(units))


def what_if_button(unit: str) -> str:
    """A button under a coverage: the same coverage with one more unit deployed."""
    return _("🔮 What if {unit} is deployed?", unit=unit)


def coverage_title(capability: str, names: Mapping[str, str], deployed: Sequence[str]) -> str:
    """The coverage map's title."""
    name = names.get(capability, capability)
    if not deployed:
        return _("Coverage: {capability}", capability=name)
    return _(
        "Coverage: {capability}, if {units} deployed", capability=name, units=", ".join(deployed)
    )


def coverage_text(coverage: Coverage, title: str, worst: int, apart_km: float) -> str:
    """The ten worst-covered places under the map."""
    lines = [title, _("The {count} worst-covered places:", count=worst)]
    for number, item in enumerate(coverage.worst(worst, apart_km=apart_km), start=1):
        if item.minutes is None:
            lines.append(
                _(
                    "{n}. {place} ({country}): nobody can come",
                    n=number,
                    place=item.place.name,
                    country=item.place.country,
                )
            )
        else:
            lines.append(
                _(
                    "{n}. {place} ({country}): {minutes} min, {unit}",
                    n=number,
                    place=item.place.name,
                    country=item.place.country,
                    minutes=item.minutes,
                    unit=item.unit,
                )
            )
    reached = [p.minutes for p in coverage.places if p.minutes is not None]
    if reached:
        lines.append(
            _(
                "{places} places; median {median} min; nobody can come to {none}.",
                places=len(coverage.places),
                median=sorted(reached)[len(reached) // 2],
                none=len(coverage.places) - len(reached),
            )
        )
    return "\n".join(lines)
