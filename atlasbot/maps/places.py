"""The places a coverage map is computed for: a grid over the network's states, or towns."""

from __future__ import annotations

from collections.abc import Sequence

from atlasbot.gazetteer import Gazetteer
from atlasbot.geo import geodesic_km
from atlasbot.i18n import _
from atlasbot.maps.coverage import Place
from atlasbot.maps.outlines import Outlines

# Europe as the coverage grid spans it: Iceland to Cyprus, Crete to the North Cape.
EUROPE = (-25.0, 34.0, 35.0, 71.5)  # lon_min, lat_min, lon_max, lat_max
DEFAULT_STEP_DEG = 0.5


def grid_places(
    outlines: Outlines,
    towns: Gazetteer | None = None,
    *,
    step_deg: float = DEFAULT_STEP_DEG,
    box: tuple[float, float, float, float] = EUROPE,
) -> tuple[Place, ...]:
    """The points of a regular grid that lie in one of the network's states, each named by
    its coordinates (and its nearest town, when a gazetteer is given; then a state the grid
    misses is represented by its towns)."""
    import numpy as np

    lon_min, lat_min, lon_max, lat_max = box
    lons = np.arange(lon_min + step_deg / 2, lon_max, step_deg)
    lats = np.arange(lat_min + step_deg / 2, lat_max, step_deg)
    grid_lon, grid_lat = (a.ravel() for a in np.meshgrid(lons, lats))
    codes = outlines.country_at(grid_lat, grid_lon)
    kept = [i for i, code in enumerate(codes) if code]
    lats_kept = [round(float(grid_lat[i]), 4) for i in kept]
    lons_kept = [round(float(grid_lon[i]), 4) for i in kept]
    near = _nearest_towns(towns, lats_kept, lons_kept) if towns is not None else None
    grid = tuple(
        Place(
            _grid_name(lat, lon, near[n] if near is not None else None),
            codes[i],
            lat,
            lon,
        )
        for n, (i, lat, lon) in enumerate(zip(kept, lats_kept, lons_kept, strict=True))
    )
    if towns is None:
        return grid
    # A state too small for the grid (Luxembourg, Malta at half a degree) gets its towns.
    missed = {c.code for c in outlines.countries if c.code} - {p.country for p in grid}
    return grid + town_places(towns, sorted(missed))


def town_places(towns: Gazetteer, countries: Sequence[str] | None = None) -> tuple[Place, ...]:
    """The gazetteer's towns (of the given states only, when given)."""
    wanted = set(countries) if countries is not None else None
    return tuple(
        Place(t.name, t.country, t.lat, t.lon)
        for t in towns.places
        if wanted is None or t.country in wanted
    )


def _nearest_towns(
    towns: Gazetteer, lats: Sequence[float], lons: Sequence[float]
) -> list[tuple[str, float]]:
    import numpy as np

    places = towns.places
    if not places or not lats:
        return [("", 0.0)] * len(lats)
    # The nearest town by a flat approximation (it only names the point), then its distance
    # by the project's one geodesic.
    lat, lon = np.radians(np.asarray(lats))[:, None], np.radians(np.asarray(lons))[:, None]
    town_lat = np.radians([p.lat for p in places])[None, :]
    town_lon = np.radians([p.lon for p in places])[None, :]
    flat = np.hypot((town_lon - lon) * np.cos((lat + town_lat) / 2), town_lat - lat)
    nearest = np.argmin(flat, axis=1)
    return [
        (town.name, geodesic_km(lats[i], lons[i], town.lat, town.lon))
        for i, town in enumerate(places[int(j)] for j in nearest)
    ]


def _grid_name(lat: float, lon: float, near: tuple[str, float] | None) -> str:
    where = f"{abs(lat):.2f}°{'N' if lat >= 0 else 'S'} {abs(lon):.2f}°{'E' if lon >= 0 else 'W'}"
    if near is None or not near[0]:
        return where
    return _("{where} ({km} km from {town})", where=where, km=round(near[1]), town=near[0])
