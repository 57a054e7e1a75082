"""Every word the bot says, in one place (plain text: no parse mode, nothing to escape)."""

from __future__ import annotations

from atlasbot.services.enrolment import Identity
from atlasbot.storage.models import Role

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

# The wizards' words moved to atlasbot/texts/wizards.py (message ids, translated when shown);
# still importable from here.
from atlasbot.texts.wizards import DRAFT_GONE
from atlasbot.texts.wizards import REPLACED as WIZARD_REPLACED
from atlasbot.texts.wizards import REQUEST_CANCELLED as CANCELLED
from atlasbot.texts.wizards import REQUEST_TIMED_OUT as TIMED_OUT

__all__ = [
    "ANSWERS",
    "CANCELLED",
    "COSTS",
    "CRISIS_TYPES",
    "DRAFT_GONE",
    "FORMS",
    "NOT_CLASSIFIED",
    "NOT_ENROLLED",
    "OUT_OF_SCOPE",
    "OUT_OF_SCOPE_TYPES",
    "STATES",
    "TIMED_OUT",
    "WELCOME_UNENROLLED",
    "WIZARD_REPLACED",
    "agreement_lines",
    "agreement_summary",
    "board",
    "capability_line",
    "crisis_title",
    "deployment_status",
    "enrolled",
    "liability_note",
    "list_lines",
    "local_time",
    "mobilisation_order",
    "request_to_authority",
    "role_help",
    "whoami",
]

NOT_CLASSIFIED = (
    "Telegram is not a channel for classified information. atlasbot carries coordination "
    "metadata only (who, which capability, when, roughly where); operational detail goes "
    "through your states' secure channels."
)

WELCOME_UNENROLLED = (
    "Welcome to atlasbot, the coordination bot of the special intervention units' network "
    "(Council Decision 2008/617/JHA).\n\n"
    "You are not enrolled yet. Ask your coordinator or competent authority for a one-time "
    "invite code and send it as: /start CODE\n\n" + NOT_CLASSIFIED
)

NOT_ENROLLED = (
    "You are not enrolled. Ask your coordinator for a one-time invite code, then send /start CODE."
)


def role_help(identity: Identity | None) -> str:
    """What this member can do, by role."""
    if identity is None:
        return WELCOME_UNENROLLED
    lines = ["You can use:"]
    if identity.has(Role.AUTHORITY):
        lines += [
            "/request: ask other states for their special intervention units (R1)",
            "/crises: the crises your state asked for or was asked to help with",
            "Answer requests from other states with the buttons on them: accept, decline or "
            "counter-propose (R5).",
        ]
    if identity.has(Role.COMMANDER):
        lines += ["/status: set your unit's readiness (available, standby, deployed, unavailable)"]
    if identity.has(Role.COMMANDER) or identity.has(Role.DUTY):
        lines += [
            "Mobilisation orders reach you with buttons: mobilising, departed, on scene, released."
        ]
    if identity.has(Role.COMMANDER) or identity.has(Role.DUTY):
        lines += [
            "/calendar: your unit's trainings, exercises and meetings, with an .ics file",
            "/duty: who is on duty now and the rota (commanders add, remove or import shifts)",
            "Alerts carry an Acknowledge button: one press stops the escalation for everyone.",
        ]
    if identity.has(Role.COORDINATOR) or identity.has(Role.AUTHORITY):
        lines += [
            "/drill UNIT…: a clearly marked DRILL alert through units' chains, with a report"
        ]
    if identity.has(Role.COORDINATOR):
        lines += [
            "/crises: every open crisis in the network",
            "/plan_trainings: plan the year's joint trainings and exercises (or send an events "
            "YAML file), preview the chart, publish invitations",
            "/meeting: find the three best dates for a meeting and let units vote",
            "/readiness: capabilities not trained jointly within the last 12 months",
        ]
    if identity.has(Role.ADMIN) or identity.has(Role.AUTHORITY) or identity.has(Role.COMMANDER):
        lines += ["/invite: a one-time enrolment code for someone you answer for"]
    lines += ["/whoami: your roles", "/cancel: stop what you are doing", "", NOT_CLASSIFIED]
    return "\n".join(lines)


def whoami(identity: Identity) -> str:
    roles = "\n".join(f"• {grant.describe()}" for grant in identity.grants) or "• (no role)"
    return (
        f"You are {identity.display_name or 'a member'} (member #{identity.member_id}).\n{roles}"
    )


def enrolled(identity: Identity, granted: str) -> str:
    return (
        f"Welcome, {identity.display_name}. You are enrolled as {granted}.\n\n"
        + NOT_CLASSIFIED
        + "\n\nSend /help to see what you can do."
    )
