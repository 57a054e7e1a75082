"""The facts the calendar reads: public holidays by country and year, travel by geodesic km."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from atlasbot.domain import Network, Unit
from atlasbot.geo import geodesic_km

if TYPE_CHECKING:
    pass


@functools.lru_cache(maxsize=512)
def holiday_names(country: str, year: int) -> Mapping[dt.date, str]:
    """The public holidays of a country in a year and their names (the ``holidays`` package)."""
    import holidays

    try:
        found = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        # A country the package does not know has no holidays we could respect.
        return MappingProxyType({})
    return MappingProxyType(dict(found.items()))


def load_holiday_tables(countries: Iterable[str], year: int) -> None:
    """Load each country's holiday table (the ``holidays`` package imports a country's module
    on first use: about 0.3 s for 30 countries, once per process), so that, like loading the
    solver library, it comes before a time limit starts rather than inside it."""
    for country in sorted(set(countries)):
        holiday_names(country, year)


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[dt.date]:
    """The public holidays of a country in a year, as the ``holidays`` package knows them."""
    return frozenset(holiday_names(country, year))


def is_public_holiday(day: dt.date, countries: Iterable[str]) -> bool:
    """True when the day is a public holiday in any of the countries."""
    return any(day in public_holidays(country, day.year) for country in countries)


def _geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> int:
    return round(geodesic_km(a[0], a[1], b[0], b[1]))


def distance_km(a: Unit, b: Unit) -> int:
    """The WGS-84 geodesic distance between two units' bases, rounded to whole km."""
    if a.id == b.id:
        return 0
    return _geodesic_km((a.base.lat, a.base.lon), (b.base.lat, b.base.lon))


def travel_km(network: Network, host: str | None, participants: Iterable[str]) -> int:
    """Total travel to an event: each non-host participant's base to the host's base."""
    if host is None:
        return 0
    host_unit = network.unit(host)
    return sum(distance_km(network.unit(unit_id), host_unit) for unit_id in participants)
