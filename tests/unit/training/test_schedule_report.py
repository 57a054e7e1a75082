"""The §8 JSON object and the terminal table."""

from __future__ import annotations

import json

from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import schedule
from atlasbot.training.report import format_list, format_table, result_to_json


def test_the_json_has_exactly_the_contracts_shape(network: Network):
    plan = make_plan(
        [
            event("mar-1", ["de-1", "nl-1", "pl-1"], duration_days=3, capability="maritime"),
            event("cm-1", ["de-1", "fr-1"], virtual=True, kind="meeting"),
            event("cbrn-2", ["de-1", "nl-1"], capability="cbrn"),
        ]
    )
    document = result_to_json(schedule(network, plan))
    assert json.loads(json.dumps(document)) == document
    assert set(document) == {
        "status",
        "solve_ms",
        "total_travel_km",
        "lower_bound_km",
        "events",
        "unscheduled",
    }
    assert document["status"] == "partial"
    first = document["events"][0]
    assert set(first) == {"id", "start", "end", "host", "participants", "travel_km"}
    virtual = next(e for e in document["events"] if e["id"] == "cm-1")
    assert virtual["host"] is None and virtual["travel_km"] == 0
    assert document["unscheduled"] == [
        {"id": "cbrn-2", "reason": "no participant has capability cbrn to host"}
    ]
    assert document["total_travel_km"] == sum(e["travel_km"] for e in document["events"])


def test_the_table_lists_events_the_unplaced_and_the_totals(network: Network):
    plan = make_plan(
        [
            event("mar-1", ["de-1", "nl-1", "pl-1"], duration_days=3, capability="maritime"),
            event("cbrn-2", ["de-1", "nl-1"], capability="cbrn"),
        ]
    )
    result = schedule(network, plan)
    table = format_table(result, network)
    assert "mar-1: Event mar-1" in table and "de-1 (DE)" in table
    assert "cbrn-2: no participant has capability cbrn to host" in table
    assert f"total travel {result.total_travel_km:,} km" in table
    assert "Status: partial" in table


def test_a_title_with_line_breaks_stays_on_its_row_and_one_event_is_singular(network: Network):
    plan = make_plan([event("v", ["de-1", "fr-1"], virtual=True, title="Line 1\nLine 2\tend")])
    table = format_table(schedule(network, plan), network)
    row = next(line for line in table.splitlines() if line.startswith("2027-"))
    assert "v: Line 1 Line 2 end" in row
    assert len(table.splitlines()) == 5  # headers, rule, one row, blank, status
    assert "; 1 event placed;" in table


def test_the_chat_gets_a_list_a_phone_shows_without_wrapping_columns(network: Network):
    plan = make_plan(
        [
            event("mar-1", ["de-1", "nl-1", "pl-1"], duration_days=3, capability="maritime"),
            event("cm-1", ["de-1", "fr-1"], virtual=True, kind="meeting"),
            event("cbrn-2", ["de-1", "nl-1"], capability="cbrn"),
        ]
    )
    result = schedule(network, plan)
    listing = format_list(result, network)
    lines = listing.splitlines()
    mar = next(line for line in lines if "mar-1: Event mar-1" in line)
    assert mar.startswith("• ") and "host " in mar and "3 units" in mar and "km of travel" in mar
    assert any(line.startswith("• ") and "cm-1" in line and "virtual" in line for line in lines)
    assert "• cbrn-2: no participant has capability cbrn to host" in lines
    # No padded columns: no run of spaces a fixed-width table would need.
    assert "  " not in listing
    assert "Status: partial" in listing
