"""Times with their zone's abbreviation, and the command menu by role (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from atlasbot import rules
from atlasbot.texts.menus import menu_for
from atlasbot.texts.times import local_datetime, local_time

WINTER = datetime(2027, 1, 4, 19, 40, tzinfo=UTC)
SUMMER = datetime(2027, 7, 4, 19, 40, tzinfo=UTC)


def test_a_time_reads_in_the_members_zone_with_its_abbreviation() -> None:
    assert local_time(WINTER, ZoneInfo("Europe/Lisbon")) == "19:40 WET"
    assert local_time(SUMMER, ZoneInfo("Europe/Lisbon")) == "20:40 WEST"
    assert local_time(WINTER, ZoneInfo("Europe/Dublin")) == "19:40 GMT"
    assert local_time(WINTER, ZoneInfo("Europe/Helsinki")) == "21:40 EET"
    assert local_time(SUMMER, ZoneInfo("Europe/Athens")) == "22:40 EEST"
    assert local_datetime(WINTER, ZoneInfo("Europe/Berlin")) == "Mon 04 Jan 20:40 CET"
    assert local_time(None, ZoneInfo("UTC")) == "—"


def test_each_role_gets_only_its_commands() -> None:
    commander = [command for command, _description in menu_for({"commander"})]
    authority = [command for command, _description in menu_for({"authority"})]
    assert "status" in commander and "request" not in commander
    assert "request" in authority and "status" not in authority
    assert [command for command, _description in menu_for(set())] == ["start", "help"]


def test_a_rota_names_people_only_to_those_who_call_them() -> None:
    names = rules.rota_view(
        serves_unit=False, authority_of_its_state=True, coordinator=False, oversees=True
    )
    counts = rules.rota_view(
        serves_unit=False, authority_of_its_state=False, coordinator=False, oversees=True
    )
    none = rules.rota_view(
        serves_unit=False, authority_of_its_state=False, coordinator=False, oversees=False
    )
    assert (names, counts, none) == (
        rules.RotaView.NAMES,
        rules.RotaView.COUNTS,
        rules.RotaView.NONE,
    )


def test_who_may_revoke_or_hand_over_a_role() -> None:
    def may(role: str, **who: object) -> bool:
        return rules.may_manage_role(
            is_admin=bool(who.get("admin")),
            authority_of=list(who.get("states", [])),  # type: ignore[call-overload]
            commands_units=list(who.get("units", [])),  # type: ignore[call-overload]
            role=role,
            country="BE" if role == "authority" else None,
            unit_id=None if role == "authority" else "be-1",
            unit_country=None if role == "authority" else "BE",
        )

    assert may("commander", states=["BE"]) and not may("commander", states=["DE"])
    assert may("duty", units=["be-1"]) and not may("commander", units=["be-1"])
    assert may("authority", admin=True) and not may("authority", units=["be-1"])
