"""Training currency (issue 6.6): unit capabilities not trained jointly in time, and the
refresher trainings a coordinator may add to their draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.trainings import drafts, records
from atlasbot.services.trainings.work import Outcome, Pressed, Work, reply, require_coordinator
from atlasbot.storage import audit
from atlasbot.storage.models import TrainingPlan
from atlasbot.texts import training as texts
from atlasbot.training.currency import (
    StaleCapability,
    TrainingRecord,
    propose_events,
    stale_capabilities,
)


def training_records(session: Session, today: dt.date) -> list[TrainingRecord]:
    """Joint trainings held: every published event with a capability that ended before today."""
    return [
        TrainingRecord(unit_id, event.capability, event.end)
        for event in records.published_events(session)
        if event.capability and event.end < today
        for unit_id in event.participants
    ]


@dataclass(frozen=True, slots=True)
class Readiness:
    """Stale capabilities and the refresher events proposed for them."""

    stale: tuple[StaleCapability, ...]
    proposal: dict[str, Any]
    network: Network


def readiness(session: Session, identity: Identity, *, today: dt.date, months: int) -> Readiness:
    """For coordinators: unit capabilities not trained jointly within ``months`` months, and
    refresher trainings that would cover them within a year."""
    require_coordinator(identity)
    network = registry.load_network(session)
    held = training_records(session, today)
    stale = stale_capabilities(network, held, today, months=months)
    horizon_end = today + dt.timedelta(days=drafts.DEFAULT_DRAFT_HORIZON_DAYS)
    proposal = propose_events(network, held, today, horizon_end, months=months)
    return Readiness(tuple(stale), proposal, network)


def show_readiness(work: Work, identity: Identity) -> Outcome:
    """/readiness: the stale capabilities, with a button to add the refreshers."""
    months = work.terms.currency_months
    found = readiness(work.session, identity, today=work.today, months=months)
    text = texts.readiness(found.stale, found.proposal, found.network, months)
    count = len(found.proposal["events"])
    rows = [[Button(texts.add_refreshers(count), "train.ready_add", {})]] if count else []
    return reply(text, issue_keyboard(work.session, identity.member_id, rows, now=work.now))


def add_readiness_proposal(
    session: Session, identity: Identity, *, today: dt.date, months: int, now: dt.datetime
) -> tuple[TrainingPlan, list[str]]:
    """Add the proposed refresher trainings to the coordinator's draft plan."""
    found = readiness(session, identity, today=today, months=months)
    events = found.proposal["events"]
    if not events:
        raise Conflict(_("Every capability was trained jointly in time: nothing to propose."))
    end = dt.date.fromisoformat(found.proposal["horizon"]["end"])
    row, ids = drafts.merge_into_draft(
        session, identity, events, today=today, now=now, source="readiness", horizon_end=end
    )
    audit.append(
        session,
        actor=identity.actor,
        action="training.readiness_added",
        obj=f"training_plan:{row.id}",
        payload={"events": ids, "months": months},
        at=now,
    )
    return row, ids


def add_refreshers(work: Work, pressed: Pressed) -> Outcome:
    """ "Add … refreshers to my draft" pressed."""
    press = work.redeem(pressed)
    plan, ids = add_readiness_proposal(
        work.session,
        press.identity,
        today=work.today,
        months=work.terms.currency_months,
        now=work.now,
    )
    assert plan.id is not None
    keyboard = drafts.plan_keyboard(work, press.identity.member_id, plan.id)
    return reply(texts.refreshers_added(len(ids), plan.id), keyboard)
