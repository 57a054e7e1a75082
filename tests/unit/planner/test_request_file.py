"""The request file (§2): good files load; each kind of bad file is refused with its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from planner_factories import country, network, unit

from atlasbot.domain import AssistanceForm, CrisisType, Network
from atlasbot.planner.request_file import RequestFileError, load_requests, loads_requests

GOOD = """\
id: req-1
requesting_country: BE
crisis: hostage_taking
location: {lat: 50.85, lon: 4.35}
needs: {hostage_rescue: 2, negotiation: 1}
assistance: [action]
"""


@pytest.fixture
def net() -> Network:
    return network([country("BE"), country("DE")], [unit("de-1", "DE", {"hostage_rescue": 1})])


def _problems(text: str, net: Network) -> list[str]:
    with pytest.raises(RequestFileError) as caught:
        loads_requests(text, "req.yaml", net)
    return caught.value.problems


def test_a_single_request_loads_with_its_defaults(net: Network) -> None:
    (request,) = loads_requests(GOOD, "req.yaml", net)
    assert request.id == "req-1"
    assert request.crisis is CrisisType.HOSTAGE_TAKING
    assert dict(request.needs) == {"hostage_rescue": 2, "negotiation": 1}
    assert request.assistance == frozenset({AssistanceForm.ACTION})
    assert request.include_partners is False
    assert request.priority == 1
    assert (request.location.lat, request.location.lon) == (50.85, 4.35)


def test_a_list_of_requests_loads_in_order_from_a_file(net: Network, tmp_path: Path) -> None:
    second = GOOD.replace("req-1", "req-2").replace("{lat: 50.85", "{lat: 51.2")
    text = "- " + GOOD.replace("\n", "\n  ").rstrip() + "\n  priority: 3\n"
    text += "- " + second.replace("\n", "\n  ").rstrip() + "\n  include_partners: true\n"
    path = tmp_path / "requests.yaml"
    path.write_text(text, encoding="utf-8")
    requests = load_requests(path, net)
    assert [r.id for r in requests] == ["req-1", "req-2"]
    assert requests[0].priority == 3
    assert requests[1].include_partners is True


def test_a_missing_id_is_refused(net: Network) -> None:
    assert _problems(GOOD.replace("id: req-1\n", ""), net) == ["req.yaml: id: missing"]


def test_a_duplicate_id_is_refused_with_its_position(net: Network) -> None:
    entry = "- " + GOOD.replace("\n", "\n  ").rstrip() + "\n"
    problems = _problems(entry + entry, net)
    assert problems == ["req.yaml: [1].id: duplicate id 'req-1', already used by [0]"]


def test_an_unknown_requesting_country_is_refused(net: Network) -> None:
    (problem,) = _problems(GOOD.replace("requesting_country: BE", "requesting_country: XX"), net)
    assert problem.startswith("req.yaml: requesting_country: 'XX' is not a country")


def test_a_crisis_out_of_scope_is_refused(net: Network) -> None:
    (problem,) = _problems(GOOD.replace("hostage_taking", "natural_disaster"), net)
    assert problem.startswith("req.yaml: crisis: 'natural_disaster' is not a crisis situation")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("{lat: 95, lon: 4.35}", "req.yaml: location.lat: 95 is out of range (-90 to 90)"),
        ("{lat: 50, lon: -181}", "req.yaml: location.lon: -181 is out of range (-180 to 180)"),
        ("{lat: north, lon: 4}", "req.yaml: location.lat: must be a number, not 'north'"),
        ("{lon: 4}", "req.yaml: location.lat: missing"),
    ],
)
def test_a_location_out_of_range_or_not_a_number_is_refused(
    net: Network, location: str, expected: str
) -> None:
    text = GOOD.replace("{lat: 50.85, lon: 4.35}", location)
    assert _problems(text, net) == [expected]


def test_an_unknown_capability_in_a_list_is_refused_with_its_path(net: Network) -> None:
    entry = "- " + GOOD.replace("\n", "\n  ").rstrip() + "\n"
    text = entry + entry.replace("req-1", "req-2").replace("negotiation: 1", "cooking: 1")
    assert _problems(text, net) == [
        "req.yaml: [1].needs.cooking: unknown capability code 'cooking'"
    ]


@pytest.mark.parametrize("count", ["0", "-1", "1.5", "two", "true"])
def test_a_need_that_is_not_a_whole_number_of_at_least_one_is_refused(
    net: Network, count: str
) -> None:
    (problem,) = _problems(GOOD.replace("negotiation: 1", f"negotiation: {count}"), net)
    assert problem.startswith("req.yaml: needs.negotiation: must be a whole number of teams >= 1")


def test_empty_needs_are_refused(net: Network) -> None:
    (problem,) = _problems(GOOD.replace("{hostage_rescue: 2, negotiation: 1}", "{}"), net)
    assert problem.startswith("req.yaml: needs: must be a non-empty mapping")


@pytest.mark.parametrize(
    ("assistance", "expected"),
    [
        ("[]", "req.yaml: assistance: must be a non-empty list"),
        ("[action, hugs]", "req.yaml: assistance[1]: 'hugs' is not a form of assistance"),
        ("action", "req.yaml: assistance: must be a non-empty list"),
    ],
)
def test_bad_assistance_is_refused(net: Network, assistance: str, expected: str) -> None:
    (problem,) = _problems(GOOD.replace("[action]", assistance), net)
    assert problem.startswith(expected)


def test_include_partners_must_be_true_or_false(net: Network) -> None:
    (problem,) = _problems(GOOD + "include_partners: maybe\n", net)
    assert problem == "req.yaml: include_partners: must be true or false, not 'maybe'"


@pytest.mark.parametrize("priority", ["0", "4", "high", "1.5"])
def test_priority_must_be_a_whole_number_from_1_to_3(net: Network, priority: str) -> None:
    (problem,) = _problems(GOOD + f"priority: {priority}\n", net)
    assert problem.startswith("req.yaml: priority: must be a whole number from 1 to 3")


def test_a_field_added_by_a_later_version_is_ignored_with_a_warning(
    net: Network, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="atlasbot.planner.request_file"):
        (request,) = loads_requests(GOOD + "urgency: high\npriorty: 2\n", "req.yaml", net)
    assert request == loads_requests(GOOD, "req.yaml", net)[0]
    assert any(m.startswith("req.yaml: urgency: unknown field 'urgency'") for m in caplog.messages)
    assert any("did you mean 'priority'?" in m for m in caplog.messages)


def test_every_problem_is_reported_at_once(net: Network) -> None:
    text = GOOD.replace("BE", "XX").replace("[action]", "[]") + "priority: 9\n"
    problems = _problems(text, net)
    assert [p.split(":")[1].strip() for p in problems] == [
        "requesting_country",
        "assistance",
        "priority",
    ]


def test_a_yaml_syntax_error_names_the_line(net: Network) -> None:
    (problem,) = _problems(GOOD + "needs: [oops\n", net)
    assert problem.startswith("req.yaml: YAML syntax error at line")


def test_a_key_given_twice_is_refused_with_its_line(net: Network) -> None:
    (problem,) = _problems(GOOD + "id: req-2\n", net)
    assert "line 7" in problem
    assert "twice" in problem


@pytest.mark.parametrize("text", ["", "[]", "just words", "[1, 2]"])
def test_a_file_that_is_not_requests_is_refused(net: Network, text: str) -> None:
    problems = _problems(text, net)
    assert problems
    assert all(p.startswith("req.yaml") for p in problems)


def test_a_missing_file_is_refused_with_its_name(net: Network, tmp_path: Path) -> None:
    with pytest.raises(RequestFileError) as caught:
        load_requests(tmp_path / "nope.yaml", net)
    assert "nope.yaml: cannot read the file" in caught.value.problems[0]


def test_a_need_too_large_for_any_crisis_is_refused(net: Network) -> None:
    text = GOOD.replace("hostage_rescue: 2", f"hostage_rescue: {2**63 - 1}")
    assert text != GOOD
    (problem,) = _problems(text, net)
    assert "needs.hostage_rescue: must be at most 100 teams" in problem
