"""The use cases of issue 14 on SQLite and PostgreSQL: one digest per unit and member, every
copy edited with the latest answer, the reason for "can't attend", the answers overview,
cancelling, moving and keeping an event without a unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.services import tokens
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.services.trainings import answers, changes, digests, overview, records
from atlasbot.services.trainings.work import Pressed, Terms, Work
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import (
    AuditEntry,
    Role,
    RsvpAnswer,
    TrainingEvent,
    TrainingEventStatus,
    TrainingReminder,
    TrainingReminderState,
    TrainingRsvp,
)

from .test_training_service import (
    BRUSSELS,
    NOW,
    db,  # noqa: F401  (the fixture)
    events_by_key,
    member,
    published_plan,
    run,
)

TERMS = Terms(
    reminder_days=(14, 2), reminder_hour=9, tz=BRUSSELS, currency_months=12, plan_time_limit_s=5
)


def work_on(engine: Engine, use_case: Any) -> Any:
    with session_scope(engine) as session:
        return use_case(Work(session, NOW, TERMS))


def press(engine: Engine, who: Identity, action: str, **payload: Any) -> Pressed:
    """A button issued to ``who`` and pressed by them."""

    def issue(session: Session) -> str:
        return tokens.issue(
            session, member_id=who.member_id, action=action, payload=payload, now=NOW
        )

    return Pressed(run(engine, issue), who.telegram_user_id)


@pytest.fixture
def people(db: Engine) -> dict[str, Identity]:  # noqa: F811
    return {
        "cora": member(db, 1, Role.COORDINATOR),
        "de": member(db, 2, Role.COMMANDER, "de-1"),
        "de2": member(db, 3, Role.COMMANDER, "de-1"),
        "de_duty": member(db, 4, Role.DUTY, "de-1"),
        "be": member(db, 5, Role.COMMANDER, "be-1"),
        "fr": member(db, 6, Role.COMMANDER, "fr-1"),
    }


def test_one_digest_per_unit_and_member_and_every_copy_shows_the_latest_answer(
    db: Engine,  # noqa: F811
    people: dict[str, Identity],
) -> None:
    publication = published_plan(db, people["cora"])
    plan_id = publication.plan_id
    sent = work_on(
        db,
        lambda w: digests.plan_digests(
            w.session, plan_id, records_network(w), today=w.today, now=w.now
        ),
    )
    by_chat = {m.chat_id: m for m in sent}
    assert len(sent) == len(by_chat) == 4  # de x2, be, fr; no duty copy unless wanted
    de_copy = by_chat[people["de"].telegram_user_id]
    assert de_copy.text.startswith("📅 Joint calendar for de-1: 3 events")
    assert len(de_copy.keyboard) == 3 and all(len(row) == 3 for row in de_copy.keyboard)
    run(
        db,
        lambda s: digests.remember(
            s, [(m.purpose, m.chat_id, 100 + i) for i, m in enumerate(sent)], NOW
        ),
    )
    neg = events_by_key(db)["neg-a"]
    assert neg.id is not None
    for who, answer in (("de", "attend"), ("de2", "tentative")):
        pressed = press(db, people[who], "train.rsvp", event=neg.id, unit="de-1", answer=answer)
        outcome = work_on(db, lambda w, p=pressed: answers.answer(w, p, ""))
    edits = {e.chat_id: e for e in outcome.edits}
    assert set(edits) == {people["de"].telegram_user_id, people["de2"].telegram_user_id}
    for edit in edits.values():
        assert "Answer: tentative (m3)" in edit.text and "attends" not in edit.text
    rows = run(db, lambda s: s.exec(select(TrainingRsvp)).all())
    assert [(r.unit_id, r.answer) for r in rows] == [("de-1", "tentative")]


def records_network(work: Work) -> Any:
    from atlasbot.services import registry

    return registry.load_network(work.session)


def test_duty_copies_are_the_units_choice_made_by_its_commander(
    db: Engine,  # noqa: F811
    people: dict[str, Identity],
) -> None:
    refused = press(db, people["be"], "train.duty_copies", unit="de-1", on=True)
    with pytest.raises(NotAuthorised):
        work_on(db, lambda w: overview.set_duty_copies(w, refused))
    chosen = press(db, people["de"], "train.duty_copies", unit="de-1", on=True)
    work_on(db, lambda w: overview.set_duty_copies(w, chosen))
    publication = published_plan(db, people["cora"])
    sent = work_on(
        db,
        lambda w: digests.plan_digests(
            w.session, publication.plan_id, records_network(w), today=w.today, now=w.now
        ),
    )
    duty = [m for m in sent if m.chat_id == people["de_duty"].telegram_user_id]
    assert len(duty) == 1 and duty[0].keyboard == ()


def test_a_reason_is_kept_with_can_t_attend_and_the_overview_counts_every_answer(
    db: Engine,  # noqa: F811
    people: dict[str, Identity],
) -> None:
    published_plan(db, people["cora"])
    neg = events_by_key(db)["neg-a"]
    declined = press(db, people["be"], "train.rsvp", event=neg.id, unit="be-1", answer="decline")
    outcome = work_on(db, lambda w: answers.answer(w, declined, ""))
    assert any("Why?" in r.text for r in outcome.replies)
    assert outcome.messages == ()  # the coordinators hear once the reason is given
    why = press(db, people["be"], "train.reason", event=neg.id, unit="be-1", reason="staff")
    outcome = work_on(db, lambda w: answers.give_reason(w, why))
    assert [m.chat_id for m in outcome.messages] == [people["cora"].telegram_user_id]
    assert "Reason: 👥 Not enough staff available" in outcome.messages[0].text
    rsvp = run(db, lambda s: s.exec(select(TrainingRsvp)).one())
    assert (rsvp.answer, rsvp.reason) == (RsvpAnswer.DECLINE.value, "staff")
    attend = press(db, people["be"], "train.rsvp", event=neg.id, unit="be-1", answer="attend")
    work_on(db, lambda w: answers.answer(w, attend, ""))
    late = press(db, people["be"], "train.reason", event=neg.id, unit="be-1", reason="dates")
    with pytest.raises(Conflict):
        work_on(db, lambda w: answers.give_reason(w, late))
    shown = work_on(db, lambda w: overview.show_overview(w, people["cora"]))
    text = shown.replies[0].text
    assert "neg-a Negotiation in a siege" in text and "✅ 1 · ✖ 0 · ❔ 0 · no answer 3" in text
    with pytest.raises(NotAuthorised):
        work_on(db, lambda w: overview.show_overview(w, member(db, 9, Role.ADMIN)))


def test_cancelling_ends_the_event_its_reminders_and_refuses_a_stale_confirmation(
    db: Engine,  # noqa: F811
    people: dict[str, Identity],
) -> None:
    published_plan(db, people["cora"])
    hr = events_by_key(db)["hr-a"]
    with pytest.raises(NotAuthorised):
        work_on(db, lambda w: changes.event_command(w, people["be"], ["hr-a", "cancel"]))
    confirm = press(db, people["cora"], "train.cancel_ok", event=hr.id, revision=0)
    outcome = work_on(db, lambda w: changes.confirm_cancel(w, confirm))
    event = events_by_key(db)["hr-a"]
    assert (event.status, event.revision) == (TrainingEventStatus.CANCELLED.value, 1)
    assert {m.chat_id for m in outcome.messages} == {
        people[w].telegram_user_id for w in ("de", "de2", "be", "fr")
    }
    document = outcome.replies[1].document
    assert document is not None and b"METHOD:CANCEL" in document.content
    assert b"UID:hr-a@2027.atlasbot" in document.content and b"SEQUENCE:1" in document.content
    pending = run(
        db,
        lambda s: s.exec(
            select(TrainingReminder).where(
                TrainingReminder.event_id == hr.id,
                TrainingReminder.state == TrainingReminderState.PENDING.value,
            )
        ).all(),
    )
    assert pending == []
    again = press(db, people["cora"], "train.cancel_ok", event=hr.id, revision=0)
    with pytest.raises(Conflict):
        work_on(db, lambda w: changes.confirm_cancel(w, again))
    actions = run(db, lambda s: [a.action for a in s.exec(select(AuditEntry)).all()])
    assert actions.count("training.event_cancelled") == 1


def test_a_move_is_checked_resets_the_answers_and_a_unit_can_be_dropped(
    db: Engine,  # noqa: F811
    people: dict[str, Identity],
) -> None:
    published_plan(db, people["cora"])
    hr = events_by_key(db)["hr-a"]
    assert hr.id is not None and hr.host == "be-1"
    with pytest.raises(InvalidInput, match="host must be one of the participants"):
        work_on(
            db,
            lambda w: changes.event_command(
                w, people["cora"], ["hr-a", "move", hr.start.isoformat(), "nl-1"]
            ),
        )
    saturday = hr.start + dt.timedelta(days=(5 - hr.start.weekday()) % 7)
    with pytest.raises(InvalidInput, match="cannot go there"):
        work_on(
            db,
            lambda w: changes.event_command(
                w, people["cora"], ["hr-a", "move", saturday.isoformat()]
            ),
        )
    attend = press(db, people["fr"], "train.rsvp", event=hr.id, unit="fr-1", answer="attend")
    work_on(db, lambda w: answers.answer(w, attend, ""))
    move = press(
        db,
        people["cora"],
        "train.move_ok",
        event=hr.id,
        revision=0,
        start=hr.start.isoformat(),
        host="fr-1",
    )
    outcome = work_on(db, lambda w: changes.confirm_move(w, move))
    event = events_by_key(db)["hr-a"]
    assert (event.host, event.revision, event.start) == ("fr-1", 1, hr.start)
    assert event.travel_km != hr.travel_km
    assert run(db, lambda s: s.exec(select(TrainingRsvp)).all()) == []
    fr_notice = next(m for m in outcome.messages if m.chat_id == people["fr"].telegram_user_id)
    assert "fr-1 now hosts" in fr_notice.text
    drop = press(db, people["cora"], "train.drop_ok", event=hr.id, unit="fr-1", revision=1)
    with pytest.raises(Conflict, match="fr-1 hosts"):
        work_on(db, lambda w: changes.confirm_drop(w, drop))
    drop = press(db, people["cora"], "train.drop_ok", event=hr.id, unit="de-1", revision=1)
    work_on(db, lambda w: changes.confirm_drop(w, drop))
    event = events_by_key(db)["hr-a"]
    assert event.participants == ["fr-1", "be-1"] and event.dropped == ["de-1"]
    entry = run(db, lambda s: records.calendar_entry(s, event, ["de-1"]))
    assert entry.cancelled and entry.sequence == 2
    assert not run(db, lambda s: records.calendar_entry(s, event, ["be-1"])).cancelled
    assert run(db, lambda s: s.get(TrainingEvent, hr.id)) is not None


def test_the_demo_year_fits_one_message_per_unit_and_member(
    db: Engine,  # noqa: F811
    people: dict[str, Identity],
) -> None:
    """45 events: each digest within Telegram's 4096 characters and 100 buttons."""
    from atlasbot.services.trainings import drafts, publishing, solving
    from atlasbot.training.calendar import schedule

    from ..conftest import REPO_ROOT
    from .test_training_service import POLICY

    text = (REPO_ROOT / "data" / "exercises-2027.yaml").read_text(encoding="utf-8")
    cora = people["cora"]
    plan = run(db, lambda s: drafts.upload_events(s, cora, text=text, filename="y.yaml", now=NOW))
    inputs = run(db, lambda s: solving.solve_inputs(s, cora, plan.id or 0))
    result = schedule(inputs.network, inputs.plan, time_limit_s=20)
    run(
        db,
        lambda s: solving.store_schedule(
            s, cora, inputs.plan_id, inputs.plan_version, result, now=NOW
        ),
    )
    run(
        db,
        lambda s: publishing.publish(
            s, cora, inputs.plan_id, inputs.plan_version, policy=POLICY, now=NOW
        ),
    )
    sent = work_on(
        db,
        lambda w: digests.plan_digests(
            w.session, inputs.plan_id, records_network(w), today=w.today, now=w.now
        ),
    )
    de = [m for m in sent if m.chat_id == people["de"].telegram_user_id]
    assert len(de) == 1
    assert de[0].text.count("\n") > 5
    for message in sent:
        assert len(message.text) <= 4096
        assert sum(len(row) for row in message.keyboard) <= 100
