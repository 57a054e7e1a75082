"""The board's line per unit: its state, whether its order was acknowledged, by whom, when,
in the reader's zone; an order that ran out says so while the unit has not reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from atlasbot.texts import crisis as texts

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


@dataclass
class Crisis:
    id: int | None = 1
    requesting_country: str = "BE"
    crisis_type: str = "hostage_taking"
    lat: float = 51.2
    lon: float = 4.4
    place: str = "Antwerp, BE"
    nature: str = "n"
    necessity: str = "n"
    commander_on_scene: str = "c"
    status: str = "open"


@dataclass
class Request:
    id: int | None = 7
    country: str = "DE"
    units: list[str] | None = None
    provides: dict[str, int] | None = None
    forms: list[str] | None = None
    status: str = "accepted"
    decline_reason: str = ""
    agreement: dict[str, object] | None = None


@dataclass
class Deployment:
    id: int | None = 3
    assistance_request_id: int = 7
    unit_id: str = "de-1"
    state: str = "ordered"
    eta_at: datetime | None = None


@dataclass
class Track:
    by_name: str = ""
    at: datetime | None = None
    ran_out: bool = False


def board(deployment: Deployment, track: Track | None, zone: str) -> str:
    request = Request(units=["de-1"], provides={"k9": 1}, forms=["action"], agreement={})
    tracks = {"deployment:3": track} if track else {}
    return texts.board(
        Crisis(), [request], [deployment], {}, ZoneInfo(zone), NOW, {"k9": "K9"}, tracks
    )


def test_an_order_not_yet_acknowledged_keeps_its_state_word() -> None:
    assert "• de-1 (K9 ×1): ordered, not yet acknowledged" in board(
        Deployment(), Track(), "Europe/Berlin"
    )


def test_who_acknowledged_is_shown_in_the_readers_zone() -> None:
    track = Track("Kurt", NOW)
    assert "acknowledged by Kurt at 19:00 CET → mobilising" in board(
        Deployment(state="mobilising"), track, "Europe/Berlin"
    )
    assert "acknowledged by Kurt at 18:00 WET → mobilising" in board(
        Deployment(state="mobilising"), track, "Europe/Lisbon"
    )


def test_an_order_that_ran_out_says_so_until_the_unit_reports() -> None:
    ran_out = Track(ran_out=True)
    assert "NOT ACKNOWLEDGED by anyone" in board(Deployment(), ran_out, "Europe/Berlin")
    later = board(Deployment(state="mobilising"), ran_out, "Europe/Berlin")
    assert "• de-1 (K9 ×1): mobilising\n" in later
