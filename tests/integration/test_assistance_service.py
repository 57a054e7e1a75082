"""The assistance workflow's services on SQLite and PostgreSQL: rules, authority, state, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.domain import Network, UnitStatus
from atlasbot.services import assistance, enrolment, registry
from atlasbot.services.assistance import Agreement, ChosenUnit, RequestDraft, returning
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.storage import audit
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AnswerStatus, CrisisStatus, DeploymentState, Role, UnitRow

T = TypeVar("T")
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def run(engine: Engine, work: Callable[[Session], T]) -> T:
    with session_scope(engine) as session:
        return work(session)


def member(engine: Engine, user_id: int, role: Role, **scope: str) -> Identity:
    def enrol(session: Session) -> Identity:
        code, _ = enrolment.create_invite(session, role=role, created_by="test", now=NOW, **scope)
        outcome = enrolment.redeem_invite(
            session, code=code, telegram_user_id=user_id, display_name=str(user_id), now=NOW
        )
        assert outcome.identity is not None
        return outcome.identity

    return run(engine, enrol)


@pytest.fixture
def world(engine: Engine, demo_network: Network) -> dict[str, Identity]:
    run(engine, lambda s: registry.import_network(s, demo_network, actor="t", source="demo"))
    return {
        "BE": member(engine, 1, Role.AUTHORITY, country="BE"),
        "NL": member(engine, 2, Role.AUTHORITY, country="NL"),
        "DE": member(engine, 3, Role.AUTHORITY, country="DE"),
        "nl-1": member(engine, 4, Role.COMMANDER, unit_id="nl-1"),
        "de-3 duty": member(engine, 5, Role.DUTY, unit_id="de-3"),
    }


def draft(**changes: object) -> RequestDraft:
    values: dict[str, object] = {
        "country": "BE",
        "crisis_type": "hostage_taking",
        "threat_confirmed": True,
        "lat": 50.85,
        "lon": 4.35,
        "place": "Brussels, BE",
        "needs": {"hostage_rescue": 2, "negotiation": 1},
        "assistance": ["action"],
        "nature": "Free hostages in an office building.",
        "necessity": "Our own unit is engaged elsewhere.",
        "commander_on_scene": "Cdt Peeters",
    }
    values.update(changes)
    return RequestDraft(**values)  # type: ignore[arg-type]


def submit(engine: Engine, who: Identity, **changes: object) -> int:
    crisis = run(engine, lambda s: assistance.submit_request(s, who, draft(**changes), now=NOW))
    assert crisis.id is not None
    return crisis.id


def send(engine: Engine, who: Identity, crisis_id: int, *units: tuple[str, str]) -> list[int]:
    chosen = [ChosenUnit(u, c, 100, {"hostage_rescue": 2, "negotiation": 1}) for u, c in units]
    requests = run(engine, lambda s: assistance.send_requests(s, who, crisis_id, chosen, now=NOW))
    return [r.id for r in requests if r.id is not None]


AGREED = Agreement(forms=("action",), arms=True, headcount=8, contact="desk")


def test_only_the_requesting_states_authority_may_request(
    engine: Engine, world: dict[str, Identity]
) -> None:
    with pytest.raises(NotAuthorised, match="competent authority of BE"):
        submit(engine, world["NL"])
    with pytest.raises(NotAuthorised):
        submit(engine, world["nl-1"])


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"crisis_type": "natural_disaster"}, "crisis type"),
        ({"threat_confirmed": False}, "threat"),
        ({"nature": ""}, "nature and necessity"),
        ({"necessity": "  "}, "nature and necessity"),
        ({"needs": {}}, "at least one capability"),
        ({"needs": {"cooking": 1}}, "unknown capability"),
        ({"assistance": []}, "assistance"),
        ({"lat": 95.0}, "latitude"),
    ],
)
def test_an_incomplete_or_out_of_scope_request_is_refused_and_records_nothing(
    engine: Engine, world: dict[str, Identity], changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        submit(engine, world["BE"], **changes)
    assert run(engine, lambda s: assistance.visible_crises(s, world["BE"])) == []


def test_requests_go_to_states_and_only_their_authority_answers(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    with pytest.raises(NotAuthorised, match="competent authority of NL"):
        run(engine, lambda s: assistance.accept(s, world["DE"], request_id, AGREED, now=NOW))
    request, deployments = run(
        engine, lambda s: assistance.accept(s, world["NL"], request_id, AGREED, now=NOW)
    )
    assert request.status == AnswerStatus.ACCEPTED.value
    assert [d.unit_id for d in deployments] == ["nl-1"]
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.DEPLOYED.value
    with pytest.raises(Conflict, match="already answered"):
        run(engine, lambda s: assistance.decline(s, world["NL"], request_id, "late", now=NOW))


@pytest.mark.parametrize(
    ("agreement", "problem"),
    [
        (Agreement(forms=(), arms=False, headcount=4), "at least one form"),
        (Agreement(forms=("expertise",), arms=True, headcount=4), "arms"),
        (Agreement(forms=("action",), arms=True, headcount=0), "headcount"),
        (
            Agreement(forms=("action",), arms=True, headcount=4, costs="otherwise_agreed"),
            "costs: say what was agreed",
        ),
    ],
)
def test_an_incomplete_agreement_is_refused(
    engine: Engine, world: dict[str, Identity], agreement: Agreement, problem: str
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    with pytest.raises(InvalidInput, match=problem):
        run(engine, lambda s: assistance.accept(s, world["NL"], request_id, agreement, now=NOW))


def test_a_counter_proposal_binds_only_once_the_requester_accepts_it(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"], assistance=["action", "expertise"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    proposal = Agreement(forms=("expertise",), arms=False, headcount=2, note="advisers only")
    run(
        engine, lambda s: assistance.counter_propose(s, world["NL"], request_id, proposal, now=NOW)
    )
    assert run(engine, lambda s: assistance.deployments_of(s, crisis_id)) == []
    with pytest.raises(NotAuthorised):
        run(
            engine,
            lambda s: assistance.answer_counter_proposal(
                s, world["NL"], request_id, accept_it=True, now=NOW
            ),
        )
    request, deployments = run(
        engine,
        lambda s: assistance.answer_counter_proposal(
            s, world["BE"], request_id, accept_it=True, now=NOW
        ),
    )
    assert request.status == AnswerStatus.ACCEPTED.value
    assert request.forms == ["expertise"]
    assert len(deployments) == 1


def test_a_unit_taken_by_another_crisis_cannot_be_sent_again(
    engine: Engine, world: dict[str, Identity]
) -> None:
    first = submit(engine, world["BE"])
    send(engine, world["BE"], first, ("nl-1", "NL"))
    second = submit(engine, world["BE"])
    with pytest.raises(Conflict, match="nl-1 can no longer be asked"):
        send(engine, world["BE"], second, ("nl-1", "NL"))


def test_a_states_home_reserve_is_kept_when_the_requests_are_sent(
    engine: Engine, world: dict[str, Identity]
) -> None:
    # Germany has 3 ready units and keeps 1 at home: a plan asking all 3 is refused.
    crisis_id = submit(engine, world["BE"])
    with pytest.raises(Conflict, match="home reserve"):
        send(engine, world["BE"], crisis_id, ("de-1", "DE"), ("de-2", "DE"), ("de-3", "DE"))


def test_progress_only_moves_forward_and_only_the_unit_or_its_authority_report_it(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("de-3", "DE"))
    _, (deployment,) = run(
        engine, lambda s: assistance.accept(s, world["DE"], request_id, AGREED, now=NOW)
    )
    assert deployment.id is not None
    duty = world["de-3 duty"]

    def report(who: Identity, state: DeploymentState, at: datetime = NOW) -> None:
        assert deployment.id is not None
        run(engine, lambda s: assistance.report_progress(s, who, deployment.id, state, now=at))

    with pytest.raises(NotAuthorised):
        report(world["nl-1"], DeploymentState.MOBILISING)
    with pytest.raises(NotAuthorised):
        report(world["BE"], DeploymentState.MOBILISING)  # the requester does not report it
    # The unit's own state's authority answers for it (its orders reach it last).
    report(world["DE"], DeploymentState.MOBILISING)
    report(duty, DeploymentState.DEPARTED)
    row = run(engine, lambda s: assistance.get_deployment(s, deployment.id or 0))
    assert row.eta_at is not None and row.eta_at > NOW
    with pytest.raises(Conflict, match=r"already (en route|departed)"):
        report(duty, DeploymentState.MOBILISING)
    report(duty, DeploymentState.ON_SCENE, NOW + timedelta(minutes=90))
    report_ = run(engine, lambda s: assistance.after_action(s, crisis_id))
    assert report_.arrival_minutes == {"de-3": 90.0}


def test_closing_withdraws_open_requests_releases_units_and_is_audited(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    # One request per state, in country order: DE, then NL.
    pending, accepted = send(engine, world["BE"], crisis_id, ("nl-1", "NL"), ("de-3", "DE"))
    run(engine, lambda s: assistance.accept(s, world["NL"], accepted, AGREED, now=NOW))
    with pytest.raises(NotAuthorised):
        run(engine, lambda s: assistance.close_crisis(s, world["NL"], crisis_id, now=NOW))
    crisis = run(engine, lambda s: assistance.close_crisis(s, world["BE"], crisis_id, now=NOW))
    assert crisis.status == CrisisStatus.CLOSED.value
    statuses = {
        r.id: r.status for r in run(engine, lambda s: assistance.requests_of(s, crisis_id))
    }
    assert statuses[pending] == AnswerStatus.WITHDRAWN.value
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.RETURNING.value
    run(engine, lambda s: returning.come_home(s, "nl-1", now=NOW + timedelta(days=1)))
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.AVAILABLE.value
    with pytest.raises(Conflict, match="closed"):
        run(engine, lambda s: assistance.close_crisis(s, world["BE"], crisis_id, now=NOW))
    actions = [
        e.action
        for e in run(engine, lambda s: list(s.exec(select(audit.AuditEntry)).all()))
        if e.object == f"crisis:{crisis_id}"
    ]
    assert actions[:3] == ["crisis.submitted", "assistance.requested", "assistance.requested"]
    assert "crisis.closed" in actions
    assert run(engine, audit.verify).ok


def test_a_decline_leaves_the_missing_teams_for_the_next_plan(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == {}
    run(engine, lambda s: assistance.decline(s, world["NL"], request_id, "no", now=NOW))
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == {
        "hostage_rescue": 2,
        "negotiation": 1,
    }
    planning = run(engine, lambda s: assistance.planning_input(s, crisis))
    assert "nl-1" not in {u.id for u in planning.network.units}


def test_a_unit_taken_from_standby_goes_back_to_standby_when_released(
    engine: Engine, world: dict[str, Identity]
) -> None:
    run(
        engine,
        lambda s: registry.set_unit_status(
            s, unit_id="nl-1", status=UnitStatus.STANDBY, actor="t", now=NOW
        ),
    )
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    run(engine, lambda s: assistance.accept(s, world["NL"], request_id, AGREED, now=NOW))
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.DEPLOYED.value
    run(engine, lambda s: assistance.close_crisis(s, world["BE"], crisis_id, now=NOW))
    run(engine, lambda s: returning.come_home(s, "nl-1", now=NOW + timedelta(days=1)))
    unit = run(engine, lambda s: s.get(UnitRow, "nl-1"))
    assert unit is not None and unit.status == UnitStatus.STANDBY.value
