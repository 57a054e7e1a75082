"""DatabasePersistence on both backends: what one bot process writes, the next one reads."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.bot.persistence import CONVERSATION, USER, DatabasePersistence
from atlasbot.bot.wizard import DRAFT_KEY, GONE_KEY
from atlasbot.clock import ManualClock
from atlasbot.handlers.request import RequestForm
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
        DRAFT_KEY: RequestForm(
            wizard="request",
            round="a1b2c3",
            step="where",
            country="BE",
            crisis_type="siege",
            needs={"negotiation": 1},
            places=[{"name": "Antwerp", "country": "BE", "lat": 51.2, "lon": 4.4}],
        ),
        "tally": {"mode": "accept", "request": 2, "forms": ["expertise"], "headcount": None},
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


async def test_the_previous_versions_drafts_and_conversation_rows_are_dropped_with_the_gone_mark(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows as the version with the /request conversation and the dict answer wrote them."""
    insert_row(
        engine,
        USER,
        "",
        "2",
        '{"draft":{"__type__":"RequestDraft","fields":{"country":"BE","crisis_type":"siege",'
        '"threat_confirmed":true,"lat":null,"lon":null,"place":"","needs":{},"assistance":[],'
        '"nature":"","necessity":"","commander_on_scene":"","include_partners":false,'
        '"priority":1}},"places_listing":1,"catalogue":{"negotiation":"Negotiation"}}',
    )
    insert_row(engine, USER, "", "3", '{"answer":{"mode":"decline","round":"a1b2c3"}}')
    insert_row(engine, USER, "", "5", '{"meeting_wizard":{"participants":["de-1"]}}')
    insert_row(engine, CONVERSATION, "request", "[2,2]", "2")
    insert_row(engine, CONVERSATION, "request", "[4,4]", "4")
    insert_row(engine, CONVERSATION, "request", "(1, 1)", "2")
    persistence = DatabasePersistence(engine)
    with caplog.at_level(logging.WARNING, logger="atlasbot.bot.persistence"):
        user_data = await persistence.get_user_data()
    # The next press or input of members 2, 3 and 4 says: start again.
    assert user_data == {
        2: {GONE_KEY: True},
        3: {GONE_KEY: True},
        4: {GONE_KEY: True},
        5: {"meeting_wizard": {"participants": ["de-1"]}},
    }
    assert caplog.text.count("dropped") == 7
    assert await persistence.get_conversations("request") == {}
    gone = json.dumps({GONE_KEY: True}, separators=(",", ":"))
    assert sorted((row.kind, row.key, row.data) for row in rows(engine)) == [
        (USER, "2", gone),
        (USER, "3", gone),
        (USER, "5", '{"meeting_wizard":{"participants":["de-1"]}}'),
    ]


async def test_rows_this_version_cannot_read_are_dropped_at_start_and_the_rest_loaded(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    insert_row(engine, USER, "", "1", "{not json")
    insert_row(engine, USER, "", "not-an-id", '{"tally": {}}')
    insert_row(
        engine,
        USER,
        "",
        "2",
        '{"wizard": {"__type__": "RequestForm", "fields": {"urgency": 1}},'
        ' "tally": {"mode": "accept"}}',
    )
    insert_row(engine, USER, "", "3", '{"tally":{"mode":"decline"}}')
    persistence = DatabasePersistence(engine)
    with caplog.at_level(logging.WARNING, logger="atlasbot.bot.persistence"):
        user_data = await persistence.get_user_data()
    assert user_data == {
        2: {"tally": {"mode": "accept"}, GONE_KEY: True},
        3: {"tally": {"mode": "decline"}},
    }
    assert caplog.text.count("dropped") == 3
    # What was dropped is gone from the database too, so it is not warned about again.
    assert sorted((row.kind, row.key, row.data) for row in rows(engine)) == [
        (
            USER,
            "2",
            json.dumps({GONE_KEY: True, "tally": {"mode": "accept"}}, separators=(",", ":")),
        ),
        (USER, "3", '{"tally":{"mode":"decline"}}'),
    ]
