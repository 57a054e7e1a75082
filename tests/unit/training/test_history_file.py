"""The training history file (docs/formats.md §9) and currency per state (issue 14.5)."""

from __future__ import annotations

import datetime as dt

import pytest

from atlasbot.domain import Network
from atlasbot.training.currency import TrainingRecord, currency_by_state
from atlasbot.training.history import HistoryFileError, looks_like_history, parse_history

TODAY = dt.date(2026, 12, 3)

CSV = """\
date,capability,units,title
2026-05-12,negotiation,de-1 fr-1 be-1,Siege negotiation
2026-02-03,hostage_rescue,"de-1, nl-1",School rescue
"""

YAML = """\
history:
  - date: 2025-10-01
    capability: negotiation
    units: [de-1, at-1]
  - {date: 2026-03-04, capability: eod, units: [at-1, bg-1], titel: EOD week}
"""


def test_a_csv_history_gives_one_training_per_row_with_its_units(demo_network: Network) -> None:
    read = parse_history(CSV, "h.csv", demo_network, TODAY)
    assert [(e.day, e.capability, e.units, e.title) for e in read.entries] == [
        (dt.date(2026, 5, 12), "negotiation", ("de-1", "fr-1", "be-1"), "Siege negotiation"),
        (dt.date(2026, 2, 3), "hostage_rescue", ("de-1", "nl-1"), "School rescue"),
    ]
    assert read.warnings == ()


def test_a_yaml_history_warns_of_an_unknown_key_with_its_likely_fix(
    demo_network: Network,
) -> None:
    read = parse_history(YAML, "h.yaml", demo_network, TODAY)
    assert [e.units for e in read.entries] == [("de-1", "at-1"), ("at-1", "bg-1")]
    assert read.warnings == (
        "h.yaml: history[1].titel: unknown key 'titel', ignored; did you mean 'title'?",
    )


def test_every_problem_is_one_line_naming_the_file_and_the_row(demo_network: Network) -> None:
    bad = (
        "date,capability,units\n"
        "2026-13-01,negotiation,de-1 fr-1\n"
        "2026-01-10,juggling,de-1 xx-9\n"
        "2027-01-10,negotiation,de-1\n"
        ",negotiation,de-1 fr-1\n"
    )
    with pytest.raises(HistoryFileError) as error:
        parse_history(bad, "bad.csv", demo_network, TODAY)
    assert error.value.problems == [
        "bad.csv: row 2.date: '2026-13-01' is not a date (YYYY-MM-DD)",
        "bad.csv: row 3.capability: unknown capability 'juggling'",
        "bad.csv: row 3.units: unknown unit 'xx-9'",
        "bad.csv: row 4.date: 2027-01-10 is in the future: only trainings held count",
        "bad.csv: row 4.units: a joint training has at least two units",
        "bad.csv: row 5.date: missing",
    ]
    assert all("\n" not in problem for problem in error.value.problems)


@pytest.mark.parametrize(
    ("text", "name", "problem"),
    [
        ("events: []\n", "x.yaml", "x.yaml: expected a mapping with history: (a list)"),
        ("history:\n  - 3\n", "x.yaml", "x.yaml: history[0]: expected a mapping, got 3"),
        ("date,capability,units\n", "x.csv", "x.csv: no trainings in the file"),
        ("", "x.csv", "x.csv: the CSV file has no header row"),
    ],
)
def test_a_file_without_trainings_is_refused_in_one_line(
    demo_network: Network, text: str, name: str, problem: str
) -> None:
    with pytest.raises(HistoryFileError) as error:
        parse_history(text, name, demo_network, TODAY)
    assert error.value.problems == [problem]


def test_a_history_file_is_told_from_an_events_file() -> None:
    assert looks_like_history("date,capability,units\n", "old.CSV")
    assert looks_like_history(YAML, "history.yaml")
    assert not looks_like_history("horizon: {}\nevents: []\n", "events.yaml")


def test_currency_per_state_names_the_last_training_the_stale_and_the_due_units(
    demo_network: Network,
) -> None:
    records = [
        TrainingRecord("de-1", "negotiation", dt.date(2026, 1, 20)),  # falls out 2027-01-20
        TrainingRecord("de-3", "negotiation", dt.date(2025, 6, 1)),  # out of currency
        TrainingRecord("be-1", "negotiation", dt.date(2026, 11, 1)),
    ]
    states = currency_by_state(demo_network, records, TODAY, months=12, countries=["DE", "BE"])
    assert {s.country for s in states} == {"DE", "BE"}
    de = next(s for s in states if s.country == "DE" and s.capability == "negotiation")
    assert de.last == dt.date(2026, 1, 20)
    assert de.stale == (("de-3", dt.date(2025, 6, 1)),)
    assert de.due == (("de-1", dt.date(2027, 1, 20)),)
    be = next(s for s in states if s.country == "BE" and s.capability == "negotiation")
    assert be.stale == () and be.due == () and be.last == dt.date(2026, 11, 1)
