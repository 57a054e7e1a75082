"""Alerting services on both databases: chains as rows, guarded steps, acknowledgement,
delivery bookkeeping across a crash, the duty rota and drill reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.domain import Network
from atlasbot.escalation import Action, AlertKind, Target, Timings, chain_for, step_table
from atlasbot.services import alerting, drills, duty, enrolment, registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import InvalidInput, NotAuthorised
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import (
    Alert,
    AlertDelivery,
    AlertState,
    AuditEntry,
    DeliveryStatus,
    EscalationStep,
    Role,
    ShiftReminderState,
    StepState,
)

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
FAST = Timings(
    duty_to_unit_s=60,
    unit_to_authority_s=60,
    expire_after_s=60,
    request_reminder_s=600,
    request_deadline_s=1800,
)


@pytest.fixture
def registry_engine(engine: Engine, demo_network: Network) -> Engine:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="test", source="demo")
    return engine


def enrol(engine: Engine, user_id: int, name: str, role: Role, **scope: str) -> Identity:
    with session_scope(engine) as session:
        code, _ = enrolment.create_invite(
            session,
            role=role,
            country=scope.get("country"),
            unit_id=scope.get("unit"),
            created_by="test",
            now=T0 - timedelta(days=1),
        )
        outcome = enrolment.redeem_invite(
            session, code=code, telegram_user_id=user_id, display_name=name, now=T0
        )
        assert outcome.identity is not None
        return outcome.identity


def steps_of(session: Session, alert_id: int) -> list[EscalationStep]:
    return list(
        session.exec(
            select(EscalationStep)
            .where(EscalationStep.alert_id == alert_id)
            .order_by(EscalationStep.number)  # type: ignore[arg-type]
        ).all()
    )


def raise_drill(engine: Engine, unit: str = "de-1") -> int:
    with session_scope(engine) as session:
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.DRILL,
            subject=f"drill:x:{unit}",
            text="DRILL",
            timings=FAST,
            now=T0,
            unit_id=unit,
        )
        assert alert.id is not None
        return alert.id


def run(engine: Engine, alert_id: int, number: int, now: datetime) -> alerting.StepWork | None:
    """Take a step as its job would, and pretend every copy was delivered."""
    with session_scope(engine) as session:
        step = steps_of(session, alert_id)[number]
        assert step.id is not None
        work = alerting.take_step(session, step.id, step.version, now=now)
        if work is not None:
            for copy in work.copies:
                alerting.describe_copy(session, copy.delivery_id, "text", [])
                alerting.record_delivery(
                    session,
                    copy.delivery_id,
                    status=DeliveryStatus.SENT,
                    message_id=copy.delivery_id,
                    attempts=1,
                    error="",
                    now=now,
                )
        return work


def test_the_chains_follow_the_issue_defaults_and_count_from_the_alert() -> None:
    unit = chain_for(AlertKind.ORDER, Timings())
    assert [(s.at_s, s.action, s.target) for s in unit[:3]] == [
        (0, Action.NOTIFY, Target.DUTY_NOW),
        (300, Action.NOTIFY, Target.UNIT_ALL),
        (600, Action.NOTIFY, Target.UNIT_AUTHORITY),
    ]
    request = step_table(AlertKind.REQUEST, Timings(), T0)
    assert [s.due_at - T0 for s in request] == [
        timedelta(0),
        timedelta(minutes=10),
        timedelta(minutes=30),
    ]
    assert request[2].spec.action is Action.NO_RESPONSE
    assert not request[2].spec.stops_on_ack, "the answer deadline holds after an acknowledge"
    with pytest.raises(ValueError, match="unknown escalation timing"):
        Timings().with_overrides({"duty_to_unit": 5})
    assert Timings().with_overrides({"duty_to_unit_s": 5}).duty_to_unit_s == 5


def test_a_step_runs_once_even_when_its_job_fires_twice(registry_engine: Engine) -> None:
    enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    alert_id = raise_drill(registry_engine)
    first = run(registry_engine, alert_id, 0, T0)
    assert first is not None and len(first.copies) == 1
    with session_scope(registry_engine) as session:
        step = steps_of(session, alert_id)[0]
        assert step.id is not None
        assert alerting.take_step(session, step.id, step.version - 1, now=T0) is None
        assert alerting.take_step(session, step.id, step.version, now=T0) is None
        assert len(session.exec(select(AlertDelivery)).all()) == 1


def test_escalation_reaches_the_next_people_and_never_the_same_person_twice(
    registry_engine: Engine,
) -> None:
    enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    enrol(registry_engine, 12, "Anke", Role.AUTHORITY, country="DE")
    alert_id = raise_drill(registry_engine)
    # Nobody is on the rota: the first step reaches the whole unit rather than nobody.
    first = run(registry_engine, alert_id, 0, T0)
    assert first is not None and {c.chat_id for c in first.copies} == {10, 11}
    second = run(registry_engine, alert_id, 1, T0 + timedelta(seconds=60))
    assert second is not None and second.copies == []
    third = run(registry_engine, alert_id, 2, T0 + timedelta(seconds=120))
    assert third is not None and [c.chat_id for c in third.copies] == [12]
    expiry = run(registry_engine, alert_id, 3, T0 + timedelta(seconds=180))
    assert expiry is not None and expiry.settled
    with session_scope(registry_engine) as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.state == AlertState.EXPIRED.value
        assert alert.step_reached == 2


def test_the_duty_member_on_the_rota_is_alerted_first(registry_engine: Engine) -> None:
    dora = enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    kurt = enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    with session_scope(registry_engine) as session:
        duty.add_shift(
            session,
            kurt,
            "de-1",
            dora.member_id,
            T0 - timedelta(hours=1),
            T0 + timedelta(hours=8),
            now=T0 - timedelta(hours=2),
            reminder_before=timedelta(minutes=30),
        )
    alert_id = raise_drill(registry_engine)
    first = run(registry_engine, alert_id, 0, T0)
    assert first is not None and [c.chat_id for c in first.copies] == [10]
    second = run(registry_engine, alert_id, 1, T0 + timedelta(seconds=60))
    assert second is not None and [c.chat_id for c in second.copies] == [11]


def test_an_acknowledgement_stops_the_chain_and_a_second_one_learns_who_was_first(
    registry_engine: Engine,
) -> None:
    dora = enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    kurt = enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    stranger = enrol(registry_engine, 13, "Nils", Role.DUTY, unit="nl-1")
    alert_id = raise_drill(registry_engine)
    run(registry_engine, alert_id, 0, T0)
    with session_scope(registry_engine) as session, pytest.raises(NotAuthorised):
        alerting.acknowledge(session, stranger, alert_id, now=T0)
    with session_scope(registry_engine) as session:
        first = alerting.acknowledge(session, dora, alert_id, now=T0 + timedelta(seconds=7))
        assert first.newly
    with session_scope(registry_engine) as session:
        second = alerting.acknowledge(session, kurt, alert_id, now=T0 + timedelta(seconds=9))
        assert not second.newly and second.by_name == "Dora"
        states = [s.state for s in steps_of(session, alert_id)]
        assert states == [StepState.DONE.value] + [StepState.CANCELLED.value] * 3
        copies = alerting.copies_to_close(session, [alert_id])
        assert {c.chat_id for c in copies} == {10, 11}
    assert run(registry_engine, alert_id, 1, T0 + timedelta(seconds=60)) is None


def test_nobody_reachable_brings_the_next_step_forward(registry_engine: Engine) -> None:
    enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    alert_id = raise_drill(registry_engine)
    with session_scope(registry_engine) as session:
        step = steps_of(session, alert_id)[0]
        assert step.id is not None
        work = alerting.take_step(session, step.id, step.version, now=T0)
        assert work is not None
        alerting.record_delivery(
            session,
            work.copies[0].delivery_id,
            status=DeliveryStatus.BLOCKED,
            message_id=None,
            attempts=1,
            error="Forbidden: bot was blocked by the user",
            now=T0,
        )
    with session_scope(registry_engine) as session:
        hurried = alerting.hurry_if_unreached(session, alert_id, now=T0 + timedelta(seconds=1))
        assert hurried is not None and hurried.number == 1
        assert hurried.due_at == T0 + timedelta(seconds=1)
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
        assert "alert.delivery_blocked" in actions
        assert "alert.skipped_ahead" in actions


def test_after_a_crash_a_copy_in_flight_is_sent_again_unless_the_alert_was_settled(
    registry_engine: Engine,
) -> None:
    dora = enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    waiting = raise_drill(registry_engine)
    settled = raise_drill(registry_engine, "de-2")
    enrol(registry_engine, 20, "Max", Role.DUTY, unit="de-2")
    for alert_id in (waiting, settled):
        with session_scope(registry_engine) as session:
            step = steps_of(session, alert_id)[0]
            assert step.id is not None
            work = alerting.take_step(session, step.id, step.version, now=T0)
            assert work is not None
            for copy in work.copies:
                alerting.describe_copy(session, copy.delivery_id, "the alert", [])
    # The settled one: someone acknowledged it on another copy before the crash.
    with session_scope(registry_engine) as session:
        alert = session.get(Alert, settled)
        assert alert is not None
        alert.state = AlertState.ACKNOWLEDGED.value
        session.add(alert)
    with session_scope(registry_engine) as session:
        again = alerting.in_flight_at_start(session, now=T0 + timedelta(seconds=5))
        assert [c.alert_id for c in again] == [waiting]
        assert again[0].chat_id == dora.telegram_user_id
        statuses = {d.alert_id: d.status for d in session.exec(select(AlertDelivery)).all()}
        assert statuses[settled] == DeliveryStatus.ABANDONED.value
        assert statuses[waiting] == DeliveryStatus.SENDING.value


def test_pending_steps_are_what_a_restart_re_arms(registry_engine: Engine) -> None:
    enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    alert_id = raise_drill(registry_engine)
    run(registry_engine, alert_id, 0, T0)
    with session_scope(registry_engine) as session:
        pending = alerting.pending_steps(session)
    assert [(p.number, p.due_at - T0) for p in pending] == [
        (1, timedelta(seconds=60)),
        (2, timedelta(seconds=120)),
        (3, timedelta(seconds=180)),
    ]
    assert pending[0].job_name == f"alert:{alert_id}:step:1"


def test_a_commander_sets_shifts_and_the_rota_knows_who_is_on_duty(
    registry_engine: Engine,
) -> None:
    dora = enrol(registry_engine, 10, "Dora Vogel", Role.DUTY, unit="de-1")
    kurt = enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    with session_scope(registry_engine) as session:
        with pytest.raises(NotAuthorised):
            duty.add_shift(
                session,
                dora,
                "de-1",
                dora.member_id,
                T0,
                T0 + timedelta(hours=8),
                now=T0,
                reminder_before=timedelta(minutes=30),
            )
        tz = duty.unit_timezone(session, "de-1")
        start = duty.parse_local_time("2027-01-04 10:00", tz, field="start")
        assert start == datetime(2027, 1, 4, 9, 0, tzinfo=UTC), "Berlin is UTC+1 in January"
        member_id, name = duty.find_member(session, "de-1", "vogel")
        assert (member_id, name) == (dora.member_id, "Dora Vogel")
        shift = duty.add_shift(
            session,
            kurt,
            "de-1",
            member_id,
            start,
            start + timedelta(hours=8),
            now=T0,
            reminder_before=timedelta(minutes=30),
        )
        assert shift.reminder_at == start - timedelta(minutes=30)
    with session_scope(registry_engine) as session:
        assert duty.on_duty(session, "de-1", T0) == []
        on = duty.on_duty(session, "de-1", T0 + timedelta(hours=2))
        assert [d.name for d in on] == ["Dora Vogel"]
        ics = duty.rota_ics(session, "de-1", since=T0, stamp=T0)
        assert b"BEGIN:VEVENT" in ics and b"Duty de-1: Dora Vogel" in ics


def test_a_rota_file_is_imported_whole_or_not_at_all(registry_engine: Engine) -> None:
    enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    kurt = enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    good = (
        "member,start,end\n"
        "Dora,2027-01-05 08:00,2027-01-05 20:00\n"
        "Kurt,2027-01-05 20:00,2027-01-06 08:00\n"
    )
    bad = "member,start,end\nDora,2027-01-05 08:00,2027-01-05 20:00\nNobody,tomorrow,2027-01-06\n"
    problem = "line 3: member: nobody named 'Nobody'"
    with session_scope(registry_engine) as session, pytest.raises(InvalidInput, match=problem):
        duty.import_rota(session, kurt, "de-1", bad, now=T0, reminder_before=timedelta(minutes=30))
    with session_scope(registry_engine) as session:
        assert duty.shifts(session, "de-1", since=T0) == []
        added = duty.import_rota(
            session, kurt, "de-1", good, now=T0, reminder_before=timedelta(minutes=30)
        )
        assert len(added) == 2


def test_a_shift_reminder_goes_once_and_not_after_the_shift_began(
    registry_engine: Engine,
) -> None:
    dora = enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    kurt = enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    with session_scope(registry_engine) as session:
        early = duty.add_shift(
            session,
            kurt,
            "de-1",
            dora.member_id,
            T0 + timedelta(hours=1),
            T0 + timedelta(hours=9),
            now=T0,
            reminder_before=timedelta(minutes=30),
        )
        late = duty.add_shift(
            session,
            kurt,
            "de-1",
            kurt.member_id,
            T0 + timedelta(hours=2),
            T0 + timedelta(hours=9),
            now=T0,
            reminder_before=timedelta(minutes=30),
        )
    assert early.id is not None and late.id is not None
    with session_scope(registry_engine) as session:
        assert {r[0] for r in duty.pending_reminders(session)} == {early.id, late.id}
        reminder = duty.claim_reminder(
            session, early.id, early.version, now=T0 + timedelta(minutes=30)
        )
        assert reminder is not None and reminder.chat_id == 10
        assert duty.claim_reminder(session, early.id, early.version, now=T0) is None
        # The bot was down past the start of the second shift: no late reminder.
        assert (
            duty.claim_reminder(session, late.id, late.version, now=T0 + timedelta(hours=3))
            is None
        )
        stored = duty.shifts(session, "de-1", since=T0)
        assert {s.reminder_state for s, _ in stored} == {
            ShiftReminderState.SENT.value,
            ShiftReminderState.SKIPPED.value,
        }


def test_a_drill_report_names_the_time_to_acknowledge_the_steps_and_the_silent(
    registry_engine: Engine,
) -> None:
    coordinator = enrol(registry_engine, 1, "Cora", Role.COORDINATOR)
    authority = enrol(registry_engine, 2, "Anke", Role.AUTHORITY, country="DE")
    dora = enrol(registry_engine, 10, "Dora", Role.DUTY, unit="de-1")
    enrol(registry_engine, 11, "Kurt", Role.COMMANDER, unit="de-1")
    with session_scope(registry_engine) as session:
        with pytest.raises(NotAuthorised, match="own state's units"):
            drills.start_drill(session, authority, ["nl-1"], timings=FAST, now=T0)
        drill, alerts = drills.start_drill(
            session, coordinator, ["de-1", "de-2"], timings=FAST, now=T0
        )
        assert all(a.is_drill for a in alerts)
        assert "DRILL — NOT A REAL REQUEST" in alerts[0].text
    ids = [a.id for a in alerts if a.id is not None]
    run(registry_engine, ids[0], 0, T0)
    run(registry_engine, ids[0], 1, T0 + timedelta(seconds=60))
    run(registry_engine, ids[1], 0, T0)
    with session_scope(registry_engine) as session:
        alerting.acknowledge(session, dora, ids[0], now=T0 + timedelta(seconds=75))
    for number in (1, 2, 3):
        run(registry_engine, ids[1], number, T0 + timedelta(seconds=60 * number))
    assert drill.id is not None
    with session_scope(registry_engine) as session:
        report = drills.report(session, drill.id)
        assert report.finished
        first, second = report.units
        assert (first.unit_id, first.seconds_to_ack, first.steps_needed) == ("de-1", 75.0, 1)
        assert first.acknowledged_by == "Dora" and first.never_answered == ("Kurt",)
        assert (second.unit_id, second.state, second.seconds_to_ack) == ("de-2", "expired", None)
        assert drills.claim_report(session, drill.id, now=T0)
        assert not drills.claim_report(session, drill.id, now=T0)


def test_drill_alerts_are_kept_apart_from_real_ones(registry_engine: Engine) -> None:
    coordinator = enrol(registry_engine, 1, "Cora", Role.COORDINATOR)
    with session_scope(registry_engine) as session:
        drills.start_drill(session, coordinator, ["de-1"], timings=FAST, now=T0)
    with session_scope(registry_engine) as session:
        real = session.exec(select(Alert).where(Alert.is_drill == False)).all()  # noqa: E712
        assert real == []


def test_a_drill_alert_is_rendered_in_every_language(registry_engine: Engine) -> None:
    """Each duty officer reads a drill in their own language, as they would a real alert."""
    coordinator = enrol(registry_engine, 1, "Cora", Role.COORDINATOR)
    with session_scope(registry_engine) as session:
        drills.start_drill(session, coordinator, ["de-1"], timings=FAST, now=T0)
    with session_scope(registry_engine) as session:
        alert = session.exec(select(Alert).where(Alert.is_drill == True)).one()  # noqa: E712
        translations = alert.translations or {}
        assert {"en", "fr", "de"} <= set(translations)
        assert translations["en"]["text"] == alert.text
        for language in ("fr", "de"):
            text = translations[language]["text"]
            assert "de-1" in text and text != alert.text, language
