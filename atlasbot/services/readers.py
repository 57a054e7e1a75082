"""Who reads a message, in which language: a member's chosen language, looked up by their chat,
so that a message going to several states is written once per reader (issue 15).

A use case that tells several members renders each text inside ``reading(session, chat)``;
the text functions below it need not know, they write in the current language
(``atlasbot.i18n``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from sqlmodel import Session, select

from atlasbot.i18n import DEFAULT_LOCALE, _, best_locale, current_locale, using_locale
from atlasbot.services.outbox import Keyboard, Message
from atlasbot.storage.models import Member

T = TypeVar("T")


def chosen_language(session: Session, telegram_user_id: int) -> str | None:
    """The language a member chose or was given at enrolment; None for someone unknown."""
    language = session.exec(
        select(Member.language).where(Member.telegram_user_id == telegram_user_id)
    ).first()
    return best_locale(language) if language else None


def language_of_chat(session: Session, chat_id: int) -> str:
    """The language of the member whose private chat this is (English for anyone else)."""
    return chosen_language(session, chat_id) or DEFAULT_LOCALE


def language_of_member(session: Session, member_id: int | None) -> str:
    """The language a member reads (English when unknown)."""
    member = session.get(Member, member_id) if member_id is not None else None
    return best_locale(member.language) if member is not None else DEFAULT_LOCALE


@contextlib.contextmanager
def reading(session: Session, chat_id: int) -> Iterator[str]:
    """Write in the language of the chat's member inside the block; yields that language."""
    language = language_of_chat(session, chat_id)
    with using_locale(language):
        yield language


def render_for(session: Session, chat_id: int, render: Callable[[], T]) -> T:
    """``render()`` in the language of the chat's member."""
    with reading(session, chat_id):
        return render()


def messages_for(
    session: Session,
    chats: Iterable[int],
    render: Callable[[], str],
    keyboard: Keyboard = (),
    purpose: str = "",
) -> tuple[Message, ...]:
    """One message per chat, each rendered in its reader's language."""
    return tuple(
        Message(chat, render_for(session, chat, render), keyboard, purpose) for chat in chats
    )


def with_english(render: Callable[[], str]) -> str:
    """The text in the reader's language with the English wording beneath it, so that both
    sides of an agreement can cite the same words (just the English for an English reader)."""
    text = render()
    if current_locale() == DEFAULT_LOCALE:
        return text
    heading = _("The same in English, the wording both states cite:")
    with using_locale(DEFAULT_LOCALE):
        english = render()
    return f"{text}\n\n{heading}\n{english}"
