"""What the requester reads while managing an open crisis: withdraw one request, release one
unit, add or reduce a need; and what the states concerned are told."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from atlasbot.i18n import N_, _
from atlasbot.names import unit_status_name
from atlasbot.texts.crisis import capability_line, local_time

MANAGE = N_("🛠 Manage requests and units…")
KEEP = N_("✖ No, keep it")
ADD_NEED = N_("➕ Add or reduce a need…")
BACK = N_("⬅ Back")
KEPT = N_("Nothing changed.")


def menu(crisis_id: int, needs: Mapping[str, int], names: Mapping[str, str]) -> str:
    """The requester's controls of an open crisis."""
    return _(
        "Crisis #{crisis}: manage requests and units.\n"
        "Needs now: {needs}\n"
        "Withdraw a request still open, release a unit, or change a need "
        "(what is then missing is planned again).",
        crisis=crisis_id,
        needs=capability_line(needs, names),
    )


def nothing_to_manage(crisis_id: int) -> str:
    return _("Crisis #{crisis}: no open request and no unit to release.", crisis=crisis_id)


def withdraw_label(country: str, request_id: int) -> str:
    return _("↩ Withdraw the request to {country} (#{id})…", country=country, id=request_id)


def release_label(unit_id: str) -> str:
    return _("🏁 Release {unit}…", unit=unit_id)


def withdraw_question(country: str, request_id: int, crisis_id: int) -> str:
    return _(
        "Withdraw request #{id} to {country} (crisis #{crisis})? {country} is told at once; "
        "its answer can no longer be recorded. This cannot be taken back.",
        id=request_id,
        country=country,
        crisis=crisis_id,
    )


def withdraw_yes() -> str:
    return _("✅ Yes, withdraw it")


def withdrawn(country: str, request_id: int) -> str:
    return _(
        "Request #{id} to {country} withdrawn; {country} was told.", id=request_id, country=country
    )


def withdrawn_to_state(requester: str, request_id: int, crisis_id: int) -> str:
    return _(
        "{requester} withdrew its request #{id} (crisis #{crisis}): nothing more is asked of "
        "you for it; ignore its buttons.",
        requester=requester,
        id=request_id,
        crisis=crisis_id,
    )


def release_question(unit_id: str, crisis_id: int) -> str:
    return _(
        "Release {unit} from crisis #{crisis}? It goes home and its state is told. "
        "This cannot be taken back.",
        unit=unit_id,
        crisis=crisis_id,
    )


def release_yes() -> str:
    return _("✅ Yes, release it")


def released(unit_id: str, home: datetime | None, tz: ZoneInfo) -> str:
    if home is None:
        return _("{unit} released.", unit=unit_id)
    return _(
        "{unit} released: returning, home by {time}.", unit=unit_id, time=local_time(home, tz)
    )


def released_to_state(
    requester: str, unit_id: str, crisis_id: int, home: datetime | None, tz: ZoneInfo
) -> str:
    return _(
        "{requester} released {unit} from crisis #{crisis}: it is returning home (expected by "
        "{time}), then available again.",
        requester=requester,
        unit=unit_id,
        crisis=crisis_id,
        time=local_time(home, tz),
    )


def home_again(unit_id: str, status: str) -> str:
    return _(
        "🏠 {unit} is home after its release and {status} again.",
        unit=unit_id,
        status=unit_status_name(status),
    )


def need_menu(crisis_id: int, needs: Mapping[str, int], names: Mapping[str, str]) -> str:
    return _(
        "Crisis #{crisis}: needs now {needs}.\nEach tap adds or removes one team; what is then "
        "missing is planned again.",
        crisis=crisis_id,
        needs=capability_line(needs, names),
    )


def more_label(name: str) -> str:
    return _("➕ {name}", name=name)


def fewer_label(name: str, count: int) -> str:
    return _("➖ {name} (now {count})", name=name, count=count)


def need_changed(needs: Mapping[str, int], names: Mapping[str, str]) -> str:
    return _("Needs now: {needs}.", needs=capability_line(needs, names))


def no_need_left() -> str:
    return _("A crisis needs at least one team: close it instead.")


def too_many(limit: int) -> str:
    return _("At most {limit} teams of one capability.", limit=limit)


def not_open_request() -> str:
    return _("This request is no longer open: nothing to withdraw.")


def not_deployed() -> str:
    return _("This unit is already released.")
