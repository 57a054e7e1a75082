"""Every alert has an outcome someone sees (issue 11, point 1).

The board reads, per unit, who acknowledged its order and when, and says so when an order ran
out its whole chain unacknowledged. When that happens the requester is told what to do next
(call the unit's competent authority, plan again); when a counter-proposal expires without
the requester's answer, the state that made it is told.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import AlertKind
from atlasbot.services import alerting
from atlasbot.services.assistance.outcome import Outcome
from atlasbot.services.assistance.records import authority_recipients, board_viewers
from atlasbot.services.crisis_records import get_answer, get_crisis, get_deployment
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import render_for
from atlasbot.services.zones import zones_of
from atlasbot.storage import audit
from atlasbot.storage.models import Alert, AlertState, Member, UnitRow
from atlasbot.texts import outcomes as texts


@dataclass(frozen=True, slots=True)
class Track:
    """What became of one alert: who acknowledged it and when, or that it ran out."""

    by_name: str = ""
    at: datetime | None = None
    ran_out: bool = False


def _track(session: Session, alert: Alert) -> Track:
    if alert.state == AlertState.EXPIRED.value and alert.outcome == "expired unacknowledged":
        return Track(ran_out=True)
    if alert.acknowledged_at is None:
        return Track()
    return Track(
        alerting.member_name(session, alert.acknowledged_by_member_id),
        as_utc(alert.acknowledged_at),
    )


def tracks(session: Session, crisis_id: int) -> dict[str, Track]:
    """Each alert of a crisis by its subject ("deployment:3", "request:2"): the newest one."""
    alerts = session.exec(
        select(Alert)
        .where(
            Alert.crisis_id == crisis_id,
            col(Alert.kind).in_([AlertKind.ORDER.value, AlertKind.REQUEST.value]),
        )
        .order_by(col(Alert.id))
    ).all()
    return {alert.subject: _track(session, alert) for alert in alerts}


def _names(session: Session, members: list[tuple[int, int]]) -> str:
    names = []
    for member_id, _chat in members:
        member = session.get(Member, member_id)
        names.append((member.display_name if member else "") or str(member_id))
    return ", ".join(names)


def _replan_rows(crisis_id: int) -> list[list[Button]]:
    return [[Button(texts.replan_label(), "plan.show", {"crisis": crisis_id})]]


def _order_ran_out(session: Session, alert: Alert, tz: ZoneInfo, now: datetime) -> Outcome:
    deployment = get_deployment(session, int(alert.subject.split(":")[1]))
    crisis = get_crisis(session, deployment.crisis_id)
    unit = session.get(UnitRow, deployment.unit_id)
    country = unit.country if unit else (alert.country or "?")
    authority = _names(session, authority_recipients(session, country))
    viewers = board_viewers(session, crisis)
    zones = zones_of(session, (m for m, _c in viewers), fallback=tz)
    messages = tuple(
        Message(
            chat_id,
            render_for(
                session,
                chat_id,
                functools.partial(
                    texts.order_ran_out,
                    deployment.unit_id,
                    country,
                    crisis.id,
                    authority,
                    as_utc(alert.created_at),
                    zone,
                ),
            ),
            issue_keyboard(session, member_id, _replan_rows(deployment.crisis_id), now=now),
        )
        for (member_id, chat_id), zone in ((v, zones[v[0]]) for v in viewers)
    )
    _audit(session, alert, [m for m, _c in viewers], now)
    return Outcome(messages=messages, board=deployment.crisis_id)


def _counter_ran_out(session: Session, alert: Alert, tz: ZoneInfo, now: datetime) -> Outcome:
    request = get_answer(session, int(alert.subject.split(":")[1]))
    recipients = authority_recipients(session, request.country)
    zones = zones_of(session, (m for m, _c in recipients), fallback=tz)
    messages = tuple(
        Message(
            chat_id,
            render_for(
                session,
                chat_id,
                functools.partial(
                    texts.counter_ran_out,
                    request.id,
                    request.crisis_id,
                    as_utc(alert.created_at),
                    zones[member_id],
                ),
            ),
        )
        for member_id, chat_id in recipients
    )
    _audit(session, alert, [m for m, _c in recipients], now)
    return Outcome(messages=messages, board=request.crisis_id)


def _audit(session: Session, alert: Alert, told: list[int], now: datetime) -> None:
    audit.append(
        session,
        actor="bot",
        action="alert.ran_out_told",
        obj=f"alert:{alert.id}",
        payload={"kind": alert.kind, "subject": alert.subject, "members": told},
        at=now,
    )


def ran_out(session: Session, alert_id: int, *, tz: ZoneInfo, now: datetime) -> Outcome:
    """An order or a counter-proposal ran out its chain unacknowledged: who waits on it is
    told (with what to do next), and the board shows it. Anything else: nothing to say."""
    alert = alerting.get_alert(session, alert_id)
    if alert.is_drill or alert.crisis_id is None:
        return Outcome()
    if alert.kind == AlertKind.ORDER.value:
        return _order_ran_out(session, alert, tz, now)
    if alert.kind == AlertKind.COUNTER.value:
        return _counter_ran_out(session, alert, tz, now)
    return Outcome()
