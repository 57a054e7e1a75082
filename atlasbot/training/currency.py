"""Training currency: when did each unit last train each capability jointly, and what is stale.

"Joint training" records come from held events (``records_from``) or from the caller's
history. Today is passed in: the pure core never reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from atlasbot.domain import Network
from atlasbot.training.calendar import ScheduleResult, distance_km

DEFAULT_MONTHS = 12
PROPOSED_GROUP_SIZE = 6
PROPOSED_DURATION_DAYS = 3


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """A unit trained a capability jointly with other units on a day."""

    unit: str
    capability: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class StaleCapability:
    """A capability a unit has not trained jointly since ``last`` (None: never)."""

    unit: str
    capability: str
    last: dt.date | None


def records_from(result: ScheduleResult, today: dt.date) -> list[TrainingRecord]:
    """Records for every held (ended before today) event that trained a capability."""
    return [
        TrainingRecord(unit_id, placed.capability, placed.end)
        for placed in result.events
        if placed.capability and placed.end < today
        for unit_id in placed.participants
    ]


def months_before(today: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(today.day, 0, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: day 1 always exists")


def last_trained(
    network: Network, records: Iterable[TrainingRecord], today: dt.date
) -> dict[tuple[str, str], dt.date | None]:
    """For each (unit, capability it has): the latest joint training up to today, or None."""
    latest: dict[tuple[str, str], dt.date] = {}
    for record in records:
        if record.day > today:
            continue
        key = (record.unit, record.capability)
        if key not in latest or record.day > latest[key]:
            latest[key] = record.day
    return {
        (unit.id, capability): latest.get((unit.id, capability))
        for unit in network.units
        for capability in unit.capabilities
    }


def stale_capabilities(
    network: Network,
    records: Iterable[TrainingRecord],
    today: dt.date,
    *,
    months: int = DEFAULT_MONTHS,
) -> list[StaleCapability]:
    """Each unit capability not trained jointly within the last ``months`` months."""
    cutoff = months_before(today, months)
    return [
        StaleCapability(unit_id, capability, last)
        for (unit_id, capability), last in sorted(last_trained(network, records, today).items())
        if last is None or last < cutoff
    ]


def propose_events(
    network: Network,
    records: Iterable[TrainingRecord],
    today: dt.date,
    horizon_end: dt.date,
    *,
    months: int = DEFAULT_MONTHS,
    group_size: int = PROPOSED_GROUP_SIZE,
    duration_days: int = PROPOSED_DURATION_DAYS,
) -> dict[str, Any]:
    """An events-file mapping (§7) with refresher trainings for every stale capability.

    Stale units of one capability are grouped with their nearest neighbours; a lone stale
    unit is paired with the nearest other unit that has the capability (or, when it is the
    only one, the nearest unit), so each event is joint. The result can go straight into
    ``parse_events``.
    """
    records = list(records)
    stale_by_capability: dict[str, list[str]] = defaultdict(list)
    for stale in stale_capabilities(network, records, today, months=months):
        stale_by_capability[stale.capability].append(stale.unit)
    names = {c.code: c.name for c in network.capabilities}
    events = []
    for capability in sorted(stale_by_capability):
        holders = [u.id for u in network.units if u.teams_of(capability) >= 1]
        for number, group in enumerate(
            _nearby_groups(network, stale_by_capability[capability], holders, group_size), 1
        ):
            events.append(
                {
                    "id": f"refresh-{capability.replace('_', '-')}-{number}",
                    "kind": "training",
                    "title": f"{names.get(capability, capability)} refresher",
                    "duration_days": duration_days,
                    "capability": capability,
                    "participants": group,
                }
            )
    start = today + dt.timedelta(days=1)
    return {
        "horizon": {"start": start.isoformat(), "end": horizon_end.isoformat()},
        "events": events,
    }


def _nearby_groups(
    network: Network, stale: list[str], holders: list[str], group_size: int
) -> list[list[str]]:
    """Split the stale units into groups of neighbours; never leave a unit alone."""
    remaining = sorted(stale)
    groups: list[list[str]] = []
    while remaining:
        seed = remaining.pop(0)
        by_distance = sorted(remaining, key=lambda u: (_km(network, seed, u), u))
        group = [seed, *by_distance[: group_size - 1]]
        remaining = [u for u in remaining if u not in group]
        groups.append(group)
    if groups and len(groups[-1]) == 1:
        lone = groups.pop()[0]
        if groups and len(groups[-1]) < group_size + 1:
            groups[-1].append(lone)
        else:
            # Prefer a partner that has the capability; the lone unit can host in any case.
            others = [u for u in holders if u != lone] or [
                u.id for u in network.units if u.id != lone
            ]
            if others:
                groups.append([lone, min(others, key=lambda u: (_km(network, lone, u), u))])
    return groups


def _km(network: Network, a: str, b: str) -> int:
    return distance_km(network.unit(a), network.unit(b))


def capability_names(network: Network) -> Mapping[str, str]:
    """Capability code -> human name, for messages."""
    return {c.code: c.name for c in network.capabilities}


@dataclass(frozen=True, slots=True)
class StateCurrency:
    """One state's capability: when any of its units last trained it jointly, the units out
    of currency (``stale``: never or too long ago) and those falling out soon (``due``, each
    with the day it falls out)."""

    country: str
    capability: str
    last: dt.date | None
    stale: tuple[tuple[str, dt.date | None], ...]
    due: tuple[tuple[str, dt.date], ...]


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (clamped to the month's last day)."""
    return months_before(day, -months)


def currency_by_state(
    network: Network,
    records: Iterable[TrainingRecord],
    today: dt.date,
    *,
    months: int = DEFAULT_MONTHS,
    soon_months: int = 3,
    countries: Iterable[str] | None = None,
) -> list[StateCurrency]:
    """Per state (those in ``countries``, else all) and capability its units have: the last
    joint training, the units out of currency and those falling out within ``soon_months``."""
    last = last_trained(network, records, today)
    cutoff = months_before(today, months)
    soon = months_after(today, soon_months)
    wanted = set(countries) if countries is not None else None
    by_state: dict[tuple[str, str], list[str]] = defaultdict(list)
    for unit in network.units:
        if wanted is None or unit.country in wanted:
            for capability in unit.capabilities:
                by_state[(unit.country, capability)].append(unit.id)
    found = []
    for (country, capability), unit_ids in sorted(by_state.items()):
        days = [last[(u, capability)] for u in unit_ids]
        held = [d for d in days if d is not None]
        stale = tuple(
            (u, d) for u, d in zip(unit_ids, days, strict=True) if d is None or d < cutoff
        )
        due = tuple(
            (u, months_after(d, months))
            for u, d in zip(unit_ids, days, strict=True)
            if d is not None and d >= cutoff and months_after(d, months) <= soon
        )
        found.append(StateCurrency(country, capability, max(held, default=None), stale, due))
    return found
