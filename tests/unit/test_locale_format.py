"""Dates, times, durations, numbers and plurals in the reader's language (issue 15)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from atlasbot.i18n import (
    _,
    best_locale,
    format_day,
    format_day_time,
    format_duration,
    format_number,
    ngettext,
    typed_in,
    using_locale,
)
from atlasbot.texts.times import local_datetime

MONDAY_EVENING = datetime(2027, 1, 4, 19, 40, tzinfo=ZoneInfo("UTC"))


def units(count: int) -> str:
    return ngettext("{count} unit", "{count} units", count)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Mon 04 Jan 19:40"),
        ("fr", "lun. 04 janv. 19:40"),
        ("de", "Mo., 04. Jan. 19:40"),
    ],
)
def test_a_day_and_time_reads_in_the_readers_language(language: str, expected: str) -> None:
    with using_locale(language):
        assert format_day_time(MONDAY_EVENING) == expected


def test_a_member_reads_times_in_their_zone_and_their_language() -> None:
    with using_locale("de"):
        assert local_datetime(MONDAY_EVENING, ZoneInfo("Europe/Berlin")) == (
            "Mo., 04. Jan. 20:40 CET"
        )
    with using_locale("fr"):
        assert local_datetime(MONDAY_EVENING, ZoneInfo("Europe/Lisbon")) == (
            "lun. 04 janv. 19:40 WET"
        )


def test_dates_durations_and_numbers_follow_the_locale() -> None:
    with using_locale("fr"):
        assert format_day(date(2027, 3, 8)) == "8 mars 2027"
        assert format_duration(timedelta(hours=2)) == "2\u00a0heures"
        assert format_number(1234.5) == "1\u202f234,5"
    with using_locale("de"):
        assert format_day(date(2027, 3, 8)) == "08.03.2027"
        assert format_duration(timedelta(days=3)) == "3 Tage"
        assert format_number(1234.5) == "1.234,5"
    with using_locale("en"):
        assert format_duration(timedelta(minutes=1)) == "1 minute"
        assert format_number(1234.5) == "1,234.5"


@pytest.mark.parametrize(
    ("language", "one", "zero", "many"),
    [
        ("en", "1 unit", "0 units", "3 units"),
        # French counts zero as singular; German as plural.
        ("fr", "1 unité", "0 unité", "3 unités"),
        ("de", "1 Einheit", "0 Einheiten", "3 Einheiten"),
    ],
)
def test_plurals_follow_each_languages_rule(language: str, one: str, zero: str, many: str) -> None:
    with using_locale(language):
        assert (units(1), units(0), units(3)) == (one, zero, many)


def test_named_placeholders_may_move_in_a_translation() -> None:
    with using_locale("de"):
        text = _(
            "Crisis #{id} ({country}): {kind} at {where}", id=4, country="FR", kind="x", where="y"
        )
    assert text == "Krise Nr. 4 (FR): x in y"


def test_an_unsupported_language_falls_back_to_english() -> None:
    assert best_locale("pt-BR") == "en"
    assert best_locale("de-AT") == "de"
    assert best_locale(None) == "en"
    with using_locale("pt-BR"):
        assert _("Hostage-taking") == "Hostage-taking"


def test_what_a_member_typed_is_marked_with_its_language_for_other_readers() -> None:
    with using_locale("de"):
        assert typed_in("Libérer les otages", "fr") == "Libérer les otages [fr]"
        assert typed_in("Geiseln befreien", "de") == "Geiseln befreien"
