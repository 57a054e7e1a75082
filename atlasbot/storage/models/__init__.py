"""Every table (SQLModel), one module per area; importing this package registers them all.

Times are stored as timezone-aware UTC datetimes. Lists and count mappings of the registry
are JSON columns: they are read whole and never queried inside. Every change here needs an
Alembic migration beside it (storage/migrations).
"""

from __future__ import annotations

from atlasbot.storage.models.alerting import (
    ACTIVE_ALERT_STATES,
    Alert,
    AlertDelivery,
    AlertState,
    DeliveryStatus,
    Drill,
    DutyShift,
    EscalationStep,
    ShiftReminderState,
    StepState,
)
from atlasbot.storage.models.assistance import (
    AnswerStatus,
    AssistanceRequest,
    BoardMessage,
    CallbackToken,
    Crisis,
    CrisisStatus,
    Deployment,
    DeploymentState,
)
from atlasbot.storage.models.chat_state import (
    ChatState,
)
from atlasbot.storage.models.columns import (
    UTCDateTime,
    utc_column,
    utc_now,
)
from atlasbot.storage.models.leadership import (
    Leadership,
)
from atlasbot.storage.models.registry import (
    AuditEntry,
    AuditHead,
    CapabilityRow,
    CountryRow,
    Invite,
    Member,
    MemberRole,
    Role,
    UnitRow,
    UnitStatusChange,
)
from atlasbot.storage.models.training import (
    MeetingPoll,
    MeetingVote,
    PlanStatus,
    PollStatus,
    RsvpAnswer,
    TrainingDigestMessage,
    TrainingEvent,
    TrainingEventStatus,
    TrainingPlan,
    TrainingReminder,
    TrainingReminderState,
    TrainingRsvp,
    TrainingUnitPreference,
)
from atlasbot.storage.models.training_history import (
    HistorySource,
    TrainingHistory,
)
from atlasbot.storage.models.webapp import WebAppSeen

__all__ = [
    "ACTIVE_ALERT_STATES",
    "Alert",
    "AlertDelivery",
    "AlertState",
    "AnswerStatus",
    "AssistanceRequest",
    "AuditEntry",
    "AuditHead",
    "BoardMessage",
    "CallbackToken",
    "CapabilityRow",
    "ChatState",
    "CountryRow",
    "Crisis",
    "CrisisStatus",
    "DeliveryStatus",
    "Deployment",
    "DeploymentState",
    "Drill",
    "DutyShift",
    "EscalationStep",
    "HistorySource",
    "Invite",
    "Leadership",
    "MeetingPoll",
    "MeetingVote",
    "Member",
    "MemberRole",
    "PlanStatus",
    "PollStatus",
    "Role",
    "RsvpAnswer",
    "ShiftReminderState",
    "StepState",
    "TrainingDigestMessage",
    "TrainingEvent",
    "TrainingEventStatus",
    "TrainingHistory",
    "TrainingPlan",
    "TrainingReminder",
    "TrainingReminderState",
    "TrainingRsvp",
    "TrainingUnitPreference",
    "UTCDateTime",
    "UnitRow",
    "UnitStatusChange",
    "WebAppSeen",
    "utc_column",
    "utc_now",
]
