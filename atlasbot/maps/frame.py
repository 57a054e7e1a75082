"""Where on the picture a place lands: a plate carrée stretched by the cosine of the middle
latitude (distances look right around it), fitted to a fixed picture size."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

WIDTH_PX = 1080  # a phone screen's width, at DPI below
HEIGHT_PX = 1080
DPI = 150


@dataclass(frozen=True, slots=True)
class Frame:
    """The part of the earth a map shows, and the picture's size in pixels."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float
    width_px: int = WIDTH_PX
    height_px: int = HEIGHT_PX

    @property
    def x_scale(self) -> float:
        """How much narrower a degree of longitude is than one of latitude, mid-frame."""
        return math.cos(math.radians((self.lat_min + self.lat_max) / 2))

    def x(self, lon: float) -> float:
        """The projected x of a longitude (the drawing's data coordinate)."""
        return lon * self.x_scale

    def pixel(self, lat: float, lon: float) -> tuple[float, float]:
        """The pixel (column, row from the top) where a place lands in the PNG."""
        column = (lon - self.lon_min) / (self.lon_max - self.lon_min) * self.width_px
        row = (self.lat_max - lat) / (self.lat_max - self.lat_min) * self.height_px
        return column, row

    @classmethod
    def around(
        cls,
        points: Iterable[tuple[float, float]],
        *,
        margin: float = 0.12,
        min_span_deg: float = 3.0,
        width_px: int = WIDTH_PX,
        height_px: int = HEIGHT_PX,
    ) -> Frame:
        """The smallest frame of the picture's shape that shows every (lat, lon) with a margin."""
        lats, lons = zip(*points, strict=True)
        mid_lat = (min(lats) + max(lats)) / 2
        scale = math.cos(math.radians(mid_lat))
        half_h = max((max(lats) - min(lats)) / 2, min_span_deg / 2)
        half_w = max((max(lons) - min(lons)) / 2 * scale, min_span_deg / 2 * scale)
        half_h, half_w = half_h * (1 + 2 * margin), half_w * (1 + 2 * margin)
        aspect = width_px / height_px
        half_w, half_h = max(half_w, half_h * aspect), max(half_h, half_w / aspect)
        mid_lon = (min(lons) + max(lons)) / 2
        lat_min, lat_max = mid_lat - half_h, mid_lat + half_h
        # The cosine is taken at the frame's middle latitude, which is mid_lat: consistent.
        return cls(
            mid_lon - half_w / scale,
            mid_lon + half_w / scale,
            lat_min,
            lat_max,
            width_px,
            height_px,
        )
