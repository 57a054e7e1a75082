"""Make data/outlines.json, the country outlines the maps draw, from the npm package
world-atlas (Natural Earth 1:50m countries as TopoJSON, ISC licence; the data is public domain).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/make_outlines.py package/countries-50m.json > data/outlines.json

Only what Europe's maps need is kept: the polygons that reach into the box below, their
coordinates rounded to 0.01 degree, each country under its ISO 3166-1 alpha-2 code when the
network knows the state (else under "" with its name), so a map can tell the network's
states from their neighbours and the coverage grid can tell on which state's soil a place is.
"""

from __future__ import annotations

import json
import sys
from typing import Any

# The box (lon_min, lat_min, lon_max, lat_max) Europe's maps draw.
BOX = (-32.0, 30.0, 45.0, 72.0)

# ISO 3166-1 numeric -> alpha-2, for the network's 30 states and the neighbours drawn by name.
ALPHA2 = {
    "040": "AT", "056": "BE", "100": "BG", "191": "HR", "196": "CY", "203": "CZ", "208": "DK",
    "233": "EE", "246": "FI", "250": "FR", "276": "DE", "300": "GR", "348": "HU", "372": "IE",
    "380": "IT", "428": "LV", "440": "LT", "442": "LU", "470": "MT", "528": "NL", "616": "PL",
    "620": "PT", "642": "RO", "703": "SK", "705": "SI", "724": "ES", "752": "SE", "578": "NO",
    "756": "CH", "352": "IS",
}  # fmt: skip


def _arc_points(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    rounded: list[list[float]] = []
    for lon, lat in points:
        point = [round(lon, 2), round(lat, 2)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    return rounded


def _in_box(ring: list[list[float]]) -> bool:
    return any(BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3] for lon, lat in ring)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as file:
        topology = json.load(file)
    arcs = _arc_points(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs", [])
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        kept = []
        for polygon in polygons:
            rings = [_ring(arcs, ring) for ring in polygon]
            if rings and _in_box(rings[0]) and len(rings[0]) >= 4:
                kept.append(rings)
        if kept:
            countries.append(
                {
                    "code": ALPHA2.get(str(geometry.get("id", "")), ""),
                    "name": geometry["properties"]["name"],
                    "polygons": kept,
                }
            )
    countries.sort(key=lambda c: (c["code"] == "", c["code"], c["name"]))
    json.dump(
        {
            "source": "world-atlas 2.0.2 countries-50m.json (Natural Earth, public domain)",
            "box": BOX,
            "countries": countries,
        },
        sys.stdout,
        separators=(",", ":"),
    )


if __name__ == "__main__":
    main(sys.argv[1])
