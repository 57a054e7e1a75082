"""Coverage: the vectorised ETAs equal the planner's, each place's figure is what the planner's
best plan for one team there takes, the memo computes once per readiness, the map shows it."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from atlasbot.domain import Location, Network, TransportMode, UnitStatus, make_request
from atlasbot.gazetteer import Gazetteer
from atlasbot.maps.coverage import (
    Coverage,
    CoverageMemo,
    CoverageQuestion,
    Place,
    compute_coverage,
)
from atlasbot.maps.coverage_map import (
    UNIT_COLOUR,
    band_colour,
    coverage_frame,
    coverage_geojson,
    render_coverage_map,
)
from atlasbot.maps.outlines import load_outlines
from atlasbot.maps.places import grid_places, town_places
from atlasbot.network import load_network
from atlasbot.planner.matching import plan_single
from atlasbot.planner.travel import TravelModel, eta, eta_matrix

from .pixels import colour_near, distinct_colours, image
from .test_plan_and_board_maps import expected_pixel

NETWORK_FILE = Path(__file__).parents[3] / "data" / "network.yaml"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(NETWORK_FILE)


@pytest.fixture(scope="module")
def towns() -> tuple[Place, ...]:
    return town_places(Gazetteer.load())


def planner_figure(network: Network, place: Place, question: CoverageQuestion) -> int | None:
    """The planner's answer: plan 1's on-scene minutes for one team at the place."""
    request = make_request(
        id="p",
        requesting_country=place.country,
        crisis="hostage_taking",
        location=Location(place.lat, place.lon),
        needs={question.capability: 1},
        assistance=question.assistance,
        include_partners=question.include_partners,
    )
    deployed = network.with_statuses(dict.fromkeys(question.deployed, UnitStatus.DEPLOYED))
    planning = plan_single(deployed, request, alternatives=0, step_minutes=1).requests[0]
    if not planning.plans or planning.plans[0].total_shortfall:
        return None
    return planning.plans[0].latest_eta_minutes


def test_the_eta_matrix_equals_the_planners_eta_for_every_unit_and_place(
    network: Network,
) -> None:
    generator = random.Random(7)
    lats = [generator.uniform(34, 71) for _ in range(300)]
    lons = [generator.uniform(-25, 35) for _ in range(300)]
    matrix = eta_matrix(network.units, lats, lons)
    for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        for j, unit in enumerate(network.units):
            one = eta(unit, Location(lat, lon))
            assert matrix[i, j] == (one.minutes if one else float("inf"))


def test_a_helicopter_only_unit_beyond_its_range_cannot_come() -> None:
    unit = load_network(NETWORK_FILE).units[0]
    helicopter = dataclasses.replace(unit, transport=(TransportMode.HELICOPTER,))
    far = unit.base.lat + 8.0  # about 890 km north
    matrix = eta_matrix([helicopter], [unit.base.lat, far], [unit.base.lon, unit.base.lon])
    assert matrix[0, 0] == unit.mobilisation_minutes + TravelModel().helicopter_overhead_min
    assert matrix[1, 0] == float("inf")


@pytest.mark.parametrize(
    "question",
    [
        CoverageQuestion("eod"),
        CoverageQuestion("hostage_rescue", ("expertise",), include_partners=True),
        CoverageQuestion("divers"),
        CoverageQuestion("eod", deployed=("de-1", "at-1")),
    ],
    ids=lambda q: f"{q.capability}-{'-'.join(q.deployed) or 'ready'}",
)
def test_each_places_figure_is_the_planners_best_plan_for_one_team_there(
    network: Network, towns: tuple[Place, ...], question: CoverageQuestion
) -> None:
    sample = random.Random(3).sample(towns, 12)
    coverage = compute_coverage(network, sample, question)
    for item in coverage.places:
        assert item.minutes == planner_figure(network, item.place, question), item.place.name


def test_home_reserves_and_readiness_count(network: Network) -> None:
    """A state with no unit to spare beyond its reserve gives none; a unit that is not ready
    gives nothing: the place's figure worsens exactly as the planner's does."""
    place = Place("Antwerp", "BE", 51.2194, 4.4025)
    question = CoverageQuestion("eod")
    before = compute_coverage(network, [place], question).places[0]
    assert before.unit is not None
    giver = network.unit(before.unit).country
    reserved = dataclasses.replace(
        network,
        countries=tuple(
            dataclasses.replace(c, home_reserve=99) if c.code == giver else c
            for c in network.countries
        ),
    )
    after = compute_coverage(reserved, [place], question).places[0]
    assert after.unit is not None and network.unit(after.unit).country != giver
    assert after.minutes == planner_figure(reserved, place, question)
    assert after.minutes is not None and before.minutes is not None
    assert after.minutes >= before.minutes


def test_what_if_the_best_unit_is_deployed(network: Network) -> None:
    place = Place("Antwerp", "BE", 51.2194, 4.4025)
    now = compute_coverage(network, [place], CoverageQuestion("eod")).places[0]
    assert now.unit is not None
    question = CoverageQuestion("eod", deployed=(now.unit,))
    then = compute_coverage(network, [place], question).places[0]
    assert then.unit != now.unit
    assert then.minutes == planner_figure(network, place, question)


def test_the_worst_places_come_first_and_apart(network: Network) -> None:
    places = grid_places(load_outlines(), step_deg=1.0)
    coverage = compute_coverage(network, places, CoverageQuestion("eod"))
    worst = coverage.worst(10, apart_km=150)
    assert len(worst) == 10
    minutes = [w.minutes or 10**9 for w in worst]
    assert minutes == sorted(minutes, reverse=True)
    assert minutes[0] == max(p.minutes or 10**9 for p in coverage.places)


def test_the_grid_covers_the_network_states_only() -> None:
    outlines = load_outlines()
    assert outlines.country_at([48.86, 52.52, 55.0, 51.5], [2.35, 13.40, -20.0, -0.12]) == [
        "FR",
        "DE",
        "",  # the Atlantic
        "",  # London: not a network state
    ]
    coarse = grid_places(outlines, step_deg=1.0)
    assert {"FR", "DE", "IS", "NO"} <= {p.country for p in coarse}
    assert "MT" not in {p.country for p in coarse}, "Malta falls between the points"
    # With the gazetteer, a state the grid misses is represented by its towns.
    places = grid_places(outlines, Gazetteer.load(), step_deg=1.0)
    states = {c.code for c in outlines.countries if c.code}
    assert {p.country for p in places} == states
    assert any(p.name == "Valletta" for p in places)


def test_the_memo_computes_once_per_readiness(network: Network, towns: tuple[Place, ...]) -> None:
    memo = CoverageMemo()
    question = CoverageQuestion("eod")
    first = memo.coverage(network, towns, question)
    assert memo.coverage(network, towns, question) is first
    assert memo.computed == 1
    changed = network.with_statuses({"de-1": UnitStatus.UNAVAILABLE})
    memo.coverage(changed, towns, question)
    assert memo.computed == 2


def test_the_coverage_map_colours_places_and_shows_the_units(network: Network) -> None:
    places = grid_places(load_outlines(), step_deg=0.5)
    coverage = compute_coverage(network, places, CoverageQuestion("eod"))
    picture = image(render_coverage_map(coverage, network, "Coverage: eod"))
    frame = coverage_frame(coverage)
    assert picture.size == (1080, 1350)
    assert distinct_colours(picture) > 50
    for unit in network.units:
        if unit.teams_of("eod"):
            where = expected_pixel(frame, unit.base.lat, unit.base.lon)
            assert colour_near(picture, where, UNIT_COLOUR), unit.id
    # A place far from every unit, numbered marker and box shows its band's colour.
    checked = 0
    for item in _quiet_places(coverage, network):
        pixel = expected_pixel(frame, item.place.lat, item.place.lon)
        assert colour_near(picture, pixel, band_colour(item.minutes), radius=1), item.place
        checked += 1
    assert checked >= 5


def _quiet_places(coverage: Coverage, network: Network) -> list:  # type: ignore[type-arg]
    """Places in the middle of the map, away from units and the worst places' markers."""
    worst = coverage.worst(10, apart_km=150)
    chosen = []
    for item in coverage.places[::97]:
        if not 40 <= item.place.lat <= 62 or item in worst:
            continue
        if any(
            abs(item.place.lat - u.base.lat) < 1.5 and abs(item.place.lon - u.base.lon) < 2.5
            for u in network.units
        ) or any(
            abs(item.place.lat - w.place.lat) < 1.5 and abs(item.place.lon - w.place.lon) < 2.5
            for w in worst
        ):
            continue
        chosen.append(item)
    return chosen


def test_the_geojson_has_a_point_per_place_with_its_minutes(
    network: Network, towns: tuple[Place, ...]
) -> None:
    coverage = compute_coverage(network, towns[:5], CoverageQuestion("eod"))
    data = coverage_geojson(coverage)
    assert data["type"] == "FeatureCollection"
    first = data["features"][0]
    assert first["geometry"]["coordinates"] == [towns[0].lon, towns[0].lat]
    assert first["properties"]["minutes"] == coverage.places[0].minutes
