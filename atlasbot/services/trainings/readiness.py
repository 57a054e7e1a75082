"""Training currency (issue 6.6): unit capabilities not trained jointly in time, and the
refresher trainings a coordinator may add to their draft."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.trainings import drafts, history
from atlasbot.services.trainings.work import Outcome, Pressed, Work, reply, require_coordinator
from atlasbot.storage import audit
from atlasbot.storage.models import Role, TrainingPlan
from atlasbot.texts import training as texts
from atlasbot.texts import training_history as history_texts
from atlasbot.training.currency import (
    StaleCapability,
    TrainingRecord,
    currency_by_state,
    propose_events,
    stale_capabilities,
)


def training_records(session: Session, today: dt.date) -> list[TrainingRecord]:
    """Joint trainings held: imported history, attendance marked, and ended published events
    (``history.held_records``)."""
    return history.held_records(session, today)


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


# How far ahead /readiness looks for capabilities falling out of currency.
SOON_MONTHS = 3


def show_readiness(work: Work, identity: Identity) -> Outcome:
    """/readiness: per state and capability, the last joint training, what is out of currency
    and what falls out within three months, and refreshers proposed for the gaps. A
    coordinator sees every state and may add the refreshers to their draft; an authority
    sees its own state's units."""
    coordinator = identity.has(Role.COORDINATOR)
    countries = None if coordinator else identity.authority_countries()
    if not coordinator and not countries:
        raise NotAuthorised(texts.not_coordinator())
    months = work.terms.currency_months
    network = registry.load_network(work.session)
    if countries:
        network = dataclasses.replace(
            network, units=tuple(u for u in network.units if u.country in countries)
        )
    held = training_records(work.session, work.today)
    states = currency_by_state(network, held, work.today, months=months, soon_months=SOON_MONTHS)
    if not states:
        return reply(history_texts.readiness_nothing())
    horizon_end = work.today + dt.timedelta(days=drafts.DEFAULT_DRAFT_HORIZON_DAYS)
    proposal = propose_events(network, held, work.today, horizon_end, months=months)
    text = history_texts.readiness_by_state(states, proposal, network, months, SOON_MONTHS)
    count = len(proposal["events"])
    rows = (
        [[Button(texts.add_refreshers(count), "train.ready_add", {})]]
        if count and coordinator
        else []
    )
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
