"""The map use cases on SQLite and PostgreSQL: the board map shows each unit asked in its state
now (en route with its ETA) to those who may see the crisis only; /coverage is for
coordinators and competent authorities, on the registry's readiness now."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from atlasbot.services import assistance, maps, tokens
from atlasbot.services.assistance.outcome import PressInput
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import InvalidInput, NotAuthorised
from atlasbot.storage.models import DeploymentState, Role

from .test_assistance_service import AGREED, NOW, member, run, send, submit, world

__all__ = ["world"]

TZ = ZoneInfo("Europe/Brussels")


def press_map(engine: Engine, who: Identity, crisis_id: int, user_id: int) -> PressInput:
    data = run(
        engine,
        lambda s: tokens.issue(
            s, member_id=who.member_id, action="board.map", payload={"crisis": crisis_id}, now=NOW
        ),
    )
    return PressInput(data=data, telegram_user_id=user_id, chat_id=user_id, now=NOW)


def test_the_board_map_shows_each_unit_in_its_state_to_those_who_may_see_it(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    de_request, _nl_request = send(engine, world["BE"], crisis_id, ("de-3", "DE"), ("nl-1", "NL"))
    _, (deployment,) = run(
        engine, lambda s: assistance.accept(s, world["DE"], de_request, AGREED, now=NOW)
    )
    assert deployment.id is not None
    run(
        engine,
        lambda s: assistance.report_progress(
            s, world["de-3 duty"], deployment.id or 0, DeploymentState.DEPARTED, now=NOW
        ),
    )
    chat_id, spec = run(
        engine, lambda s: maps.board_map(s, press_map(engine, world["BE"], crisis_id, 1), TZ)
    )
    assert chat_id == 1
    states = {u.id: u.state for u in spec.units}
    assert states == {"de-3": "departed", "nl-1": "pending"}
    labels = {u.id: u.label for u in spec.units}
    assert "en route, ETA" in labels["de-3"]
    assert (spec.crisis.lat, spec.crisis.lon) == (50.85, 4.35)
    # An authority of a state not asked does not see the crisis, nor its map.
    outsider = member(engine, 9, Role.AUTHORITY, country="FR")
    with pytest.raises(NotAuthorised):
        run(engine, lambda s: maps.board_map(s, press_map(engine, outsider, crisis_id, 9), TZ))


def test_coverage_is_for_coordinators_and_authorities_on_the_readiness_now(
    engine: Engine, world: dict[str, Identity]
) -> None:
    with pytest.raises(NotAuthorised):
        run(engine, lambda s: maps.coverage_input(s, world["nl-1"], ["eod"]))
    with pytest.raises(InvalidInput, match="Usage"):
        run(engine, lambda s: maps.coverage_input(s, world["NL"], ["nope"]))
    with pytest.raises(InvalidInput, match="Unknown units: xx-1"):
        run(engine, lambda s: maps.coverage_input(s, world["NL"], ["eod", "xx-1"]))
    given = run(engine, lambda s: maps.coverage_input(s, world["NL"], ["eod", "de-1"]))
    assert given.question.deployed == ("de-1",)
    # A unit asked in an open crisis is not ready for another.
    crisis_id = submit(engine, world["BE"])
    send(engine, world["BE"], crisis_id, ("de-3", "DE"))
    coordinator = member(engine, 10, Role.COORDINATOR)
    given = run(engine, lambda s: maps.coverage_input(s, coordinator, ["eod"]))
    assert given.network.unit("de-3").status.value == "deployed"
