"""Every word about people: enrolment, invites, /help by role, /whoami and refusals.

Pure: roles come in as their values ("authority", "commander", ...), scopes as strings.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from atlasbot.i18n import N_, _

# The roles in words, with their article (keyed by the role's value).
ROLE_DESCRIBED = {
    "authority": N_("a competent authority"),
    "commander": N_("a unit commander"),
    "duty": N_("a duty officer"),
    "coordinator": N_("a network coordinator"),
    "admin": N_("an administrator"),
}


def not_classified() -> str:
    """The warning every new member reads first."""
    return _(
        "Telegram is not a channel for classified information. atlasbot carries coordination "
        "metadata only (who, which capability, when, roughly where); operational detail goes "
        "through your states' secure channels."
    )


def welcome_unenrolled() -> str:
    """/start or /help from someone not enrolled."""
    welcome = _(
        "Welcome to atlasbot, the coordination bot of the special intervention units' network "
        "(Council Decision 2008/617/JHA).\n\n"
        "You are not enrolled yet. Ask your coordinator or competent authority for a one-time "
        "invite code and send it as: /start CODE"
    )
    return f"{welcome}\n\n{not_classified()}"


def not_enrolled() -> str:
    """Refusal of anything but /start to someone not enrolled."""
    return _(
        "You are not enrolled. Ask your coordinator for a one-time invite code, then send "
        "/start CODE."
    )


def role_described(role: str) -> str:
    """'a competent authority' for "authority"."""
    return _(ROLE_DESCRIBED[role])


def grant_described(role: str, country: str | None, unit_id: str | None) -> str:
    """One role with its scope, as the member reads it."""
    if role == "authority":
        return _("competent authority of {country}", country=country)
    if role == "commander":
        return _("commander of unit {unit}", unit=unit_id)
    if role == "duty":
        return _("duty officer of unit {unit}", unit=unit_id)
    return role


def role_help(roles: Collection[str]) -> str:
    """What a member holding these roles can do."""
    lines = [_("You can use:")]
    serves_unit = "commander" in roles or "duty" in roles
    if "authority" in roles:
        lines += [
            _("/request: ask other states for their special intervention units"),
            _("/crises: the crises your state asked for or was asked to help with"),
            _(
                "Answer requests from other states with the buttons on them: accept, decline "
                "or counter-propose."
            ),
        ]
    if "commander" in roles:
        lines.append(
            _("/status: set your unit's readiness (available, standby, deployed, unavailable)")
        )
    if serves_unit:
        lines += [
            _(
                "Mobilisation orders reach you with buttons: mobilising, departed, on scene, "
                "released."
            ),
            _("/calendar: your unit's trainings, exercises and meetings, with an .ics file"),
            _("/rsvp: your unit's answers; commanders choose copies for the duty officers"),
            _("/duty: who is on duty now and the rota (commanders add, remove or import shifts)"),
            _("Alerts carry an Acknowledge button: one press stops the escalation for everyone."),
        ]
    if "coordinator" in roles or "authority" in roles:
        lines.append(
            _("/drill UNIT…: a clearly marked DRILL alert through units' chains, with a report")
        )
    if "coordinator" in roles:
        lines += _coordinator_help()
    if any(role in roles for role in ("admin", "authority", "commander")):
        lines.append(_("/invite: a one-time enrolment code for someone you answer for"))
        lines.append(_("/members: the members you answer for; revoke or hand over a role"))
    lines += [
        _("/whoami: your roles"),
        _("/settings: your time zone (times are shown in it) and language"),
        _("/cancel: stop what you are doing"),
    ]
    lines += ["", not_classified()]
    return "\n".join(lines)


def _coordinator_help() -> list[str]:
    return [
        _("/crises: every open crisis in the network"),
        _(
            "/plan_trainings: plan the year's joint trainings and exercises (or send an events "
            "YAML file), preview the chart, publish invitations"
        ),
        _("/meeting: find the three best dates for a meeting and let units vote"),
        _("/readiness: capabilities not trained jointly within the last 12 months"),
        _("/rsvp: every unit's answers to the published calendar, and a reminder to the silent"),
        _("/event KEY: cancel or move one published event (the units and calendars follow)"),
    ]


def whoami(display_name: str, member_id: int, grants: Sequence[str]) -> str:
    """/whoami: the member and their roles (each already described)."""
    roles = "\n".join(f"• {grant}" for grant in grants) or "• " + _("(no role)")
    head = _("You are {name} (member #{id}).", name=display_name or _("a member"), id=member_id)
    return f"{head}\n{roles}"


def enrolled(display_name: str, granted: str) -> str:
    """Welcome after a code was accepted."""
    welcome = _("Welcome, {name}. You are enrolled as {role}.", name=display_name, role=granted)
    return f"{welcome}\n\n{not_classified()}\n\n" + _("Send /help to see what you can do.")


def refused(reason: str) -> str:
    """A code refused: the reason, and the warning every newcomer reads."""
    return f"{reason}\n\n{not_classified()}"


def invite_usage() -> str:
    """How /invite is used."""
    return _(
        "Usage: /invite ROLE [SCOPE]\n"
        "• /invite authority BE — a competent authority of a state\n"
        "• /invite commander de-1 — a unit's commander\n"
        "• /invite duty de-1 — a unit's duty officer\n"
        "• /invite coordinator — a network coordinator\n"
        "• /invite admin — an administrator (admins only)\n"
        "Each code works once and expires."
    )


def invite_needs_scope(role: str, scope: str) -> str:
    """/invite of a scoped role without its scope."""
    head = _("/invite {role} needs a {scope}.", role=role, scope=scope)
    return f"{head}\n\n{invite_usage()}"


def invite_created(role: str, scope: str | None, days: int, code: str, bot_username: str) -> str:
    """The new code, how to use it, and how to pass it on."""
    link = f"https://t.me/{bot_username}?start={code.replace('-', '')}"
    described = role_described(role)
    who = _("{role} of {scope}", role=described, scope=scope) if scope else described
    return _(
        "One-time code for {who}, valid {days} days:\n{code}\n\n"
        "The invitee sends /start {code} to this bot, or opens {link}\n"
        "Pass it on through a channel you trust; anyone holding it can use it once.",
        who=who,
        days=days,
        code=code,
        link=link,
    )
