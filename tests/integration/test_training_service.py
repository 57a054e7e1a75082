"""The joint-training services on SQLite and PostgreSQL: plans, publishing, answers,
re-plans, reminders, meeting polls and training currency (issue 6, RULES R11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.domain import Network
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity, identify
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.services.trainings import (
    answers,
    audience,
    calendar,
    drafts,
    meetings,
    publishing,
    readiness,
    reminders,
    replanning,
    solving,
)
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import (
    AuditEntry,
    Member,
    MemberRole,
    PlanStatus,
    Role,
    RsvpAnswer,
    TrainingEvent,
    TrainingPlan,
    TrainingReminder,
    TrainingReminderState,
    TrainingRsvp,
)
from atlasbot.training.calendar import schedule
from atlasbot.training.events_file import DateRange
from atlasbot.training.meetings import best_meeting_dates
from atlasbot.training.replan import replan
from tests.training_events import EVENTS

T = TypeVar("T")
NOW = dt.datetime(2027, 1, 5, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
BRUSSELS = ZoneInfo("Europe/Brussels")
POLICY = reminders.ReminderPolicy(days_before=(14, 2), hour=9, tz=BRUSSELS)


@pytest.fixture
def db(engine: Engine, demo_network: Network) -> Engine:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="test", source="demo")
    return engine


def run(engine: Engine, work: Callable[[Session], T]) -> T:
    with session_scope(engine) as session:
        return work(session)


def member(engine: Engine, telegram_id: int, role: Role, unit: str | None = None) -> Identity:
    def make(session: Session) -> Identity:
        row = Member(telegram_user_id=telegram_id, display_name=f"m{telegram_id}", enrolled_at=NOW)
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(MemberRole(member_id=row.id, role=role.value, unit_id=unit, granted_at=NOW))
        session.flush()
        found = identify(session, telegram_id)
        assert found is not None
        return found

    return run(engine, make)


def published_plan(engine: Engine, coordinator: Identity) -> publishing.Publication:
    """Upload, solve and publish the small calendar above."""
    plan = run(
        engine,
        lambda s: drafts.upload_events(s, coordinator, text=EVENTS, filename="t.yaml", now=NOW),
    )
    assert plan.id is not None
    inputs = run(engine, lambda s: solving.solve_inputs(s, coordinator, plan.id or 0))
    result = schedule(inputs.network, inputs.plan, time_limit_s=10)
    run(
        engine,
        lambda s: solving.store_schedule(
            s, coordinator, inputs.plan_id, inputs.plan_version, result, now=NOW
        ),
    )
    return run(
        engine,
        lambda s: publishing.publish(
            s, coordinator, inputs.plan_id, inputs.plan_version + 0, policy=POLICY, now=NOW
        ),
    )


def events_by_key(engine: Engine) -> dict[str, TrainingEvent]:
    return run(engine, lambda s: {e.event_key: e for e in s.exec(select(TrainingEvent)).all()})


def test_a_published_calendar_has_its_events_reminders_and_audit_entries(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    publication = published_plan(db, coordinator)
    events = events_by_key(db)
    assert set(events) == {"neg-a", "hr-a", "mtg-a"}
    assert len(publication.event_ids) == 3
    neg = events["neg-a"]
    assert neg.host == "be-1" and neg.start.weekday() <= 2  # three weekdays in a row
    reminders = run(
        db,
        lambda s: s.exec(
            select(TrainingReminder).where(TrainingReminder.event_id == neg.id)
        ).all(),
    )
    due = sorted(r.due_at for r in reminders)
    expected = [
        dt.datetime.combine(neg.start - dt.timedelta(days=days), dt.time(9), BRUSSELS)
        for days in (14, 2)
    ]
    assert due == [e.astimezone(dt.UTC) for e in expected]
    assert all(r.state == TrainingReminderState.PENDING.value for r in reminders)
    actions = run(db, lambda s: [a.action for a in s.exec(select(AuditEntry)).all()])
    assert actions.count("training.event_published") == 3
    assert "training.plan_published" in actions
    plan = run(db, lambda s: s.get(TrainingPlan, publication.plan_id))
    assert plan is not None and plan.status == PlanStatus.PUBLISHED.value


def test_a_bad_events_file_is_refused_with_every_problem_and_nothing_is_stored(
    db: Engine,
) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    bad = EVENTS.replace("[de-1, fr-1, be-1]", "[de-1, xx-9]").replace(
        "capability: negotiation", "capability: juggling"
    )
    with pytest.raises(InvalidInput) as caught:
        run(
            db,
            lambda s: drafts.upload_events(s, coordinator, text=bad, filename="bad.yaml", now=NOW),
        )
    message = str(caught.value)
    assert "bad.yaml: 2 problems; nothing was stored" in message
    assert "events[1].participants[1]: unknown unit 'xx-9'" in message
    assert "events[0].capability: unknown capability 'juggling'" in message
    with pytest.raises(InvalidInput, match=r"line \d+, column"):
        run(
            db,
            lambda s: drafts.upload_events(s, coordinator, text="a: [\nb", filename="x", now=NOW),
        )
    assert run(db, lambda s: s.exec(select(TrainingPlan)).all()) == []


def test_only_coordinators_plan_and_publish(db: Engine) -> None:
    commander = member(db, 2, Role.COMMANDER, "de-1")
    with pytest.raises(NotAuthorised, match="Only network coordinators"):
        run(db, lambda s: drafts.upload_events(s, commander, text=EVENTS, filename="t", now=NOW))
    with pytest.raises(NotAuthorised):
        run(
            db,
            lambda s: drafts.add_event(
                s, commander, {"kind": "meeting", "title": "x"}, today=TODAY, now=NOW
            ),
        )


def test_publishing_a_draft_changed_since_its_preview_is_refused(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    plan = run(
        db, lambda s: drafts.upload_events(s, coordinator, text=EVENTS, filename="t", now=NOW)
    )
    inputs = run(db, lambda s: solving.solve_inputs(s, coordinator, plan.id or 0))
    result = schedule(inputs.network, inputs.plan, time_limit_s=10)
    run(
        db,
        lambda s: solving.store_schedule(
            s, coordinator, inputs.plan_id, inputs.plan_version, result, now=NOW
        ),
    )
    wizard_event = {
        "kind": "training",
        "title": "Breaching",
        "duration_days": 2,
        "capability": "breaching",
        "participants": ["be-1", "fr-1"],
        "window": {"start": "2027-06-01", "end": "2027-06-30"},
    }
    _, new_id = run(
        db, lambda s: drafts.add_event(s, coordinator, wizard_event, today=TODAY, now=NOW)
    )
    assert new_id == "training"
    with pytest.raises(Conflict, match="changed"):
        run(
            db,
            lambda s: publishing.publish(
                s, coordinator, inputs.plan_id, inputs.plan_version, policy=POLICY, now=NOW
            ),
        )


def test_only_the_commander_of_a_participating_unit_answers_an_invitation(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    published_plan(db, coordinator)
    neg = events_by_key(db)["neg-a"]
    assert neg.id is not None
    duty = member(db, 3, Role.DUTY, "be-1")
    outsider = member(db, 4, Role.COMMANDER, "fr-1")
    commander = member(db, 5, Role.COMMANDER, "be-1")
    with pytest.raises(NotAuthorised, match="Only the commander of be-1"):
        run(
            db,
            lambda s: answers.answer_invitation(
                s, duty, neg.id or 0, "be-1", RsvpAnswer.ATTEND, now=NOW
            ),
        )
    with pytest.raises(Conflict, match="no longer a participant"):
        run(
            db,
            lambda s: answers.answer_invitation(
                s, outsider, neg.id or 0, "fr-1", RsvpAnswer.ATTEND, now=NOW
            ),
        )
    _, previous = run(
        db,
        lambda s: answers.answer_invitation(
            s, commander, neg.id or 0, "be-1", RsvpAnswer.TENTATIVE, now=NOW
        ),
    )
    assert previous is None
    _, previous = run(
        db,
        lambda s: answers.answer_invitation(
            s, commander, neg.id or 0, "be-1", RsvpAnswer.DECLINE, now=NOW
        ),
    )
    assert previous == "tentative"
    assert run(db, lambda s: audience.answers_of(s, neg.id or 0)) == {"be-1": "decline"}


def test_a_replan_after_cant_attend_drops_the_unit_moves_little_and_resets_moved_answers(
    db: Engine,
) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    commander = member(db, 5, Role.COMMANDER, "be-1")
    de_commander = member(db, 6, Role.COMMANDER, "de-1")
    published_plan(db, coordinator)
    before = events_by_key(db)
    neg_id = before["neg-a"].id or 0
    run(
        db,
        lambda s: answers.answer_invitation(
            s, de_commander, neg_id, "de-1", RsvpAnswer.ATTEND, now=NOW
        ),
    )
    run(
        db,
        lambda s: answers.answer_invitation(
            s, commander, neg_id, "be-1", RsvpAnswer.DECLINE, now=NOW
        ),
    )
    with pytest.raises(NotAuthorised):
        run(db, lambda s: replanning.replan_inputs(s, commander, neg_id, "be-1", today=TODAY))
    inputs = run(
        db, lambda s: replanning.replan_inputs(s, coordinator, neg_id, "be-1", today=TODAY)
    )
    assert inputs.declined == {"neg-a": ("be-1",)}
    outcome = replan(
        inputs.network,
        inputs.plan,
        inputs.published,
        declined=inputs.declined,
        from_date=inputs.from_date,
        time_limit_s=10,
    )
    assert "be-1 removed from neg-a (declined)" in outcome.changes
    run(db, lambda s: replanning.store_replan(s, coordinator, inputs, outcome, now=NOW))
    applied = run(
        db,
        lambda s: replanning.publish_replan(
            s, coordinator, inputs.plan_id, policy=POLICY, now=NOW
        ),
    )
    after = events_by_key(db)
    assert "be-1" not in after["neg-a"].participants
    assert after["neg-a"].host != "be-1"  # the fixed host dropped out: another hosts
    assert after["neg-a"].revision == 1
    # Only neg-a changed (fewest moved events); the other published events stayed put.
    assert [c.event_id for c in applied.changes] == [neg_id]
    for key in ("hr-a", "mtg-a"):
        assert (after[key].start, after[key].host) == (before[key].start, before[key].host)
    change = applied.changes[0]
    assert change.moved and "be-1" in change.units
    # A new host is a move: the units answer again.
    assert run(db, lambda s: s.exec(select(TrainingRsvp)).all()) == []
    with pytest.raises(Conflict, match="no re-plan waiting"):
        run(
            db,
            lambda s: replanning.publish_replan(
                s, coordinator, inputs.plan_id, policy=POLICY, now=NOW
            ),
        )


def test_a_stale_replan_is_refused(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    published_plan(db, coordinator)
    neg_id = events_by_key(db)["neg-a"].id or 0
    inputs = run(
        db, lambda s: replanning.replan_inputs(s, coordinator, neg_id, "at-1", today=TODAY)
    )
    outcome = replan(
        inputs.network,
        inputs.plan,
        inputs.published,
        declined=inputs.declined,
        from_date=inputs.from_date,
        time_limit_s=10,
    )
    run(db, lambda s: replanning.store_replan(s, coordinator, inputs, outcome, now=NOW))
    run(
        db,
        lambda s: replanning.publish_replan(
            s, coordinator, inputs.plan_id, policy=POLICY, now=NOW
        ),
    )
    with pytest.raises(Conflict, match="changed while re-planning"):
        run(db, lambda s: replanning.store_replan(s, coordinator, inputs, outcome, now=NOW))


def test_reminders_fall_due_at_their_time_and_are_sent_once(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    member(db, 5, Role.COMMANDER, "de-1")
    member(db, 7, Role.DUTY, "de-1")
    publication = published_plan(db, coordinator)
    assert len(publication.timers) == 6
    mtg = events_by_key(db)["mtg-a"]
    first_due = min(t.due_at for t in publication.timers)
    assert first_due == reminders.reminder_due_at(mtg.start, 14, BRUSSELS, 9)
    assert run(db, lambda s: reminders.due_reminders(s, first_due - dt.timedelta(seconds=1))) == []
    due = run(db, lambda s: reminders.due_reminders(s, first_due))
    assert len(due) == 1
    timer = due[0]
    notice = run(
        db, lambda s: reminders.claim_reminder(s, timer.reminder_id, timer.version, now=first_due)
    )
    assert notice is not None and notice.days_before == 14 and notice.event.id == "mtg-a"
    assert {(r.unit_id, r.may_answer) for r in notice.recipients} == {
        ("de-1", True),
        ("de-1", False),
    }
    again = run(
        db, lambda s: reminders.claim_reminder(s, timer.reminder_id, timer.version, now=first_due)
    )
    assert again is None
    assert run(db, lambda s: reminders.due_reminders(s, first_due)) == []
    # A timer armed for an older version of a reminder (its event moved) does nothing.
    other = next(t for t in publication.timers if t.reminder_id != timer.reminder_id)
    assert (
        run(
            db,
            lambda s: reminders.claim_reminder(s, other.reminder_id, other.version + 1, now=NOW),
        )
        is None
    )


def test_a_reminder_already_past_at_publishing_is_not_created() -> None:
    assert reminders.reminder_due_at(dt.date(2027, 3, 15), 2, BRUSSELS, 9) == dt.datetime(
        2027, 3, 13, 8, 0, tzinfo=dt.UTC
    )
    # Summer time: 09:00 in Brussels is 07:00 UTC.
    assert reminders.reminder_due_at(dt.date(2027, 7, 15), 14, BRUSSELS, 9).hour == 7


def test_members_see_only_their_units_events_and_coordinators_see_all(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    published_plan(db, coordinator)
    french = member(db, 8, Role.DUTY, "fr-1")
    austrian = member(db, 9, Role.COMMANDER, "at-1")
    nobody = member(db, 10, Role.COMMANDER, "pl-1")
    assert {e.event_key for e in run(db, lambda s: calendar.calendar_for(s, french))} == {
        "hr-a",
        "mtg-a",
    }
    assert {e.event_key for e in run(db, lambda s: calendar.calendar_for(s, austrian))} == {
        "neg-a",
        "mtg-a",
    }
    assert run(db, lambda s: calendar.calendar_for(s, nobody)) == []
    assert len(run(db, lambda s: calendar.calendar_for(s, coordinator))) == 3


def test_currency_counts_only_published_trainings_that_ended_before_today(db: Engine) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    published_plan(db, coordinator)
    events = events_by_key(db)
    before = run(db, lambda s: readiness.readiness(s, coordinator, today=TODAY, months=12))
    assert ("be-1", "negotiation", None) in {(x.unit, x.capability, x.last) for x in before.stale}
    later = events["hr-a"].end + dt.timedelta(days=1)
    found = run(db, lambda s: readiness.readiness(s, coordinator, today=later, months=12))
    stale = {(x.unit, x.capability) for x in found.stale}
    assert ("be-1", "negotiation") not in stale  # neg-a ended before hr-a's end + 1
    assert ("be-1", "hostage_rescue") not in stale
    assert ("at-1", "hostage_rescue") in stale
    assert ("nl-1", "maritime_intervention") in stale
    proposed = {e["capability"] for e in found.proposal["events"]}
    assert "negotiation" in proposed  # other units still need it
    commander = member(db, 5, Role.COMMANDER, "be-1")
    with pytest.raises(NotAuthorised):
        run(db, lambda s: readiness.readiness(s, commander, today=TODAY, months=12))
    plan, ids = run(
        db,
        lambda s: readiness.add_readiness_proposal(
            s, coordinator, today=later, months=12, now=NOW
        ),
    )
    assert plan.status == PlanStatus.DRAFT.value and len(ids) == len(found.proposal["events"])


def test_a_meeting_poll_collects_one_vote_per_unit_and_its_confirmation_publishes_it(
    db: Engine,
) -> None:
    coordinator = member(db, 1, Role.COORDINATOR)
    de = member(db, 5, Role.COMMANDER, "de-1")
    nl = member(db, 6, Role.COMMANDER, "nl-1")
    outsider = member(db, 7, Role.COMMANDER, "pl-1")
    network, busy = run(db, lambda s: meetings.meeting_inputs(s, coordinator))
    window = DateRange(dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    participants = ["de-1", "nl-1", "at-1"]
    options = best_meeting_dates(network, participants, window, virtual=False, busy=busy)
    assert len(options) == 3
    poll = run(
        db,
        lambda s: meetings.create_poll(
            s,
            coordinator,
            title="Heads of units",
            participants=participants,
            window=window,
            virtual=False,
            options=options,
            now=NOW,
        ),
    )
    poll_id = poll.id or 0
    assert {
        r.unit_id
        for r in run(db, lambda s: meetings.poll_recipients(s, meetings.get_poll(s, poll_id)))
    } == {"de-1", "nl-1"}
    run(db, lambda s: meetings.vote(s, de, poll_id, "de-1", 0, now=NOW))
    run(db, lambda s: meetings.vote(s, nl, poll_id, "nl-1", 0, now=NOW))
    run(db, lambda s: meetings.vote(s, de, poll_id, "de-1", 2, now=NOW))
    with pytest.raises(NotAuthorised, match="not invited"):
        run(db, lambda s: meetings.vote(s, outsider, poll_id, "pl-1", 1, now=NOW))
    assert run(db, lambda s: meetings.tally(s, poll_id)) == {0: ["nl-1"], 2: ["de-1"]}
    with pytest.raises(NotAuthorised):
        run(db, lambda s: meetings.confirm_poll(s, de, poll_id, 0, policy=POLICY, now=NOW))
    _, publication = run(
        db, lambda s: meetings.confirm_poll(s, coordinator, poll_id, 0, policy=POLICY, now=NOW)
    )
    event = run(db, lambda s: s.get(TrainingEvent, publication.event_ids[0]))
    assert event is not None
    assert (event.start.isoformat(), event.host) == (options[0].start.isoformat(), options[0].host)
    assert event.kind == "meeting" and event.participants == participants
    with pytest.raises(Conflict, match="already confirmed"):
        run(db, lambda s: meetings.vote(s, nl, poll_id, "nl-1", 1, now=NOW))
