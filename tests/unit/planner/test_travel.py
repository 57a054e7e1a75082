"""The §3 travel model: each mode, the helicopter range, rounding up."""

from __future__ import annotations

import math

import pytest
from planner_factories import unit

from atlasbot.domain import Location, TransportMode
from atlasbot.geo import geodesic_km
from atlasbot.planner.travel import TravelModel, eta

# Two points on the equator, 1 degree of longitude apart: 111.32 km on WGS-84.
ORIGIN = Location(0.0, 0.0)
ONE_DEGREE_EAST = Location(0.0, 1.0)


def _distance(location: Location) -> float:
    return geodesic_km(0.0, 0.0, location.lat, location.lon)


def test_distance_is_the_wgs84_geodesic() -> None:
    assert _distance(ONE_DEGREE_EAST) == pytest.approx(111.3195, abs=0.001)


def test_road_travel_uses_the_detour_factor_and_80_kmh() -> None:
    result = eta(unit("a-1", "DE", {}, lat=0, lon=0, mobilisation=30), ONE_DEGREE_EAST)
    assert result is not None
    d = _distance(ONE_DEGREE_EAST)
    assert result.mode is TransportMode.ROAD
    assert result.minutes == math.ceil(30 + d * 1.3 / 80 * 60)


def test_helicopter_travel_is_220_kmh_plus_15_minutes() -> None:
    u = unit("a-1", "DE", {}, lat=0, lon=0, transport=[TransportMode.HELICOPTER])
    result = eta(u, ONE_DEGREE_EAST)
    assert result is not None
    assert result.mode is TransportMode.HELICOPTER
    assert result.minutes == math.ceil(60 + _distance(ONE_DEGREE_EAST) / 220 * 60 + 15)


def test_aircraft_travel_is_two_hours_plus_650_kmh() -> None:
    u = unit("a-1", "DE", {}, lat=0, lon=0, transport=[TransportMode.AIRCRAFT])
    result = eta(u, ONE_DEGREE_EAST)
    assert result is not None
    assert result.minutes == math.ceil(60 + 120 + _distance(ONE_DEGREE_EAST) / 650 * 60)


def test_the_fastest_mode_wins() -> None:
    modes = [TransportMode.ROAD, TransportMode.HELICOPTER, TransportMode.AIRCRAFT]
    near = eta(unit("a-1", "DE", {}, lat=0, lon=0, transport=modes), Location(0.0, 0.1))
    far = eta(unit("a-1", "DE", {}, lat=0, lon=0, transport=modes), Location(0.0, 5.0))
    very_far = eta(unit("a-1", "DE", {}, lat=0, lon=0, transport=modes), Location(0.0, 20.0))
    assert near is not None
    assert far is not None
    assert very_far is not None
    assert near.mode is TransportMode.ROAD
    assert far.mode is TransportMode.HELICOPTER
    assert very_far.mode is TransportMode.AIRCRAFT


def test_helicopters_fly_up_to_600_km_and_no_further() -> None:
    heli = [TransportMode.HELICOPTER]
    inside = Location(0.0, 5.38)  # about 599 km
    outside = Location(0.0, 5.40)  # about 601 km
    assert _distance(inside) < 600 < _distance(outside)
    assert eta(unit("a-1", "DE", {}, lat=0, lon=0, transport=heli), inside) is not None
    assert eta(unit("a-1", "DE", {}, lat=0, lon=0, transport=heli), outside) is None
    both = [TransportMode.HELICOPTER, TransportMode.AIRCRAFT]
    beyond = eta(unit("a-1", "DE", {}, lat=0, lon=0, transport=both), outside)
    assert beyond is not None
    assert beyond.mode is TransportMode.AIRCRAFT


def test_the_eta_is_rounded_up_to_whole_minutes() -> None:
    result = eta(unit("a-1", "DE", {}, lat=0, lon=0, mobilisation=0), ONE_DEGREE_EAST)
    assert result is not None
    exact = _distance(ONE_DEGREE_EAST) * 1.3 / 80 * 60  # 108.54 minutes
    assert exact % 1 != 0
    assert result.minutes == math.ceil(exact) == 109
    assert result.travel_minutes == pytest.approx(exact)


def test_a_unit_at_the_crisis_arrives_after_its_mobilisation() -> None:
    result = eta(unit("a-1", "DE", {}, lat=0, lon=0, mobilisation=45), ORIGIN)
    assert result is not None
    assert result.minutes == 45


def test_the_breakdown_reads_as_mobilisation_plus_travel() -> None:
    u = unit("a-1", "DE", {}, lat=0, lon=0, transport=[TransportMode.HELICOPTER])
    result = eta(u, ONE_DEGREE_EAST)
    assert result is not None
    assert result.describe() == "60 min mobilisation + 46 min by helicopter (111 km)"


def test_the_travel_model_settings_can_change() -> None:
    slow_roads = TravelModel(road_kmh=40)
    fast = eta(unit("a-1", "DE", {}, lat=0, lon=0), ONE_DEGREE_EAST)
    slow = eta(unit("a-1", "DE", {}, lat=0, lon=0), ONE_DEGREE_EAST, slow_roads)
    assert fast is not None
    assert slow is not None
    assert slow.minutes - 60 == pytest.approx(2 * (fast.minutes - 60), abs=1)


def test_the_distance_equals_geopys_geodesic() -> None:
    from geopy.distance import geodesic

    for lat1, lon1, lat2, lon2 in [(50.85, 4.35, 52.52, 13.40), (38.7, -9.1, 60.2, 24.9)]:
        expected = geodesic((lat1, lon1), (lat2, lon2)).km
        assert geodesic_km(lat1, lon1, lat2, lon2) == pytest.approx(expected, abs=1e-9)
