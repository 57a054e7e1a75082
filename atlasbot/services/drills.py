"""Drills: a marked DRILL alert through the chains of chosen units, and the report on how
each chain answered (time to acknowledge, steps needed, who never answered).

Drill alerts carry ``is_drill`` and the drill's id; nothing that lists or counts real alerts,
requests or crises ever reads them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import AlertKind, Timings
from atlasbot.i18n import _
from atlasbot.services.alerting import in_every_language, member_name, raise_alert
from atlasbot.services.enrolment import Identity, require_member
from atlasbot.services.errors import InvalidInput, NotAuthorised, NotFound
from atlasbot.services.outbox import Button
from atlasbot.services.zones import zone_of
from atlasbot.storage import audit
from atlasbot.storage.models import (
    Alert,
    AlertDelivery,
    AlertState,
    DeliveryStatus,
    Drill,
    Member,
    Role,
    UnitRow,
)
from atlasbot.texts import alerts as texts

MAX_DRILL_UNITS = 40


def _drill_render(unit_id: str, drill_id: int, name: str) -> tuple[str, list[list[Button]]]:
    """A drill alert's text in the current language (its only button is Acknowledge)."""
    return texts.drill_alert(unit_id, drill_id, name), []


def _units_to_drill(session: Session, identity: Identity, wanted: list[str]) -> list[UnitRow]:
    """The units named, each one the member may drill (or a clear refusal)."""
    if not (identity.has(Role.COORDINATOR) or identity.has(Role.AUTHORITY)):
        raise NotAuthorised(_("Only coordinators and competent authorities start drills."))
    units = []
    for unit_id in wanted:
        unit = session.get(UnitRow, unit_id)
        if unit is None:
            raise InvalidInput(_("units: there is no unit {unit}", unit=repr(unit_id)))
        if not identity.has(Role.COORDINATOR) and not identity.is_authority_of(unit.country):
            raise NotAuthorised(
                _(
                    "You may drill only your own state's units; {unit} belongs to {country}.",
                    unit=unit_id,
                    country=unit.country,
                )
            )
        units.append(unit)
    return units


def start_drill(
    session: Session,
    identity: Identity,
    unit_ids: Sequence[str],
    *,
    timings: Timings,
    now: datetime,
) -> tuple[Drill, list[Alert]]:
    """Coordinators drill any unit; a competent authority drills its own state's units."""
    wanted = list(dict.fromkeys(u.strip().lower() for u in unit_ids if u.strip()))
    if not wanted:
        raise InvalidInput(_("units: name at least one unit, e.g. /drill de-1 at-1"))
    if len(wanted) > MAX_DRILL_UNITS:
        raise InvalidInput(_("units: at most {count} units per drill", count=MAX_DRILL_UNITS))
    units = _units_to_drill(session, identity, wanted)
    drill = Drill(started_by_member_id=identity.member_id, started_at=now, units=wanted)
    session.add(drill)
    session.flush()
    assert drill.id is not None
    name = identity.display_name or _("member #{id}", id=identity.member_id)
    alerts = [
        raise_alert(
            session,
            kind=AlertKind.DRILL,
            subject=f"drill:{drill.id}:{unit.id}",
            text=texts.drill_alert(unit.id, drill.id, name),
            # Each duty officer reads the drill in their own language, like a real alert.
            translations=in_every_language(
                functools.partial(_drill_render, unit.id, drill.id, name)
            ),
            timings=timings,
            now=now,
            unit_id=unit.id,
            country=unit.country,
            drill_id=drill.id,
            actor=identity.actor,
        )
        for unit in units
    ]
    audit.append(
        session,
        actor=identity.actor,
        action="drill.started",
        obj=f"drill:{drill.id}",
        payload={"units": wanted},
        at=now,
    )
    return drill, alerts


@dataclass(frozen=True, slots=True)
class UnitResult:
    """How one unit's chain answered a drill."""

    unit_id: str
    state: str
    seconds_to_ack: float | None
    steps_needed: int  # escalation steps taken before the acknowledgement (0: first person)
    acknowledged_by: str
    never_answered: tuple[str, ...]  # reached, and did not acknowledge


@dataclass(frozen=True, slots=True)
class DrillReport:
    drill_id: int
    started_at: datetime
    started_by_member_id: int
    units: tuple[UnitResult, ...]
    finished: bool


def report(session: Session, drill_id: int) -> DrillReport:
    """Per unit: time to acknowledge, escalation steps needed, who never answered."""
    drill = session.get(Drill, drill_id)
    if drill is None:
        raise NotFound(_("There is no drill #{id}.", id=drill_id))
    alerts = session.exec(
        select(Alert).where(Alert.drill_id == drill_id).order_by(col(Alert.id))
    ).all()
    results = []
    for alert in alerts:
        deliveries = session.exec(
            select(AlertDelivery).where(
                AlertDelivery.alert_id == alert.id,
                AlertDelivery.status == DeliveryStatus.SENT.value,
            )
        ).all()
        reached = sorted({d.member_id for d in deliveries})
        acked_by = alert.acknowledged_by_member_id
        seconds = (
            round((as_utc(alert.acknowledged_at) - as_utc(alert.created_at)).total_seconds(), 1)
            if alert.acknowledged_at and alert.state == AlertState.ACKNOWLEDGED.value
            else None
        )
        results.append(
            UnitResult(
                unit_id=alert.unit_id or "?",
                state=alert.state,
                seconds_to_ack=seconds,
                steps_needed=alert.step_reached,
                acknowledged_by=member_name(session, acked_by) if acked_by else "",
                never_answered=tuple(
                    member_name(session, member) for member in reached if member != acked_by
                ),
            )
        )
    finished = all(not AlertState(a.state).is_active for a in alerts)
    return DrillReport(
        drill_id, as_utc(drill.started_at), drill.started_by_member_id, tuple(results), finished
    )


def claim_report(session: Session, drill_id: int, *, now: datetime) -> bool:
    """True once, when every unit's drill alert has ended: the caller sends the report."""
    drill = session.get(Drill, drill_id)
    if drill is None or drill.reported_at is not None or not report(session, drill_id).finished:
        return False
    claimed = session.execute(
        update(Drill)
        .where(col(Drill.id) == drill_id, col(Drill.reported_at).is_(None))
        .values(reported_at=now, version=Drill.version + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit.append(session, actor="bot", action="drill.finished", obj=f"drill:{drill_id}", at=now)
    return True


def require_viewer(session: Session, identity: Identity, drill_id: int) -> None:
    """Who may read a drill's report: its starter and coordinators."""
    drill = session.get(Drill, drill_id)
    if drill is None:
        raise NotFound(_("There is no drill #{id}.", id=drill_id))
    if drill.started_by_member_id != identity.member_id and not identity.has(Role.COORDINATOR):
        raise NotAuthorised(_("Only the member who started the drill and coordinators see it."))


# --- use cases --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DrillStarted:
    """A drill just started: what its starter reads, and the alerts to start now."""

    reply: str
    alert_ids: tuple[int, ...]


def start(
    session: Session,
    telegram_user_id: int,
    unit_ids: Sequence[str],
    *,
    timings: Timings,
    now: datetime,
) -> DrillStarted:
    """/drill UNIT…: a marked DRILL alert through each unit's chain."""
    identity = require_member(session, telegram_user_id)
    drill, alerts = start_drill(session, identity, unit_ids, timings=timings, now=now)
    assert drill.id is not None
    return DrillStarted(
        texts.drill_started(drill.id, drill.units),
        tuple(alert.id for alert in alerts if alert.id is not None),
    )


@dataclass(frozen=True, slots=True)
class ReportToSend:
    """A drill's report, as a message and a CSV file, to one chat."""

    chat_id: int
    text: str
    document: bytes
    filename: str
    caption: str


def _report_to_send(chat_id: int, drill: DrillReport, tz: ZoneInfo) -> ReportToSend:
    return ReportToSend(
        chat_id,
        texts.drill_report(drill.drill_id, drill.started_at, drill.finished, drill.units, tz),
        texts.drill_report_csv(drill.units),
        f"drill-{drill.drill_id}.csv",
        texts.drill_report_caption(drill.drill_id),
    )


def report_for(
    session: Session, telegram_user_id: int, chat_id: int, drill_id: int, *, tz: ZoneInfo
) -> ReportToSend:
    """/drill report N: the report, for its starter or a coordinator."""
    identity = require_member(session, telegram_user_id)
    require_viewer(session, identity, drill_id)
    zone = zone_of(session, identity.member_id, fallback=tz)
    return _report_to_send(chat_id, report(session, drill_id), zone)


def finished_report(
    session: Session, drill_id: int, *, now: datetime, tz: ZoneInfo
) -> ReportToSend | None:
    """The report for whoever started the drill, once, when every unit has answered."""
    if not claim_report(session, drill_id, now=now):
        return None
    drill = report(session, drill_id)
    member = session.get(Member, drill.started_by_member_id)
    if member is None or member.id is None:
        return None
    return _report_to_send(
        member.telegram_user_id, drill, zone_of(session, member.id, fallback=tz)
    )
