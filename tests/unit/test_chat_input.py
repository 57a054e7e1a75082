"""The chat's parsers: each kind of value, the refusals the issue names, and no input that
raises anything but InvalidInput."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlasbot import chat_input
from atlasbot.chat_input import InvalidInput
from atlasbot.services.errors import DomainError
from atlasbot.services.errors import InvalidInput as ServiceInvalidInput

NOW = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
BERLIN = ZoneInfo("Europe/Berlin")
LISBON = ZoneInfo("Europe/Lisbon")


def test_the_parsers_error_is_the_services_error_so_the_chat_shows_it() -> None:
    assert InvalidInput is ServiceInvalidInput
    assert issubclass(InvalidInput, DomainError)


@pytest.mark.parametrize(("typed", "value"), [("7", 7), (" 12 ", 12), ("200", 200), ("1", 1)])
def test_a_whole_number_in_range_is_read(typed: str, value: int) -> None:
    assert chat_input.whole_number(typed, low=1, high=200, what="Headcount") == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("²", "digits 0-9 only"),
        ("٣", "digits 0-9 only"),
        ("1e9", "digits 0-9 only"),
        ("12.5", "digits 0-9 only"),
        ("-3", "digits 0-9 only"),
        ("", "is not a whole number from 1 to 200"),
        ("12345678901234567890123456", "too many digits"),
        ("201", "is not a whole number from 1 to 200"),
        ("0", "is not a whole number from 1 to 200"),
    ],
)
def test_anything_but_ascii_digits_in_range_is_refused_with_the_reason(
    typed: str, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        chat_input.whole_number(typed, low=1, high=200, what="Headcount")
    assert str(refused.value).startswith("Headcount: ")


def test_a_negative_number_is_read_only_where_the_range_allows_it() -> None:
    assert chat_input.whole_number("-3", low=-5, high=5, what="offset") == -3


def test_a_record_id_fits_a_64_bit_column() -> None:
    assert chat_input.record_id("#12", what="shift") == 12
    assert chat_input.record_id(str(chat_input.MAX_ID), what="shift") == chat_input.MAX_ID
    with pytest.raises(InvalidInput, match="from 1 to"):
        chat_input.record_id(str(chat_input.MAX_ID + 1), what="shift")
    with pytest.raises(InvalidInput, match="too many digits"):
        chat_input.record_id("9" * 26, what="shift")


def test_a_refusal_never_quotes_more_than_a_short_excerpt() -> None:
    with pytest.raises(InvalidInput) as refused:
        chat_input.whole_number("x" * 10_000, low=1, high=9, what="n")
    assert len(str(refused.value)) < 120


def test_unit_ids_and_country_codes() -> None:
    assert chat_input.unit_id(" DE-1 ") == "de-1"
    assert chat_input.unit_id("fr-gign-2") == "fr-gign-2"
    assert chat_input.country_code("de") == "DE"
    for bad in ("de", "de-", "de_1", "de-1\0", "ḓe-1", "de-" + "1" * 40):
        with pytest.raises(InvalidInput, match="unit id"):
            chat_input.unit_id(bad)
    for bad in ("D", "DEU", "D3", "ДЕ"):
        with pytest.raises(InvalidInput, match="country code"):
            chat_input.country_code(bad)


@pytest.mark.parametrize(
    ("typed", "value"), [("19:40", dt.time(19, 40)), ("7:05", dt.time(7, 5)), ("0:00", dt.time())]
)
def test_clock_times(typed: str, value: dt.time) -> None:
    assert chat_input.clock_time(typed, what="arrival") == value


@pytest.mark.parametrize("typed", ["24:00", "7:60", "7", "19:4", "１９:４０", "7:05pm"])
def test_what_is_not_a_clock_time_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="time of day"):
        chat_input.clock_time(typed, what="arrival")


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("+45", 45), ("+1h30", 90), ("+2h", 120), ("+90m", 90), ("+1d 2h", 1560)],
)
def test_relative_times(typed: str, minutes: int) -> None:
    moment = chat_input.relative_time(typed, what="ETA", now=NOW, longest=2 * DAY)
    assert moment == NOW + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize("typed", ["45", "+", "+h", "+1e3", "+-5", "+²"])
def test_what_is_not_a_relative_time_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        chat_input.relative_time(typed, what="ETA", now=NOW, longest=DAY)


def test_durations_are_bounded() -> None:
    assert chat_input.duration("1h30", what="length", longest=DAY) == dt.timedelta(minutes=90)
    with pytest.raises(InvalidInput, match="from 1m to 1d"):
        chat_input.duration("25h", what="length", longest=DAY)
    with pytest.raises(InvalidInput, match="from 1m"):
        chat_input.duration("0", what="length", longest=DAY)


def test_free_text_is_stripped_and_keeps_line_breaks_and_tabs() -> None:
    typed = "  Line one\r\nline\ttwo  "
    assert chat_input.free_text(typed, what="title", max_length=50) == "Line one\nline\ttwo"


@pytest.mark.parametrize(
    ("character", "name"), [("\0", "NUL"), ("\x1b", "U+001B"), ("\x85", "U+0085")]
)
def test_control_characters_are_refused_by_name(character: str, name: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"control character ({name} at position 3)")):
        chat_input.free_text(f"ab{character}cd", what="title", max_length=50)


def test_bidirectional_overrides_are_removed() -> None:
    typed = "Exercise \u202egnp.exe\u202c in \u2066Bruxelles\u2069"
    assert chat_input.free_text(typed, what="title", max_length=50) == (
        "Exercise gnp.exe in Bruxelles"
    )


def test_a_text_too_long_or_too_short_says_the_limit() -> None:
    with pytest.raises(InvalidInput, match="at most 120 characters \\(this one has 4,000\\)"):
        chat_input.free_text("x" * 4000, what="title", max_length=120)
    with pytest.raises(InvalidInput, match="at least 3 characters"):
        chat_input.free_text(" \u202e a ", what="title", max_length=120, min_length=3)


def _only_invalid_input(parse: Callable[[str], object], text: str) -> None:
    message = "accepted"
    try:
        parse(text)
    except InvalidInput as refused:
        message = str(refused)
    assert message
    assert "\0" not in message


PARSERS: list[Callable[[str], object]] = [
    lambda t: chat_input.whole_number(t, low=1, high=200, what="n"),
    lambda t: chat_input.whole_number(t, low=-10, high=10, what="n"),
    lambda t: chat_input.record_id(t, what="id"),
    chat_input.unit_id,
    chat_input.country_code,
    lambda t: chat_input.clock_time(t, what="at"),
    lambda t: chat_input.duration(t, what="d", longest=DAY),
    lambda t: chat_input.relative_time(t, what="r", now=NOW, longest=DAY),
    lambda t: chat_input.arrival_time(t, what="ETA", now=NOW, tz=LISBON, longest=DAY),
    lambda t: chat_input.free_text(t, what="t", max_length=120, min_length=3),
]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_no_text_raises_anything_but_invalid_input(text: str) -> None:
    for parse in PARSERS:
        _only_invalid_input(parse, text)


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(r"[+#\-]?[0-9²٣１hdm:. ]{0,30}", fullmatch=True))
def test_no_number_like_text_raises_anything_but_invalid_input(text: str) -> None:
    for parse in PARSERS:
        _only_invalid_input(parse, text)


@given(text=st.text())
def test_accepted_free_text_holds_no_control_or_bidi_character(text: str) -> None:
    try:
        kept = chat_input.free_text(text, what="t", max_length=500)
    except InvalidInput:
        return
    assert not set(kept) & chat_input.BIDI_CONTROLS
    assert "\0" not in kept and "\r" not in kept
    assert kept == kept.strip()


def _arrival(typed: str, tz: dt.tzinfo = BERLIN, longest: dt.timedelta = DAY) -> dt.datetime:
    return chat_input.arrival_time(typed, what="ETA", now=NOW, tz=tz, longest=longest)


def test_an_arrival_time_of_day_is_read_in_the_members_zone() -> None:
    # 08:00 UTC is 09:00 in Berlin and 08:00 in Lisbon (winter).
    assert _arrival("19:40") == dt.datetime(2027, 1, 4, 18, 40, tzinfo=dt.UTC)
    assert _arrival("19:40", LISBON) == dt.datetime(2027, 1, 4, 19, 40, tzinfo=dt.UTC)
    assert _arrival("9h30") == dt.datetime(2027, 1, 4, 8, 30, tzinfo=dt.UTC)


def test_an_arrival_time_already_passed_today_is_tomorrow() -> None:
    assert _arrival("08:30") == dt.datetime(2027, 1, 5, 7, 30, tzinfo=dt.UTC)
    assert _arrival("09:00") == dt.datetime(2027, 1, 5, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("typed", "minutes"), [("+45", 45), ("+1h30", 90), (" +2h ", 120)])
def test_an_arrival_in_minutes_from_now_is_read(typed: str, minutes: int) -> None:
    assert _arrival(typed) == NOW + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize("typed", ["soon", "25:00", "19:61", "+", "+0", "-45", "45", "19 40", ""])
def test_what_is_not_an_arrival_time_is_refused_with_the_expected_form(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _arrival(typed)
    assert str(refused.value).startswith("ETA:")


def test_an_arrival_further_than_the_longest_wait_is_refused() -> None:
    with pytest.raises(InvalidInput, match="more than 2h"):
        _arrival("19:40", longest=dt.timedelta(hours=2))
    with pytest.raises(InvalidInput):
        _arrival("+3h", longest=dt.timedelta(hours=2))
