"""The event and meeting wizards' steps: what a press or a typed title chooses, where the
wizard goes next, what its buttons carry, and the previous version's drafts."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest

from atlasbot.bot.persistence import decode_user_data, encode_user_data
from atlasbot.bot.wizard import CALLBACK_DATA_LIMIT, STAY, Turn
from atlasbot.errors import InvalidInput
from atlasbot.handlers.trainings import choices, event_wizard, meeting_wizard, wizards
from atlasbot.handlers.trainings.event_wizard import EVENT_WIZARD, EventDraft
from atlasbot.handlers.trainings.meeting_wizard import MEETING_WIZARD, MeetingDraft
from atlasbot.training.events_file import DateRange


@dataclass
class FakeTurn:
    """A turn without Telegram: it records what the step said and showed."""

    draft: Any
    said: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    update: Any = field(default_factory=lambda: SimpleNamespace(callback_query=None))

    async def say(self, text: str, markup: object = None) -> None:
        self.said.append(text)

    async def replace_pressed(self, text: str) -> None:
        self.replaced.append(text)


def turn(draft: Any) -> Any:
    return cast(Turn[Any], FakeTurn(draft))


# --- what the buttons offer and choose ----------------------------------------------------


def test_a_tap_on_a_unit_chooses_it_and_a_second_tap_takes_it_back() -> None:
    assert choices.toggled([], "be-1") == ["be-1"]
    assert choices.toggled(["be-1", "fr-1"], "be-1") == ["fr-1"]
    rows = choices.unit_rows(["at-1", "be-1", "de-1", "fr-1", "nl-1"], ["be-1"])
    assert [label for label, _ in rows[0]] == ["☐ at-1", "☑ be-1", "☐ de-1", "☐ fr-1"]
    assert rows[1] == [("☐ nl-1", "u:nl-1")]
    assert rows[-1] == [("Done (1 chosen) ➡", choices.DONE)]


def test_a_joint_event_needs_at_least_two_different_units() -> None:
    assert not choices.enough_units(["be-1"])
    assert not choices.enough_units(["be-1", "be-1"])
    assert choices.enough_units(["be-1", "fr-1"])


def test_the_months_offered_start_next_month_and_cross_the_year() -> None:
    months = choices.months_offered(dt.date(2027, 11, 30))
    assert months[0] == dt.date(2027, 12, 1) and months[1] == dt.date(2028, 1, 1)
    assert len(months) == choices.MONTHS_OFFERED == 18  # any month of the next 18 (issue 14.6)
    assert months[-1] == dt.date(2029, 5, 1)
    rows = choices.month_rows(dt.date(2027, 11, 30), any_time=True)
    assert rows[0][0] == ("Dec 2027", "2027-12")
    assert rows[-1] == [("Any time in the plan", choices.ANY_MONTH)]
    assert choices.month_rows(dt.date(2027, 11, 30), any_time=False)[-1][-1][1] != "any"


def test_a_month_pressed_is_its_days_and_anything_else_is_refused() -> None:
    assert choices.month_range("2028-02") == DateRange(dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert choices.month_range("2027-13") is None
    assert choices.month_range("any") is None
    assert choices.days_of("3") == 3
    assert choices.days_of("6") is None and choices.days_of("x") is None


def test_a_title_has_three_to_120_characters() -> None:
    assert choices.valid_title("  Breaching doors ") == "Breaching doors"
    for refused in ("ab", "x" * 121, " \u202e ab "):
        with pytest.raises(InvalidInput, match=r"Type a title of 3 to 120 characters\."):
            choices.valid_title(refused)


def test_a_title_with_a_control_character_is_refused_and_bidi_overrides_are_removed() -> None:
    with pytest.raises(InvalidInput, match="control character \\(NUL at position 5\\)"):
        choices.valid_title("Ramp\0 drills")
    assert choices.valid_title("Ramp \u202edrills\u202c") == "Ramp drills"


def test_every_wizard_button_fits_telegrams_callback_data_limit() -> None:
    longest = "u:" + "x" * 12  # unit ids are short codes like "be-1"
    capability = "maritime_intervention_x"
    for wizard in (EVENT_WIZARD, MEETING_WIZARD):
        draft = wizard.draft_type(wizard=wizard.name, round="abcdef")
        for step in wizard.steps:
            for value in (longest, capability, choices.DONE):
                button = wizard.button(draft, "label", value, step=step)
                assert len((button.callback_data or "").encode()) <= CALLBACK_DATA_LIMIT


# --- the steps ----------------------------------------------------------------------------


async def test_the_event_wizard_takes_a_kind_then_asks_for_the_title() -> None:
    step = turn(EventDraft())
    assert await event_wizard.on_kind(step, "juggling") == STAY
    assert await event_wizard.on_kind(step, "exercise") == "title"
    assert step.draft.kind == "exercise" and step.replaced == ["Kind: exercise"]


async def test_a_title_too_short_is_asked_again() -> None:
    step = turn(EventDraft(kind="training"))
    assert await event_wizard.on_title(step, "ab") == STAY
    assert step.said == ["Type a title of 3 to 120 characters."]
    assert await event_wizard.on_title(step, "Breaching doors") == "capability"
    assert step.draft.title == "Breaching doors"


async def test_length_month_and_capability_are_recorded_as_chosen() -> None:
    step = turn(EventDraft())
    assert await event_wizard.on_capability(step, event_wizard.NO_CAPABILITY) == "units"
    assert step.draft.capability == "" and step.replaced[-1] == "Capability: none"
    assert await event_wizard.on_days(step, "9") == STAY
    assert await event_wizard.on_days(step, "2") == "month"
    assert step.replaced[-1] == "Duration: 2 day(s)"
    assert await event_wizard.on_month(step, "any") == "virtual"
    assert step.draft.month == "" and step.replaced[-1] == "Window: any time"
    assert await event_wizard.on_month(step, "2027-06") == "virtual"
    assert step.replaced[-1] == "Window: 2027-06"


def test_a_finished_event_draft_is_the_events_file_mapping_the_draft_plan_takes() -> None:
    draft = EventDraft(
        kind="training",
        title="Breaching doors",
        capability="breaching",
        participants=["be-1", "fr-1"],
        duration_days=2,
        month="2027-06",
    )
    mapping = event_wizard.new_event(draft, virtual=False).as_mapping()
    assert mapping == {
        "id": "training",
        "kind": "training",
        "title": "Breaching doors",
        "duration_days": 2,
        "participants": ["be-1", "fr-1"],
        "capability": "breaching",
        "window": {"start": "2027-06-01", "end": "2027-06-30"},
    }
    anytime = event_wizard.new_event(EventDraft(kind="meeting"), virtual=True).as_mapping()
    assert "window" not in anytime and anytime["virtual"] is True


async def test_the_meeting_wizard_asks_units_after_the_title_and_needs_a_month() -> None:
    step = turn(MeetingDraft())
    assert await meeting_wizard.on_title(step, "Heads of units") == "units"
    assert await meeting_wizard.on_month(step, "2027-3") == STAY
    assert await meeting_wizard.on_month(step, "2027-03") == "virtual"
    request = meeting_wizard.meeting_request(step.draft, "no")
    assert request is not None and not request.virtual
    assert request.month == DateRange(dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    assert meeting_wizard.meeting_request(step.draft, "maybe") is None


# --- drafts kept across restarts, and the previous version's ---------------------------------


def test_a_wizard_draft_is_stored_as_json_and_comes_back_typed() -> None:
    draft = EventDraft(wizard="event", round="abc123", step="units", participants=["be-1"])
    text = encode_user_data({"wizard": draft}, owner="user 1")
    assert text is not None and json.loads(text)["wizard"]["__type__"] == "EventDraft"
    assert decode_user_data(text, owner="user 1") == {"wizard": draft}


@pytest.mark.parametrize(
    ("stored", "awaits_title"),
    [
        ({"meeting_wizard": {"participants": [], "awaiting": "title"}}, True),
        ({"training_event_wizard": {"participants": ["be-1"], "awaiting": None}}, False),
    ],
)
def test_a_draft_of_the_previous_version_is_recognised_and_dropped(
    stored: dict[str, Any], awaits_title: bool
) -> None:
    context = cast(Any, SimpleNamespace(user_data={**stored, "other": 1}))
    assert wizards._awaits_legacy_title(context) is awaits_title
    assert wizards.drop_legacy_drafts(context)
    assert context.user_data == {"other": 1}
    assert not wizards.drop_legacy_drafts(context)
