"""A small network and helpers to write events plans tersely in tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atlasbot.domain import (
    Capability,
    Country,
    Location,
    Network,
    TransportMode,
    Unit,
    UnitStatus,
    frozen_counts,
)
from atlasbot.training.events_file import EventsPlan, parse_events

_COUNTRIES = {
    "DE": ("Germany", "Europe/Berlin"),
    "FR": ("France", "Europe/Paris"),
    "BE": ("Belgium", "Europe/Brussels"),
    "NL": ("Netherlands", "Europe/Amsterdam"),
    "PL": ("Poland", "Europe/Warsaw"),
    "AT": ("Austria", "Europe/Vienna"),
}

_UNITS = [
    ("de-1", "DE", 52.52, 13.40, "Berlin", {"hostage_rescue": 2, "maritime": 1}),
    ("de-2", "DE", 48.14, 11.58, "Munich", {"hostage_rescue": 1}),
    ("fr-1", "FR", 48.86, 2.35, "Paris", {"hostage_rescue": 1, "cbrn": 1}),
    ("be-1", "BE", 50.85, 4.35, "Brussels", {"negotiation": 1}),
    ("nl-1", "NL", 52.37, 4.90, "Amsterdam", {"maritime": 2}),
    ("pl-1", "PL", 52.23, 21.01, "Warsaw", {"hostage_rescue": 1}),
    ("at-1", "AT", 47.81, 16.24, "Wiener Neustadt", {"negotiation": 1}),
]


def make_network() -> Network:
    """Seven units in six countries, with a few capabilities."""
    return Network(
        capabilities=tuple(
            Capability(code, code.replace("_", " ").capitalize())
            for code in ("hostage_rescue", "maritime", "cbrn", "negotiation")
        ),
        countries=tuple(Country(code, name, True, tz) for code, (name, tz) in _COUNTRIES.items()),
        units=tuple(
            Unit(
                id=unit_id,
                name=f"Unit {unit_id}",
                country=country,
                base=Location(lat, lon, place),
                status=UnitStatus.AVAILABLE,
                mobilisation_minutes=60,
                transport=(TransportMode.ROAD,),
                capabilities=frozen_counts(caps),
            )
            for unit_id, country, lat, lon, place, caps in _UNITS
        ),
    )


def event(event_id: str, participants: list[str], **fields: Any) -> dict[str, Any]:
    """An events-file entry with sensible defaults."""
    entry: dict[str, Any] = {
        "id": event_id,
        "kind": "training",
        "title": f"Event {event_id}",
        "duration_days": 1,
        "participants": participants,
    }
    entry.update(fields)
    return entry


def make_plan(
    events: list[dict[str, Any]],
    *,
    start: str = "2027-03-01",
    end: str = "2027-06-30",
    min_gap_days: int = 0,
    max_hosted_per_country: int = 10,
    blackouts: list[dict[str, Any]] | None = None,
) -> EventsPlan:
    """A validated plan on the test network."""
    data = {
        "horizon": {"start": start, "end": end},
        "rules": {"min_gap_days": min_gap_days, "max_hosted_per_country": max_hosted_per_country},
        "events": events,
        "blackouts": blackouts or [],
    }
    return parse_events(data, "test.yaml", make_network())


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
