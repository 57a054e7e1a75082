"""The request file (docs/formats.md §2): one request (a mapping) or several (a list of mappings).

Every problem is collected, not just the first, and each names the file, the field path
(``[1].needs.cbrn``, ``location.lat``; list positions count from 0) and what is wrong.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from atlasbot.domain import (
    AssistanceForm,
    CrisisRequest,
    CrisisType,
    Location,
    Network,
    make_request,
)
from atlasbot.i18n import N_, _
from atlasbot.safe_files import (
    DEFAULT_MAX_FILE_BYTES,
    FileRefused,
    excerpt,
    read_text_file,
    text_problem,
)
from atlasbot.yamltext import YamlTextError, load_yaml

_REQUIRED = ("id", "requesting_country", "crisis", "location", "needs", "assistance")
_OPTIONAL = ("include_partners", "priority")
_LOCATION_KEYS = ("lat", "lon", "place")

log = logging.getLogger(__name__)
# No crisis needs more teams of one capability; larger numbers only break the solver's model.
MAX_TEAMS_NEEDED = 100
# Lengths a request may be stored with (atlasbot/models.py: ids 64, places 200).
MAX_ID_LENGTH = 64
MAX_PLACE_LENGTH = 200


class RequestFileError(Exception):
    """A request file that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_requests(
    path: str | Path, network: Network, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> list[CrisisRequest]:
    """Read and validate a request file against the network.

    Only a regular UTF-8 file of at most ``max_bytes`` is read (``atlasbot.safe_files``).
    """
    source = str(path)
    try:
        text = read_text_file(path, max_bytes=max_bytes)
    except FileRefused as refused:
        raise RequestFileError([str(refused)]) from None
    return parse_requests(_parse_yaml(text, source), source, network)


def loads_requests(text: str, source: str, network: Network) -> list[CrisisRequest]:
    """Validate request YAML given as text (e.g. a document sent in the chat)."""
    return parse_requests(_parse_yaml(text, source), source, network)


def parse_requests(data: object, source: str, network: Network) -> list[CrisisRequest]:
    """Validate already-parsed YAML data: a mapping or a list of mappings."""
    problems: list[str] = []
    if isinstance(data, Mapping):
        entries: list[tuple[str, object]] = [("", data)]
    elif isinstance(data, list) and data:
        entries = [(f"[{i}]", entry) for i, entry in enumerate(data)]
    else:
        expected = _("expected one request (a mapping) or a non-empty list of requests")
        raise RequestFileError([f"{source}: {expected}"])
    requests: list[CrisisRequest] = []
    first_seen: dict[str, str] = {}
    for prefix, entry in entries:
        checker = _RequestChecker(source, prefix, network)
        request = checker.check(entry)
        problems.extend(checker.problems)
        if request is None:
            continue
        if request.id in first_seen:
            problems.append(
                f"{source}: {_join(prefix, 'id')}: {_duplicate(request.id, first_seen)}"
            )
            continue
        first_seen[request.id] = prefix
        requests.append(request)
    if problems:
        raise RequestFileError(problems)
    return requests


class _RequestChecker:
    """Checks one request mapping, collecting every problem."""

    def __init__(self, source: str, prefix: str, network: Network) -> None:
        self.source = source
        self.prefix = prefix
        self.network = network
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        where = _join(self.prefix, path)
        self.problems.append(
            f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}"
        )

    def ignore_unknown(self, path: str, key: object, known: Sequence[str]) -> None:
        """docs/formats.md lets the format gain fields: a field this version does not know is
        ignored, with a warning naming it (and the known field it may be a misspelling of)."""
        message = f"unknown field {excerpt(key)}"
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
        message += f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
        where = _join(self.prefix, path)
        log.warning("%s: %s: %s (ignored)", self.source, where, message)

    def check(self, entry: object) -> CrisisRequest | None:
        if not isinstance(entry, Mapping):
            self.problem("", _kind(entry, _NOT_A_REQUEST))
            return None
        for key in entry:
            if key not in _REQUIRED + _OPTIONAL:
                self.ignore_unknown(str(key), key, _REQUIRED + _OPTIONAL)
        for key in _REQUIRED:
            if key not in entry:
                self.problem(key, _("missing"))
            elif entry[key] is None:
                self.problem(key, _("empty: give it a value"))
        request_id = self._id(entry.get("id"))
        country = self._country(entry.get("requesting_country"))
        crisis = self._crisis(entry.get("crisis"))
        location = self._location(entry.get("location"))
        needs = self._needs(entry.get("needs"))
        assistance = self._assistance(entry.get("assistance"))
        partners = self._include_partners(entry.get("include_partners", False))
        priority = self._priority(entry.get("priority", 1))
        if self.problems:
            return None
        if (
            request_id is None
            or country is None
            or crisis is None
            or location is None
            or needs is None
            or assistance is None
        ):  # not reached: each of them is None only with a problem recorded
            self.problem("", _("incomplete request"))
            return None
        return make_request(
            id=request_id,
            requesting_country=country,
            crisis=crisis,
            location=location,
            needs=needs,
            assistance=assistance,
            include_partners=partners,
            priority=priority,
        )

    def _id(self, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            self.problem("id", _("must be a non-empty text"))
            return None
        text = str(value).strip()
        problem = text_problem(text, MAX_ID_LENGTH)
        if problem is not None:
            self.problem("id", problem)
            return None
        return text

    def _country(self, value: object) -> str | None:
        if value is None:
            return None
        codes = self.network.country_codes()
        if not isinstance(value, str) or value not in codes:
            self.problem(
                "requesting_country",
                _(
                    "{value} is not a country of the network (known: {known})",
                    value=excerpt(value),
                    known=", ".join(sorted(codes)),
                ),
            )
            return None
        return value

    def _crisis(self, value: object) -> CrisisType | None:
        if value is None:
            return None
        allowed = [c.value for c in CrisisType]
        if not isinstance(value, str) or value not in allowed:
            self.problem(
                "crisis",
                _(
                    "{value} is not a crisis situation in scope (one of: {allowed}); "
                    "natural disasters, accidents and mass gatherings are out of scope",
                    value=excerpt(value),
                    allowed=", ".join(allowed),
                ),
            )
            return None
        return CrisisType(value)

    def _location(self, value: object) -> Location | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.problem("location", _("must be a mapping {lat: ..., lon: ...}"))
            return None
        for key in value:
            if key not in _LOCATION_KEYS:
                self.ignore_unknown(f"location.{key}", key, _LOCATION_KEYS)
        lat = self._coordinate(value, "lat", 90)
        lon = self._coordinate(value, "lon", 180)
        place = value.get("place", "")
        if not isinstance(place, str):
            self.problem("location.place", _("must be a text"))
            place = ""
        elif (problem := text_problem(place, MAX_PLACE_LENGTH)) is not None:
            self.problem("location.place", problem)
            place = ""
        if lat is None or lon is None:
            return None
        return Location(lat, lon, place)

    def _coordinate(self, location: Mapping[Any, Any], key: str, limit: int) -> float | None:
        path = f"location.{key}"
        if key not in location:
            self.problem(path, _("missing"))
            return None
        value = location[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(path, _kind(value, _NOT_A_NUMBER))
            return None
        if not -limit <= value <= limit:
            self.problem(
                path,
                _(
                    "{value} is out of range (-{limit} to {limit})",
                    value=excerpt(value),
                    limit=limit,
                ),
            )
            return None
        return float(value)

    def _needs(self, value: object) -> dict[str, int] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping) or not value:
            self.problem("needs", _("must be a non-empty mapping of capability code to teams"))
            return None
        known = self.network.capability_codes()
        needs: dict[str, int] = {}
        for code, count in value.items():
            path = f"needs.{code}"
            if code not in known:
                self.problem(path, _("unknown capability code {code}", code=excerpt(code)))
            elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
                self.problem(
                    path,
                    _("must be a whole number of teams >= 1, not {value}", value=excerpt(count)),
                )
            elif count > MAX_TEAMS_NEEDED:
                self.problem(
                    path,
                    _(
                        "must be at most {limit} teams, not {value}",
                        limit=MAX_TEAMS_NEEDED,
                        value=excerpt(count),
                    ),
                )
            else:
                needs[str(code)] = count
        return needs if len(needs) == len(value) else None

    def _assistance(self, value: object) -> list[AssistanceForm] | None:
        if value is None:
            return None
        allowed = [a.value for a in AssistanceForm]
        if not isinstance(value, list) or not value:
            self.problem(
                "assistance",
                _("must be a non-empty list of: {allowed}", allowed=", ".join(allowed)),
            )
            return None
        forms: list[AssistanceForm] = []
        for index, form in enumerate(value):
            if not isinstance(form, str) or form not in allowed:
                self.problem(
                    f"assistance[{index}]",
                    _(
                        "{value} is not a form of assistance (one of: {allowed})",
                        value=excerpt(form),
                        allowed=", ".join(allowed),
                    ),
                )
            else:
                forms.append(AssistanceForm(form))
        return forms if len(forms) == len(value) else None

    def _include_partners(self, value: object) -> bool:
        if not isinstance(value, bool):
            self.problem(
                "include_partners", _("must be true or false, not {value}", value=excerpt(value))
            )
            return False
        return value

    def _priority(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3:
            self.problem(
                "priority",
                _("must be a whole number from 1 to 3, not {value}", value=excerpt(value)),
            )
            return 1
        return value


def _join(prefix: str, path: str) -> str:
    if not path:
        return prefix
    if not prefix:
        return path
    return f"{prefix}.{path}"


def _duplicate(request_id: str, first_seen: Mapping[str, str]) -> str:
    """The problem of a request id already used earlier in the file."""
    where = first_seen[request_id]
    if not where:
        return _("duplicate id {id}, already used by the first request", id=excerpt(request_id))
    return _("duplicate id {id}, already used by {where}", id=excerpt(request_id), where=where)


# What a value of the wrong kind is told, by its kind: a mapping, a list, nothing, or a value
# (each a whole sentence, so that a translation may word every case its own way).
_NOT_A_REQUEST = (
    N_("a request must be a mapping of fields, not a mapping"),
    N_("a request must be a mapping of fields, not a list"),
    N_("a request must be a mapping of fields, not empty"),
    N_("a request must be a mapping of fields, not {value}"),
)
_NOT_A_NUMBER = (
    N_("must be a number, not a mapping"),
    N_("must be a number, not a list"),
    N_("must be a number, not empty"),
    N_("must be a number, not {value}"),
)


def _kind(value: object, messages: tuple[str, str, str, str]) -> str:
    """The one of ``messages`` (mapping, list, empty, other value) that fits ``value``."""
    if isinstance(value, Mapping):
        return _(messages[0])
    if isinstance(value, list):
        return _(messages[1])
    if value is None:
        return _(messages[2])
    return _(messages[3], value=excerpt(value))


def _parse_yaml(text: str, source: str) -> object:
    try:
        return load_yaml(text)
    except YamlTextError as error:
        raise RequestFileError([f"{source}: {error}"]) from None
