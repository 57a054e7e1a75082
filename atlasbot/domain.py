"""Plain, immutable values that the whole of atlasbot speaks: the network and crisis requests.

This module is part of the pure core: no Telegram, no database, no clock, no I/O. The file
loaders (``atlasbot.network``, ``atlasbot.planner.request_file``) and the storage layer
convert to and from these values; the planner and the training scheduler only ever see them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class UnitStatus(StrEnum):
    """Readiness of a unit, as its commander reports it."""

    AVAILABLE = "available"
    STANDBY = "standby"
    DEPLOYED = "deployed"
    UNAVAILABLE = "unavailable"
    # Released from a crisis and on its way home (``unit.returns_at``): not yet available.
    RETURNING = "returning"

    @property
    def can_be_proposed(self) -> bool:
        """Only available and standby units count towards help or a state's pool."""
        return self in (UnitStatus.AVAILABLE, UnitStatus.STANDBY)


class TransportMode(StrEnum):
    """How a unit can travel to a crisis (docs/formats.md §3)."""

    ROAD = "road"
    HELICOPTER = "helicopter"
    AIRCRAFT = "aircraft"


class CrisisType(StrEnum):
    """Crisis types in scope of the Decision (Art. 2; RULES R4)."""

    HOSTAGE_TAKING = "hostage_taking"
    HIJACKING = "hijacking"
    TERRORIST_ATTACK = "terrorist_attack"
    SIEGE = "siege"
    OTHER_SERIOUS_THREAT = "other_serious_threat"


class AssistanceForm(StrEnum):
    """Forms of assistance a request may ask for (Art. 3; RULES R6)."""

    EQUIPMENT = "equipment"
    EXPERTISE = "expertise"
    ACTION = "action"


def frozen_counts(counts: Mapping[str, int]) -> Mapping[str, int]:
    """A read-only copy of a capability -> count mapping, with keys in sorted order."""
    return MappingProxyType({code: counts[code] for code in sorted(counts)})


@dataclass(frozen=True, slots=True)
class Capability:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    bound_by_decision: bool
    timezone: str
    languages: tuple[str, ...] = ()
    armed_action_abroad: bool = True
    home_reserve: int = 0
    # The state's own escalation timings (``escalation.Timings`` field -> seconds); a
    # read-only mapping, left out of the hash so a Country stays hashable.
    escalation: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    place: str = ""


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    country: str
    base: Location
    status: UnitStatus
    mobilisation_minutes: int
    transport: tuple[TransportMode, ...]
    capabilities: Mapping[str, int] = field(default_factory=lambda: frozen_counts({}))
    languages: tuple[str, ...] = ()
    # The unit's own escalation timings, over its state's (``escalation.Timings`` fields).
    escalation: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def teams_of(self, capability: str) -> int:
        """How many teams of one capability the unit brings (0 when it has none)."""
        return self.capabilities.get(capability, 0)


@dataclass(frozen=True, slots=True)
class Network:
    """The registry: capability catalogue, states and their units."""

    capabilities: tuple[Capability, ...]
    countries: tuple[Country, ...]
    units: tuple[Unit, ...]

    def country(self, code: str) -> Country:
        """The country with this ISO code; KeyError when unknown."""
        for country in self.countries:
            if country.code == code:
                return country
        raise KeyError(code)

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; KeyError when unknown."""
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    def capability_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.capabilities)

    def country_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.countries)

    def canonical(self) -> Network:
        """The same network with every list in key order (for comparing registries)."""
        return Network(
            tuple(sorted(self.capabilities, key=lambda c: c.code)),
            tuple(sorted(self.countries, key=lambda c: c.code)),
            tuple(sorted(self.units, key=lambda u: u.id)),
        )

    def with_statuses(self, statuses: Mapping[str, UnitStatus]) -> Network:
        """The same network with some units' statuses replaced (unit id -> status)."""
        units = tuple(
            _replace_status(u, statuses[u.id]) if u.id in statuses else u for u in self.units
        )
        return Network(self.capabilities, self.countries, units)


def _replace_status(unit: Unit, status: UnitStatus) -> Unit:
    return Unit(
        id=unit.id,
        name=unit.name,
        country=unit.country,
        base=unit.base,
        status=status,
        mobilisation_minutes=unit.mobilisation_minutes,
        transport=unit.transport,
        capabilities=unit.capabilities,
        languages=unit.languages,
        escalation=unit.escalation,
    )


@dataclass(frozen=True, slots=True)
class CrisisRequest:
    """What a requesting state asks for (docs/formats.md §2)."""

    id: str
    requesting_country: str
    crisis: CrisisType
    location: Location
    needs: Mapping[str, int]
    assistance: frozenset[AssistanceForm]
    include_partners: bool = False
    priority: int = 1

    @property
    def asks_for_action(self) -> bool:
        return AssistanceForm.ACTION in self.assistance


def make_request(
    *,
    id: str,
    requesting_country: str,
    crisis: CrisisType | str,
    location: Location,
    needs: Mapping[str, int],
    assistance: Iterable[AssistanceForm | str],
    include_partners: bool = False,
    priority: int = 1,
) -> CrisisRequest:
    """Build a request from loosely typed values (strings for the enums)."""
    return CrisisRequest(
        id=id,
        requesting_country=requesting_country,
        crisis=CrisisType(crisis),
        location=location,
        needs=frozen_counts(needs),
        assistance=frozenset(AssistanceForm(a) for a in assistance),
        include_partners=include_partners,
        priority=priority,
    )
