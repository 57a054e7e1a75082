"""Joint trainings, exercises and meetings in the chat (issue 6, RULES R11).

Coordinators upload an events file or add events with a wizard, run the planner, preview the
table and the chart, and publish; commanders of participating units answer invitations for
their unit; a "can't attend" offers the coordinators a re-plan that keeps published events
where they are as far as possible. /calendar sends a member their units' events as .ics,
/meeting finds and votes on a date, /readiness lists stale capabilities.

Each handler parses the update, calls one use case of ``atlasbot.services.trainings`` and
shows its outcome; only the wizards' drafts live in the member's chat data. The solver runs
off the event loop.
"""

from atlasbot.handlers.trainings.attendance import (
    attendance_command,
    attendance_mark,
    attendance_open,
)
from atlasbot.handlers.trainings.blackout_wizard import blackout_begin
from atlasbot.handlers.trainings.calendar import (
    calendar_command,
    readiness_add,
    readiness_command,
)
from atlasbot.handlers.trainings.draft_edits import (
    keep_draft,
    removal_list,
    remove_event,
    replace_draft,
)
from atlasbot.handlers.trainings.event_wizard import EVENT_WIZARD, EventDraft, add_begin
from atlasbot.handlers.trainings.events import (
    cancel_ask,
    cancel_confirm,
    drop_ask,
    drop_confirm,
    duty_copies,
    event_command,
    move_confirm,
    reason,
    remind,
    rsvp_command,
    search,
    title_confirm,
)
from atlasbot.handlers.trainings.meeting_none import none_begin
from atlasbot.handlers.trainings.meeting_wizard import (
    MEETING_WIZARD,
    MeetingDraft,
    meeting_command,
)
from atlasbot.handlers.trainings.meetings import poll_confirm, poll_tally, vote
from atlasbot.handlers.trainings.plan import discard, on_document, plan_command, solve
from atlasbot.handlers.trainings.publish import publish_ask, publish_confirm
from atlasbot.handlers.trainings.rsvp import replan_confirm, replan_start, rsvp
from atlasbot.handlers.trainings.wizards import (
    LEGACY_BUTTONS,
    TRAINING_WIZARDS,
    drop_legacy_drafts,
    on_legacy_button,
    typed,
)

__all__ = [
    "EVENT_WIZARD",
    "LEGACY_BUTTONS",
    "MEETING_WIZARD",
    "TRAINING_WIZARDS",
    "EventDraft",
    "MeetingDraft",
    "add_begin",
    "attendance_command",
    "attendance_mark",
    "attendance_open",
    "blackout_begin",
    "calendar_command",
    "cancel_ask",
    "cancel_confirm",
    "discard",
    "drop_ask",
    "drop_confirm",
    "drop_legacy_drafts",
    "duty_copies",
    "event_command",
    "keep_draft",
    "meeting_command",
    "move_confirm",
    "none_begin",
    "on_document",
    "on_legacy_button",
    "plan_command",
    "poll_confirm",
    "poll_tally",
    "publish_ask",
    "publish_confirm",
    "readiness_add",
    "readiness_command",
    "reason",
    "remind",
    "removal_list",
    "remove_event",
    "replace_draft",
    "replan_confirm",
    "replan_start",
    "rsvp",
    "rsvp_command",
    "search",
    "solve",
    "title_confirm",
    "typed",
    "vote",
]
