"""Small builders of networks and requests for the planner's tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlasbot.domain import (
    Capability,
    Country,
    CrisisRequest,
    Location,
    Network,
    TransportMode,
    Unit,
    UnitStatus,
    frozen_counts,
    make_request,
)

BRUSSELS = Location(50.85, 4.35, "Brussels")
CAPABILITIES = ("hostage_rescue", "negotiation", "cbrn", "k9", "divers")


def country(
    code: str,
    *,
    bound: bool = True,
    armed: bool = True,
    reserve: int = 0,
    name: str | None = None,
) -> Country:
    """A country with sensible defaults."""
    return Country(
        code=code,
        name=name or code,
        bound_by_decision=bound,
        timezone="Europe/Brussels",
        armed_action_abroad=armed,
        home_reserve=reserve,
    )


def unit(
    unit_id: str,
    country_code: str,
    capabilities: Mapping[str, int],
    *,
    lat: float = 50.0,
    lon: float = 5.0,
    status: UnitStatus = UnitStatus.AVAILABLE,
    mobilisation: int = 60,
    transport: Sequence[TransportMode] = (TransportMode.ROAD,),
) -> Unit:
    """A unit with sensible defaults."""
    return Unit(
        id=unit_id,
        name=f"Unit {unit_id}",
        country=country_code,
        base=Location(lat, lon),
        status=status,
        mobilisation_minutes=mobilisation,
        transport=tuple(transport),
        capabilities=frozen_counts(capabilities),
    )


def network(countries: Sequence[Country], units: Sequence[Unit]) -> Network:
    """A network with the test capability catalogue."""
    return Network(
        capabilities=tuple(Capability(c, c.replace("_", " ")) for c in CAPABILITIES),
        countries=tuple(countries),
        units=tuple(units),
    )


def request(
    needs: Mapping[str, int],
    *,
    request_id: str = "req-1",
    requesting: str = "BE",
    location: Location = BRUSSELS,
    assistance: Sequence[str] = ("action",),
    include_partners: bool = False,
    priority: int = 1,
) -> CrisisRequest:
    """A hostage-taking request with sensible defaults."""
    return make_request(
        id=request_id,
        requesting_country=requesting,
        crisis="hostage_taking",
        location=location,
        needs=needs,
        assistance=assistance,
        include_partners=include_partners,
        priority=priority,
    )
