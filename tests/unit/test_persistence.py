"""The chat-state codec: JSON only, drafts rebuilt as drafts, and bad values never fatal."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from atlasbot.bot.persistence import (
    UndecodableValue,
    UnencodableValue,
    decode_conversation_key,
    decode_user_data,
    decode_value,
    encode_user_data,
    encode_value,
)
from atlasbot.bot.wizard import DRAFT_KEY, GONE_KEY
from atlasbot.handlers.request import RequestForm
from atlasbot.services.assistance import RequestDraft


def half_filled_draft() -> RequestForm:
    return RequestForm(
        wizard="request",
        round="a1b2c3",
        step="caps",
        touched_at="2027-03-01T09:00:00+00:00",
        country="BE",
        crisis_type="hostage_taking",
        threat_confirmed=True,
        lat=51.2194,
        lon=4.4025,
        place="Antwerp, BE",
        needs={"hostage_rescue": 2, "negotiation": 1},
        assistance=["action"],
        listing=1,
        places=[{"name": "Antwerp", "country": "BE", "lat": 51.2194, "lon": 4.4025}],
        catalogue={"hostage_rescue": "Hostage rescue"},
    )


def test_a_request_draft_comes_back_as_an_equal_request_draft() -> None:
    data = {DRAFT_KEY: half_filled_draft(), "meeting_wizard": {"participants": ["de-1"]}}
    text = encode_user_data(data, owner="user 1")
    assert text is not None
    assert json.loads(text)[DRAFT_KEY]["__type__"] == "RequestForm"
    restored = decode_user_data(text, owner="user 1")
    assert isinstance(restored[DRAFT_KEY], RequestForm)
    # What the use case validates: the wizard's draft is a RequestDraft.
    assert isinstance(restored[DRAFT_KEY], RequestDraft)
    assert restored == data


def test_plain_json_values_pass_through_unchanged() -> None:
    answer = {
        "mode": "accept",
        "request": 3,
        "forms": ["action", "expertise"],
        "arms": False,
        "headcount": None,
        "ratio": 0.5,
        "units": [],
        "window": {"start": "2027-03-01", "end": "2027-03-31"},
    }
    assert decode_value(json.loads(json.dumps(encode_value(answer)))) == answer


def test_conversation_keys_of_the_previous_version_come_back_as_tuples() -> None:
    assert decode_conversation_key("[1001,1001]") == (1001, 1001)
    assert decode_conversation_key('[-100123,7,"inline-1"]') == (-100123, 7, "inline-1")


def test_a_value_the_codec_cannot_encode_is_left_out_and_the_rest_is_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = {
        DRAFT_KEY: half_filled_draft(),
        "when": datetime(2027, 1, 1, tzinfo=UTC),
        "pair": (1, 2),
        7: "a key that is not a string",
    }
    with caplog.at_level(logging.WARNING, logger="atlasbot.bot.persistence"):
        text = encode_user_data(data, owner="user 1")
    assert text is not None
    assert decode_user_data(text, owner="user 1") == {DRAFT_KEY: half_filled_draft()}
    warned = caplog.text
    assert "user_data['when'] of user 1 is not stored" in warned
    assert "user_data['pair'] of user 1 is not stored" in warned
    assert "user_data[7] of user 1 is not stored" in warned


@pytest.mark.parametrize(
    "value",
    [
        (1, 2),
        {1, 2},
        float("nan"),
        {"__type__": "RequestDraft", "fields": {}},
        {1: "x"},
        [datetime(2027, 1, 1, tzinfo=UTC)],
    ],
)
def test_values_that_would_not_come_back_the_same_are_refused(value: object) -> None:
    with pytest.raises(UnencodableValue):
        encode_value(value)


def test_user_data_with_nothing_left_to_store_encodes_to_nothing() -> None:
    assert encode_user_data({}, owner="user 1") is None
    assert encode_user_data({"when": datetime(2027, 1, 1, tzinfo=UTC)}, owner="user 1") is None


def test_a_stored_draft_with_a_field_the_draft_no_longer_has_is_dropped_and_the_rest_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored = json.dumps(
        {
            DRAFT_KEY: {"__type__": "RequestForm", "fields": {"country": "BE", "urgency": 3}},
            "meeting_wizard": {"participants": ["de-1"]},
        }
    )
    with caplog.at_level(logging.WARNING, logger="atlasbot.bot.persistence"):
        restored = decode_user_data(stored, owner="user 1")
    # The member's next press or input is told that the draft could not be restored.
    assert restored == {"meeting_wizard": {"participants": ["de-1"]}, GONE_KEY: True}
    assert f"stored user_data['{DRAFT_KEY}'] of user 1 is dropped" in caplog.text


def test_the_drafts_of_the_previous_versions_forms_are_dropped_with_the_gone_mark(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The /request conversation's RequestDraft and its bookkeeping, the answer's dict."""
    stored = json.dumps(
        {
            "draft": {"__type__": "RequestDraft", "fields": {"country": "BE"}},
            "places": [{"name": "Antwerp", "country": "BE", "lat": 51.2, "lon": 4.4}],
            "places_listing": 2,
            "catalogue": {"hostage_rescue": "Hostage rescue"},
            "submitted": True,
            "answer": {"mode": "accept", "round": "a1b2c3", "request": 4},
            "meeting_wizard": {"participants": ["de-1"]},
        }
    )
    with caplog.at_level(logging.WARNING, logger="atlasbot.bot.persistence"):
        restored = decode_user_data(stored, owner="user 1")
    assert restored == {"meeting_wizard": {"participants": ["de-1"]}, GONE_KEY: True}
    assert "stored user_data['answer'] of user 1 is dropped" in caplog.text
    only_answer = json.dumps({"answer": {"mode": "decline", "request": 4}})
    assert decode_user_data(only_answer, owner="user 1") == {GONE_KEY: True}


def test_a_tagged_value_of_a_type_this_version_does_not_know_cannot_be_decoded() -> None:
    with pytest.raises(UndecodableValue, match="OldDraft"):
        decode_value({"__type__": "OldDraft", "fields": {}})


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"draft"'])
def test_a_row_that_is_not_a_json_object_cannot_be_decoded(text: str) -> None:
    with pytest.raises(UndecodableValue):
        decode_user_data(text, owner="user 1")


@pytest.mark.parametrize("text", ["{not json", '{"chat": 1}', "[1.5, 2]", "[true]"])
def test_a_conversation_key_that_is_not_a_list_of_ints_and_strings_cannot_be_decoded(
    text: str,
) -> None:
    with pytest.raises(UndecodableValue):
        decode_conversation_key(text)
