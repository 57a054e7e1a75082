"""The one place that runs units of work (BotServices.run): fenced by the leadership epoch,
and a database that cannot be reached is a clear "nothing was saved" for the member."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.bot.context import BotServices
from atlasbot.config import load_settings
from atlasbot.services.errors import DatabaseUnavailable, DomainError
from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.leadership import Fence, NotLeader, SqliteElector, elector_for
from atlasbot.storage.models import CapabilityRow as Capability


def services(engine: Engine, fence: Fence | None) -> BotServices:
    return BotServices(settings=load_settings(token=None), engine=engine, fence=fence)


def add_capability(code: str) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        session.add(Capability(code=code, name=code))
        return code

    return work


def codes(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return {row.code for row in session.exec(select(Capability))}


async def test_a_write_is_made_only_with_the_current_epoch(engine: Engine, db_url: str) -> None:
    elector = elector_for(engine, lease_s=2, holder="test")
    try:
        epoch = elector.try_acquire()
        assert epoch is not None
        with pytest.raises(NotLeader, match="standby"):
            await services(engine, Fence(None)).run(add_capability("standby"))
        with pytest.raises(NotLeader, match="moved on"):
            await services(engine, Fence(epoch - 1)).run(add_capability("old"))
        assert await services(engine, Fence(epoch)).run(add_capability("lead")) == "lead"
    finally:
        elector.dispose()
    assert {"standby", "old"}.isdisjoint(codes(engine))
    assert "lead" in codes(engine)


async def test_an_unreachable_database_tells_the_member_nothing_was_saved(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    elector = SqliteElector(engine, holder="test")
    epoch = elector.try_acquire()
    (tmp_path / "db.sqlite").rename(tmp_path / "moved.sqlite")  # gone, as a vanished server
    (tmp_path / "db.sqlite").mkdir()  # and what is there cannot be opened
    engine.dispose()  # no pooled connection to the old file
    bot = services(engine, Fence(epoch))
    try:
        with pytest.raises(DatabaseUnavailable) as refused:
            await bot.run(add_capability("lost"))
        with pytest.raises(DatabaseUnavailable):
            await bot.read(lambda s: s.exec(select(Capability)).all())
    finally:
        elector.dispose()
        engine.dispose()
    assert isinstance(refused.value, DomainError)
    assert "could not be saved" in str(refused.value)
