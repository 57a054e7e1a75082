"""The assistance workflow: request, plan choice, answers, mobilisation, closing (R1-R10).

One module per use case family: ``requesting`` (the request), ``planning`` (the plan sent to
the requested states), ``answering`` (their answers), ``mobilising`` (units' progress and
readiness), ``closing`` (closing and the after-action summary), ``board`` (who sees a crisis,
the live board); ``records`` holds what they all read. Every function takes the member's
``Identity`` (or a pressed button's token), checks it against the rule that governs the step,
changes state and appends to the audit log in the caller's transaction. Nothing here knows
Telegram: the bot layer sends the messages a use case returns.

The public names stay importable from here (``from atlasbot.services import assistance``).
"""

from atlasbot.services.assistance.answering import (
    Agreement,
    accept,
    answer_counter_proposal,
    counter_propose,
    decline,
    validate_agreement,
)
from atlasbot.services.assistance.board import (
    board_messages,
    can_see,
    remember_board_message,
    visible_crises,
)
from atlasbot.services.assistance.closing import (
    AfterAction,
    TimelineLine,
    after_action,
    close_crisis,
)
from atlasbot.services.assistance.mobilising import (
    report_progress,
    require_progress_reporter,
    set_readiness,
    travel_minutes,
)
from atlasbot.services.assistance.planning import (
    ChosenUnit,
    PlanningInput,
    planning_input,
    remove_unit_from_planning,
    send_requests,
)
from atlasbot.services.assistance.records import (
    COST_ARRANGEMENTS,
    COSTS_OTHERWISE_AGREED,
    COSTS_REQUESTER_PAYS,
    DURATION_UNTIL_RELEASED,
    MAX_HEADCOUNT,
    MAX_TEAMS_PER_CAPABILITY,
    authority_recipients,
    board_viewers,
    deployments_of,
    requests_of,
    require_open,
    require_pending,
    require_requested_authority,
    require_requester,
    still_missing,
    unit_recipients,
)
from atlasbot.services.assistance.requesting import RequestDraft, submit_request, validate_draft
from atlasbot.services.crisis_records import (
    get_answer,
    get_crisis,
    get_deployment,
    record_no_response,
)
from atlasbot.texts.crisis import DURATIONS

__all__ = [
    "COSTS_OTHERWISE_AGREED",
    "COSTS_REQUESTER_PAYS",
    "COST_ARRANGEMENTS",
    "DURATIONS",
    "DURATION_UNTIL_RELEASED",
    "MAX_HEADCOUNT",
    "MAX_TEAMS_PER_CAPABILITY",
    "AfterAction",
    "Agreement",
    "ChosenUnit",
    "PlanningInput",
    "RequestDraft",
    "TimelineLine",
    "accept",
    "after_action",
    "answer_counter_proposal",
    "authority_recipients",
    "board_messages",
    "board_viewers",
    "can_see",
    "close_crisis",
    "counter_propose",
    "decline",
    "deployments_of",
    "get_answer",
    "get_crisis",
    "get_deployment",
    "planning_input",
    "record_no_response",
    "remember_board_message",
    "remove_unit_from_planning",
    "report_progress",
    "requests_of",
    "require_open",
    "require_pending",
    "require_progress_reporter",
    "require_requested_authority",
    "require_requester",
    "send_requests",
    "set_readiness",
    "still_missing",
    "submit_request",
    "travel_minutes",
    "unit_recipients",
    "validate_agreement",
    "validate_draft",
    "visible_crises",
]
