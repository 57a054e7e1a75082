"""A state's and a unit's own escalation timings in the network file: checked field by field
with exact paths, the deadline rule on the merged timings, and a round trip that leaves files
without the section as they were."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from atlasbot.escalation import Timings
from atlasbot.network import (
    EscalationEntry,
    dump_network,
    load_network,
    loads_network,
    parse_network,
)
from tests.unit.test_network_file import SOURCE, only_problem, valid_data

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "network.yaml"


def with_sections(
    country: dict[str, Any] | None = None, unit: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The valid test network with an escalation section on BE (countries[1]) and/or on at-1
    (units[0])."""
    data = valid_data()
    if country is not None:
        data["countries"][1]["escalation"] = country
    if unit is not None:
        data["units"][0]["escalation"] = unit
    return data


def test_the_section_accepts_exactly_the_timings_names() -> None:
    assert tuple(EscalationEntry.model_fields) == tuple(f.name for f in fields(Timings))


def test_sections_become_read_only_mappings_of_seconds_and_default_to_empty() -> None:
    network = parse_network(
        with_sections(
            country={"request_deadline_s": 1200, "request_reminder_s": 300},
            unit={"duty_to_unit_s": 0.5, "unit_to_authority_s": 240},
        ),
        SOURCE,
    )
    belgium, unit = network.country("BE"), network.unit("at-1")
    # Timings field order, whatever order the file used.
    assert list(belgium.escalation.items()) == [
        ("request_reminder_s", 300.0),
        ("request_deadline_s", 1200.0),
    ]
    assert dict(unit.escalation) == {"duty_to_unit_s": 0.5, "unit_to_authority_s": 240.0}
    assert dict(network.country("AT").escalation) == {}
    assert dict(network.unit("be-1").escalation) == {}
    with pytest.raises(TypeError):
        belgium.escalation["request_deadline_s"] = 1  # type: ignore[index]


def test_an_unknown_timing_is_refused_with_a_suggestion_at_its_path() -> None:
    problem = only_problem(with_sections(country={"request_deadlin_s": 1200}))
    assert problem.path == "countries[1].escalation.request_deadlin_s"
    assert "unknown field 'request_deadlin_s'; did you mean 'request_deadline_s'?" in (
        problem.message
    )


def test_an_unknown_timing_on_a_unit_lists_the_names_it_may_use() -> None:
    problem = only_problem(with_sections(unit={"quickly": 5}))
    assert problem.path == "units[0].escalation.quickly"
    assert problem.context == "unit 'at-1'"
    assert "duty_to_unit_s" in problem.message


def test_a_negative_timing_is_refused_at_its_path() -> None:
    problem = only_problem(with_sections(unit={"unit_to_authority_s": -5}))
    assert (problem.path, problem.message) == (
        "units[0].escalation.unit_to_authority_s",
        "must be 0 or more seconds (got -5)",
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("ten", "must be a number (got 'ten')"),
        (True, "must be a number (got true)"),
        ([60], "must be a number (got a list)"),
        (float("inf"), "must be a finite number of seconds"),
        (float("nan"), "must be 0 or more seconds (got nan)"),
    ],
)
def test_a_timing_that_is_not_a_number_of_seconds_is_refused(value: object, words: str) -> None:
    problem = only_problem(with_sections(country={"request_deadline_s": value}))
    assert (problem.path, problem.message) == ("countries[1].escalation.request_deadline_s", words)


def test_a_section_that_is_not_a_mapping_is_refused() -> None:
    problem = only_problem(with_sections(country=[300]))  # type: ignore[arg-type]
    assert problem.path == "countries[1].escalation"
    assert problem.message.startswith("must be a mapping")


def test_a_deadline_before_the_reminder_is_refused_at_the_deadline() -> None:
    problem = only_problem(
        with_sections(country={"request_reminder_s": 600, "request_deadline_s": 300})
    )
    assert (problem.path, problem.message) == (
        "countries[1].escalation.request_deadline_s",
        "the request deadline (300 s) must not come before its reminder (600 s)",
    )


def test_a_deadline_is_checked_against_the_default_reminder_it_merges_with() -> None:
    default_reminder = Timings().request_reminder_s
    problem = only_problem(with_sections(country={"request_deadline_s": default_reminder - 1}))
    assert problem.path == "countries[1].escalation.request_deadline_s"
    assert f"its reminder ({default_reminder:g} s, the default)" in problem.message


def test_a_reminder_after_the_default_deadline_is_refused_at_the_reminder() -> None:
    default_deadline = Timings().request_deadline_s
    problem = only_problem(with_sections(country={"request_reminder_s": default_deadline + 1}))
    assert problem.path == "countries[1].escalation.request_reminder_s"
    assert f"deadline ({default_deadline:g} s, the default)" in problem.message


def test_a_deadline_equal_to_the_reminder_is_allowed() -> None:
    network = parse_network(
        with_sections(country={"request_reminder_s": 900, "request_deadline_s": 900}), SOURCE
    )
    assert network.country("BE").escalation["request_deadline_s"] == 900


def test_request_timings_on_a_unit_are_refused_since_they_would_never_be_used() -> None:
    problem = only_problem(with_sections(unit={"request_deadline_s": 1200}))
    assert problem.path == "units[0].escalation.request_deadline_s"
    assert "a state's timing, not a unit's" in problem.message
    assert "country's escalation section" in problem.message


def test_a_file_with_sections_survives_a_dump_and_load_round_trip(tmp_path: Path) -> None:
    original = parse_network(
        with_sections(
            country={"request_reminder_s": 300, "request_deadline_s": 1200},
            unit={"duty_to_unit_s": 90.5},
        ),
        SOURCE,
    )
    text = dump_network(original)
    assert "    escalation: {request_reminder_s: 300, request_deadline_s: 1200}" in text
    assert "    escalation: {duty_to_unit_s: 90.5}" in text
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_network(path) == original


def test_a_file_without_sections_dumps_without_the_field() -> None:
    text = dump_network(parse_network(valid_data(), SOURCE))
    assert "escalation" not in text


def test_the_demo_network_gives_austria_and_one_unit_their_own_timings() -> None:
    demo = load_network(DEMO_FILE)
    austria = Timings().with_overrides(demo.country("AT").escalation)
    assert austria.request_deadline_s == 1200
    assert any(unit.escalation for unit in demo.units)
    assert loads_network(dump_network(demo), "<dump>") == demo
