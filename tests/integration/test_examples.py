"""The files in data/ are examples a newcomer starts from (docs/formats.md): each one passes the
checker for its format, and the example requests plan to a complete plan on the demo network.

The events file is only loaded and validated here, not scheduled: solving a year is a second
of CP-SAT that the schedule tests already pay for.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atlasbot.cli import main
from atlasbot.domain import Network
from atlasbot.gazetteer import Gazetteer
from atlasbot.maps.outlines import load_outlines
from atlasbot.planner.request_file import load_requests
from atlasbot.training.events_file import load_events

from ..conftest import DEMO_NETWORK_FILE, REPO_ROOT

DATA = REPO_ROOT / "data"
REQUEST_EXAMPLE = DATA / "request-example.yaml"
JOINT_EXAMPLE = DATA / "requests-joint-example.yaml"


def _check_network(path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["network", "check", str(path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "valid" in out
    assert "WARNING" not in err, "an example must not need its unknown fields ignored"


def _check_requests(path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_requests(path, network)


def _check_events(path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_events(path, network).events


def _check_places(path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(Gazetteer.load(path)) > 0


def _check_outlines(path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    outlines = load_outlines(path)
    # Every state of the network has an outline, so the maps and the coverage grid find it.
    assert {c.code for c in outlines.countries if c.code} >= network.country_codes()


def _check_licence(path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    text = path.read_text(encoding="utf-8")
    assert "world-atlas" in text and "public domain" in text and "ISC" in text


# Every file in data/ and the checker of its format. A new data file needs a line here.
CHECKERS: dict[str, Callable[[Path, Network, pytest.CaptureFixture[str]], None]] = {
    "network.yaml": _check_network,
    "request-example.yaml": _check_requests,
    "requests-joint-example.yaml": _check_requests,
    "exercises-2027.yaml": _check_events,
    "places.yaml": _check_places,
    "outlines.json": _check_outlines,  # made by tools/make_outlines.py
    "outlines.LICENSE": _check_licence,
}


def test_every_data_file_has_a_checker() -> None:
    present = sorted(path.name for path in DATA.iterdir() if path.is_file())
    assert present == sorted(CHECKERS)


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_data_file_passes_its_checker(
    name: str,
    demo_network: Network,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    CHECKERS[name](DATA / name, demo_network, capsys)
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert not warnings, f"{name} loads only with warnings: {warnings}"


def _plan_json(capsys: pytest.CaptureFixture[str], request_file: Path) -> dict[str, Any]:
    status = main(
        ["plan", "--request", str(request_file), "--network", str(DEMO_NETWORK_FILE), "--json"]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def _assert_complete(request: dict[str, Any], needs: dict[str, int]) -> None:
    assert request["coverage"] == "complete"
    best = request["plans"][0]
    assert best["rank"] == 1
    assert best["shortfall"] == {}
    brought: Counter[str] = Counter()
    for unit in best["units"]:
        # "asked" is what the plan asks of each unit (docs/formats.md §5); where the output
        # does not have it, a unit brings at most its full count of each needed capability.
        brought.update(unit.get("asked", unit["provides"]))
    for code, teams in needs.items():
        assert brought[code] >= teams, f"{code}: {brought[code]} of {teams} teams"


def test_plan_of_the_example_request_is_complete(
    capsys: pytest.CaptureFixture[str], demo_network: Network
) -> None:
    (request,) = load_requests(REQUEST_EXAMPLE, demo_network)
    result = _plan_json(capsys, REQUEST_EXAMPLE)
    assert [r["id"] for r in result["requests"]] == [request.id]
    _assert_complete(result["requests"][0], dict(request.needs))
    # One request: the best plan and up to two alternatives (the default).
    assert 1 <= len(result["requests"][0]["plans"]) <= 3


def test_plan_of_the_joint_example_is_complete_for_both_requests(
    capsys: pytest.CaptureFixture[str], demo_network: Network
) -> None:
    requests = load_requests(JOINT_EXAMPLE, demo_network)
    assert len(requests) == 2
    result = _plan_json(capsys, JOINT_EXAMPLE)
    assert [r["id"] for r in result["requests"]] == [r.id for r in requests]
    units_used: list[str] = []
    for request, planned in zip(requests, result["requests"], strict=True):
        assert len(planned["plans"]) == 1  # joint planning: one plan per request
        _assert_complete(planned, dict(request.needs))
        units_used.extend(unit["id"] for unit in planned["plans"][0]["units"])
    assert len(units_used) == len(set(units_used)), "a unit serves at most one request"
