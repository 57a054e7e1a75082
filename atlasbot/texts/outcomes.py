"""The words of alerts' outcomes (issue 11): who acknowledged, what ran out, late answers,
the deadline held, releasing a unit. Pure: plain values in, translated text out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from atlasbot.i18n import _
from atlasbot.texts.times import local_time


def replan_label() -> str:
    """The button that plans again for the crisis."""
    return _("🧭 Plan again")


def order_ran_out(
    unit_id: str,
    country: str,
    crisis_id: int | None,
    authority: str,
    sent_at: datetime,
    tz: ZoneInfo,
) -> str:
    """To the requester: nobody of a unit, nor its state's authority, took its order."""
    who = (
        _("its competent authority ({names})", names=authority)
        if authority
        else _("its competent authority (nobody of it is enrolled in the bot)")
    )
    return _(
        "⚠ NOBODY ACKNOWLEDGED the mobilisation order for {unit} ({country}, crisis #{crisis}) "
        "sent at {time}: its duty members, its commander and {country}'s competent authority "
        "were all alerted. Do not count on {unit} until it reports.\n"
        "What to do now: call {country} — {who} — on your secure line, and plan again for the "
        "help you still need.",
        unit=unit_id,
        country=country,
        crisis=crisis_id,
        time=local_time(sent_at, tz),
        who=who,
    )


def counter_ran_out(
    request_id: int | None, crisis_id: int, sent_at: datetime, tz: ZoneInfo
) -> str:
    """To the state that counter-proposed: the requester let the proposal expire."""
    return _(
        "⌛ Your counter-proposal on request #{request} (crisis #{crisis}), sent at {time}, "
        "EXPIRED: the requesting state did not answer it. Nothing was agreed; your units are "
        "not committed.",
        request=request_id,
        crisis=crisis_id,
        time=local_time(sent_at, tz),
    )


def unit_track(
    state_label: str, by_name: str, at: datetime | None, *, ran_out: bool, tz: ZoneInfo
) -> str:
    """How far a unit's order went: asked → acknowledged (by whom, when) → its state."""
    if ran_out:
        return _("{state} — ⚠ NOT ACKNOWLEDGED by anyone: call its state", state=state_label)
    if at is None:
        return _("{state}, not yet acknowledged", state=state_label)
    return _(
        "acknowledged by {name} at {time} → {state}",
        name=by_name,
        time=local_time(at, tz),
        state=state_label,
    )


def request_acknowledged(by_name: str, at: datetime, tz: ZoneInfo) -> str:
    """A pending request someone opened: it is being answered."""
    return _("  acknowledged by {name} at {time}", name=by_name, time=local_time(at, tz))


def confirm_release_label() -> str:
    return _("🏁 Confirm: released")


def keep_label() -> str:
    return _("↩ Not yet")


def already_released(unit_id: str) -> str:
    return _("{unit} is already released.", unit=unit_id)


def ask_release(unit_id: str, crisis_id: int) -> str:
    """Before a unit is released: it cannot be taken back."""
    return _(
        "Release {unit} from crisis #{crisis}? The unit leaves the crisis, the requesting "
        "state is told, and this cannot be taken back.",
        unit=unit_id,
        crisis=crisis_id,
    )


def not_released(unit_id: str) -> str:
    return _("{unit} is not released: nothing changed.", unit=unit_id)


def told_released(
    unit_id: str, country: str, crisis_id: int | None, by: str, at: datetime, tz: ZoneInfo
) -> str:
    """To the requester: a unit was released."""
    return _(
        "🏁 {unit} ({country}) is RELEASED from crisis #{crisis}: reported by {name} at {time}.",
        unit=unit_id,
        country=country,
        crisis=crisis_id,
        name=by,
        time=local_time(at, tz),
    )


def remove_label(unit_id: str, country: str) -> str:
    return _("➖ {unit} ({country})", unit=unit_id, country=country)


def which_unit() -> str:
    return _("Which unit of these plans should the next plans leave out?")


def restore_label(unit_id: str) -> str:
    return _("↩ Undo: put {unit} back", unit=unit_id)


def removed(unit_id: str) -> str:
    return _(
        "{unit} left out. Planning again… (you can undo this until a plan is sent)", unit=unit_id
    )


def restored(unit_id: str) -> str:
    return _("{unit} is back in planning. Planning again…", unit=unit_id)


def restore_too_late(unit_id: str) -> str:
    return _(
        "A plan was sent since {unit} was left out: it cannot be put back from here.",
        unit=unit_id,
    )


def nobody_enrolled(states: str) -> str:
    """Before sending: some states have nobody enrolled to receive the request."""
    return _(
        "⚠ Nobody of {states}'s competent authority is enrolled in atlasbot: the request "
        "would reach nobody there. Call them first, or choose another plan.",
        states=states,
    )
