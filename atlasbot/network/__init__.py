"""Read, check and write the network file (docs/formats.md §1).

Pydantic checks the structure; every one of its errors is translated into a ``Problem`` that
names the file, the field path in ``units[3].base.lat`` style and what is wrong in plain words.
Cross-references (duplicates, unknown countries or capabilities) are checked on the raw data so
that one broken unit does not hide the problems of the others: a ``NetworkFileError`` carries
every problem found, in file order.

Modules: ``schema`` (the structure and field checks), ``problems`` (locating and wording what
is wrong), ``dump`` (writing a file); loading lives here. Callers import from this package.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

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
from atlasbot.i18n import DEFAULT_LOCALE, using_locale
from atlasbot.network.dump import dump_network
from atlasbot.network.problems import (
    Loc,
    NetworkFileError,
    Problem,
    cross_reference_problems,
    empty_file,
    escalation_problems,
    ignorable_unknown_fields,
    not_a_mapping,
    to_problems,
    translate,
    unknown_field_message,
    version_problems,
    without,
)
from atlasbot.network.schema import (
    FORMAT_VERSION,
    TIMING_NAMES,
    UNIT_TIMING_NAMES,
    BaseEntry,
    CapabilityEntry,
    CountryEntry,
    EscalationEntry,
    NetworkFile,
    UnitEntry,
    frozen_timings,
)
from atlasbot.safe_files import DEFAULT_MAX_FILE_BYTES, FileRefused, read_text_file
from atlasbot.yamltext import YamlTextError, load_yaml

__all__ = [
    "FORMAT_VERSION",
    "TIMING_NAMES",
    "UNIT_TIMING_NAMES",
    "BaseEntry",
    "CapabilityEntry",
    "CountryEntry",
    "EscalationEntry",
    "NetworkFile",
    "NetworkFileError",
    "Problem",
    "UnitEntry",
    "dump_network",
    "frozen_timings",
    "load_network",
    "loads_network",
    "parse_network",
]

log = logging.getLogger(__name__)


def parse_network(data: object, source: str) -> Network:
    """Check already-parsed YAML data and build the Network; NetworkFileError lists problems."""
    if data is None:
        raise NetworkFileError([Problem(source, "", empty_file())])
    if not isinstance(data, dict):
        raise NetworkFileError([Problem(source, "", not_a_mapping(data))])
    found: list[tuple[Loc, str]] = []
    found.extend(version_problems(data))
    parsed: NetworkFile | None = None
    ignored: list[Loc] = []
    try:
        parsed = NetworkFile.model_validate(data)
    except ValidationError as error:
        ignored = ignorable_unknown_fields(error)
        found.extend(problem for problem in translate(error, data) if problem[0] not in ignored)
        if ignored and not found:
            parsed = NetworkFile.model_validate(without(data, ignored))
    found.extend(cross_reference_problems(data))
    found.extend(escalation_problems(data))
    if found or parsed is None:
        raise NetworkFileError(to_problems(found, data, source))
    # The log stays English, for operators searching it, whatever the reader's language.
    with using_locale(DEFAULT_LOCALE):
        for problem in to_problems(
            [(loc, unknown_field_message(loc)) for loc in ignored], data, source
        ):
            log.warning("%s (ignored)", problem)
    return _to_network(parsed)


def loads_network(text: str, source: str) -> Network:
    """Parse network YAML text (e.g. a chat upload) and build the Network."""
    return parse_network(_parse_yaml(text, source), source)


def load_network(path: str | Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Network:
    """Read a network file; any problem, including an unreadable file, is a NetworkFileError.

    Only a regular UTF-8 file of at most ``max_bytes`` is read (``atlasbot.safe_files``).
    """
    source = str(path)
    try:
        text = read_text_file(path, max_bytes=max_bytes)
    except FileRefused as refused:
        raise NetworkFileError([Problem(source, "", refused.reason)]) from None
    return loads_network(text, source)


def _parse_yaml(text: str, source: str) -> object:
    try:
        return load_yaml(text)
    except YamlTextError as error:
        raise NetworkFileError([Problem(source, "", str(error))]) from None


# ---------------------------------------------------------------------------------------------
# To domain values


def _to_network(parsed: NetworkFile) -> Network:
    return Network(
        capabilities=tuple(Capability(code=c.code, name=c.name) for c in parsed.capabilities),
        countries=tuple(
            Country(
                code=c.code,
                name=c.name,
                bound_by_decision=c.bound_by_decision,
                timezone=c.timezone,
                languages=tuple(c.languages),
                armed_action_abroad=c.armed_action_abroad,
                home_reserve=c.home_reserve,
                escalation=c.escalation.overrides(),
            )
            for c in parsed.countries
        ),
        units=tuple(
            Unit(
                id=u.id,
                name=u.name,
                country=u.country,
                base=Location(lat=u.base.lat, lon=u.base.lon, place=u.base.place),
                status=UnitStatus(u.status),
                mobilisation_minutes=u.mobilisation_minutes,
                transport=tuple(TransportMode(mode) for mode in u.transport),
                capabilities=frozen_counts(u.capabilities),
                languages=tuple(u.languages),
                escalation=u.escalation.overrides(),
            )
            for u in parsed.units
        ),
    )
