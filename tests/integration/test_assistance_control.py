"""The requester's control of an open crisis on SQLite and PostgreSQL: withdraw one request,
release one unit (returning, then home), add or reduce a need; who may, what is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.domain import UnitStatus
from atlasbot.network import dump_network, parse_network
from atlasbot.services import assistance, registry
from atlasbot.services.assistance import control, returning
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.storage import audit
from atlasbot.storage.models import AnswerStatus, DeploymentState, UnitRow

from . import test_assistance_service as service
from .test_assistance_service import AGREED, NOW, run, send, submit

# The same enrolled world as the workflow's tests (BE, NL, DE authorities; nl-1 commander).
world = service.world

HOME = timedelta(minutes=20)


def _audited(engine: Engine, crisis_id: int) -> list[str]:
    entries = run(engine, lambda s: list(s.exec(select(audit.AuditEntry)).all()))
    return [e.action for e in entries if e.object == f"crisis:{crisis_id}"]


def test_the_requester_withdraws_one_open_request_and_its_state_is_told(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    de_request, nl_request = send(engine, world["BE"], crisis_id, ("nl-1", "NL"), ("de-3", "DE"))
    with pytest.raises(NotAuthorised):
        run(engine, lambda s: control.withdraw_request(s, world["NL"], nl_request, now=NOW))
    told = run(engine, lambda s: control.withdraw_request(s, world["BE"], nl_request, now=NOW))
    assert [m.chat_id for m in told] == [2]  # NL's authority
    assert "withdrew its request" in told[0].text
    statuses = {
        r.id: r.status for r in run(engine, lambda s: assistance.requests_of(s, crisis_id))
    }
    assert statuses == {de_request: AnswerStatus.PENDING.value, nl_request: "withdrawn"}
    with pytest.raises(Conflict, match="no longer open"):
        run(engine, lambda s: control.withdraw_request(s, world["BE"], nl_request, now=NOW))
    # NL can no longer answer it.
    with pytest.raises(Conflict, match="already answered"):
        run(engine, lambda s: assistance.accept(s, world["NL"], nl_request, AGREED, now=NOW))
    assert "assistance.withdrawn" in _audited(engine, crisis_id)
    assert run(engine, audit.verify).ok


def test_a_released_unit_is_returning_until_its_eta_home_then_available(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    _request, (deployment,) = run(
        engine, lambda s: assistance.accept(s, world["NL"], request_id, AGREED, now=NOW)
    )
    assert deployment.id is not None
    with pytest.raises(NotAuthorised):
        run(
            engine,
            lambda s: control.release_deployment(
                s, world["nl-1"], deployment.id or 0, now=NOW, return_home=HOME
            ),
        )
    home = run(
        engine,
        lambda s: control.release_deployment(
            s, world["BE"], deployment.id or 0, now=NOW, return_home=HOME
        ),
    )
    # Never departed: no ETA home is known, so the setting's time.
    assert home == NOW + HOME
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.RETURNING.value
    assert run(engine, returning.returning_units) == [("nl-1", NOW + HOME)]
    # An export writes it as still away (a file has no "returning"), and reads back.
    exported = dump_network(run(engine, registry.load_network))
    again = parse_network(yaml.safe_load(exported), "export")
    assert next(u for u in again.units if u.id == "nl-1").status is UnitStatus.DEPLOYED
    # Not yet home: nothing changes, and the job is told when to come back.
    early = run(engine, lambda s: returning.come_home(s, "nl-1", now=NOW))
    assert early.still_ahead == NOW + HOME and early.messages == ()
    home_now = run(engine, lambda s: returning.come_home(s, "nl-1", now=NOW + HOME))
    assert home_now.still_ahead is None
    # Its state's authority and its members are told it is home, and ready for what.
    assert home_now.messages
    assert all(
        m.text == "🏠 nl-1 is home after its release and available again."
        for m in home_now.messages
    )
    # Once: a second run of the job (a restart re-arming it) tells nobody again.
    assert run(engine, lambda s: returning.come_home(s, "nl-1", now=NOW + HOME)).messages == ()
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.AVAILABLE.value
    assert unit.returns_at is None
    (released,) = run(engine, lambda s: assistance.deployments_of(s, crisis_id))
    assert released.state == DeploymentState.RELEASED.value
    with pytest.raises(Conflict, match="already released"):
        run(
            engine,
            lambda s: control.release_deployment(
                s, world["BE"], deployment.id or 0, now=NOW, return_home=HOME
            ),
        )
    assert "deployment.released" in _audited(engine, crisis_id)
    assert run(engine, audit.verify).ok


def test_a_unit_that_travelled_comes_home_in_its_travel_time(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    _request, (deployment,) = run(
        engine, lambda s: assistance.accept(s, world["NL"], request_id, AGREED, now=NOW)
    )
    run(
        engine,
        lambda s: assistance.report_progress(
            s, world["nl-1"], deployment.id or 0, DeploymentState.ON_SCENE, now=NOW
        ),
    )
    home = run(
        engine,
        lambda s: control.release_deployment(
            s, world["BE"], deployment.id or 0, now=NOW, return_home=HOME
        ),
    )
    travel = run(engine, lambda s: assistance.travel_minutes(s, deployment))
    assert home == NOW + timedelta(minutes=travel)


def test_the_requester_adds_and_reduces_a_need_and_what_is_missing_follows(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == {}
    run(
        engine,
        lambda s: control.change_need(s, world["BE"], crisis_id, "eod", 1, now=NOW),
    )
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    assert crisis.needs["eod"] == 1
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == {"eod": 1}
    run(
        engine,
        lambda s: control.change_need(s, world["BE"], crisis_id, "eod", -1, now=NOW),
    )
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    assert "eod" not in crisis.needs
    with pytest.raises(NotAuthorised):
        run(engine, lambda s: control.change_need(s, world["NL"], crisis_id, "k9", 1, now=NOW))
    with pytest.raises(InvalidInput, match="no such capability"):
        run(engine, lambda s: control.change_need(s, world["BE"], crisis_id, "x", 1, now=NOW))
    assert _audited(engine, crisis_id).count("crisis.needs_changed") == 2
    assert run(engine, audit.verify).ok
