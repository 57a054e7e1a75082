"""Alerts that must be acknowledged, and their escalation steps (ARCHITECTURE.md, "Timers that
survive a restart").

- ``raising``: an alert and its chain snapshotted as step rows; which step is next.
- ``recipients``: who a step reaches (the rota, the unit, the state's authority, holders).
- ``settling``: whether the thing behind an alert was acted on; stopping its chain.
- ``steps``: running one step (guarded by its version) and composing its copies.
- ``deliveries``: what became of each copy (sent, blocked, failed), audited.
- ``leases``: who sends a copy, until when, and whether a send call is in doubt.
- ``acknowledging``: one press stops the escalation everywhere.
- ``recovery``: settled alerts' copies to edit, and what a restart finds.

The public names are re-exported here: ``from atlasbot.services import alerting`` then
``alerting.raise_alert(...)``.
"""

from atlasbot.services.alerting.acknowledging import (
    AckOutcome,
    AckResult,
    acknowledge,
    acknowledge_press,
)
from atlasbot.services.alerting.deliveries import (
    CopyToSend,
    SendOutcome,
    addressed_count,
    commanders_to_tell,
    delivery_member,
    describe_copy,
    hurry_if_unreached,
    record_delivery,
    record_send,
)
from atlasbot.services.alerting.leases import (
    CallPermit,
    Owner,
    begin_call,
    call_answered,
    held_elsewhere,
)
from atlasbot.services.alerting.raising import (
    ArmedStep,
    alert_buttons,
    button_specs,
    get_alert,
    in_every_language,
    member_name,
    next_step,
    next_steps,
    pending_steps,
    raise_alert,
    step_job_name,
    timings_for,
)
from atlasbot.services.alerting.recipients import TARGETS, Recipient
from atlasbot.services.alerting.recovery import (
    CopyEdit,
    CopyToClose,
    InFlight,
    Recovery,
    closing_edits,
    copies_to_close,
    in_flight_at_start,
    mark_copies_closed,
    recover,
    reopen_copies,
    taken_over,
)
from atlasbot.services.alerting.settling import SETTLED_CHECKS, Settled, settle_acted_upon
from atlasbot.services.alerting.steps import (
    STEP_ACTIONS,
    PlannedCopy,
    StepDecision,
    StepWork,
    run_step,
    take_step,
)

__all__ = [
    "SETTLED_CHECKS",
    "STEP_ACTIONS",
    "TARGETS",
    "AckOutcome",
    "AckResult",
    "ArmedStep",
    "CallPermit",
    "CopyEdit",
    "CopyToClose",
    "CopyToSend",
    "InFlight",
    "Owner",
    "PlannedCopy",
    "Recipient",
    "Recovery",
    "SendOutcome",
    "Settled",
    "StepDecision",
    "StepWork",
    "acknowledge",
    "acknowledge_press",
    "addressed_count",
    "alert_buttons",
    "begin_call",
    "button_specs",
    "call_answered",
    "closing_edits",
    "commanders_to_tell",
    "copies_to_close",
    "delivery_member",
    "describe_copy",
    "get_alert",
    "held_elsewhere",
    "hurry_if_unreached",
    "in_every_language",
    "in_flight_at_start",
    "mark_copies_closed",
    "member_name",
    "next_step",
    "next_steps",
    "pending_steps",
    "raise_alert",
    "record_delivery",
    "record_send",
    "recover",
    "reopen_copies",
    "run_step",
    "settle_acted_upon",
    "step_job_name",
    "take_step",
    "taken_over",
    "timings_for",
]
