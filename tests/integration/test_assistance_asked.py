"""Issue 10 on SQLite and PostgreSQL: a state is asked for the teams the plan asks of its units,
the re-plan covers only what is still missing, and busy units are named with their crisis."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.planner.matching import Engagement
from atlasbot.planner.travel import TravelModel
from atlasbot.services import assistance
from atlasbot.services.assistance import ChosenUnit, board, planning
from atlasbot.services.enrolment import Identity
from atlasbot.storage import audit
from atlasbot.storage.models import AssistanceRequest, Deployment
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import plans as plan_texts

from .test_assistance_service import AGREED, NOW, run, submit, world

__all__ = ["world"]  # the fixture, shared with the workflow's other tests

OPTIONS = planning.PlannerOptions(TravelModel(), time_limit_s=10, step_minutes=10)
FULL_NL1 = {"hostage_rescue": 2, "negotiation": 1}
FULL_DE1 = {"hostage_rescue": 3, "negotiation": 2}


def send(engine: Engine, who: Identity, crisis_id: int, *chosen: ChosenUnit) -> list[int]:
    requests = run(
        engine, lambda s: assistance.send_requests(s, who, crisis_id, list(chosen), now=NOW)
    )
    return [r.id for r in requests if r.id is not None]


def request_row(engine: Engine, request_id: int) -> AssistanceRequest:
    return run(engine, lambda s: assistance.get_answer(s, request_id))


def test_a_state_is_asked_for_the_teams_the_plan_asks_not_its_units_full_counts(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])  # hostage rescue 2, negotiation 1
    chosen = ChosenUnit("nl-1", "NL", 87, FULL_NL1, {"hostage_rescue": 1})
    (request_id,) = send(engine, world["BE"], crisis_id, chosen)
    request = request_row(engine, request_id)
    assert request.provides == {"hostage_rescue": 1}
    assert request.agreement["asked"] == {"nl-1": {"hostage_rescue": 1}}
    entry = run(
        engine,
        lambda s: s.exec(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "assistance.requested")
        ).one(),
    )
    assert entry.payload["asked"] == {"nl-1": {"hostage_rescue": 1}}
    # Only what was asked counts as covered: the rest is planned again.
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    missing = {"hostage_rescue": 1, "negotiation": 1}
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == missing
    pin = run(engine, lambda s: assistance.planning_input(s, crisis))
    assert dict(pin.request.needs) == missing
    assert pin.already_covered == {"hostage_rescue": 1}


def test_the_request_the_order_and_the_board_name_each_units_asked_teams(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    de_3 = ChosenUnit(
        "de-3", "DE", 100, {"hostage_rescue": 2, "negotiation": 1}, {"hostage_rescue": 2}
    )
    de_1 = ChosenUnit("de-1", "DE", 224, FULL_DE1, {"negotiation": 1})
    (request_id,) = send(engine, world["BE"], crisis_id, de_3, de_1)
    request = request_row(engine, request_id)
    assert request.provides == {"hostage_rescue": 2, "negotiation": 1}
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    names = {"hostage_rescue": "Hostage rescue", "negotiation": "Negotiation"}
    text = crisis_texts.request_to_authority(crisis, request, names)
    assert "Capabilities: Hostage rescue ×2, Negotiation ×1\n" in text
    assert "  • de-3: Hostage rescue ×2\n  • de-1: Negotiation ×1\n" in text
    shown = run(engine, lambda s: board.board_views(s, crisis_id, ZoneInfo("UTC"), NOW))
    assert "units asked: de-3 (Hostage rescue ×2), de-1 (Negotiation ×1)" in shown[0].message.text
    _request, deployments = run(
        engine, lambda s: assistance.accept(s, world["DE"], request_id, AGREED, now=NOW)
    )
    accepted = request_row(engine, request_id)
    assert accepted.agreement["asked"] == {
        "de-3": {"hostage_rescue": 2},
        "de-1": {"negotiation": 1},
    }
    de_1_deployment = next(d for d in deployments if d.unit_id == "de-1")
    order = crisis_texts.mobilisation_order(crisis, de_1_deployment, accepted, names)
    assert "Teams asked of you: Negotiation ×1\n" in order
    assert "Hostage rescue" not in order
    shown = run(engine, lambda s: board.board_views(s, crisis_id, ZoneInfo("UTC"), NOW))
    assert "• de-1 (Negotiation ×1): ordered" in shown[0].message.text


def test_a_rejected_counter_proposal_replans_only_what_that_state_was_asked(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    nl_1 = ChosenUnit("nl-1", "NL", 87, FULL_NL1, {"hostage_rescue": 1, "negotiation": 1})
    de_3 = ChosenUnit("de-3", "DE", 100, {"hostage_rescue": 2}, {"hostage_rescue": 1})
    de_request, nl_request = send(engine, world["BE"], crisis_id, nl_1, de_3)
    proposal = assistance.Agreement(
        forms=("expertise",), arms=False, headcount=2, note="Negotiators only"
    )
    run(
        engine, lambda s: assistance.counter_propose(s, world["NL"], nl_request, proposal, now=NOW)
    )
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == {}
    run(
        engine,
        lambda s: assistance.answer_counter_proposal(
            s, world["BE"], nl_request, accept_it=False, now=NOW
        ),
    )
    # DE's one hostage-rescue team still counts; NL's asked teams are missing again.
    missing = {"hostage_rescue": 1, "negotiation": 1}
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == missing
    run(engine, lambda s: assistance.decline(s, world["DE"], de_request, "no", now=NOW))
    assert run(engine, lambda s: assistance.still_missing(s, crisis)) == {
        "hostage_rescue": 2,
        "negotiation": 1,
    }


def test_a_unit_asked_in_another_crisis_is_named_with_that_crisis_and_its_priority(
    engine: Engine, world: dict[str, Identity]
) -> None:
    first = submit(engine, world["BE"])
    send(engine, world["BE"], first, ChosenUnit("nl-1", "NL", 87, FULL_NL1, FULL_NL1))
    second = submit(engine, world["BE"], priority=3)
    crisis = run(engine, lambda s: assistance.get_crisis(s, second))
    pin = run(engine, lambda s: assistance.planning_input(s, crisis))
    assert dict(pin.engaged) == {"nl-1": Engagement(f"crisis #{first} of BE at Brussels, BE", 1)}
    proposed = planning.propose_plans(pin, OPTIONS)
    plans = proposed.result.requests[0].plans
    assert plans and all("nl-1" not in p.unit_ids for p in plans)
    busy = plan_texts.busy_lines(proposed.result, pin.network)
    assert busy == [
        f"• nl-1 (NL): asked in another open crisis, crisis #{first} of BE at Brussels, BE "
        "(priority 1); this request has the higher priority (3): the requester of "
        f"crisis #{first} of BE at Brussels, BE can be asked to release it"
    ]
    # Seen from the first crisis, nothing of its own is busy elsewhere.
    crisis = run(engine, lambda s: assistance.get_crisis(s, first))
    assert dict(run(engine, lambda s: assistance.planning_input(s, crisis)).engaged) == {}


def test_requests_stored_before_asked_teams_still_display(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    # A plan button from before: no asked teams, so the full counts are asked.
    de_3 = ChosenUnit("de-3", "DE", 100, {"hostage_rescue": 2})
    de_1 = ChosenUnit("de-1", "DE", 224, {"negotiation": 2})
    (request_id,) = send(engine, world["BE"], crisis_id, de_3, de_1)

    def as_before(session: Session) -> None:
        row = assistance.get_answer(session, request_id)
        row.agreement = {"planned_eta": {"de-3": 100, "de-1": 224}}
        session.add(row)

    run(engine, as_before)
    request = request_row(engine, request_id)
    assert request.provides == {"hostage_rescue": 2, "negotiation": 2}
    crisis = run(engine, lambda s: assistance.get_crisis(s, crisis_id))
    text = crisis_texts.request_to_authority(crisis, request, {})
    assert "Capabilities: Hostage rescue ×2, Negotiation ×2\nForms:" in text
    shown = run(engine, lambda s: board.board_views(s, crisis_id, ZoneInfo("UTC"), NOW))
    assert "units asked: de-3, de-1" in shown[0].message.text
    run(engine, lambda s: assistance.accept(s, world["DE"], request_id, AGREED, now=NOW))
    accepted = request_row(engine, request_id)
    deployment = run(
        engine,
        lambda s: s.exec(select(Deployment).where(Deployment.unit_id == "de-1")).one(),
    )
    order = crisis_texts.mobilisation_order(crisis, deployment, accepted)
    assert "Teams asked of your state: Hostage rescue ×2, Negotiation ×2" in order
