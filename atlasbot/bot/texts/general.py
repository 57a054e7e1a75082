"""Every word the bot says, in one place (plain text: no parse mode, nothing to escape)."""

from __future__ import annotations

# The crisis path's words moved to atlasbot/texts/crisis.py (pure, so use cases compose with
# them); still importable from here.
from atlasbot.texts.crisis import (
    ANSWERS,
    COSTS,
    CRISIS_TYPES,
    FORMS,
    OUT_OF_SCOPE,
    OUT_OF_SCOPE_TYPES,
    STATES,
    agreement_lines,
    agreement_summary,
    board,
    capability_line,
    crisis_title,
    deployment_status,
    liability_note,
    list_lines,
    local_time,
    mobilisation_order,
    request_to_authority,
)

__all__ = [
    "ANSWERS",
    "CANCELLED",
    "COSTS",
    "CRISIS_TYPES",
    "DRAFT_GONE",
    "FORMS",
    "OUT_OF_SCOPE",
    "OUT_OF_SCOPE_TYPES",
    "STATES",
    "TIMED_OUT",
    "WIZARD_REPLACED",
    "agreement_lines",
    "agreement_summary",
    "board",
    "capability_line",
    "crisis_title",
    "deployment_status",
    "liability_note",
    "list_lines",
    "local_time",
    "mobilisation_order",
    "request_to_authority",
]


CANCELLED = "Cancelled. Nothing was sent or recorded."
TIMED_OUT = (
    "Your draft request timed out after a long pause and was discarded. Send /request "
    "to start again."
)
WIZARD_REPLACED = "That form was replaced by a newer one: use the buttons of the latest message."
DRAFT_GONE = (
    "Your draft request could not be restored after the bot was updated. Send /request to "
    "start again, or /cancel."
)
