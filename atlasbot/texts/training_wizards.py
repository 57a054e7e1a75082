"""What the event and meeting wizards say (RULES R11); pure, like ``atlasbot.texts.training``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from atlasbot.i18n import _, format_month


def wizard_gone() -> str:
    return _("That wizard is no longer open. Start again with /plan_trainings or /meeting.")


def replaced() -> str:
    return _("That form was replaced by a newer one; use the buttons of the latest message.")


def step_passed() -> str:
    return _("That step is already answered; use the buttons of the latest message.")


def timed_out() -> str:
    return _(
        "That wizard was idle too long and was closed; nothing was added. "
        "Start again with /plan_trainings or /meeting."
    )


def wizard_closed() -> str:
    return _("Wizard closed; nothing was added.")


def use_the_buttons() -> str:
    return _("Please use the buttons above.")


def unknown_choice() -> str:
    return _("Unknown choice.")


def title_length() -> str:
    return _("Type a title of 3 to 120 characters.")


def unit_toggle(unit_id: str, chosen: bool) -> str:
    return ("☑ " if chosen else "☐ ") + unit_id


def units_done(chosen: int) -> str:
    return _("Done ({count} chosen) ➡", count=chosen)


def choose_two_units() -> str:
    return _("Choose at least two units.")


def units_chosen(units: Sequence[str]) -> str:
    return _("Units: {units}", units=", ".join(units))


def month_label(month: dt.date) -> str:
    return format_month(month)


# --- the event wizard ---------------------------------------------------------------------------


def event_kind() -> str:
    return _("New event. 1/7 What kind is it?")


def kind_chosen(kind: str) -> str:
    return _("Kind: {kind}", kind=kind)


def event_title() -> str:
    return _("2/7 Type the event's title (e.g. 'Maritime boarding, Baltic').")


def event_capability() -> str:
    return _("3/7 Which capability does it train?")


def no_capability() -> str:
    return _("No particular capability")


def capability_chosen(code: str | None) -> str:
    return _("Capability: {code}", code=code or _("none"))


def event_units() -> str:
    return _("4/7 Which units take part? Tap to choose (at least two).")


def event_days() -> str:
    return _("5/7 How many consecutive weekdays does it last?")


def days_chosen(days: int) -> str:
    return _("Duration: {days} day(s)", days=days)


def event_month() -> str:
    return _("6/7 In which month?")


def any_time() -> str:
    return _("Any time in the plan")


def window_chosen(month: str | None) -> str:
    return _("Window: {month}", month=month or _("any time"))


def event_virtual() -> str:
    return _("7/7 Is it virtual (video, no host, no travel)?")


def virtual() -> str:
    return _("Virtual")


def in_person() -> str:
    return _("In person")


def virtual_chosen(is_virtual: bool) -> str:
    return _("Virtual: yes") if is_virtual else _("Virtual: no")


# --- the meeting wizard ------------------------------------------------------------------------


def meeting_title() -> str:
    return _("New meeting. 1/5 Type its title (e.g. 'Commanders' meeting').")


def meeting_units() -> str:
    return _("2/5 Which units take part? Tap to choose (at least two).")


def meeting_month() -> str:
    return _("3/5 In which month?")


def month_chosen(month: str) -> str:
    return _("Month: {month}", month=month)


def meeting_virtual() -> str:
    return _("4/5 Virtual, or hosted by one of the units?")


def hosted_by(unit: str) -> str:
    return _("🏠 Hosted by {unit}", unit=unit)


def meeting_time() -> str:
    return _("5/5 What time of day?")


def morning() -> str:
    return _("Morning (09:00–12:00)")


def afternoon() -> str:
    return _("Afternoon (14:00–17:00)")


def all_day() -> str:
    return _("All day")


def hosted() -> str:
    return _("Hosted")
