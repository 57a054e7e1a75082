"""Writing a network as a network file (docs/formats.md §1): loading it gives it back."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from atlasbot.domain import (
    Network,
    UnitStatus,
)
from atlasbot.network.schema import FORMAT_VERSION


def dump_network(network: Network) -> str:
    """The network as YAML text in the docs/formats.md §1 format; loading it gives it back."""
    lines = [
        "# atlasbot network file (docs/formats.md §1)",
        f"version: {FORMAT_VERSION}",
        "capabilities:",
    ]
    lines.extend(
        f"  - {_flow({'code': capability.code, 'name': capability.name})}"
        for capability in network.capabilities
    )
    lines.append("countries:" if network.countries else "countries: []")
    for country in network.countries:
        lines.extend(
            _block_item(
                {
                    "code": country.code,
                    "name": country.name,
                    "bound_by_decision": country.bound_by_decision,
                    "timezone": country.timezone,
                    "languages": list(country.languages),
                    "armed_action_abroad": country.armed_action_abroad,
                    "home_reserve": country.home_reserve,
                    **_escalation_field(country.escalation),
                }
            )
        )
    lines.append("units:" if network.units else "units: []")
    for unit in network.units:
        base: dict[str, object] = {"lat": unit.base.lat, "lon": unit.base.lon}
        if unit.base.place:
            base["place"] = unit.base.place
        lines.extend(
            _block_item(
                {
                    "id": unit.id,
                    "name": unit.name,
                    "country": unit.country,
                    "base": base,
                    # "returning" is the bot's own state, not a file's: still away, as deployed.
                    "status": (
                        UnitStatus.DEPLOYED.value
                        if unit.status is UnitStatus.RETURNING
                        else unit.status.value
                    ),
                    "mobilisation_minutes": unit.mobilisation_minutes,
                    "transport": [mode.value for mode in unit.transport],
                    "capabilities": dict(unit.capabilities),
                    "languages": list(unit.languages),
                    **_escalation_field(unit.escalation),
                }
            )
        )
    return "\n".join(lines) + "\n"


def _escalation_field(timings: Mapping[str, float]) -> dict[str, object]:
    """The ``escalation`` field, only when there is one: files without it stay as they were."""
    if not timings:
        return {}
    return {
        "escalation": {
            name: int(value) if float(value).is_integer() else value
            for name, value in timings.items()
        }
    }


def _flow(value: object) -> str:
    """One value in YAML flow style on one line, quoted where YAML needs it (e.g. 'NO')."""
    text: str = yaml.safe_dump(
        value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=1_000_000
    )
    return text.removesuffix("\n...\n").rstrip("\n")


def _block_item(fields: Mapping[str, object]) -> list[str]:
    lines = []
    for index, (key, value) in enumerate(fields.items()):
        prefix = "  - " if index == 0 else "    "
        lines.append(f"{prefix}{key}: {_flow(value)}")
    return lines
