"""Issue 11's use cases on SQLite and PostgreSQL: undoing a removal until a plan is sent, a
late answer decided once, and the deadline held by opening an answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.escalation import Action, Timings
from atlasbot.services import tokens
from atlasbot.services.assistance import deadlines, removing
from atlasbot.services.assistance.late_answers import LATE
from atlasbot.services.assistance.outcome import PressInput
from atlasbot.services.crisis_records import get_answer, get_crisis
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    AuditEntry,
    EscalationStep,
    Member,
)

from .test_assistance_service import NOW, run, send, submit, world

__all__ = ["world"]  # the fixture, used by name


def press(
    engine: Engine, who: Identity, action: str, payload: dict[str, Any], *, later: float = 0
) -> PressInput:
    """A press of a freshly issued button by ``who``."""

    def issue(session: Session) -> tuple[str, int]:
        data = tokens.issue(session, member_id=who.member_id, action=action, payload=payload)
        member = session.get(Member, who.member_id)
        assert member is not None
        return data, member.telegram_user_id

    data, user_id = run(engine, issue)
    return PressInput(data, user_id, user_id, NOW + timedelta(seconds=later))


def act(engine: Engine, use_case: Any, who: Identity, action: str, payload: Any, **kw: Any) -> Any:
    """Press a freshly issued ``action`` button as ``who`` and run the use case on it."""
    pressed = press(engine, who, action, payload)
    return run(engine, lambda s: use_case(s, pressed, **kw))


def test_a_removed_unit_is_put_back_until_a_plan_is_sent_not_after(
    engine: Engine, world: dict[str, Identity]
) -> None:
    ana = world["BE"]
    crisis_id = submit(engine, ana)
    payload = {"crisis": crisis_id, "unit": "nl-1"}
    act(engine, removing.remove_unit, ana, "plan.remove", payload)
    assert "nl-1" in run(engine, lambda s: get_crisis(s, crisis_id).excluded_units)
    undo = {**payload, "sent": 0}
    act(engine, removing.restore_unit, ana, "plan.restore", undo)
    assert "nl-1" not in run(engine, lambda s: get_crisis(s, crisis_id).excluded_units)
    # Removed again, then a plan goes out: the undo of that removal is refused, nothing changes.
    act(engine, removing.remove_unit, ana, "plan.remove", payload)
    send(engine, ana, crisis_id, ("de-1", "DE"))
    with pytest.raises(Conflict, match="plan was sent"):
        act(engine, removing.restore_unit, ana, "plan.restore", undo)
    assert "nl-1" in run(engine, lambda s: get_crisis(s, crisis_id).excluded_units)


def _late_acceptance(engine: Engine, request_id: int) -> None:
    def record(session: Session) -> None:
        request = get_answer(session, request_id, lock=True)
        request.status = AnswerStatus.NO_RESPONSE.value
        terms = {"forms": ["action"], "arms": True, "headcount": 8, "contact": "desk"}
        late = {"kind": "accepted", "by": 1, "at": NOW.isoformat(), "agreement": terms}
        request.agreement = {**request.agreement, LATE: late}
        session.add(request)

    run(engine, record)


def test_a_late_answer_is_decided_once_and_only_by_the_requester(
    engine: Engine, world: dict[str, Identity]
) -> None:
    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    _late_acceptance(engine, request_id)
    decide = deadlines.decide_late_answer
    payload = {"request": request_id}
    with pytest.raises(NotAuthorised, match="competent authority of BE"):
        act(engine, decide, world["NL"], "late.take", payload, timings=Timings())
    act(engine, decide, world["BE"], "late.leave", payload, timings=Timings())
    with pytest.raises(Conflict, match="no late answer"):
        act(engine, decide, world["BE"], "late.take", payload, timings=Timings())
    stored = run(engine, lambda s: s.exec(select(AssistanceRequest)).one())
    assert stored.status == AnswerStatus.NO_RESPONSE.value
    assert stored.agreement[LATE]["taken"] is False


def _request_raised(engine: Engine, world: dict[str, Identity]) -> int:
    """BE asks NL; the request is raised with a 120 s deadline (reminder at 60 s)."""
    from atlasbot.services.assistance import raising

    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    timings = Timings(request_reminder_s=60, request_deadline_s=120)
    run(
        engine,
        lambda s: raising.raise_assistance_requests(s, [request_id], timings=timings, now=NOW),
    )
    return request_id


def _deadline(session: Session) -> Any:
    """When the request's "no response" step is due now."""
    step = session.exec(
        select(EscalationStep).where(EscalationStep.action == Action.NO_RESPONSE.value)
    ).one()
    return step.due_at.replace(tzinfo=NOW.tzinfo)


def test_opening_an_answer_holds_the_deadline_and_never_shortens_it(
    engine: Engine, world: dict[str, Identity]
) -> None:
    request_id = _request_raised(engine, world)

    held = run(
        engine,
        lambda s: deadlines.hold_deadline(s, world["NL"], request_id, hold_s=900, now=NOW),
    )
    assert held.deadline == NOW + timedelta(seconds=900) == run(engine, _deadline)
    shorter = run(
        engine,
        lambda s: deadlines.hold_deadline(s, world["NL"], request_id, hold_s=10, now=NOW),
    )
    assert shorter.deadline == NOW + timedelta(seconds=900)


def test_an_answer_dropped_unfinished_gives_its_hold_back_and_only_its_own(
    engine: Engine, world: dict[str, Identity]
) -> None:
    request_id = _request_raised(engine, world)
    sent_with = NOW + timedelta(seconds=120)

    def hold(at: Any, seconds: float) -> deadlines.Held:
        return run(
            engine,
            lambda s: deadlines.hold_deadline(s, world["NL"], request_id, hold_s=seconds, now=at),
        )

    def give_back(held: deadlines.Held, at: Any) -> deadlines.Held:
        assert held.deadline is not None and held.previous is not None
        return run(
            engine,
            lambda s: deadlines.release_hold(
                s,
                world["NL"],
                request_id,
                held_until=held.deadline,
                previous=held.previous,
                now=at,
            ),
        )

    held = hold(NOW, 900)
    assert held.previous == sent_with and run(engine, _deadline) == NOW + timedelta(seconds=900)
    # Dropped a minute later: the deadline the request was sent with is in force again.
    back = give_back(held, NOW + timedelta(seconds=60))
    assert back.deadline == sent_with == run(engine, _deadline)
    # Given back only once: the deadline is no longer the one this hold set.
    assert give_back(held, NOW + timedelta(seconds=61)).deadline is None
    assert run(engine, _deadline) == sent_with

    # Dropped after the original deadline passed: due now (the requester hears at once).
    held = hold(NOW + timedelta(seconds=100), 900)
    late = NOW + timedelta(seconds=300)
    assert give_back(held, late).deadline == late == run(engine, _deadline)

    # Another member's hold moved the deadline since: a dropped answer leaves it alone.
    first = hold(late, 900)
    second = hold(late + timedelta(seconds=30), 900)
    assert give_back(first, late + timedelta(seconds=40)).deadline is None
    assert run(engine, _deadline) == second.deadline
    actions = run(engine, lambda s: [e.action for e in s.exec(select(AuditEntry)).all()])
    assert actions.count("assistance.deadline_released") == 2


def test_a_request_run_out_opens_for_one_late_answer_only(
    engine: Engine, world: dict[str, Identity]
) -> None:
    from atlasbot.services.assistance import answering

    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("nl-1", "NL"))
    payload = {"request": request_id}

    def no_response(session: Session) -> None:
        request = get_answer(session, request_id, lock=True)
        request.status = AnswerStatus.NO_RESPONSE.value
        session.add(request)

    run(engine, no_response)
    # Run out with nobody answering: the state may still open its answer (a late one).
    start = act(engine, answering.start_answer, world["NL"], "answer.accept", payload)
    assert start.request_id == request_id
    refusal = {"request": request_id, "reason": "no capacity"}
    act(engine, answering.confirm_decline, world["NL"], "answer.confirm_decline", refusal)
    # One late answer: the next is refused, and so is opening one; the first stands.
    with pytest.raises(Conflict, match=r"already answered request .* late"):
        act(engine, answering.confirm_decline, world["NL"], "answer.confirm_decline", refusal)
    with pytest.raises(Conflict, match=r"already answered request .* late"):
        act(engine, answering.start_answer, world["NL"], "answer.accept", payload)
    stored = run(engine, lambda s: get_answer(s, request_id))
    assert stored.agreement[LATE]["reason"] == "no capacity"
    assert stored.status == AnswerStatus.NO_RESPONSE.value
