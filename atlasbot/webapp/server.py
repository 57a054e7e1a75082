"""The Mini App's aiohttp routes: the page and its files (no data in them) and the JSON
endpoints, each behind Telegram's ``initData`` (``atlasbot.webapp_auth``).

Every ``/api/`` request carries the page's ``initData`` in the ``X-Telegram-Init-Data``
header; a missing, forged, expired or superseded one is refused with 401 before anything is
read. The user it names is then only a Telegram user id: each read goes through a use case in
``atlasbot.services.webapp`` that finds the enrolled member and applies the chat's checks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from atlasbot.clock import Clock, SystemClock
from atlasbot.errors import DomainError
from atlasbot.maps.outlines import load_outlines
from atlasbot.services import webapp as use_cases
from atlasbot.services.errors import NotAuthorised, NotFound
from atlasbot.services.readers import reading
from atlasbot.storage.db import session_scope
from atlasbot.texts import webapp as texts
from atlasbot.webapp_auth import (
    InitDataError,
    WebAppUser,
    check_not_superseded,
    verify_init_data,
)

log = logging.getLogger(__name__)

INIT_DATA_HEADER = "X-Telegram-Init-Data"
STATIC = Path(__file__).parent / "static"
POLL_S = 3.0  # how often an open board asks for news
T = TypeVar("T")
_USER = web.RequestKey("user", WebAppUser)


@dataclass
class WebAppConfig:
    """What the Mini App's server needs: the bot token (to check initData), the database,
    the zone and clock, the tiles, and how old an initData may be."""

    bot_token: str
    engine: Engine
    tz: ZoneInfo
    tiles_url: str = ""
    max_age_s: float = 86400.0
    clock: Clock = field(default_factory=SystemClock)
    wall: Callable[[], float] = time.time


async def _authenticate(config: WebAppConfig, request: web.Request) -> WebAppUser:
    """The user of a genuine, fresh ``initData`` that no newer one of theirs superseded (the
    newest per user is in the database: every process, and the next leader, agree)."""
    user = verify_init_data(
        request.headers.get(INIT_DATA_HEADER, ""),
        config.bot_token,
        now=config.wall(),
        max_age_s=config.max_age_s,
    )

    def admit() -> None:
        # Read first: an open page polls with the same initData, which changes nothing (and
        # on SQLite a read does not take the write lock); only a newer one is written.
        with session_scope(config.engine, read_only=True) as session:
            newest = use_cases.newest_seen(session, user.user_id)
        check_not_superseded(user, newest)
        if newest is None or user.auth_date > newest:
            with session_scope(config.engine) as session:
                use_cases.admit_init_data(session, user)

    try:
        await asyncio.to_thread(admit)
    except IntegrityError:  # the user's first two requests at once: the other one inserted
        await asyncio.to_thread(admit)
    return user


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _auth_middleware(config: WebAppConfig) -> Any:
    @web.middleware
    async def check(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        try:
            user = await _authenticate(config, request)
        except InitDataError as err:
            log.info("Mini App request refused: %s", err)
            return _error(401, texts.refused())
        request[_USER] = user
        try:
            return await handler(request)
        except NotFound as err:
            return _error(404, str(err))
        except NotAuthorised as err:
            return _error(403, str(err))
        except DomainError as err:
            return _error(400, str(err))

    return check


async def _read(config: WebAppConfig, user: WebAppUser, work: Callable[[Session], T]) -> T:
    """``work`` in a read-only transaction, every text in the member's language (their
    private chat's id is their Telegram user id)."""

    def run() -> T:
        with (
            session_scope(config.engine, read_only=True) as session,
            reading(session, user.user_id),
        ):
            return work(session)

    return await asyncio.to_thread(run)


def _outlines_geojson() -> dict[str, Any]:
    """The offline country outlines as GeoJSON (the map's layer when no tiles are set)."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": country.code, "name": country.name},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [[list(point) for point in ring] for ring in polygon]
                    for polygon in country.polygons
                ],
            },
        }
        for country in load_outlines().countries
    ]
    return {"type": "FeatureCollection", "features": features}


def webapp_app(config: WebAppConfig) -> web.Application:
    """The Mini App: ``/`` (the page), ``/static/…`` and the ``/api/…`` JSON endpoints."""

    async def index(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def session(request: web.Request) -> web.Response:
        user = request[_USER]
        labels, home = await _read(
            config, user, lambda s: (texts.page_labels(), use_cases.home(s, user.user_id))
        )
        return web.json_response(
            {
                "labels": labels,
                "tiles_url": config.tiles_url,
                "poll_s": POLL_S,
                **dataclasses.asdict(home),
            }
        )

    async def board(request: web.Request) -> web.Response:
        user = request[_USER]
        try:
            crisis_id = int(request.match_info["crisis"])
        except ValueError:
            return _error(404, texts.no_such_page())
        now = config.clock.now()
        page = await _read(
            config, user, lambda s: use_cases.board(s, user.user_id, crisis_id, config.tz, now)
        )
        return web.json_response(dataclasses.asdict(page))

    async def network(request: web.Request) -> web.Response:
        user, now = request[_USER], config.clock.now()
        page = await _read(config, user, lambda s: use_cases.network(s, user.user_id, now))
        return web.json_response(dataclasses.asdict(page))

    async def calendar(request: web.Request) -> web.Response:
        user = request[_USER]
        page = await _read(config, user, lambda s: use_cases.calendar(s, user.user_id))
        return web.json_response(dataclasses.asdict(page))

    async def outlines(_request: web.Request) -> web.Response:
        return web.json_response(_outlines_geojson())

    app = web.Application(middlewares=[_auth_middleware(config)])
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/session", session)
    app.router.add_get("/api/board/{crisis}", board)
    app.router.add_get("/api/outlines", outlines)
    app.router.add_get("/api/network", network)
    app.router.add_get("/api/calendar", calendar)
    return app
