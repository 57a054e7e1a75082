"""The offline gazetteer: a typed place name finds the right town, whatever the spelling."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from atlasbot.gazetteer import Gazetteer, Place, normalise
from atlasbot.network import load_network

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def names(places: list[Place]) -> list[tuple[str, str]]:
    return [(place.name, place.country) for place in places]


@pytest.mark.parametrize("query", ["Munich", "münchen", "MUENCHEN", "  munchen  "])
def test_munich_is_found_in_english_and_in_german(gazetteer: Gazetteer, query: str) -> None:
    (munich,) = gazetteer.lookup(query)
    assert (munich.name, munich.country) == ("Munich", "DE")
    assert math.isclose(munich.lat, 48.14, abs_tol=0.01)
    assert math.isclose(munich.lon, 11.58, abs_tol=0.01)


@pytest.mark.parametrize("query", ["Bruxelles", "Brussel", "brussels"])
def test_brussels_is_found_by_its_french_and_dutch_names(gazetteer: Gazetteer, query: str) -> None:
    assert names(gazetteer.lookup(query)) == [("Brussels", "BE")]


def test_wien_finds_vienna_only(gazetteer: Gazetteer) -> None:
    assert names(gazetteer.lookup("wien")) == [("Vienna", "AT")]


def test_a_typo_still_finds_the_city(gazetteer: Gazetteer) -> None:
    assert names(gazetteer.lookup("Amsterdm"))[0] == ("Amsterdam", "NL")
    assert names(gazetteer.lookup("Barcelna"))[0] == ("Barcelona", "ES")


def test_letters_without_a_decomposition_are_folded_too(gazetteer: Gazetteer) -> None:
    assert names(gazetteer.lookup("Lodz")) == [("Łódź", "PL")]
    assert names(gazetteer.lookup("Tromso")) == [("Tromsø", "NO")]
    assert normalise("St. Pölten") == "st polten"


@pytest.mark.parametrize("query", ["Lyon FR", "Lyon, FR", "lyon fr", "Lyon,FR"])
def test_a_trailing_country_code_filters_the_matches(gazetteer: Gazetteer, query: str) -> None:
    assert names(gazetteer.lookup(query)) == [("Lyon", "FR")]


def test_a_country_code_chooses_between_places_of_the_same_name(gazetteer: Gazetteer) -> None:
    # Bergen is a Norwegian city and the Dutch name of Mons in Belgium.
    assert names(gazetteer.lookup("Bergen")) == [("Bergen", "NO"), ("Mons", "BE")]
    assert names(gazetteer.lookup("Bergen BE")) == [("Mons", "BE")]
    assert names(gazetteer.lookup("Munich, DE")) == [("Munich", "DE")]


def test_a_country_filter_that_excludes_the_place_finds_nothing(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Paris, DE") == []


def test_a_prefix_offers_the_places_it_starts(gazetteer: Gazetteer) -> None:
    assert names(gazetteer.lookup("Ber")) == [("Bern", "CH"), ("Berlin", "DE"), ("Bergen", "NO")]
    assert names(gazetteer.lookup("Ber", limit=1)) == [("Bern", "CH")]


def test_empty_and_unknown_queries_find_nothing(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("") == []
    assert gazetteer.lookup("   ") == []
    assert gazetteer.lookup("Xyzzyville") == []


def test_every_capital_of_the_network_is_in_the_gazetteer(gazetteer: Gazetteer) -> None:
    capitals = [
        "Vienna", "Brussels", "Sofia", "Zagreb", "Nicosia", "Prague", "Copenhagen", "Tallinn",
        "Helsinki", "Paris", "Berlin", "Athens", "Budapest", "Dublin", "Rome", "Riga",
        "Vilnius", "Luxembourg", "Valletta", "Amsterdam", "Warsaw", "Lisbon", "Bucharest",
        "Bratislava", "Ljubljana", "Madrid", "Stockholm", "Oslo", "Bern", "Reykjavík",
    ]  # fmt: skip
    found = {gazetteer.lookup(capital)[0].country for capital in capitals}
    network_states = load_network(REPO_ROOT / "data" / "network.yaml").country_codes()
    assert found == network_states


def test_the_places_file_is_sizeable_and_has_no_duplicate_places(gazetteer: Gazetteer) -> None:
    assert len(gazetteer) >= 200
    keys = [(normalise(p.name), p.country) for p in gazetteer.places]
    assert len(keys) == len(set(keys))


def test_demo_unit_bases_agree_with_the_gazetteer_to_a_hundredth_of_a_degree(
    gazetteer: Gazetteer,
) -> None:
    network = load_network(REPO_ROOT / "data" / "network.yaml")
    for unit in network.units:
        (place,) = gazetteer.lookup(f"{unit.base.place} {unit.country}", limit=1)
        assert abs(place.lat - unit.base.lat) <= 0.01, unit.id
        assert abs(place.lon - unit.base.lon) <= 0.01, unit.id


def test_a_small_gazetteer_can_be_loaded_from_any_file(tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text(
        "- {name: Ghent, country: BE, lat: 51.05, lon: 3.72, aliases: [Gent, Gand]}\n",
        encoding="utf-8",
    )
    assert Gazetteer.load(path).lookup("gand") == [Place("Ghent", "BE", 51.05, 3.72)]


def test_a_malformed_places_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text("- {name: Ghent, country: BE, lat: 151.05, lon: 3.72}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"entry 1 \(Ghent\): lat must be between"):
        Gazetteer.load(path)


@pytest.mark.parametrize(
    ("country", "lat", "lon"),
    [
        ("BE", 51.22, 4.40),  # Antwerp
        ("FR", 48.85, 2.35),  # Paris
        ("CH", 47.56, 7.59),  # Basel
        ("NL", 51.44, 5.48),  # Eindhoven
        ("DE", 47.99, 7.85),  # Freiburg, 50 km from Basel
    ],
)
def test_a_point_inside_the_state_raises_no_doubt(
    gazetteer: Gazetteer, country: str, lat: float, lon: float
) -> None:
    assert gazetteer.territory_doubt(country, lat, lon) is None


def test_a_point_in_a_neighbouring_capital_is_doubted_with_both_towns(
    gazetteer: Gazetteer,
) -> None:
    doubt = gazetteer.territory_doubt("LT", 56.95, 24.11)  # Riga
    assert doubt is not None
    assert "Riga (LV)" in doubt and "in LT" in doubt


def test_a_point_far_from_europe_is_doubted(gazetteer: Gazetteer) -> None:
    doubt = gazetteer.territory_doubt("LV", -33.86, 151.21)  # Sydney
    assert doubt is not None and "from every European place" in doubt


def test_the_nearest_place_is_found_with_its_distance(gazetteer: Gazetteer) -> None:
    place, km = gazetteer.nearest(50.85, 4.35)
    assert (place.name, place.country) == ("Brussels", "BE") and km < 2
    place, km = gazetteer.nearest(50.85, 4.35, country="NL")
    assert place.country == "NL" and 60 < km < 200
