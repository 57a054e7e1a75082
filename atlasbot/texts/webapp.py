"""The Mini App's words: the page's labels (sent to it as JSON) and the server's refusals."""

from __future__ import annotations

from atlasbot.i18n import _


def refused() -> str:
    """initData missing, forged, expired or replayed."""
    return _("This page could not confirm who you are. Open it again from the bot's button.")


def no_such_page() -> str:
    """A crisis number that is not a number."""
    return _("There is no such page.")


def open_button() -> str:
    """The web_app button under the board, the plans and /map."""
    return _("🌍 Open the live map")


def map_intro() -> str:
    """/map's answer, above its web_app button."""
    return _("The live map: the crises you may see, on a map that refreshes by itself.")


def not_set_up() -> str:
    """/map when the Mini App has no public address."""
    return _("The live map is not set up on this bot (no Mini App address).")


def network_not_allowed() -> str:
    """The network view asked by someone neither coordinator nor competent authority."""
    return _("Only coordinators and competent authorities may see the network.")


def calendar_not_allowed() -> str:
    """The calendar view asked by someone neither coordinator nor commander."""
    return _("Only coordinators and commanders may see the training calendar here.")


def page_labels() -> dict[str, str]:
    """The page's own words, by key."""
    return {
        "crises": _("Open crises"),
        "no_crisis": _("No open crisis that you may see."),
        "units": _("Units"),
        "timeline": _("Board"),
        "refreshed": _("Refreshed at"),
        "back": _("◀ All crises"),
        "crisis": _("Crisis"),
        "network": _("🛡 The network"),
        "calendar": _("📅 Training calendar"),
        "all": _("all"),
        "capability": _("Capability"),
        "readiness": _("Readiness"),
        "on_duty": _("on duty"),
        "no_events": _("no event"),
    }
