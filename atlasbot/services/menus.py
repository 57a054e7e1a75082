"""Which command menu a member's chat shows: the commands their roles still give them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from atlasbot.services.enrolment import identify
from atlasbot.services.outbox import ChatMenu
from atlasbot.services.readers import reading
from atlasbot.storage.models import Member
from atlasbot.texts import menus as texts


def menu_of(session: Session, telegram_user_id: int) -> ChatMenu:
    """The menu of the member's private chat (the not-enrolled one once no role is left),
    described in the member's language."""
    identity = identify(session, telegram_user_id)
    roles = {grant.role.value for grant in identity.grants} if identity else set()
    with reading(session, telegram_user_id) as language:
        return ChatMenu(telegram_user_id, texts.menu_for(roles), language)


def every_menu(session: Session) -> list[ChatMenu]:
    """The menu of every active member's chat (set again at start-up, so members enrolled
    before menus were per role get theirs)."""
    users = session.exec(
        select(Member.telegram_user_id)
        .where(col(Member.active).is_(True))
        .order_by(col(Member.id))
    ).all()
    return [menu_of(session, int(user_id)) for user_id in users]
