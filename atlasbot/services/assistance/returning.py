"""A released unit goes home before it is available again: "returning" with ``unit.returns_at``
(its ETA home), then what it was before it deployed. The database holds the due time; the bot
arms one job per returning unit (``bot/returns.py``) and re-arms them at start."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.domain import UnitStatus
from atlasbot.services import registry
from atlasbot.services.assistance.records import authority_recipients, unit_recipients
from atlasbot.services.outbox import Message
from atlasbot.services.readers import messages_for
from atlasbot.storage.models import (
    Deployment,
    UnitRow,
    UnitStatusChange,
)
from atlasbot.texts import control as texts

# How long a released unit is on its way home when no ETA is known (ATLASBOT_RETURN_HOME_S).
DEFAULT_RETURN_HOME = timedelta(hours=1)


def home_eta(
    session: Session,
    deployment: Deployment,
    *,
    travelled: bool,
    now: datetime,
    return_home: timedelta,
) -> datetime:
    """When a released unit is home: its planned travel time if it departed, else the
    setting's time (no ETA home is known for a unit still at its base)."""
    if travelled:
        unit = session.get(UnitRow, deployment.unit_id)
        mobilisation = unit.mobilisation_minutes if unit is not None else 0
        travel = max(1, deployment.planned_eta_minutes - mobilisation)
        return now + timedelta(minutes=travel)
    return now + return_home


def start_return(
    session: Session,
    deployment: Deployment,
    *,
    travelled: bool,
    actor: str,
    now: datetime,
    return_home: timedelta = DEFAULT_RETURN_HOME,
) -> datetime | None:
    """The unit of a released deployment is "returning" until its ETA home (audited through
    the unit's status history); None when it was not deployed (nothing to bring home)."""
    row = session.get(UnitRow, deployment.unit_id)
    if row is None or row.status != UnitStatus.DEPLOYED.value:
        return None
    returns_at = home_eta(
        session, deployment, travelled=travelled, now=now, return_home=return_home
    )
    registry.set_unit_status(
        session,
        unit_id=deployment.unit_id,
        status=UnitStatus.RETURNING,
        actor=actor,
        reason=f"released from crisis #{deployment.crisis_id}; home by {returns_at.isoformat()}",
        now=now,
    )
    row = session.get(UnitRow, deployment.unit_id)
    assert row is not None
    row.returns_at = returns_at
    session.add(row)
    return returns_at


def status_before_deployment(session: Session, unit_id: str) -> UnitStatus:
    """What the unit was before it was deployed: a unit taken from standby goes back to
    standby, not to 'available' (its commander decides when it is ready again)."""
    change = session.exec(
        select(UnitStatusChange)
        .where(
            UnitStatusChange.unit_id == unit_id,
            UnitStatusChange.status == UnitStatus.DEPLOYED.value,
        )
        .order_by(col(UnitStatusChange.changed_at).desc(), col(UnitStatusChange.id).desc())
    ).first()
    before = change.previous if change is not None else None
    if before is None or before in (UnitStatus.DEPLOYED.value, UnitStatus.RETURNING.value):
        return UnitStatus.AVAILABLE
    return UnitStatus(before)


def returning_units(session: Session) -> list[tuple[str, datetime]]:
    """(unit id, ETA home) of every unit on its way home: the jobs to arm."""
    rows = session.exec(select(UnitRow).where(UnitRow.status == UnitStatus.RETURNING.value)).all()
    return [(row.id, as_utc(row.returns_at)) for row in rows if row.returns_at is not None]


@dataclass(frozen=True)
class Homecoming:
    """What the return job learned: the ETA home still ahead (to arm again), or the unit is
    home and these messages tell its state's authorities and its members so."""

    still_ahead: datetime | None = None
    messages: tuple[Message, ...] = ()


def come_home(session: Session, unit_id: str, *, now: datetime) -> Homecoming:
    """A returning unit whose ETA home has passed is back: what it was before it deployed,
    and whoever was told of its release is told it is home (and ready for what again)."""
    row = session.get(UnitRow, unit_id, with_for_update=True)
    if row is None or row.status != UnitStatus.RETURNING.value:
        return Homecoming()
    if row.returns_at is not None and as_utc(row.returns_at) > now:
        return Homecoming(still_ahead=as_utc(row.returns_at))
    back_to = status_before_deployment(session, unit_id)
    registry.set_unit_status(
        session,
        unit_id=unit_id,
        status=back_to,
        actor="bot",
        reason="home after its release",
        now=now,
    )
    row = session.get(UnitRow, unit_id)
    assert row is not None
    row.returns_at = None
    session.add(row)
    told = {*authority_recipients(session, row.country), *unit_recipients(session, unit_id)}
    chats = sorted(chat for _member, chat in told)
    render = functools.partial(texts.home_again, unit_id, back_to.value)
    return Homecoming(messages=messages_for(session, chats, render, purpose="unit home"))
