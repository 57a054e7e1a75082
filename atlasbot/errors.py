"""The errors a member's request can end in, below every layer that raises them.

``services.errors`` re-exports these (and adds the ones only use cases raise), so that the
pure parsers of ``atlasbot.chat_input`` raise the very ``InvalidInput`` the chat's edge
turns into a reply.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something the user asked for cannot be done; ``str(err)`` is safe to show them."""


class InvalidInput(DomainError):
    """The values given break a rule; the message says which and where."""
