"""Domain errors the services raise; the edges (chat, CLI) turn them into a user's message."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from atlasbot.errors import DomainError, InvalidInput
from atlasbot.i18n import _

__all__ = ["Conflict", "DomainError", "InvalidInput", "NotAuthorised", "NotEnrolled", "NotFound"]


class NotAuthorised(DomainError):
    """The member's role or scope does not allow this action."""


class NotEnrolled(NotAuthorised):
    """The Telegram user is not an enrolled member."""


class NotFound(DomainError):
    """The thing named does not exist (or the member may not know it exists)."""


class Conflict(DomainError):
    """The state moved on: the action was already taken, or its moment has passed."""


class DatabaseUnavailable(DomainError, SQLAlchemyError):
    """The database cannot be reached right now: nothing was saved, the member may retry.

    Also a SQLAlchemyError: code that retries on database errors (the timers) retries.
    The default message is worded when the error is raised, in the language of the member
    being answered then (``atlasbot.i18n``): the chat shows ``str(err)`` as it is."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "The database cannot be reached right now, so this could not be saved and "
                "nothing was changed. Please try again in a minute."
            )
        )
