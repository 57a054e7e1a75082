"""Button tokens long expired are swept (the table would otherwise grow with every button of
every message); a press of a swept button is refused like any unknown one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.services import tokens
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import CallbackToken

from .test_assistance_service import NOW, world

__all__ = ["world"]  # the fixture, used by name


def test_tokens_expired_long_ago_are_swept_and_the_others_kept(
    engine: Engine, world: dict[str, Identity]
) -> None:
    ana = world["BE"]
    with session_scope(engine) as session:

        def button(issued_days_ago: int) -> str:
            return tokens.issue(
                session,
                member_id=ana.member_id,
                action="test.press",
                now=NOW - timedelta(days=issued_days_ago),
            )

        # Lifetime 14 days, kept 30 more: issued 45 days ago is gone, 43 and 1 are kept.
        swept, expired_kept, live = button(45), button(43), button(1)
    with session_scope(engine) as session:
        assert tokens.sweep_expired(session, now=NOW) == 1
    with session_scope(engine) as session:
        left = {row.token for row in session.exec(select(CallbackToken)).all()}
        assert left == {expired_kept.removeprefix("t:"), live.removeprefix("t:")}
        with pytest.raises(Conflict, match="not valid any more"):
            tokens.redeem(
                session, callback_data=swept, telegram_user_id=ana.telegram_user_id, now=NOW
            )
        with pytest.raises(Conflict, match="expired"):
            tokens.redeem(
                session, callback_data=expired_kept, telegram_user_id=ana.telegram_user_id, now=NOW
            )
        assert tokens.redeem(
            session, callback_data=live, telegram_user_id=ana.telegram_user_id, now=NOW
        )
    with session_scope(engine) as session:
        assert tokens.sweep_expired(session, now=NOW) == 0
