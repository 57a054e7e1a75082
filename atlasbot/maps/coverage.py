"""Coverage: at each place, the earliest time a full team of one capability could be on
scene from another state, under the Decision's rules and the network's readiness now.

The rules are ``atlasbot.rules``' (R2 another state, OP-STATUS readiness, R12 partners,
OP-ARMED, OP-CAPABILITY, OP-RESERVE home reserves) and the ETAs the planner's travel model
(``eta_matrix``, vectorised): a place's figure is what the planner's best plan for one team
of that capability there would take. "What if unit X is deployed" is the same computation
with X deployed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from atlasbot import rules
from atlasbot.domain import (
    AssistanceForm,
    CrisisType,
    Location,
    Network,
    UnitStatus,
    make_request,
)
from atlasbot.geo import geodesic_km
from atlasbot.planner.travel import TravelModel, eta_matrix

DEFAULT_ASSISTANCE = (AssistanceForm.ACTION.value,)


@dataclass(frozen=True, slots=True)
class Place:
    """A place coverage is computed for: a name, the state it lies in, where."""

    name: str
    country: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class CoverageQuestion:
    """What is asked: a capability, the forms of help, partners, units assumed deployed."""

    capability: str
    assistance: tuple[str, ...] = DEFAULT_ASSISTANCE
    include_partners: bool = False
    deployed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaceCoverage:
    """One place's figure: the earliest on-scene minutes (None: nobody can come) and by whom."""

    place: Place
    minutes: int | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """Every place's figure for one question (places in the order given)."""

    question: CoverageQuestion
    places: tuple[PlaceCoverage, ...]

    def worst(self, count: int = 10, *, apart_km: float = 0.0) -> tuple[PlaceCoverage, ...]:
        """The ``count`` worst-covered places: nobody can come first, then the longest wait;
        with ``apart_km``, a place that near one already listed is passed over (so ten
        neighbouring grid points do not hide the next gap)."""
        ranked = sorted(
            self.places, key=lambda p: (p.minutes is not None, -(p.minutes or 0), p.place.name)
        )
        chosen: list[PlaceCoverage] = []
        for item in ranked:
            if len(chosen) == count:
                break
            if all(_km(item.place, other.place) >= apart_km for other in chosen):
                chosen.append(item)
        return tuple(chosen)


def _km(one: Place, other: Place) -> float:
    return geodesic_km(one.lat, one.lon, other.lat, other.lon)


def eligibility(network: Network, question: CoverageQuestion, countries: Iterable[str]) -> Any:
    """A boolean array (place state, unit): may the unit help a place in that state? Every
    §4 rule for a request of one team of the capability, and its state's home reserve."""
    import numpy as np

    codes = list(countries)
    known = {c.code: c for c in network.countries}
    allowance = {c.code: rules.country_allowance(c, network.units) for c in network.countries}
    allowed = np.zeros((len(codes), len(network.units)), dtype=bool)
    for row, code in enumerate(codes):
        request = make_request(
            id=f"coverage-{code}",
            requesting_country=code,
            crisis=CrisisType.OTHER_SERIOUS_THREAT,
            location=Location(0.0, 0.0),
            needs={question.capability: 1},
            assistance=question.assistance,
            include_partners=question.include_partners,
        )
        for column, unit in enumerate(network.units):
            allowed[row, column] = (
                rules.is_eligible(unit, known[unit.country], request)
                and allowance[unit.country] > 0
            )
    return allowed


def compute_coverage(
    network: Network,
    places: Sequence[Place],
    question: CoverageQuestion,
    model: TravelModel | None = None,
) -> Coverage:
    """Each place's earliest on-scene time for the question (the ETAs as one numpy matrix)."""
    import numpy as np

    network = network.with_statuses(dict.fromkeys(question.deployed, UnitStatus.DEPLOYED))
    countries = sorted({p.country for p in places})
    row_of = {code: row for row, code in enumerate(countries)}
    allowed = eligibility(network, question, countries)
    # Only the units that may help some place travel (for one capability, a fraction).
    helpers = np.flatnonzero(allowed.any(axis=0)) if len(places) else np.array([], dtype=int)
    if not len(helpers):
        return Coverage(question, tuple(PlaceCoverage(p, None, None) for p in places))
    units = [network.units[int(j)] for j in helpers]
    lats, lons = [p.lat for p in places], [p.lon for p in places]
    minutes = eta_matrix(units, lats, lons, model or TravelModel())
    rows = np.array([row_of[p.country] for p in places], dtype=int)
    minutes = np.where(allowed[rows][:, helpers], minutes, np.inf)
    best = np.argmin(minutes, axis=1)
    earliest = minutes[np.arange(len(places)), best]
    return Coverage(
        question,
        tuple(
            PlaceCoverage(place, int(value), units[column].id)
            if value != float("inf")
            else PlaceCoverage(place, None, None)
            for place, value, column in zip(places, earliest.tolist(), best.tolist(), strict=True)
        ),
    )


def network_key(network: Network) -> str:
    """Everything in the registry the coverage depends on (units, their readiness, bases,
    capabilities, states and reserves) as one string, so a cache knows when to compute again."""
    return repr(network.canonical())


class CoverageMemo:
    """Coverages already computed, by the registry's state and the question: a coverage is
    computed again only when readiness (or anything else it depends on) changed. Also keeps
    the places, which never change while the bot runs. Owned by whoever runs the bot."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, CoverageQuestion], Coverage] = OrderedDict()
        self._places: tuple[Place, ...] | None = None
        self.computed = 0  # how many coverages were computed (not found here)
        # The bot asks from worker threads: one computation at a time.
        self._lock = threading.Lock()

    def places(self, make: Callable[[], tuple[Place, ...]]) -> tuple[Place, ...]:
        """The places, made on first use."""
        with self._lock:
            if self._places is None:
                self._places = make()
            return self._places

    def coverage(
        self,
        network: Network,
        places: Sequence[Place],
        question: CoverageQuestion,
        model: TravelModel | None = None,
    ) -> Coverage:
        """The coverage, from the memo when the registry has not changed since."""
        model = model or TravelModel()
        key = (network_key(network) + repr(model), question)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
            result = compute_coverage(network, places, question, model)
            self.computed += 1
            self._entries[key] = result
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            return result
