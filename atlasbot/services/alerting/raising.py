"""Raising an alert: its chain snapshotted as step rows, and which step is next.

Every step is a row with its due time and a version; the job queue arms only the next
pending step of each alert (``next_steps``), at ``max(due, now)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import AlertKind, Timings, step_table
from atlasbot.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, _, using_locale
from atlasbot.services.errors import NotFound
from atlasbot.services.outbox import Button
from atlasbot.storage import audit
from atlasbot.storage.models import (
    Alert,
    AlertState,
    CountryRow,
    EscalationStep,
    Member,
    StepState,
    UnitRow,
)
from atlasbot.texts import alerts as texts

_log = logging.getLogger(__name__)


def alert_object(alert_id: int | None) -> str:
    """How an alert is named in the audit log."""
    return f"alert:{alert_id}"


@dataclass(frozen=True, slots=True)
class ArmedStep:
    """What the job queue needs to arm one step."""

    step_id: int
    alert_id: int
    number: int
    version: int
    due_at: datetime

    @property
    def job_name(self) -> str:
        return step_job_name(self.alert_id, self.number)


def step_job_name(alert_id: int, number: int) -> str:
    """The job of an alert's step is named by what it is for, so it can be found and removed."""
    return f"alert:{alert_id}:step:{number}"


def button_specs(rows: Sequence[Sequence[Button]]) -> list[list[dict[str, Any]]]:
    """Buttons as the alert row stores them (their tokens are issued per recipient)."""
    return [
        [
            {
                "label": b.label,
                "action": b.action,
                "payload": b.payload,
                "single_use": b.single_use,
            }
            for b in row
        ]
        for row in rows
    ]


def in_every_language(
    render: Callable[[], tuple[str, Sequence[Sequence[Button]]]],
) -> dict[str, Any]:
    """An alert's text and button labels rendered in each language with a catalog, for
    ``raise_alert(translations=...)``: each recipient reads their own."""
    rendered: dict[str, Any] = {}
    for language in SUPPORTED_LOCALES:
        with using_locale(language):
            text, rows = render()
        rendered[language] = {
            "text": text[:4000],
            "labels": [[button.label for button in row] for row in rows],
        }
    return rendered


def alert_text(alert: Alert, language: str) -> str:
    """The alert's text in ``language`` when it was rendered in it, else as raised."""
    translated = (alert.translations or {}).get(language) or {}
    return str(translated.get("text") or alert.text)


def alert_buttons(alert: Alert, language: str | None = None) -> list[list[Button]]:
    """Acknowledge first, then the alert's own action buttons (labelled in ``language`` when
    the alert was rendered in it; the Acknowledge label in the current language)."""
    assert alert.id is not None
    labels = ((alert.translations or {}).get(language or "") or {}).get("labels") or []
    rows = [[Button(texts.ack_label(), "alert.ack", {"alert": alert.id})]]
    for r, row in enumerate(alert.buttons):
        rows.append(
            [
                Button(
                    _label(labels, r, c, str(b["label"])),
                    str(b["action"]),
                    dict(b.get("payload", {})),
                    bool(b.get("single_use", False)),
                )
                for c, b in enumerate(row)
            ]
        )
    return rows


def _label(labels: Sequence[Sequence[str]], row: int, column: int, fallback: str) -> str:
    try:
        return str(labels[row][column])
    except IndexError:
        return fallback


def member_name(session: Session, member_id: int | None) -> str:
    """A member's name as other members read it."""
    if member_id is None:
        return _("the unit")
    member = session.get(Member, member_id)
    return (member.display_name if member else "") or _("member #{id}", id=member_id)


def timings_for(
    session: Session, base: Timings, *, country: str | None = None, unit_id: str | None = None
) -> Timings:
    """The timings of one alert's chain: ``base`` (the settings), then the state's escalation
    section from the network file over them, then the unit's.

    A unit's alert takes its state from the unit. A request uses the requested state's section
    and a counter-proposal the requesting state's: whichever state the alert goes to. A section
    that does not fit ``base`` (a deadline before the reminder the settings give) is skipped
    with a warning rather than losing the alert.
    """
    unit = session.get(UnitRow, unit_id) if unit_id is not None else None
    if unit is not None:
        country = unit.country
    state = session.get(CountryRow, country) if country is not None else None
    layers = [
        (f"country {state.code}" if state else "", state.escalation if state else None),
        (f"unit {unit.id}" if unit else "", unit.escalation if unit else None),
    ]
    timings = base
    for where, section in layers:
        if not section:
            continue
        try:
            # Worded in English: the reason goes to the log, whoever's update raised the alert.
            with using_locale(DEFAULT_LOCALE):
                timings = timings.with_overrides(section)
        except (TypeError, ValueError) as error:
            _log.warning("escalation section of %s skipped: %s", where, error)
    return timings


def raise_alert(
    session: Session,
    *,
    kind: AlertKind,
    subject: str,
    text: str,
    buttons: Sequence[Sequence[Mapping[str, Any]]] = (),
    timings: Timings,
    now: datetime,
    crisis_id: int | None = None,
    unit_id: str | None = None,
    country: str | None = None,
    drill_id: int | None = None,
    actor: str = "bot",
    translations: Mapping[str, Any] | None = None,
) -> Alert:
    """Record an alert with its chain snapshotted as step rows (the first one due now).

    ``timings`` are the defaults: the escalation sections of the alert's state and unit in
    the network file lie over them (``timings_for``).
    """
    if kind in (AlertKind.ORDER, AlertKind.DRILL) and unit_id is None:
        raise ValueError("a unit alert needs its unit")
    if unit_id is not None and country is None:
        unit = session.get(UnitRow, unit_id)
        country = unit.country if unit else None
    timings = timings_for(session, timings, country=country, unit_id=unit_id)
    alert = Alert(
        kind=kind.value,
        subject=subject,
        crisis_id=crisis_id,
        unit_id=unit_id,
        country=country,
        text=text[:4000],
        buttons=[[dict(button) for button in row] for row in buttons],
        translations=dict(translations) if translations else None,
        state=AlertState.PENDING.value,
        created_at=now,
        is_drill=kind is AlertKind.DRILL,
        drill_id=drill_id,
    )
    session.add(alert)
    session.flush()
    assert alert.id is not None
    _snapshot_chain(session, alert.id, kind, timings, now)
    audit.append(
        session,
        actor=actor,
        action="alert.raised",
        obj=alert_object(alert.id),
        payload={
            "kind": kind.value,
            "subject": subject,
            "unit": unit_id,
            "country": country,
            "drill": drill_id,
        },
        at=now,
    )
    return alert


def _snapshot_chain(
    session: Session, alert_id: int, kind: AlertKind, timings: Timings, now: datetime
) -> None:
    """The alert's chain as step rows, each with its due time (the chain never changes
    under a running alert, whatever the settings become)."""
    for scheduled in step_table(kind, timings, now):
        session.add(
            EscalationStep(
                alert_id=alert_id,
                number=scheduled.number,
                action=scheduled.spec.action.value,
                target=scheduled.spec.target.value,
                stops_on_ack=scheduled.spec.stops_on_ack,
                due_at=scheduled.due_at,
            )
        )
    session.flush()


def get_alert(session: Session, alert_id: int, *, lock: bool = False) -> Alert:
    """The alert, or NotFound."""
    alert = session.get(Alert, alert_id, with_for_update=lock)
    if alert is None:
        raise NotFound(_("There is no alert #{id}.", id=alert_id))
    return alert


def pending_steps(session: Session, alert_ids: Sequence[int] | None = None) -> list[ArmedStep]:
    """Every step still to run (of some alerts, or of all), in due order."""
    query = select(EscalationStep).where(EscalationStep.state == StepState.PENDING.value)
    if alert_ids is not None:
        query = query.where(col(EscalationStep.alert_id).in_(list(alert_ids)))
    rows = session.exec(query.order_by(col(EscalationStep.due_at))).all()
    return [
        ArmedStep(s.id, s.alert_id, s.number, s.version, as_utc(s.due_at))
        for s in rows
        if s.id is not None
    ]


def next_steps(session: Session, alert_ids: Sequence[int] | None = None) -> list[ArmedStep]:
    """The next pending step of each alert (of some, or of all): the only one to arm."""
    first: dict[int, ArmedStep] = {}
    for step in pending_steps(session, alert_ids):
        known = first.get(step.alert_id)
        if known is None or step.number < known.number:
            first[step.alert_id] = step
    return sorted(first.values(), key=lambda step: step.due_at)


def next_step(session: Session, alert_id: int) -> ArmedStep | None:
    """The alert's next pending step, if any."""
    found = next_steps(session, [alert_id])
    return found[0] if found else None
