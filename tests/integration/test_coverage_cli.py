"""`atlasbot coverage` from the command line: the worst places, the map and the GeoJSON
written, on a network file or on the imported registry; bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlasbot.domain import Location
from atlasbot.network import load_network
from atlasbot.planner.travel import eta

from ..conftest import DEMO_NETWORK_FILE
from .test_cli import cli_db, run

__all__ = ["cli_db"]


def test_coverage_writes_the_map_and_geojson_whose_figures_are_the_etas(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png, geojson = tmp_path / "eod.png", tmp_path / "eod.geojson"
    status, out, err = run(
        capsys,
        "coverage",
        "--capability",
        "eod",
        "--network",
        str(DEMO_NETWORK_FILE),
        "--places",
        "towns",
        "--png",
        str(png),
        "--geojson",
        str(geojson),
    )
    assert status == 0, err
    assert "The 10 worst-covered places:" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    features = json.loads(geojson.read_text())["features"]
    assert len(features) > 300
    network = load_network(DEMO_NETWORK_FILE)
    for feature in features[::40]:
        lon, lat = feature["geometry"]["coordinates"]
        unit = network.unit(feature["properties"]["unit"])
        assert unit.country != feature["properties"]["country"]
        arrival = eta(unit, Location(lat, lon))
        assert arrival is not None and arrival.minutes == feature["properties"]["minutes"]


def test_coverage_on_the_registry_and_what_if_a_unit_is_deployed(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "network", "import", str(DEMO_NETWORK_FILE))[0] == 0
    status, out, _ = run(
        capsys, "coverage", "--capability", "eod", "--places", "towns", "--deployed", "de-1"
    )
    assert status == 0
    assert "if de-1 deployed" in out
    assert ", de-1\n" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capability", "nope"], "--capability nope"),
        (["--capability", "eod", "--deployed", "xx-1"], "unknown units xx-1"),
        (["--capability", "eod", "--assistance", "arms"], "--assistance"),
        (["--capability", "eod", "--places", "moon"], "--places moon"),
    ],
)
def test_coverage_refuses_bad_input_in_one_line(
    cli_db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, _, err = run(capsys, "coverage", "--network", str(DEMO_NETWORK_FILE), *args)
    assert status == 2
    assert message in err
    assert "Traceback" not in err
