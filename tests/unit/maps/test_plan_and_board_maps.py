"""The plan map and the board map: PNGs of the right size, with every marker where the
projection puts it (the expected pixels computed here from the frame's bounds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlasbot.domain import Location, Network, make_request
from atlasbot.maps.board_map import BoardMap, BoardUnit, render_board_map, state_colour
from atlasbot.maps.frame import Frame
from atlasbot.maps.plan_map import (
    CRISIS_COLOUR,
    LEFT_OUT_COLOUR,
    plan_colour,
    plan_map,
    render_plan_map,
)
from atlasbot.network import load_network
from atlasbot.planner.matching import plan_single

from .pixels import colour_near, distinct_colours, image

NETWORK_FILE = Path(__file__).parents[3] / "data" / "network.yaml"
ANTWERP = Location(51.2194, 4.4025, "Antwerp")


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(NETWORK_FILE)


def expected_pixel(frame: Frame, lat: float, lon: float) -> tuple[float, float]:
    """Plate carrée over the frame's bounds, rows from the top: linear in lon and in lat."""
    return (
        (lon - frame.lon_min) * frame.width_px / (frame.lon_max - frame.lon_min),
        (frame.lat_max - lat) * frame.height_px / (frame.lat_max - frame.lat_min),
    )


def test_the_frame_keeps_the_pictures_shape_and_shows_every_point_with_a_margin() -> None:
    frame = Frame.around([(51.2, 4.4), (52.5, 13.4), (48.9, 2.35)])
    assert frame.lon_min < 2.35 and frame.lon_max > 13.4
    assert frame.lat_min < 48.9 and frame.lat_max > 52.5
    # Square picture: the projected width (cosine-scaled) equals the height.
    width = (frame.lon_max - frame.lon_min) * frame.x_scale
    assert width == pytest.approx(frame.lat_max - frame.lat_min)


def test_the_plan_map_puts_the_crisis_each_plans_units_and_the_left_out_where_they_are(
    network: Network,
) -> None:
    request = make_request(
        id="r",
        requesting_country="BE",
        crisis="hostage_taking",
        location=ANTWERP,
        needs={"hostage_rescue": 2, "eod": 1},
        assistance=["action"],
    )
    planning = plan_single(network, request, alternatives=2).requests[0]
    spec = plan_map("Crisis #1, Antwerp", planning, network)
    png = render_plan_map(spec)
    picture = image(png)
    assert picture.size == (1080, 1080)
    assert distinct_colours(picture) > 50, "a map, not a blank picture"
    frame = spec.frame
    assert colour_near(picture, expected_pixel(frame, ANTWERP.lat, ANTWERP.lon), CRISIS_COLOUR)
    plan_one = planning.plans[0]
    for planned in plan_one.units:
        base = network.unit(planned.id).base
        where = expected_pixel(frame, base.lat, base.lon)
        assert colour_near(picture, where, plan_colour(1)), planned.id
    # Each unit's label says its on-scene minutes and the plans it is in.
    labels = {u.id: u.label for u in spec.units}
    assert all(f"{u.eta_minutes} min" in labels[u.id] for u in plan_one.units)
    left_out = [u for u in spec.units if u.rank == 0]
    assert left_out, "the nearest units in no plan are shown, greyed"
    shown = [u for u in left_out if 0 <= expected_pixel(frame, u.lat, u.lon)[0] < 1080]
    for unit in shown:
        pixel = expected_pixel(frame, unit.lat, unit.lon)
        if 0 <= pixel[1] < 1080:
            assert colour_near(picture, pixel, LEFT_OUT_COLOUR), unit.id
    # Nothing blue where no unit is: the mirror of plan 1's first unit across the crisis.
    first = network.unit(plan_one.units[0].id).base
    mirror = expected_pixel(frame, 2 * ANTWERP.lat - first.lat, 2 * ANTWERP.lon - first.lon)
    assert not colour_near(picture, mirror, plan_colour(1), radius=1)


def test_the_board_map_colours_each_unit_by_its_state() -> None:
    units = (
        BoardUnit("de-1", 52.52, 13.41, "on_scene", "de-1 · ON SCENE"),
        BoardUnit("nl-1", 52.37, 4.89, "departed", "nl-1 · en route"),
        BoardUnit("fr-1", 48.85, 2.35, "declined", "fr-1 · declined"),
    )
    spec = BoardMap(
        "Crisis #2",
        ANTWERP,
        units,
        (("on_scene", "ON SCENE"), ("departed", "en route"), ("declined", "declined")),
    )
    picture = image(render_board_map(spec))
    assert picture.size == (1080, 1080)
    frame = spec.frame
    assert colour_near(picture, expected_pixel(frame, ANTWERP.lat, ANTWERP.lon), CRISIS_COLOUR)
    for unit in units:
        where = expected_pixel(frame, unit.lat, unit.lon)
        assert colour_near(picture, where, state_colour(unit.state)), unit.id
    assert state_colour("on_scene") != state_colour("departed") != state_colour("declined")
