"""The network file (docs/formats.md §1): broken files are refused with located, plain problems."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from atlasbot.domain import TransportMode, UnitStatus
from atlasbot.network import (
    NetworkFileError,
    Problem,
    dump_network,
    load_network,
    loads_network,
    parse_network,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = REPO_ROOT / "data" / "network.yaml"
SOURCE = "test.yaml"


def valid_data() -> dict[str, Any]:
    """A small network that is valid; each test breaks one thing in a copy."""
    return {
        "version": 1,
        "capabilities": [
            {"code": "hostage_rescue", "name": "Hostage rescue"},
            {"code": "negotiation", "name": "Negotiation"},
        ],
        "countries": [
            {
                "code": "AT",
                "name": "Austria",
                "bound_by_decision": True,
                "timezone": "Europe/Vienna",
                "languages": ["de"],
                "armed_action_abroad": True,
                "home_reserve": 0,
            },
            {
                "code": "BE",
                "name": "Belgium",
                "bound_by_decision": True,
                "timezone": "Europe/Brussels",
            },
        ],
        "units": [
            {
                "id": "at-1",
                "name": "Demo Unit Austria 1",
                "country": "AT",
                "base": {"lat": 47.81, "lon": 16.24, "place": "Wiener Neustadt"},
                "status": "available",
                "mobilisation_minutes": 60,
                "transport": ["road", "helicopter", "aircraft"],
                "capabilities": {"hostage_rescue": 2, "negotiation": 1},
                "languages": ["de", "en"],
            },
            {
                "id": "be-1",
                "name": "Demo Unit Belgium 1",
                "country": "BE",
                "base": {"lat": 50.85, "lon": 4.35},
                "status": "standby",
                "mobilisation_minutes": 30,
                "transport": ["road"],
                "capabilities": {"hostage_rescue": 1},
            },
        ],
    }


def problems_of(data: object) -> list[Problem]:
    with pytest.raises(NetworkFileError) as caught:
        parse_network(data, SOURCE)
    return caught.value.problems


def only_problem(data: object) -> Problem:
    problems = problems_of(data)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# --- the valid file -----------------------------------------------------------------------------


def test_a_valid_file_becomes_a_network_with_defaults_filled_in() -> None:
    network = parse_network(valid_data(), SOURCE)
    belgium = network.country("BE")
    assert (belgium.home_reserve, belgium.armed_action_abroad, belgium.languages) == (0, True, ())
    unit = network.unit("at-1")
    assert unit.status is UnitStatus.AVAILABLE
    assert unit.transport == (TransportMode.ROAD, TransportMode.HELICOPTER, TransportMode.AIRCRAFT)
    assert dict(unit.capabilities) == {"hostage_rescue": 2, "negotiation": 1}
    assert (unit.base.lat, unit.base.lon, unit.base.place) == (47.81, 16.24, "Wiener Neustadt")
    assert network.unit("be-1").languages == ()
    assert network.unit("be-1").base.place == ""


def test_a_problem_reads_as_file_path_unit_and_message() -> None:
    problem = Problem(
        "data/network.yaml",
        "units[3].base.lat",
        "must be between -90 and 90 (got 91.5)",
        "unit 'de-1'",
    )
    assert str(problem) == (
        "data/network.yaml: units[3].base.lat (unit 'de-1'): must be between -90 and 90 (got 91.5)"
    )
    assert str(Problem("x.yaml", "", "the file is empty")) == "x.yaml: the file is empty"


# --- one test per rule --------------------------------------------------------------------------


def test_a_missing_version_is_refused() -> None:
    data = valid_data()
    del data["version"]
    problem = only_problem(data)
    assert problem.path == "version"
    assert "missing" in problem.message


@pytest.mark.parametrize("version", [2, "1", True, 1.0, None])
def test_a_version_other_than_1_is_refused(version: object) -> None:
    data = valid_data()
    data["version"] = version
    problem = only_problem(data)
    assert problem.path == "version"
    assert "must be 1" in problem.message


def test_a_duplicate_capability_code_is_refused() -> None:
    data = valid_data()
    data["capabilities"].append({"code": "negotiation", "name": "Talks"})
    problem = only_problem(data)
    assert problem.path == "capabilities[2].code"
    assert "duplicate" in problem.message
    assert "negotiation" in problem.message


@pytest.mark.parametrize(
    "code", ["Hostage_rescue", "hostage-rescue", "2nd_team", "hostage rescue"]
)
def test_a_capability_code_that_is_not_snake_case_is_refused(code: str) -> None:
    data = valid_data()
    data["capabilities"].append({"code": code, "name": "Odd"})
    problem = only_problem(data)
    assert problem.path == "capabilities[2].code"
    assert "snake_case" in problem.message
    assert repr(code) in problem.message


def test_a_duplicate_country_code_is_refused() -> None:
    data = valid_data()
    data["countries"].append(copy.deepcopy(data["countries"][0]))
    problem = only_problem(data)
    assert problem.path == "countries[2].code"
    assert "duplicate country code 'AT'" in problem.message
    assert problem.context == "country 'AT'"


@pytest.mark.parametrize("code", ["at", "AUT", "A1", ""])
def test_a_country_code_that_is_not_two_upper_case_letters_is_refused(code: str) -> None:
    data = valid_data()
    data["countries"][1]["code"] = code
    data["units"][1]["country"] = code
    problems = problems_of(data)
    assert [p.path for p in problems] == ["countries[1].code", "units[1].country"]
    assert all("two upper-case letters" in p.message for p in problems)


def test_an_unquoted_no_for_norway_is_explained() -> None:
    data = valid_data()
    data["countries"][1]["code"] = False  # what YAML makes of `code: NO`
    problem = problems_of(data)[0]
    assert problem.path == "countries[1].code"
    assert "must be text (got false)" in problem.message
    assert "quotes" in problem.message


def test_a_duplicate_unit_id_is_refused_naming_the_unit() -> None:
    data = valid_data()
    data["units"][1]["id"] = "at-1"
    problem = only_problem(data)
    assert problem.path == "units[1].id"
    assert problem.message == "duplicate unit id 'at-1': units[0] already has it"
    assert str(problem) == (
        "test.yaml: units[1].id (unit 'at-1'): duplicate unit id 'at-1': units[0] already has it"
    )


@pytest.mark.parametrize("unit_id", ["AT-1", "at_1", "at--1", "-at1", "at 1", "at-1-"])
def test_a_unit_id_that_is_not_a_lowercase_slug_is_refused(unit_id: str) -> None:
    data = valid_data()
    data["units"][0]["id"] = unit_id
    problem = only_problem(data)
    assert problem.path == "units[0].id"
    assert "lowercase slug" in problem.message


def test_a_unit_in_an_undeclared_country_is_refused() -> None:
    data = valid_data()
    data["units"][1]["country"] = "DE"
    problem = only_problem(data)
    assert problem.path == "units[1].country"
    assert "unknown country 'DE'" in problem.message
    assert problem.context == "unit 'be-1'"


def test_a_capability_not_in_the_catalogue_is_refused() -> None:
    data = valid_data()
    data["units"][0]["capabilities"]["divers"] = 1
    problem = only_problem(data)
    assert problem.path == "units[0].capabilities.divers"
    assert "unknown capability 'divers'" in problem.message
    assert problem.context == "unit 'at-1'"


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (0, "at least 1"),
        (-2, "at least 1"),
        (1.5, "whole number"),
        ("2", "whole number"),
        (True, "whole number"),
    ],
)
def test_a_capability_count_below_one_or_not_whole_is_refused(count: object, words: str) -> None:
    data = valid_data()
    data["units"][0]["capabilities"]["negotiation"] = count
    problem = only_problem(data)
    assert problem.path == "units[0].capabilities.negotiation"
    assert words in problem.message


def test_a_unit_without_capabilities_is_refused() -> None:
    data = valid_data()
    data["units"][0]["capabilities"] = {}
    problem = only_problem(data)
    assert problem.path == "units[0].capabilities"
    assert "at least one capability" in problem.message


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("lat", 91.5, "must be between -90 and 90 (got 91.5)"),
        ("lat", -90.01, "must be between -90 and 90 (got -90.01)"),
        ("lon", 180.5, "must be between -180 and 180 (got 180.5)"),
        ("lon", -181, "must be between -180 and 180 (got -181)"),
        ("lat", float("nan"), "must be between -90 and 90"),
        ("lat", "50.8", "must be a number"),
    ],
)
def test_coordinates_out_of_range_are_refused(field: str, value: object, words: str) -> None:
    data = valid_data()
    data["units"][1]["base"][field] = value
    problem = only_problem(data)
    assert problem.path == f"units[1].base.{field}"
    assert words in problem.message
    assert problem.context == "unit 'be-1'"


def test_the_exact_example_from_the_contract_reads_as_promised() -> None:
    data = valid_data()
    data["units"][0]["base"]["lat"] = 91.5
    assert str(only_problem(data)) == (
        "test.yaml: units[0].base.lat (unit 'at-1'): must be between -90 and 90 (got 91.5)"
    )


def test_negative_mobilisation_minutes_are_refused() -> None:
    data = valid_data()
    data["units"][0]["mobilisation_minutes"] = -5
    problem = only_problem(data)
    assert problem.path == "units[0].mobilisation_minutes"
    assert "must not be negative (got -5)" in problem.message


def test_a_negative_home_reserve_is_refused() -> None:
    data = valid_data()
    data["countries"][0]["home_reserve"] = -1
    problem = only_problem(data)
    assert problem.path == "countries[0].home_reserve"
    assert "must not be negative" in problem.message


def test_an_unknown_status_is_refused() -> None:
    data = valid_data()
    data["units"][0]["status"] = "on_leave"
    problem = only_problem(data)
    assert problem.path == "units[0].status"
    assert problem.message == (
        "must be one of available, standby, deployed, unavailable (got 'on_leave')"
    )


def test_returning_is_the_bots_own_status_and_refused_in_a_file() -> None:
    data = valid_data()
    data["units"][0]["status"] = "returning"
    problem = only_problem(data)
    assert problem.path == "units[0].status"
    assert "(got 'returning')" in problem.message


def test_an_unknown_transport_mode_is_refused() -> None:
    data = valid_data()
    data["units"][0]["transport"] = ["road", "boat"]
    problem = only_problem(data)
    assert problem.path == "units[0].transport[1]"
    assert "road, helicopter, aircraft" in problem.message
    assert "'boat'" in problem.message


def test_an_empty_transport_list_is_refused() -> None:
    data = valid_data()
    data["units"][0]["transport"] = []
    problem = only_problem(data)
    assert problem.path == "units[0].transport"
    assert "at least one transport mode" in problem.message


def test_an_invalid_time_zone_is_refused_with_a_suggestion() -> None:
    data = valid_data()
    data["countries"][1]["timezone"] = "Europe/Brusels"
    problem = only_problem(data)
    assert problem.path == "countries[1].timezone"
    assert "IANA time zone" in problem.message
    assert "did you mean 'Europe/Brussels'?" in problem.message


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "Europe"])
def test_time_zones_that_are_not_zones_at_all_are_refused(zone: str) -> None:
    data = valid_data()
    data["countries"][0]["timezone"] = zone
    assert only_problem(data).path == "countries[0].timezone"


def test_a_misspelt_key_is_ignored_with_a_warning_that_names_the_right_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = valid_data()
    data["countries"][0]["bound_by_decison"] = False
    with caplog.at_level("WARNING", logger="atlasbot.network"):
        network = parse_network(data, "net.yaml")
    assert network.countries[0].code == data["countries"][0]["code"]
    (warning,) = caplog.messages
    assert warning.startswith("net.yaml: countries[0].bound_by_decison")
    assert "unknown field 'bound_by_decison'; did you mean 'bound_by_decision'?" in warning
    assert warning.endswith("(ignored)")


@pytest.mark.parametrize("where", [(), ("capabilities", 0), ("units", 0), ("units", 0, "base")])
def test_fields_added_by_a_later_version_are_ignored_anywhere(
    where: tuple[Any, ...], caplog: pytest.LogCaptureFixture
) -> None:
    """docs/formats.md lets the format gain fields: a file that has them still loads."""
    data = valid_data()
    node: Any = data
    for part in where:
        node = node[part]
    node["colour"] = "blue"
    with caplog.at_level("WARNING", logger="atlasbot.network"):
        assert parse_network(data, "net.yaml") == parse_network(valid_data(), "net.yaml")
    path = ".".join([*_path_parts(where), "colour"]).replace(".[", "[")
    assert any(f"net.yaml: {path}" in m and "unknown field 'colour'" in m for m in caplog.messages)


def test_an_unknown_field_beside_a_real_problem_does_not_hide_it() -> None:
    data = valid_data()
    data["units"][0]["colour"] = "blue"
    data["units"][0]["base"]["lat"] = 123.0
    assert only_problem(data).path == "units[0].base.lat"


def _path_parts(where: tuple[Any, ...]) -> list[str]:
    return [f"[{part}]" if isinstance(part, int) else part for part in where]


@pytest.mark.parametrize(
    ("section", "index", "field"),
    [
        ("countries", 0, "timezone"),
        ("countries", 0, "bound_by_decision"),
        ("capabilities", 1, "name"),
        ("units", 0, "status"),
        ("units", 0, "capabilities"),
        ("units", 0, "transport"),
        ("units", 1, "mobilisation_minutes"),
    ],
)
def test_a_missing_required_field_is_refused(section: str, index: int, field: str) -> None:
    data = valid_data()
    del data[section][index][field]
    problem = only_problem(data)
    assert problem.path == f"{section}[{index}].{field}"
    assert problem.message == "required field is missing"


def test_a_missing_section_is_refused() -> None:
    data = valid_data()
    del data["units"]
    assert only_problem(data).path == "units"


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_booleans_must_be_real_booleans(value: object) -> None:
    data = valid_data()
    data["countries"][0]["armed_action_abroad"] = value
    problem = only_problem(data)
    assert problem.path == "countries[0].armed_action_abroad"
    assert "must be true or false" in problem.message


def test_a_wrong_type_is_a_plain_message_without_pydantic_wording() -> None:
    data = valid_data()
    data["units"][0]["mobilisation_minutes"] = "sixty"
    problem = only_problem(data)
    assert problem.message == "must be a whole number (got 'sixty')"
    assert "type=" not in str(problem)
    assert "Input should" not in str(problem)


# --- odd shapes never give a traceback ----------------------------------------------------------


@pytest.mark.parametrize("data", [None, 5, "text", [1, 2], [], True])
def test_a_file_that_is_not_a_mapping_is_one_whole_file_problem(data: object) -> None:
    problem = only_problem(data)
    assert problem.path == ""
    assert "mapping with version, capabilities, countries and units" in problem.message


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(units={"at-1": {}}),
        lambda d: d.update(countries="AT"),
        lambda d: d["units"].append(None),
        lambda d: d["units"].append(["id", "x"]),
        lambda d: d["units"][0].update(base=[47.8, 16.2]),
        lambda d: d["units"][0].update(capabilities=["hostage_rescue"]),
        lambda d: d["units"][0].update(capabilities={1: 2, None: 1}),
        lambda d: d["units"][0].update(transport="road"),
        lambda d: d["units"][0].update(id=None, country=7),
        lambda d: d.update({3: "x"}),
        lambda d: d["capabilities"].append({"code": ["a"], "name": {}}),
    ],
)
def test_wrong_shapes_anywhere_are_problems_not_tracebacks(mutate: Any) -> None:
    data = valid_data()
    mutate(data)
    problems = problems_of(data)
    assert problems
    assert all(p.message and p.source == SOURCE for p in problems)


def test_all_problems_are_reported_in_file_order() -> None:
    data = valid_data()
    data["units"][1]["status"] = "busy"
    data["countries"][0]["timezone"] = "Nowhere"
    data["units"][0]["base"]["lon"] = 200
    data["units"][0]["id"] = "AT 1"
    data["version"] = 3
    paths = [p.path for p in problems_of(data)]
    assert paths == [
        "version",
        "countries[0].timezone",
        "units[0].id",
        "units[0].base.lon",
        "units[1].status",
    ]


def test_the_error_text_has_one_line_per_problem() -> None:
    data = valid_data()
    data["units"][0]["status"] = "busy"
    data["units"][1]["status"] = "idle"
    with pytest.raises(NetworkFileError) as caught:
        parse_network(data, SOURCE)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("test.yaml: units[0].status (unit 'at-1'): ")
    assert lines[1].startswith("test.yaml: units[1].status (unit 'be-1'): ")


# --- YAML text and files ------------------------------------------------------------------------


def test_a_yaml_syntax_error_names_the_line() -> None:
    text = "version: 1\ncapabilities: []\ncountries: [\n  {code: AT\nunits: []\n"
    with pytest.raises(NetworkFileError) as caught:
        loads_network(text, "<upload>")
    (problem,) = caught.value.problems
    assert problem.source == "<upload>"
    assert problem.path == ""
    assert "line 5" in problem.message


def test_a_key_written_twice_is_refused_rather_than_the_last_one_winning() -> None:
    text = "version: 1\nversion: 1\ncapabilities: []\ncountries: []\nunits: []\n"
    with pytest.raises(NetworkFileError) as caught:
        loads_network(text, "<upload>")
    assert "line 2" in str(caught.value)
    assert "'version' twice" in str(caught.value)


def test_an_empty_text_is_one_clear_problem() -> None:
    with pytest.raises(NetworkFileError, match="the file is empty"):
        loads_network("", "<upload>")


def test_an_unquoted_norway_in_yaml_text_is_explained() -> None:
    text = dump_network(parse_network(valid_data(), SOURCE)).replace("code: BE", "code: NO")
    with pytest.raises(NetworkFileError) as caught:
        loads_network(text, "<upload>")
    assert caught.value.problems[0].path == "countries[1].code"
    assert "quotes" in caught.value.problems[0].message


def test_a_missing_file_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(NetworkFileError) as caught:
        load_network(missing)
    (problem,) = caught.value.problems
    assert problem.source == str(missing)
    assert "cannot read" in problem.message


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    binary = tmp_path / "network.yaml"
    binary.write_bytes(b"version: 1\n\xff\xfe\x00")
    with pytest.raises(NetworkFileError, match="not UTF-8"):
        load_network(binary)


def test_dump_then_load_gives_the_same_network(tmp_path: Path) -> None:
    original = parse_network(valid_data(), SOURCE)
    path = tmp_path / "network.yaml"
    path.write_text(dump_network(original), encoding="utf-8")
    assert load_network(path) == original


def test_the_demo_network_survives_a_dump_and_load_round_trip() -> None:
    demo = load_network(DEMO_FILE)
    text = dump_network(demo)
    assert loads_network(text, "<dump>") == demo
    assert "'NO'" in text  # quoted, or YAML would read Norway as false


# --- the demo network ---------------------------------------------------------------------------


def test_the_demo_network_has_27_member_states_and_3_partners() -> None:
    demo = load_network(DEMO_FILE)
    bound = {c.code for c in demo.countries if c.bound_by_decision}
    partners = {c.code for c in demo.countries if not c.bound_by_decision}
    assert len(bound) == 27
    assert partners == {"NO", "CH", "IS"}


def test_the_demo_network_has_every_state_with_a_unit_and_35_to_42_units() -> None:
    demo = load_network(DEMO_FILE)
    assert 35 <= len(demo.units) <= 42
    assert {u.country for u in demo.units} == demo.country_codes()
    assert all(u.name.startswith("Demo Unit ") for u in demo.units)


def test_the_demo_network_has_the_rule_cases_planning_needs() -> None:
    demo = load_network(DEMO_FILE)
    assert any(not c.armed_action_abroad for c in demo.countries)
    units_per_country = Counter(u.country for u in demo.units)
    assert any(c.home_reserve >= 1 and units_per_country[c.code] >= 2 for c in demo.countries)
    statuses = Counter(u.status for u in demo.units)
    assert statuses[UnitStatus.DEPLOYED] >= 2
    assert statuses[UnitStatus.UNAVAILABLE] >= 1
    assert statuses[UnitStatus.STANDBY] >= 3
    assert units_per_country["BE"] == 1
    assert any(TransportMode.HELICOPTER in u.transport for u in demo.units)


def test_the_demo_request_from_belgium_has_several_foreign_candidates() -> None:
    demo = load_network(DEMO_FILE)
    refusing = {c.code for c in demo.countries if not c.armed_action_abroad}
    partners = {c.code for c in demo.countries if not c.bound_by_decision}
    eligible = [
        u
        for u in demo.units
        if u.country != "BE"
        and u.status.can_be_proposed
        and u.country not in refusing | partners
        and (u.teams_of("hostage_rescue") or u.teams_of("negotiation"))
    ]
    assert len({u.country for u in eligible}) >= 5
    assert {"NL", "DE", "FR", "LU"} <= {u.country for u in eligible}


def test_the_demo_network_keeps_divers_and_cbrn_rare() -> None:
    demo = load_network(DEMO_FILE)
    for rare in ("divers", "cbrn"):
        holders = [u.id for u in demo.units if u.teams_of(rare)]
        assert 1 <= len(holders) <= 5, (rare, holders)


def test_loading_the_demo_network_from_a_fresh_interpreter_is_instant() -> None:
    code = "from atlasbot.network import load_network; load_network('data/network.yaml')"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
    assert time.perf_counter() - started < 1.5  # 0.5 s on a quiet machine; slack for CI load


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("mobilisation_minutes", 100_000_000_000_000_000_000, "at most 10,080 minutes"),
        ("capabilities", {"hostage_rescue": 2**63}, "at most 100 teams"),
    ],
)
def test_absurdly_large_numbers_are_refused_not_passed_to_the_solver(
    field: str, value: object, says: str
) -> None:
    data = valid_data()
    data["units"][0][field] = value
    assert says in only_problem(data).message


def test_a_home_reserve_beyond_any_network_is_refused() -> None:
    data = valid_data()
    data["countries"][0]["home_reserve"] = 10**12
    assert "at most 1,000 units" in only_problem(data).message
