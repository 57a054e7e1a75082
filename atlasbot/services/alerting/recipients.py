"""Who a step reaches: one lookup per target of the chain, not an if-chain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlmodel import Session, select

from atlasbot.escalation import Target
from atlasbot.services import duty
from atlasbot.services.enrolment import members_with
from atlasbot.storage.models import Alert, AlertDelivery, DeliveryStatus, Role

Recipient = tuple[int, int]  # (member id, Telegram id)


def _on_rota(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    assert alert.unit_id is not None
    return [(d.member_id, d.telegram_user_id) for d in duty.on_duty(session, alert.unit_id, now)]


def _whole_unit(session: Session, alert: Alert, on_rota: list[Recipient]) -> list[Recipient]:
    return sorted(
        {
            *on_rota,
            *members_with(session, Role.DUTY, unit_id=alert.unit_id),
            *members_with(session, Role.COMMANDER, unit_id=alert.unit_id),
        }
    )


def _unit_all(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    return _whole_unit(session, alert, _on_rota(session, alert, now))


def _duty_now(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    on_rota = _on_rota(session, alert, now)
    # Nobody on the rota now: the whole unit gets it rather than nobody (the rota was read
    # once already, so it is not read again).
    return on_rota or _whole_unit(session, alert, on_rota)


def _authority(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    if alert.country is None:
        return []
    return members_with(session, Role.AUTHORITY, country=alert.country)


def holders(session: Session, alert: Alert, now: datetime) -> list[Recipient]:
    """The members holding a delivered copy of the alert."""
    rows = session.exec(
        select(AlertDelivery.member_id, AlertDelivery.chat_id).where(
            AlertDelivery.alert_id == alert.id,
            AlertDelivery.status == DeliveryStatus.SENT.value,
        )
    ).all()
    return sorted({(int(m), int(c)) for m, c in rows})


TARGETS: Mapping[Target, Callable[[Session, Alert, datetime], list[Recipient]]] = {
    Target.DUTY_NOW: _duty_now,
    Target.UNIT_ALL: _unit_all,
    Target.UNIT_AUTHORITY: _authority,
    Target.COUNTRY_AUTHORITY: _authority,
    Target.HOLDERS: holders,
    Target.NOBODY: lambda session, alert, now: [],
}
