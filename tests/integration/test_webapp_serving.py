"""``atlasbot run`` serves the Mini App beside the bot when ATLASBOT_WEBAPP_URL is set: the page
and its vendored Leaflet to anyone (no data in them), the JSON only with valid initData; and
on each backend, a revoked member's genuine initData reads nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import aiohttp
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot import serving
from atlasbot.bot.context import BotServices
from atlasbot.config import load_settings
from atlasbot.sandbox.webapp import init_data_for
from atlasbot.services import enrolment, webapp
from atlasbot.services.errors import NotEnrolled
from atlasbot.services.revocation import revoke_role
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import MemberRole, Role
from atlasbot.webapp import INIT_DATA_HEADER

TOKEN = "1234:serving-test-token"


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, await response.text()


async def test_run_serves_the_mini_app_when_its_url_is_set(db_url: str, engine: Engine) -> None:
    settings = load_settings(
        database_url=db_url,
        token=TOKEN,
        webapp_url="https://bot.example/app/",
        webapp_host="127.0.0.1",
        webapp_port=0,
        health_port=None,
    )
    leading = serving.Leading(BotServices(settings=settings, engine=engine))
    none: Any = None
    servers = await serving._start_servers(settings, none, leading, engine, cast(Any, none))
    try:
        assert len(servers) == 1
        base = f"http://127.0.0.1:{servers[0].port}/"
        status, page = await get(base)
        assert status == 200 and "static/leaflet/leaflet.js" in page
        status, script = await get(base + "static/leaflet/leaflet.js")
        assert status == 200 and "Leaflet 1.9.4" in script
        assert (await get(base + "api/session"))[0] == 401
        # Genuine initData of someone not enrolled: known to Telegram, not to the bot.
        genuine = init_data_for(TOKEN, 77, "Eve")
        assert (await get(base + "api/session", {INIT_DATA_HEADER: genuine}))[0] == 403
    finally:
        for server in servers:
            await server.stop()
        leading.services.uploads.close()


def test_no_mini_app_is_served_without_its_url() -> None:
    assert load_settings(token=TOKEN).webapp_url is None


def test_a_revoked_member_reads_nothing(engine: Engine) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        code, _invite = enrolment.create_invite(
            session, role=Role.COORDINATOR, created_by="test", now=now
        )
    with session_scope(engine) as session:
        enrolment.redeem_invite(
            session, code=code, telegram_user_id=501, display_name="Cora", now=now
        )
    with session_scope(engine) as session:
        assert webapp.home(session, 501).network
        row = session.exec(select(MemberRole)).one()
        revoke_role(session, row, actor="test", now=now, reason="left the service")
    with session_scope(engine, read_only=True) as session, pytest.raises(NotEnrolled):
        webapp.home(session, 501)


async def test_an_older_init_data_stays_refused_by_another_process_and_after_a_failover(
    db_url: str, engine: Engine
) -> None:
    """The newest initData per user is in the database: a second process (or the next leader,
    whose memory starts empty) refuses the older one the first process saw superseded."""
    from atlasbot.clock import SystemClock
    from atlasbot.runtime import start_webapp
    from atlasbot.storage import db

    settings = load_settings(database_url=db_url, token=TOKEN, health_port=None)
    with session_scope(engine) as session:
        code, _ = enrolment.create_invite(
            session, role=Role.COORDINATOR, created_by="test", now=datetime.now(UTC)
        )
        enrolment.redeem_invite(
            session, code=code, telegram_user_id=41, display_name="Cora", now=datetime.now(UTC)
        )
    now = int(datetime.now(UTC).timestamp())
    old = init_data_for(TOKEN, 41, "Cora", auth_date=now - 120)
    new = init_data_for(TOKEN, 41, "Cora", auth_date=now - 60)
    other_engine = db.make_engine(db_url)  # the other process's own connections
    first = await start_webapp(settings, engine, TOKEN, SystemClock(), "127.0.0.1", 0)
    second = await start_webapp(settings, other_engine, TOKEN, SystemClock(), "127.0.0.1", 0)
    try:
        one, two = (f"http://127.0.0.1:{s.port}/api/session" for s in (first, second))
        assert (await get(one, {INIT_DATA_HEADER: old}))[0] == 200
        assert (await get(one, {INIT_DATA_HEADER: old}))[0] == 200  # the page polls with it
        assert (await get(one, {INIT_DATA_HEADER: new}))[0] == 200
        assert (await get(one, {INIT_DATA_HEADER: old}))[0] == 401
        # The other process never saw either: it refuses the superseded one all the same.
        assert (await get(two, {INIT_DATA_HEADER: old}))[0] == 401
        assert (await get(two, {INIT_DATA_HEADER: new}))[0] == 200
    finally:
        await first.stop()
        await second.stop()
        other_engine.dispose()
    # Once the newest is past the accepted age, the record is swept (the daily housekeeping).
    with session_scope(engine) as session:
        assert webapp.sweep_seen(session, older_than=now - 90) == 0
        assert webapp.sweep_seen(session, older_than=now) == 1
        assert webapp.newest_seen(session, 41) is None
