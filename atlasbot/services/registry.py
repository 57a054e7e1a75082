"""The network registry in the database: import a network file, read it back, change readiness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

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
from atlasbot.i18n import _, ngettext
from atlasbot.network import frozen_timings
from atlasbot.services.errors import Conflict, NotFound
from atlasbot.storage import audit
from atlasbot.storage.models import (
    CapabilityRow,
    CountryRow,
    Invite,
    MemberRole,
    UnitRow,
    UnitStatusChange,
    utc_now,
)


@dataclass
class ImportSummary:
    """What an import changed, by kind of record."""

    added: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.added.values()) or any(self.updated.values()) or any(self.removed.values())

    def note(self, change: str, kind: str, key: str) -> None:
        getattr(self, change).setdefault(kind, []).append(key)

    def lines(self) -> list[str]:
        """One human line per kind of change, or a single 'no changes' line."""
        if not self.changed:
            return [_("no changes: the database already holds this network")]
        out = []
        for change in ("added", "updated", "removed"):
            for kind, keys in sorted(getattr(self, change).items()):
                if keys:
                    out.append(_CHANGE_LINES[change, kind](len(keys), ", ".join(sorted(keys))))
        return out


# One line per kind of change and kind of record ("added 3 units: be-1, de-1, fr-1"); the
# English line says "units" even for one, as it always has.
_CHANGE_LINES = {
    ("added", "capabilities"): lambda count, keys: ngettext(
        "added {count} capabilities: {keys}",
        "added {count} capabilities: {keys}",
        count,
        keys=keys,
    ),
    ("added", "countries"): lambda count, keys: ngettext(
        "added {count} countries: {keys}", "added {count} countries: {keys}", count, keys=keys
    ),
    ("added", "units"): lambda count, keys: ngettext(
        "added {count} units: {keys}", "added {count} units: {keys}", count, keys=keys
    ),
    ("updated", "capabilities"): lambda count, keys: ngettext(
        "updated {count} capabilities: {keys}",
        "updated {count} capabilities: {keys}",
        count,
        keys=keys,
    ),
    ("updated", "countries"): lambda count, keys: ngettext(
        "updated {count} countries: {keys}", "updated {count} countries: {keys}", count, keys=keys
    ),
    ("updated", "units"): lambda count, keys: ngettext(
        "updated {count} units: {keys}", "updated {count} units: {keys}", count, keys=keys
    ),
    ("removed", "capabilities"): lambda count, keys: ngettext(
        "removed {count} capabilities: {keys}",
        "removed {count} capabilities: {keys}",
        count,
        keys=keys,
    ),
    ("removed", "countries"): lambda count, keys: ngettext(
        "removed {count} countries: {keys}", "removed {count} countries: {keys}", count, keys=keys
    ),
    ("removed", "units"): lambda count, keys: ngettext(
        "removed {count} units: {keys}", "removed {count} units: {keys}", count, keys=keys
    ),
}


def _capability_row(capability: Capability) -> dict[str, Any]:
    return {"code": capability.code, "name": capability.name}


def _country_row(country: Country) -> dict[str, Any]:
    return {
        "code": country.code,
        "name": country.name,
        "bound_by_decision": country.bound_by_decision,
        "timezone": country.timezone,
        "languages": list(country.languages),
        "armed_action_abroad": country.armed_action_abroad,
        "home_reserve": country.home_reserve,
        "escalation": dict(country.escalation),
    }


def _unit_row(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "country": unit.country,
        "lat": unit.base.lat,
        "lon": unit.base.lon,
        "place": unit.base.place,
        "status": unit.status.value,
        "mobilisation_minutes": unit.mobilisation_minutes,
        "transport": [mode.value for mode in unit.transport],
        "capabilities": dict(unit.capabilities),
        "languages": list(unit.languages),
        "escalation": dict(unit.escalation),
    }


def _upsert(
    session: Session,
    model: type[Any],
    key: str,
    wanted: dict[str, Any],
    kind: str,
    summary: ImportSummary,
) -> tuple[Any, dict[str, Any]]:
    """Insert or update one row; returns the row and the fields that changed (old values)."""
    row = session.get(model, wanted[key])
    if row is None:
        row = model(**wanted)
        session.add(row)
        summary.note("added", kind, wanted[key])
        return row, {}
    before = {
        name: getattr(row, name) for name, value in wanted.items() if getattr(row, name) != value
    }
    if before:
        for name in before:
            setattr(row, name, wanted[name])
        session.add(row)
        summary.note("updated", kind, wanted[key])
    return row, before


def import_network(
    session: Session, network: Network, *, actor: str, source: str, now: datetime | None = None
) -> ImportSummary:
    """Make the registry equal to ``network`` in the caller's transaction, auditing what changed.

    Importing the same file twice changes nothing (no rows, no audit entry). Records that the
    file no longer holds are removed, unless members, invites or history refer to them, in which
    case the import is refused as a whole.
    """
    moment = now or utc_now()
    summary = ImportSummary()
    for capability in network.capabilities:
        _upsert(
            session, CapabilityRow, "code", _capability_row(capability), "capabilities", summary
        )
    for country in network.countries:
        _upsert(session, CountryRow, "code", _country_row(country), "countries", summary)
    session.flush()
    for unit in network.units:
        wanted = _unit_row(unit)
        _row, before = _upsert(session, UnitRow, "id", wanted, "units", summary)
        if "status" in before or unit.id in summary.added.get("units", []):
            session.add(
                UnitStatusChange(
                    unit_id=unit.id,
                    previous=before.get("status"),
                    status=unit.status.value,
                    changed_at=moment,
                    actor=actor,
                    reason=f"network import from {source}",
                )
            )
    session.flush()
    _remove_missing(session, network, summary)
    if summary.changed:
        audit.append(
            session,
            actor=actor,
            action="network.import",
            obj="network",
            payload={
                "source": source,
                "added": summary.added,
                "updated": summary.updated,
                "removed": summary.removed,
            },
            at=moment,
        )
    return summary


def _remove_missing(session: Session, network: Network, summary: ImportSummary) -> None:
    unit_ids = {u.id for u in network.units}
    for row in session.exec(select(UnitRow)).all():
        if row.id in unit_ids:
            continue
        referenced = (
            session.exec(
                select(MemberRole.id).where(MemberRole.unit_id == row.id).limit(1)
            ).first()
            or session.exec(select(Invite.id).where(Invite.unit_id == row.id).limit(1)).first()
        )
        if referenced is not None:
            raise Conflict(
                _(
                    "unit {unit} is not in the file, but members or invites refer to it; "
                    "keep it in the file (status: unavailable) instead of removing it",
                    unit=row.id,
                )
            )
        for change in session.exec(
            select(UnitStatusChange).where(UnitStatusChange.unit_id == row.id)
        ).all():
            session.delete(change)
        session.delete(row)
        summary.note("removed", "units", row.id)
    session.flush()
    country_codes = network.country_codes()
    for country_row in session.exec(select(CountryRow)).all():
        if country_row.code in country_codes:
            continue
        if session.exec(
            select(MemberRole.id).where(MemberRole.country == country_row.code)
        ).first():
            raise Conflict(
                _(
                    "country {country} is not in the file, but members refer to it",
                    country=country_row.code,
                )
            )
        session.delete(country_row)
        summary.note("removed", "countries", country_row.code)
    capability_codes = network.capability_codes()
    for capability_row in session.exec(select(CapabilityRow)).all():
        if capability_row.code not in capability_codes:
            session.delete(capability_row)
            summary.note("removed", "capabilities", capability_row.code)
    session.flush()


def load_network(session: Session) -> Network:
    """The registry as the planner sees it, with every unit's current status."""
    capabilities = tuple(
        Capability(code=row.code, name=row.name)
        for row in session.exec(select(CapabilityRow).order_by(col(CapabilityRow.code)))
    )
    countries = tuple(
        Country(
            code=row.code,
            name=row.name,
            bound_by_decision=row.bound_by_decision,
            timezone=row.timezone,
            languages=tuple(row.languages),
            armed_action_abroad=row.armed_action_abroad,
            home_reserve=row.home_reserve,
            escalation=frozen_timings(row.escalation),
        )
        for row in session.exec(select(CountryRow).order_by(col(CountryRow.code)))
    )
    units = tuple(
        unit_from_row(row) for row in session.exec(select(UnitRow).order_by(col(UnitRow.id)))
    )
    return Network(capabilities=capabilities, countries=countries, units=units)


def unit_from_row(row: UnitRow) -> Unit:
    """A stored unit as a domain value."""
    return Unit(
        id=row.id,
        name=row.name,
        country=row.country,
        base=Location(lat=row.lat, lon=row.lon, place=row.place),
        status=UnitStatus(row.status),
        mobilisation_minutes=row.mobilisation_minutes,
        transport=tuple(TransportMode(mode) for mode in row.transport),
        capabilities=frozen_counts(row.capabilities),
        languages=tuple(row.languages),
        escalation=frozen_timings(row.escalation),
    )


def set_unit_status(
    session: Session,
    *,
    unit_id: str,
    status: UnitStatus,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> UnitStatus | None:
    """Change a unit's readiness, keep the history and audit it; returns the previous status."""
    row = session.get(UnitRow, unit_id, with_for_update=True)
    if row is None:
        raise NotFound(_("there is no unit {unit}", unit=repr(unit_id)))
    previous = UnitStatus(row.status)
    if previous is status:
        return previous
    moment = now or utc_now()
    row.status = status.value
    session.add(row)
    session.add(
        UnitStatusChange(
            unit_id=unit_id,
            previous=previous.value,
            status=status.value,
            changed_at=moment,
            actor=actor,
            reason=reason,
        )
    )
    audit.append(
        session,
        actor=actor,
        action="unit.status",
        obj=f"unit:{unit_id}",
        payload={"from": previous.value, "to": status.value, "reason": reason},
        at=moment,
    )
    return previous


def status_history(session: Session, unit_id: str) -> list[UnitStatusChange]:
    """Every readiness change of a unit, oldest first."""
    return list(
        session.exec(
            select(UnitStatusChange)
            .where(UnitStatusChange.unit_id == unit_id)
            .order_by(col(UnitStatusChange.id))
        ).all()
    )
