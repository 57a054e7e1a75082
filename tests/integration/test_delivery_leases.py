"""Delivery leases on both databases (issue 12, point 4): a copy whose send call is in doubt
is sent once more, marked, and never a third time; a copy another live process holds is
left to it until its lease runs out; a fenced old leader's copy with nothing in doubt is
taken over at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from atlasbot.domain import Network
from atlasbot.services import alerting, registry
from atlasbot.services.alerting import Owner
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AlertDelivery, AuditEntry, DeliveryStatus, Role
from tests.integration.test_alerting_services import T0, enrol, raise_drill, steps_of

OLD = Owner("old-host:1", 1, 30.0)
NEW = Owner("new-host:2", 2, 30.0)
PEER = Owner("peer-host:9", 2, 30.0)
ALONE = Owner("only-host:3", None, 30.0, alone=True)
RESTARTED = Owner("only-host:4", None, 30.0, alone=True)


@pytest.fixture
def registry_engine(engine: Engine, demo_network: Network) -> Engine:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="test", source="demo")
    return engine


def one_copy_sending(engine: Engine) -> int:
    """Dora's copy of a drill written ``sending`` (the step committed), nothing sent yet."""
    enrol(engine, 10, "Dora", Role.DUTY, unit="de-1")
    alert_id = raise_drill(engine)
    with session_scope(engine) as session:
        step = steps_of(session, alert_id)[0]
        assert step.id is not None
        work = alerting.take_step(session, step.id, step.version, now=T0)
        assert work is not None and len(work.copies) == 1
        alerting.describe_copy(session, work.copies[0].delivery_id, "Drill #1", [])
        return work.copies[0].delivery_id


def begin(engine: Engine, delivery_id: int, owner: Owner, now: datetime) -> alerting.CallPermit:
    with session_scope(engine) as session:
        return alerting.begin_call(session, delivery_id, owner, now=now)


def row(engine: Engine, delivery_id: int) -> AlertDelivery:
    with session_scope(engine) as session:
        delivery = session.get(AlertDelivery, delivery_id)
        assert delivery is not None
        return delivery


def take_over(engine: Engine, owner: Owner, now: datetime, *, at_start: bool) -> list[int]:
    with session_scope(engine) as session:
        copies = alerting.taken_over(session, now=now, owner=owner, at_start=at_start)
        return [copy.delivery_id for copy in copies]


def test_a_call_in_doubt_is_followed_by_one_marked_call_and_then_none(
    registry_engine: Engine,
) -> None:
    delivery_id = one_copy_sending(registry_engine)
    first = begin(registry_engine, delivery_id, OLD, T0)
    assert first.go and not first.marked
    assert row(registry_engine, delivery_id).calls_in_doubt == 1
    # The process died unanswered; a restart (alone on the database) takes the copy over.
    assert take_over(registry_engine, ALONE, T0, at_start=True) == [delivery_id]
    second = begin(registry_engine, delivery_id, ALONE, T0)
    assert second.go and second.marked
    # That one died too: the next start gives the copy up instead of sending a third.
    assert take_over(registry_engine, RESTARTED, T0, at_start=True) == []
    again = row(registry_engine, delivery_id)
    assert again.status == DeliveryStatus.UNCONFIRMED.value and again.calls_in_doubt == 2
    assert not begin(registry_engine, delivery_id, RESTARTED, T0).go
    with session_scope(registry_engine) as session:
        query = select(AuditEntry).where(col(AuditEntry.action).startswith("alert.delivery"))
        actions = [entry.action for entry in session.exec(query).all()]
    assert actions.count("alert.delivery_unconfirmed") == 1


def test_an_answer_clears_the_doubt_and_the_message_id_is_kept(registry_engine: Engine) -> None:
    delivery_id = one_copy_sending(registry_engine)
    assert begin(registry_engine, delivery_id, OLD, T0).go
    with session_scope(registry_engine) as session:  # a 429: answered, not taken
        assert alerting.call_answered(session, delivery_id, OLD, now=T0, wait_s=20)
    waiting = row(registry_engine, delivery_id)
    assert waiting.calls_in_doubt == 0
    assert waiting.lease_until is not None
    assert waiting.lease_until.replace(tzinfo=T0.tzinfo) >= T0 + timedelta(seconds=50)
    assert not begin(registry_engine, delivery_id, OLD, T0).marked
    with session_scope(registry_engine) as session:
        alerting.record_delivery(
            session,
            delivery_id,
            status=DeliveryStatus.SENT,
            message_id=77,
            attempts=2,
            error="429 retry after 20 s",
            now=T0,
        )
    sent = row(registry_engine, delivery_id)
    assert (sent.status, sent.message_id, sent.calls_in_doubt) == ("sent", 77, 0)


def test_a_copy_another_live_process_sends_is_left_to_it_until_its_lease_runs_out(
    registry_engine: Engine,
) -> None:
    delivery_id = one_copy_sending(registry_engine)
    assert begin(registry_engine, delivery_id, PEER, T0).go
    # Same epoch, a call in doubt, lease running: not touched, neither at a start nor later.
    assert take_over(registry_engine, NEW, T0 + timedelta(seconds=29), at_start=True) == []
    assert not begin(registry_engine, delivery_id, NEW, T0 + timedelta(seconds=29)).go
    # The lease ran out (the peer died or hangs): taken over, and the call is marked.
    assert take_over(registry_engine, NEW, T0 + timedelta(seconds=31), at_start=False) == [
        delivery_id
    ]
    permit = begin(registry_engine, delivery_id, NEW, T0 + timedelta(seconds=31))
    assert permit.go and permit.marked
    assert row(registry_engine, delivery_id).owner == NEW.name


def test_a_fenced_old_leader_waiting_out_a_429_hands_its_copy_over_at_once(
    registry_engine: Engine,
) -> None:
    delivery_id = one_copy_sending(registry_engine)
    assert begin(registry_engine, delivery_id, OLD, T0).go
    with session_scope(registry_engine) as session:
        assert alerting.call_answered(session, delivery_id, OLD, now=T0, wait_s=20)
    # The new leader (a newer epoch) takes it although the old lease runs on: the old
    # process can start no call any more (fenced, and no longer the owner).
    assert take_over(registry_engine, NEW, T0 + timedelta(seconds=1), at_start=True) == [
        delivery_id
    ]
    assert not begin(registry_engine, delivery_id, OLD, T0 + timedelta(seconds=2)).go
    permit = begin(registry_engine, delivery_id, NEW, T0 + timedelta(seconds=2))
    assert permit.go and not permit.marked


def test_a_fenced_old_leaders_call_in_doubt_waits_for_its_lease(registry_engine: Engine) -> None:
    delivery_id = one_copy_sending(registry_engine)
    assert begin(registry_engine, delivery_id, OLD, T0).go
    assert take_over(registry_engine, NEW, T0 + timedelta(seconds=1), at_start=True) == []
    assert take_over(registry_engine, NEW, T0 + timedelta(seconds=31), at_start=False) == [
        delivery_id
    ]


def test_a_new_row_of_a_live_process_is_not_taken_by_its_sweep(registry_engine: Engine) -> None:
    delivery_id = one_copy_sending(registry_engine)
    # Unowned rows are taken only at a start (a live process is about to send them).
    assert take_over(registry_engine, NEW, T0 + timedelta(hours=1), at_start=False) == []
    with session_scope(registry_engine) as session:
        assert not alerting.held_elsewhere(session, NEW)
    assert take_over(registry_engine, NEW, T0, at_start=True) == [delivery_id]
    with session_scope(registry_engine) as session:
        assert not alerting.held_elsewhere(session, NEW)
        assert alerting.held_elsewhere(session, OLD)
