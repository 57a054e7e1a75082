"""Estimated time of arrival of a unit at a crisis (docs/formats.md §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from atlasbot.domain import Location, TransportMode, Unit
from atlasbot.geo import geodesic_km


@dataclass(frozen=True, slots=True)
class TravelModel:
    """The travel model's settings; the defaults are the ones §3 fixes for `atlasbot plan`."""

    road_detour_factor: float = 1.3
    road_kmh: float = 80.0
    helicopter_kmh: float = 220.0
    helicopter_overhead_min: float = 15.0
    helicopter_max_km: float = 600.0
    aircraft_overhead_min: float = 120.0
    aircraft_kmh: float = 650.0

    def travel_minutes(self, mode: TransportMode, distance_km: float) -> float | None:
        """Minutes on the way by one mode, or None when the mode cannot cover the distance."""
        if mode is TransportMode.ROAD:
            return distance_km * self.road_detour_factor / self.road_kmh * 60
        if mode is TransportMode.HELICOPTER:
            if distance_km > self.helicopter_max_km:
                return None
            return distance_km / self.helicopter_kmh * 60 + self.helicopter_overhead_min
        return self.aircraft_overhead_min + distance_km / self.aircraft_kmh * 60


@dataclass(frozen=True, slots=True)
class Eta:
    """When a unit can be on scene: whole minutes from alert, and how it gets there."""

    minutes: int
    mode: TransportMode
    distance_km: float
    mobilisation_minutes: int
    travel_minutes: float

    def describe(self) -> str:
        """A breakdown such as "60 min mobilisation + 85 min by helicopter (239 km)"."""
        # The shown travel time absorbs the rounding up, so the two parts add up to the ETA.
        on_the_way = self.minutes - self.mobilisation_minutes
        return (
            f"{self.mobilisation_minutes} min mobilisation + {on_the_way} min by "
            f"{self.mode.value} ({round(self.distance_km)} km)"
        )


def eta(unit: Unit, location: Location, model: TravelModel = TravelModel()) -> Eta | None:
    """The unit's fastest arrival at the location, or None when no mode of it can get there."""
    distance = geodesic_km(unit.base.lat, unit.base.lon, location.lat, location.lon)
    best: tuple[float, TransportMode] | None = None
    for mode in unit.transport:
        minutes = model.travel_minutes(mode, distance)
        # Ties between modes go to the first in the enum's order, so the choice is stable.
        if minutes is not None and (
            best is None or (minutes, _MODE_ORDER[mode]) < (best[0], _MODE_ORDER[best[1]])
        ):
            best = (minutes, mode)
    if best is None:
        return None
    travel, mode = best
    return Eta(
        # The tiny tolerance keeps float noise (145.0000000001) from adding a whole minute.
        minutes=math.ceil(unit.mobilisation_minutes + travel - 1e-9),
        mode=mode,
        distance_km=distance,
        mobilisation_minutes=unit.mobilisation_minutes,
        travel_minutes=travel,
    )


_MODE_ORDER = {mode: index for index, mode in enumerate(TransportMode)}
