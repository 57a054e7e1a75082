"""The events file: valid files load; every kind of mistake is named with file and field path."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from atlasbot.domain import Network
from atlasbot.training.events_file import (
    EventKind,
    EventsFileError,
    load_events,
    parse_events,
)

GOOD = """\
horizon: {start: 2027-01-04, end: 2027-12-17}
rules: {min_gap_days: 10}
events:
  - id: mar-1
    kind: training
    title: Maritime boarding
    duration_days: 3
    capability: maritime
    participants: [de-1, nl-1, pl-1]
    window: {start: 2027-03-01, end: 2027-06-30}
    host: nl-1
  - id: cm-1
    kind: meeting
    title: Commanders
    duration_days: 1
    participants: [de-1, fr-1]
    virtual: true
blackouts:
  - {unit: de-1, start: 2027-07-01, end: 2027-08-31, reason: summer leave}
"""


def problems_of(tmp_path: Path, text: str, network: Network) -> list[str]:
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventsFileError) as caught:
        load_events(path, network)
    return caught.value.problems


def test_a_valid_file_loads_with_defaults_for_missing_rules(tmp_path: Path, network: Network):
    path = tmp_path / "events.yaml"
    path.write_text(GOOD, encoding="utf-8")
    plan = load_events(path, network)
    assert plan.rules.min_gap_days == 10
    assert plan.rules.max_hosted_per_country == 3
    assert [e.id for e in plan.events] == ["mar-1", "cm-1"]
    assert plan.events[0].kind is EventKind.TRAINING
    assert plan.events[0].window is not None and plan.events[0].window.days == 122
    assert plan.events[1].virtual and plan.events[1].host is None
    assert plan.blackouts[0].reason == "summer leave"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("participants: [de-1, nl-1, pl-1]", "participants: [de-1, xx-9, pl-1]"),
            "events[0].participants[1]: unknown unit 'xx-9'",
        ),
        (("host: nl-1", "host: fr-1"), "events[0].host: 'fr-1' is not one of the participants"),
        (("host: nl-1", "host: zz-1"), "events[0].host: unknown unit 'zz-1'"),
        (
            ("capability: maritime", "capability: juggling"),
            "events[0].capability: unknown capability 'juggling'",
        ),
        (("id: cm-1", "id: mar-1"), "events[1].id: duplicate event id 'mar-1'"),
        (
            ("end: 2027-06-30}", "end: 2027-02-01}"),
            "events[0].window: start 2027-03-01 is after end",
        ),
        (
            ("end: 2027-06-30}", "end: 2027-03-01}"),
            "events[0].window: 1 day long, shorter than duration_days 3",
        ),
        (("duration_days: 3", "duration_days: 0"), "events[0].duration_days"),
        (
            ("duration_days: 3", "duration_days: true"),
            "events[0].duration_days: true is not a whole number",
        ),
        (
            ("rules: {min_gap_days: 10}", "rules: {min_gap_days: yes}"),
            "rules.min_gap_days: true is not a whole number",
        ),
        (
            ("rules: {min_gap_days: 10}", "rules: {max_hosted_per_country: false}"),
            "rules.max_hosted_per_country: false is not a whole number",
        ),
        (("duration_days: 3", "duration_days: 6"), "cannot all be Monday to Friday"),
        (("kind: training", "kind: party"), "events[0].kind: unknown value 'party'"),
        (
            ("virtual: true", "virtual: true\n    host: de-1"),
            "events[1].host: a virtual event has no host",
        ),
        (("{unit: de-1,", "{unit: qq-1,"), "blackouts[0].unit: unknown unit 'qq-1'"),
        (
            ("start: 2027-07-01, end: 2027-08-31", "start: 2027-09-01, end: 2027-08-31"),
            "blackouts[0]: start 2027-09-01 is after end 2027-08-31",
        ),
        (
            ("horizon: {start: 2027-01-04", "horizon: {start: 2027-02-30"),
            "horizon.start: '2027-02-30' is not a valid date",
        ),
        (("horizon: {start: 2027-01-04", "horizon: {start: 2027"), "horizon.start"),
        (("participants: [de-1, fr-1]", "participants: [de-1]"), "events[1].participants"),
    ],
)
def test_each_mistake_is_named_with_the_file_and_field_path(
    tmp_path: Path, network: Network, change: tuple[str, str], expected: str
):
    old, new = change
    assert old in GOOD
    problems = problems_of(tmp_path, GOOD.replace(old, new, 1), network)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "events.yaml")) for p in problems)


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path, network: Network):
    problems = problems_of(tmp_path, GOOD.replace("kind: meeting", "kind: [meeting"), network)
    assert len(problems) == 1
    assert "line " in problems[0] and "YAML syntax error" in problems[0]


def test_every_problem_is_reported_at_once(tmp_path: Path, network: Network):
    text = GOOD.replace("host: nl-1", "host: fr-1").replace(
        "capability: maritime", "capability: x"
    )
    assert len(problems_of(tmp_path, text, network)) == 2


def test_a_missing_file_is_a_clear_error_not_a_traceback(tmp_path: Path, network: Network):
    with pytest.raises(EventsFileError, match="cannot read the file"):
        load_events(tmp_path / "nope.yaml", network)


def test_a_file_that_is_not_a_mapping_is_refused(network: Network):
    with pytest.raises(EventsFileError, match="expected a mapping"):
        parse_events(["a", "b"], "list.yaml", network)


def test_unknown_keys_are_ignored_with_a_warning_naming_file_path_and_likely_key(
    tmp_path: Path, network: Network, caplog: pytest.LogCaptureFixture
):
    # docs/formats.md: "add fields freely", so a file written for a later version still loads.
    text = "version: 1\n" + GOOD.replace(
        "rules: {min_gap_days: 10}", "rules: {min_gap_days: 10, max_per_unit: 4}"
    ).replace("title: Commanders", "title: Commanders\n    notes: bring boots").replace(
        "    host: nl-1", "    host: nl-1\n    durationdays: 4"
    )
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="atlasbot.training.events_file"):
        plan = load_events(path, network)
    assert [e.id for e in plan.events] == ["mar-1", "cm-1"]
    assert plan.rules.min_gap_days == 10 and plan.events[0].duration_days == 3
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert warnings == sorted(
        [
            f"{path}: version: unknown key 'version', ignored",
            f"{path}: rules.max_per_unit: unknown key 'max_per_unit', ignored",
            f"{path}: events[1].notes: unknown key 'notes', ignored",
            f"{path}: events[0].durationdays: unknown key 'durationdays', ignored; "
            "did you mean 'duration_days'?",
        ]
    )


def test_an_unknown_key_next_to_a_real_mistake_still_fails_on_the_mistake(
    tmp_path: Path, network: Network
):
    text = GOOD.replace("title: Commanders", "title: Commanders\n    notes: x").replace(
        "host: nl-1", "host: zz-1"
    )
    assert problems_of(tmp_path, text, network) == [
        f"{tmp_path / 'events.yaml'}: events[0].host: unknown unit 'zz-1'"
    ]


def test_a_window_reaching_past_the_horizon_is_accepted_as_it_is(tmp_path: Path, network: Network):
    # §7 only asks that the event's days lie in horizon and window; the scheduler cuts it.
    path = tmp_path / "events.yaml"
    path.write_text(
        GOOD.replace("start: 2027-03-01, end: 2027-06-30", "start: 2026-12-01, end: 2028-01-31"),
        encoding="utf-8",
    )
    window = load_events(path, network).events[0].window
    assert window is not None
    assert (window.start.isoformat(), window.end.isoformat()) == ("2026-12-01", "2028-01-31")
