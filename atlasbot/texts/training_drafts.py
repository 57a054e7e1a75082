"""What a coordinator reads when changing a draft (issue 14.6): a new upload that would
replace it, and removing one event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from atlasbot.i18n import _, ngettext


def replace_question(old_plan: int, old_events: int, name: str) -> str:
    return ngettext(
        "You already have draft plan #{plan} ({count} event). Replace it with {name}?",
        "You already have draft plan #{plan} ({count} events). Replace it with {name}?",
        old_events,
        plan=old_plan,
        name=name,
    )


def replace_button() -> str:
    return _("🔁 Replace my draft with this file")


def keep_button() -> str:
    return _("✋ Keep my draft (drop this file)")


def replaced(old_plan: int | None, summary: str) -> str:
    if old_plan is None:
        return summary
    return _("Draft plan #{plan} replaced.\n{summary}", plan=old_plan, summary=summary)


def kept(name: str, plan_id: int | None) -> str:
    if plan_id is None:
        return _("{name} was not used.", name=name)
    return _("{name} was not used; draft plan #{plan} stays as it was.", name=name, plan=plan_id)


def not_pending() -> str:
    return _("This file was already used or dropped.")


def choose_event_to_remove(plan_id: int) -> str:
    return _("Which event should go from draft plan #{plan}?", plan=plan_id)


def no_events_to_remove(plan_id: int) -> str:
    return _("Draft plan #{plan} has no events.", plan=plan_id)


def remove_button(event: Mapping[str, Any]) -> str:
    return _("✂ {id}: {title}", id=event["id"], title=str(event["title"])[:40])


def event_removed(event_id: str, plan_id: int, left: int) -> str:
    return ngettext(
        "Removed {id} from draft plan #{plan} ({count} event left). Run the planner again.",
        "Removed {id} from draft plan #{plan} ({count} events left). Run the planner again.",
        left,
        id=event_id,
        plan=plan_id,
    )


def no_such_event(event_id: str) -> str:
    return _("The draft has no event {id} any more.", id=event_id)


def blackout_button() -> str:
    return _("⛔ Add a blackout…")


def blackout_unit() -> str:
    return _("Blackout 1/2: which unit cannot take part?")


def blackout_month() -> str:
    return _("Blackout 2/2: in which month is it unavailable?")


def blackout_unit_chosen(unit: str) -> str:
    return _("Unit: {unit}", unit=unit)


def blackout_added(unit: str, start: dt.date, end: dt.date, plan_id: int) -> str:
    return _(
        "⛔ {unit} is unavailable {start} to {end} in draft plan #{plan}. Run the planner again.",
        unit=unit,
        start=start,
        end=end,
        plan=plan_id,
    )
