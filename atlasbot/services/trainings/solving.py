"""Running the planner on a draft: read the inputs, solve off the event loop (the caller's
worker), keep the result for the preview and show it with its chart."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, replace

from sqlmodel import Session

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput
from atlasbot.services.trainings import drafts, records
from atlasbot.services.trainings.work import (
    Document,
    Outcome,
    Pressed,
    Reply,
    Work,
    reply,
)
from atlasbot.storage import audit
from atlasbot.storage.models import TrainingPlan
from atlasbot.texts import training as texts
from atlasbot.training.calendar import ScheduleResult, schedule
from atlasbot.training.chart import gantt_png
from atlasbot.training.events_file import Blackout, EventsPlan


@dataclass(frozen=True, slots=True)
class SolveInput:
    """What the scheduler needs for one draft, read in one transaction."""

    plan_id: int
    plan_version: int
    network: Network
    plan: EventsPlan


def solve_inputs(session: Session, identity: Identity, plan_id: int) -> SolveInput:
    """The draft's events, with the units' already published events as their busy days."""
    row = records.get_plan(session, plan_id)
    drafts.require_own_draft(identity, row)
    network = registry.load_network(session)
    plan = records.stored_plan(row, network)
    if not plan.events:
        raise InvalidInput(_("The draft has no events yet: add one or send an events file."))
    known = {unit.id for unit in network.units}
    busy = tuple(
        Blackout(unit_id, event.start, event.end, _("published: {title}", title=event.title))
        for event in records.published_events(session, exclude_plan=plan_id)
        if event.end >= plan.horizon.start and event.start <= plan.horizon.end
        for unit_id in event.participants
        if unit_id in known
    )
    assert row.id is not None
    return SolveInput(row.id, row.version, network, replace(plan, blackouts=plan.blackouts + busy))


@dataclass(frozen=True, slots=True)
class SolveStart:
    """A solve about to run: who asked, its inputs, and what to tell them meanwhile."""

    identity: Identity
    inputs: SolveInput
    outcome: Outcome


def start_solving(work: Work, pressed: Pressed) -> SolveStart:
    """ "Run the planner" pressed: read the draft for the solver."""
    press = work.redeem(pressed)
    inputs = solve_inputs(work.session, press.identity, int(press.payload["plan"]))
    seconds = work.terms.plan_time_limit_s
    return SolveStart(
        press.identity, inputs, reply(texts.planning(len(inputs.plan.events), seconds))
    )


@dataclass(frozen=True, slots=True)
class Solved:
    """The planner's result, and its chart when something was placed."""

    result: ScheduleResult
    chart_png: bytes | None


def solve(inputs: SolveInput, time_limit_s: float) -> Solved:
    """CPU-bound, no database: the schedule and its Gantt chart (run it off the event loop)."""
    result = schedule(inputs.network, inputs.plan, time_limit_s=time_limit_s)
    if not result.events:
        return Solved(result, None)
    buffer = io.BytesIO()
    gantt_png(result, inputs.network, buffer, title=texts.plan_chart_title(inputs.plan_id))
    return Solved(result, buffer.getvalue())


def store_schedule(
    session: Session,
    identity: Identity,
    plan_id: int,
    plan_version: int,
    result: ScheduleResult,
    *,
    now: dt.datetime,
) -> TrainingPlan:
    """Keep the solved schedule for preview and publishing (refused when the draft changed)."""
    row = records.get_plan(session, plan_id, lock=True)
    drafts.require_own_draft(identity, row)
    if row.version != plan_version:
        raise Conflict(_("The draft changed while the planner ran; run the planner again."))
    row.schedule = {**records.schedule_to_json(result), "plan_version": row.version}
    row.updated_at = now
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_solved",
        obj=f"training_plan:{plan_id}",
        payload={
            "status": result.status.value,
            "placed": len(result.events),
            "unscheduled": [u.id for u in result.unscheduled],
            "total_travel_km": result.total_travel_km,
        },
        at=now,
    )
    return row


def finish_solving(work: Work, start: SolveStart, solved: Solved) -> Outcome:
    """Keep the result, then show the chart, a short list of the events and what can be done
    next."""
    inputs = start.inputs
    store_schedule(
        work.session,
        start.identity,
        inputs.plan_id,
        inputs.plan_version,
        solved.result,
        now=work.now,
    )
    keyboard = drafts.plan_keyboard(work, start.identity.member_id, inputs.plan_id, solved=True)
    # The chart first (what a coordinator reads at a glance), then a short list under it.
    replies = []
    if solved.chart_png is not None:
        chart = Document("plan.png", solved.chart_png, photo=True)
        replies.append(Reply(texts.plan_chart_title(inputs.plan_id), document=chart))
    replies.append(Reply(texts.preview(inputs.plan_id, solved.result, inputs.network)))
    replies.append(Reply(texts.after_preview(), keyboard))
    return Outcome(replies=tuple(replies))
