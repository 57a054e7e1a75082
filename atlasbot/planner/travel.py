"""Estimated time of arrival of a unit at a crisis (docs/formats.md §3)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atlasbot.domain import Location, TransportMode, Unit
from atlasbot.geo import geodesic_km, geodesic_km_matrix
from atlasbot.i18n import N_, _


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
        if mode is TransportMode.HELICOPTER and distance_km > self.helicopter_max_km:
            return None
        return float(self._minutes(mode, distance_km))

    def travel_minutes_array(self, mode: TransportMode, distance_km: Any) -> Any:
        """``travel_minutes`` over a numpy array of distances (inf where the mode cannot)."""
        import numpy as np

        minutes = self._minutes(mode, np.asarray(distance_km, dtype=float))
        if mode is TransportMode.HELICOPTER:
            minutes = np.where(distance_km > self.helicopter_max_km, np.inf, minutes)
        return minutes

    def _minutes(self, mode: TransportMode, distance_km: Any) -> Any:
        """The one formula of each mode, for a float or an array (the same float arithmetic)."""
        if mode is TransportMode.ROAD:
            return distance_km * self.road_detour_factor / self.road_kmh * 60
        if mode is TransportMode.HELICOPTER:
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
        return _(
            _BREAKDOWNS[self.mode],
            mobilisation=self.mobilisation_minutes,
            travel=on_the_way,
            km=round(self.distance_km),
        )


# An ETA's breakdown by transport mode, each a whole sentence for its translation.
_BREAKDOWNS: dict[TransportMode, str] = {
    TransportMode.ROAD: N_("{mobilisation} min mobilisation + {travel} min by road ({km} km)"),
    TransportMode.HELICOPTER: N_(
        "{mobilisation} min mobilisation + {travel} min by helicopter ({km} km)"
    ),
    TransportMode.AIRCRAFT: N_(
        "{mobilisation} min mobilisation + {travel} min by aircraft ({km} km)"
    ),
}


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


def eta_matrix(
    units: Sequence[Unit],
    lats: Sequence[float] | Any,
    lons: Sequence[float] | Any,
    model: TravelModel = TravelModel(),
) -> Any:
    """Every unit's ETA in whole minutes at every place, vectorised with numpy: a float array
    of shape (places, units), inf where no mode of the unit gets there. Each entry equals
    ``eta(unit, Location(lat, lon), model).minutes`` (the distances by Vincenty's formula
    instead of Karney's differ by less than a millimetre)."""
    import numpy as np

    lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    result = np.full((len(lats), len(units)), np.inf)
    if not len(units) or not len(lats):
        return result
    distances = geodesic_km_matrix(
        lats, lons, [u.base.lat for u in units], [u.base.lon for u in units]
    )
    by_unit = np.ascontiguousarray(distances.T)  # one unit's distances side by side
    for column, unit in enumerate(units):
        travel = np.full(len(lats), np.inf)
        for mode in unit.transport:
            travel = np.minimum(travel, model.travel_minutes_array(mode, by_unit[column]))
        result[:, column] = np.ceil(unit.mobilisation_minutes + travel - 1e-9)
    return result


_MODE_ORDER = {mode: index for index, mode in enumerate(TransportMode)}
