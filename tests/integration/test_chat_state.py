"""DatabasePersistence on both backends: what one bot process writes, the next one reads."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.bot.persistence import CONVERSATION, USER, DatabasePersistence
from atlasbot.clock import ManualClock
from atlasbot.services.assistance import RequestDraft
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import ChatState

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ANA = 1001


def rows(engine: Engine) -> list[ChatState]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(ChatState)).all())


def insert_row(engine: Engine, kind: str, name: str, key: str, data: str) -> None:
    with session_scope(engine) as session:
        session.add(ChatState(kind=kind, name=name, key=key, data=data, updated_at=T0))


async def started(engine: Engine, clock: ManualClock | None = None) -> DatabasePersistence:
    """A persistence object as a freshly started bot has it: its user_data loaded."""
    persistence = DatabasePersistence(engine, clock=clock)
    await persistence.get_user_data()
    return persistence


async def test_user_data_written_by_one_bot_is_read_by_the_next(engine: Engine) -> None:
    before = await started(engine)
    data = {
        "draft": RequestDraft(country="BE", crisis_type="siege", needs={"negotiation": 1}),
        "places": [{"name": "Antwerp", "country": "BE", "lat": 51.2, "lon": 4.4}],
        "answer": {"mode": "accept", "request": 2, "forms": ["expertise"], "headcount": None},
    }
    await before.update_user_data(ANA, data)
    await before.update_user_data(2002, {"meeting_wizard": {"participants": ["de-1"]}})
    after = DatabasePersistence(engine)
    assert await after.get_user_data() == {
        ANA: data,
        2002: {"meeting_wizard": {"participants": ["de-1"]}},
    }


async def test_user_data_emptied_deletes_the_row_and_drop_removes_it(engine: Engine) -> None:
    persistence = await started(engine)
    await persistence.update_user_data(ANA, {"answer": {"mode": "decline"}})
    await persistence.update_user_data(2002, {"answer": {"mode": "counter"}})
    await persistence.update_user_data(ANA, {})
    assert [row.key for row in rows(engine)] == ["2002"]
    await persistence.drop_user_data(2002)
    assert rows(engine) == []
    assert await DatabasePersistence(engine).get_user_data() == {}


async def test_unchanged_user_data_is_not_written_again(engine: Engine) -> None:
    clock = ManualClock(T0)
    persistence = await started(engine, clock)
    await persistence.update_user_data(ANA, {"answer": {"mode": "decline"}})
    clock.advance(timedelta(minutes=5))
    await persistence.update_user_data(ANA, {"answer": {"mode": "decline"}})
    assert [row.updated_at for row in rows(engine)] == [T0]
    await persistence.update_user_data(ANA, {"answer": {"mode": "accept"}})
    assert [row.updated_at for row in rows(engine)] == [T0 + timedelta(minutes=5)]


async def test_conversation_steps_come_back_under_tuple_keys_and_an_end_deletes_them(
    engine: Engine,
) -> None:
    before = await started(engine)
    await before.update_conversation("request", (ANA, ANA), 2)
    await before.update_conversation("request", (-100777, 2002), 5)
    await before.update_conversation("other", (ANA, ANA), 1)
    await before.update_conversation("request", (ANA, ANA), 3)
    after = DatabasePersistence(engine)
    assert await after.get_conversations("request") == {(ANA, ANA): 3, (-100777, 2002): 5}
    await after.update_conversation("request", (ANA, ANA), None)
    assert await DatabasePersistence(engine).get_conversations("request") == {(-100777, 2002): 5}
    assert await DatabasePersistence(engine).get_conversations("other") == {(ANA, ANA): 1}


async def test_a_conversation_older_than_its_timeout_is_not_resumed(engine: Engine) -> None:
    clock = ManualClock(T0)
    before = await started(engine, clock)
    await before.update_conversation("request", (ANA, ANA), 2)
    clock.advance(timedelta(minutes=20))
    await before.update_conversation("request", (2002, 2002), 4)
    clock.advance(timedelta(minutes=15))
    after = DatabasePersistence(
        engine, clock=clock, forget_conversations_after=timedelta(minutes=30)
    )
    assert await after.get_conversations("request") == {(2002, 2002): 4}
    assert [row.key for row in rows(engine)] == ["[2002,2002]"]


async def test_rows_this_version_cannot_read_are_dropped_at_start_and_the_rest_loaded(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    insert_row(engine, USER, "", "1", "{not json")
    insert_row(engine, USER, "", "not-an-id", '{"answer": {}}')
    insert_row(
        engine,
        USER,
        "",
        "2",
        '{"draft": {"__type__": "RequestDraft", "fields": {"urgency": 1}},'
        ' "answer": {"mode": "accept"}}',
    )
    insert_row(engine, USER, "", "3", '{"answer":{"mode":"decline"}}')
    insert_row(engine, CONVERSATION, "request", "(1, 1)", "2")
    insert_row(engine, CONVERSATION, "request", "[2,2]", '{"__type__": "Gone", "fields": {}}')
    insert_row(engine, CONVERSATION, "request", "[3,3]", "4")
    persistence = DatabasePersistence(engine)
    with caplog.at_level(logging.WARNING, logger="atlasbot.bot.persistence"):
        user_data = await persistence.get_user_data()
        conversations = await persistence.get_conversations("request")
    assert user_data == {2: {"answer": {"mode": "accept"}}, 3: {"answer": {"mode": "decline"}}}
    assert conversations == {(3, 3): 4}
    assert caplog.text.count("dropped") == 5
    # What was dropped is gone from the database too, so it is not warned about again.
    assert sorted((row.kind, row.key, row.data) for row in rows(engine)) == [
        (CONVERSATION, "[3,3]", "4"),
        (USER, "2", '{"answer":{"mode":"accept"}}'),
        (USER, "3", '{"answer":{"mode":"decline"}}'),
    ]
