"""An offline gazetteer: find a European town by the name a person types.

The chat uses it when a requester types a place instead of sharing a location. Pure: the data
file is read only when ``Gazetteer.load`` is called, never at import time.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from atlasbot.geo import geodesic_km
from atlasbot.i18n import _, format_number

DEFAULT_PLACES_FILE = Path(__file__).parents[1] / "data" / "places.yaml"

# Letters that Unicode does not decompose into a base letter plus an accent.
_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_COUNTRY_SUFFIX = re.compile(r"^(?P<name>.*?)[\s,]+(?P<country>[A-Za-z]{2})$")
# How close a misspelling must be (difflib ratio) to be offered at all.
_FUZZY_CUTOFF = 0.75
# Match tiers, best first.
_EXACT_NAME, _EXACT_ALIAS, _PREFIX, _WORD_PREFIX, _FUZZY = range(5)


# A point this far from every known town is not in Europe (or not on land).
_FAR_FROM_EVERYTHING_KM = 400.0
# Near a border a foreign town can be closer than any of one's own: that much is accepted.
_BORDER_SLACK_KM = 40.0


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    lat: float
    lon: float


@dataclass(frozen=True)
class _Entry:
    place: Place
    order: int
    name_key: str
    alias_keys: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.name_key, *self.alias_keys)


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "St. Pölten" -> "st polten"."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN_LETTERS))
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return _NOT_LETTER_OR_DIGIT.sub(" ", bare).strip()


class Gazetteer:
    """Places with their aliases, looked up by exact name, then prefix, then fuzzy match."""

    def __init__(self, places: Iterable[tuple[Place, Sequence[str]]]) -> None:
        self._entries = tuple(
            _Entry(
                place=place,
                order=order,
                name_key=normalise(place.name),
                alias_keys=tuple(normalise(alias) for alias in aliases),
            )
            for order, (place, aliases) in enumerate(places)
        )
        self._countries = frozenset(entry.place.country for entry in self._entries)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Gazetteer:
        """Read a places file (default: the packaged data/places.yaml); ValueError if malformed."""
        import yaml

        source = Path(path) if path is not None else DEFAULT_PLACES_FILE
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(source.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
        if not isinstance(data, list):
            raise ValueError(_("{source}: expected a list of places", source=source))
        return cls(_read_entry(item, index, source) for index, item in enumerate(data))

    @property
    def places(self) -> tuple[Place, ...]:
        return tuple(entry.place for entry in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def nearest(self, lat: float, lon: float, country: str | None = None) -> tuple[Place, float]:
        """The known place closest to a point (of one country, if given) and its distance in
        km (the planner's geodesic). KeyError when the gazetteer has no place there."""
        best: tuple[float, int] | None = None
        for index, entry in enumerate(self._entries):
            if country is not None and entry.place.country != country:
                continue
            km = geodesic_km(lat, lon, entry.place.lat, entry.place.lon)
            if best is None or km < best[0]:
                best = (km, index)
        if best is None:
            raise KeyError(country or "no places")
        return self._entries[best[1]].place, best[0]

    def territory_doubt(self, country: str, lat: float, lon: float) -> str | None:
        """Why a point does not look like it is in ``country``, or None when it does (or when
        it is near a border: a point closer to a foreign town is still accepted if the
        country's own nearest town is about as close)."""
        try:
            near, km = self.nearest(lat, lon)
        except KeyError:
            return None
        if km > _FAR_FROM_EVERYTHING_KM:
            return _("it is {km} km from every European place atlasbot knows", km=_km(km))
        if near.country == country:
            return None
        try:
            own, own_km = self.nearest(lat, lon, country)
        except KeyError:
            return None  # no place of that country is known: nothing to compare with
        if own_km <= km + _BORDER_SLACK_KM:
            return None
        return _(
            "it is {km} km from {place} ({place_country}) but {own_km} km from {own_place}, "
            "the nearest place in {country} atlasbot knows",
            km=_km(km),
            place=near.name,
            place_country=near.country,
            own_km=_km(own_km),
            own_place=own.name,
            country=country,
        )

    def lookup(self, query: str, limit: int = 3) -> list[Place]:
        """Best matches for a typed place name, optionally ending in a country code ("Lyon FR").

        Exact names and aliases win outright: when any exist only they are returned. Otherwise
        names that start with the query come first, then close misspellings (difflib).
        """
        key = normalise(query)
        if not key or limit < 1:
            return []
        ranked = self._ranked(key, None)
        if not (ranked and ranked[0][0] < _PREFIX):
            split = _COUNTRY_SUFFIX.match(query.strip())
            if split and split["country"].upper() in self._countries and normalise(split["name"]):
                ranked = self._ranked(normalise(split["name"]), split["country"].upper())
        if ranked and ranked[0][0] < _PREFIX:
            ranked = [(tier, entry) for tier, entry in ranked if tier < _PREFIX]
        return [entry.place for _, entry in ranked[:limit]]

    def _ranked(self, key: str, country: str | None) -> list[tuple[int, _Entry]]:
        """Matching entries, best first, each with its tier (_EXACT_NAME ... _FUZZY)."""
        entries = [e for e in self._entries if country is None or e.place.country == country]
        best: dict[int, tuple[float, ...]] = {}

        def offer(entry: _Entry, rank: tuple[float, ...]) -> None:
            if entry.order not in best or rank < best[entry.order]:
                best[entry.order] = rank

        for entry in entries:
            if key == entry.name_key:
                offer(entry, (_EXACT_NAME, entry.order))
            elif key in entry.alias_keys:
                offer(entry, (_EXACT_ALIAS, entry.order))
            elif entry.name_key.startswith(key):
                offer(entry, (_PREFIX, 0, len(entry.name_key), entry.order))
            elif prefixed_aliases := [a for a in entry.alias_keys if a.startswith(key)]:
                offer(entry, (_PREFIX, 1, min(map(len, prefixed_aliases)), entry.order))
            elif len(key) >= 3 and any(
                word.startswith(key) for k in entry.keys for word in k.split()
            ):
                offer(entry, (_WORD_PREFIX, entry.order))
        if len(best) < len(entries):
            self._offer_fuzzy(key, entries, offer)
        by_order = {entry.order: entry for entry in entries}
        return [
            (int(best[order][0]), by_order[order])
            for order in sorted(best, key=lambda order: best[order])
        ]

    @staticmethod
    def _offer_fuzzy(
        key: str,
        entries: Sequence[_Entry],
        offer: Callable[[_Entry, tuple[float, ...]], None],
    ) -> None:
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        for entry in entries:
            similarity = 0.0
            for candidate in entry.keys:
                matcher.set_seq1(candidate)
                if matcher.real_quick_ratio() < _FUZZY_CUTOFF:
                    continue
                if matcher.quick_ratio() < _FUZZY_CUTOFF:
                    continue
                similarity = max(similarity, matcher.ratio())
            if similarity >= _FUZZY_CUTOFF:
                offer(entry, (_FUZZY, -similarity, entry.order))


def _km(km: float) -> str:
    """A distance in whole kilometres with the reader's separators ("1,234")."""
    return format_number(int(f"{km:.0f}"))


def _read_entry(item: object, index: int, source: Path) -> tuple[Place, list[str]]:
    where = {"source": source, "number": index + 1}
    if not isinstance(item, dict):
        raise ValueError(
            _("{source}: entry {number}: expected a mapping with name, country, lat, lon", **where)
        )
    name, country = item.get("name"), item.get("country")
    lat, lon, aliases = item.get("lat"), item.get("lon"), item.get("aliases", [])
    if not isinstance(name, str) or not name.strip():
        raise ValueError(_("{source}: entry {number}: name must be text", **where))
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
        raise ValueError(
            _(
                "{source}: entry {number} ({name}): country must be two upper-case letters",
                name=name,
                **where,
            )
        )
    for label, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(
                _(
                    "{source}: entry {number} ({name}): {field} must be a number",
                    name=name,
                    field=label,
                    **where,
                )
            )
        if not -bound <= value <= bound:
            raise ValueError(
                _(
                    "{source}: entry {number} ({name}): {field} must be between -{bound} "
                    "and {bound}",
                    name=name,
                    field=label,
                    bound=bound,
                    **where,
                )
            )
    if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        raise ValueError(
            _(
                "{source}: entry {number} ({name}): aliases must be a list of names",
                name=name,
                **where,
            )
        )
    assert isinstance(lat, int | float) and isinstance(lon, int | float)
    return Place(name=name, country=country, lat=float(lat), lon=float(lon)), aliases
