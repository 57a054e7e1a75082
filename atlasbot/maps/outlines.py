"""The country outlines the maps draw (data/outlines.json, made by tools/make_outlines.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_OUTLINES_FILE = Path(__file__).parents[2] / "data" / "outlines.json"

Ring = tuple[tuple[float, float], ...]  # (lon, lat) points, the first ring of a polygon outside


@dataclass(frozen=True, slots=True)
class CountryOutline:
    """One country's polygons; ``code`` is its ISO alpha-2 code when the network knows it."""

    code: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]


@dataclass(frozen=True, slots=True)
class Outlines:
    """Every outline in the file, network states first."""

    countries: tuple[CountryOutline, ...]

    def country_at(self, lats: Sequence[float] | Any, lons: Sequence[float] | Any) -> list[str]:
        """The network state each point lies in ("" at sea or outside the network's states)."""
        import numpy as np
        from matplotlib.path import Path as MplPath

        points = np.column_stack([np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)])
        found = np.full(len(points), "", dtype=object)
        for country in self.countries:
            if not country.code:
                continue
            for polygon in country.polygons:
                ring = np.asarray(polygon[0])
                (lon0, lat0), (lon1, lat1) = ring.min(axis=0), ring.max(axis=0)
                # Only the points in the polygon's box are tested against the polygon.
                near = np.flatnonzero(
                    (points[:, 0] >= lon0)
                    & (points[:, 0] <= lon1)
                    & (points[:, 1] >= lat0)
                    & (points[:, 1] <= lat1)
                    & (found == "")
                )
                if not len(near):
                    continue
                inside = MplPath(ring).contains_points(points[near])
                for hole in polygon[1:]:
                    inside &= ~MplPath(hole).contains_points(points[near])
                found[near[inside]] = country.code
        return [str(code) for code in found]


@lru_cache(maxsize=4)
def load_outlines(path: str | Path = DEFAULT_OUTLINES_FILE) -> Outlines:
    """Read the outlines file (once per path: it does not change while the bot runs)."""
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    return Outlines(
        tuple(
            CountryOutline(
                str(item["code"]),
                str(item["name"]),
                tuple(
                    tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
                    for polygon in item["polygons"]
                ),
            )
            for item in data["countries"]
        )
    )
