"""The command menu each member sees, by role: pure data, translated when a menu is set.

Telegram shows the menu a bot set for the member's private chat (``BotCommandScopeChat``)
before the default one, so a commander is never offered "/request … (authorities)". The
default menu (no scope) is what someone not enrolled sees: /start and /help.
"""

from __future__ import annotations

from collections.abc import Collection

from atlasbot.i18n import N_, _

# Every command a menu may show, in the order menus show them, with its description.
DESCRIPTIONS: dict[str, str] = {
    "start": N_("Enrol with your one-time invite code"),
    "request": N_("Ask other states for help in a crisis"),
    "crises": N_("Open crises you may see"),
    "coverage": N_("Where help cannot come in time: the coverage map"),
    "map": N_("The live map: crises, the network, the calendar (Mini App)"),
    "status": N_("Set your unit's readiness"),
    "duty": N_("Who is on duty; the rota"),
    "calendar": N_("Your unit's trainings, exercises and meetings (.ics)"),
    "plan_trainings": N_("Plan joint trainings and exercises"),
    "meeting": N_("Find a date for a meeting"),
    "readiness": N_("Capabilities not trained jointly lately"),
    "rsvp": N_("Who answered the published calendar"),
    "event": N_("Cancel or move one published event"),
    "attendance": N_("Mark who attended an ended training"),
    "drill": N_("Drill the alert chains of units"),
    "members": N_("The members you answer for: revoke or hand over a role"),
    "invite": N_("Enrol someone you answer for (one-time code)"),
    "whoami": N_("Your roles"),
    "settings": N_("Your time zone and language"),
    "help": N_("What you can do here"),
    "cancel": N_("Stop what you are doing"),
}

# What each role adds to the menu.
BY_ROLE: dict[str, tuple[str, ...]] = {
    "authority": (
        "request",
        "crises",
        "coverage",
        "duty",
        "readiness",
        "calendar",
        "drill",
        "members",
        "invite",
        "rsvp",
    ),
    "commander": ("status", "duty", "calendar", "members", "invite", "rsvp"),
    "duty": ("duty", "calendar"),
    "coordinator": (
        "crises",
        "coverage",
        "duty",
        "plan_trainings",
        "meeting",
        "readiness",
        "attendance",
        "drill",
        "rsvp",
        "event",
    ),
    "admin": ("members", "invite"),
}
# The Mini App (/map) for the roles it shows something to (menus follow DESCRIPTIONS' order).
for _role in ("authority", "commander", "coordinator"):
    BY_ROLE[_role] += ("map",)
# What every member's menu ends with, and what someone not enrolled sees.
EVERY_MEMBER = ("whoami", "settings", "help", "cancel")
NOT_ENROLLED = ("start", "help")

Menu = tuple[tuple[str, str], ...]


def _described(commands: Collection[str]) -> Menu:
    return tuple(
        (command, _(description))
        for command, description in DESCRIPTIONS.items()
        if command in commands
    )


def menu_for(roles: Collection[str]) -> Menu:
    """(command, description) pairs for a member holding these roles (none: not enrolled)."""
    if not roles:
        return _described(NOT_ENROLLED)
    wanted = {command for role in roles for command in BY_ROLE.get(role, ())}
    return _described(wanted | set(EVERY_MEMBER))


def default_menu() -> Menu:
    """The menu of every chat the bot set none for: how to enrol, and help."""
    return _described(NOT_ENROLLED)
