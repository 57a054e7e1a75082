"""Timers that survive a restart: the JobQueue mirrors the database's pending rows.

On start, ``rearm`` reads every pending escalation step and shift reminder and arms a
``run_once`` job for each at ``max(due, now)`` (so steps that fell due while the bot was down
run at once: APScheduler's misfire grace never applies). A job carries only the row's id and
version; its callback calls a use case that re-reads the row and acts only if it is still
pending at that version, so a stale or doubled job changes nothing. The next job is armed
only after the transaction that decided it committed. Callbacks are plain functions; nothing
is pickled. Sending, with Telegram's faults, is ``bot/delivery.py``.

Jobs are named by purpose (``alert:12:step:1``, ``duty:7:reminder``) so they can be found and
removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, Job, JobQueue

from atlasbot.bot import housekeeping, returns
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.delivery import deliver, send_drill_report, send_notices
from atlasbot.bot.replies import markup
from atlasbot.escalation import Action
from atlasbot.services import alerting, drills, rota
from atlasbot.services.alerting import AckOutcome, ArmedStep, CopyEdit, StepWork
from atlasbot.services.alerting import alert_buttons as alert_buttons
from atlasbot.services.alerting import button_specs as button_specs
from atlasbot.storage.leadership import NotLeader
from atlasbot.storage.models import DeliveryStatus
from atlasbot.texts import alerts as alert_texts

log = logging.getLogger(__name__)

# Any Application: job callbacks see it through a generic CallbackContext.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
STATE_KEY = "alerting.jobs"
REARM_JOB = "alerting:rearm"
TAKE_OVER_JOB = "alerting:take-over"


# Steps that take the database at once: SQLite serialises writers, and a few at a time
# get through faster than a crowd spinning on the lock (1,000 overdue steps at a restart).
STEP_TRANSACTIONS = 4
DB_RETRY_S = 0.5
# While the database is away a step is tried again with backoff, at most this far apart.
DB_RETRY_MAX_S = 5.0
# Overdue steps taken in one transaction at a restart (1,000 overdue: 10 transactions).
RECOVERY_BATCH = 100


@dataclass
class JobsState:
    """How many alert callbacks are running (the sandbox's wait-idle asks)."""

    in_flight: int = 0
    # The one armed job of each alert (by alert id), so arming never scans the whole queue.
    armed: dict[int, Job[Any]] = field(default_factory=dict)
    db_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(STEP_TRANSACTIONS)
    )


def _state(application: AnyApplication) -> JobsState:
    state = application.bot_data.get(STATE_KEY)
    if not isinstance(state, JobsState):
        state = JobsState()
        application.bot_data[STATE_KEY] = state
    return state


@contextlib.contextmanager
def _busy(application: AnyApplication) -> Iterator[None]:
    state = _state(application)
    state.in_flight += 1
    try:
        yield
    finally:
        state.in_flight -= 1


def idle(application: AnyApplication) -> bool:
    """No alert work running, and no job due this instant."""
    if _state(application).in_flight:
        return False
    queue = _queue(application)
    if queue is None:
        return True
    # The scheduler runs on the system clock, whatever clock the services read.
    soon = datetime.now(tz=ZoneInfo("UTC")) + timedelta(milliseconds=50)
    jobs = [*_state(application).armed.values(), *queue.get_jobs_by_name(REARM_JOB)]
    return not any(
        not job.removed and job.next_t is not None and job.next_t <= soon for job in jobs
    )


def _queue(application: AnyApplication) -> JobQueue[Any] | None:
    queue: JobQueue[Any] | None = application.job_queue
    return queue


def _zone(context: AtlasContext) -> ZoneInfo:
    return context.services.settings.tz


# --- arming -----------------------------------------------------------------------------


def schedule_rearm(application: AnyApplication) -> None:
    """Arm everything from the database as soon as the job queue runs (call at start-up)."""
    _state(application)
    queue = _queue(application)
    if queue is None:
        log.error("no job queue: escalations will not run (install the job-queue extra)")
        return
    queue.run_once(_rearm_job, when=0, name=REARM_JOB)


async def _rearm_job(context: AtlasContext) -> None:
    await rearm(context)
    await returns.arm_returns(context)
    housekeeping.arm_housekeeping(context)
    owner = context.services.owner()
    queue = _queue(context.application)
    if queue is not None and not owner.alone:
        # Other processes share the database: take over the copies they leave (issue 12).
        every = min(5.0, max(0.5, owner.lease_s / 3))
        queue.run_repeating(_take_over_job, interval=every, first=every, name=TAKE_OVER_JOB)


async def _take_over_job(context: AtlasContext) -> None:
    await take_over(context)


async def take_over(context: AtlasContext) -> int:
    """Send the copies another process left: its lease ran out (it died or hangs), or it
    was fenced with no call in doubt. Returns how many were sent."""
    services = context.services
    owner = services.owner()
    try:
        if not await services.read(lambda s: alerting.held_elsewhere(s, owner)):
            return 0
        with _busy(context.application):
            copies = await services.run(
                lambda s: alerting.taken_over(
                    s, now=services.clock.now(), owner=owner, at_start=False
                )
            )
            outcomes = await asyncio.gather(*(deliver(context, copy) for copy in copies))
            if copies:
                await close_copies(context, sorted({copy.alert_id for copy in copies}))
    except (NotLeader, SQLAlchemyError) as err:
        log.warning("copies of other processes not taken over now: %s", err)
        return 0
    return sum(1 for status in outcomes if status is DeliveryStatus.SENT)


def _delay(context: AtlasContext, due: datetime) -> float:
    return max(0.0, (due - context.services.clock.now()).total_seconds())


def arm_step(context: AtlasContext, step: ArmedStep) -> None:
    """Arm the job of an alert's next step at ``max(due, now)``, replacing the alert's
    previously armed job (an alert has one armed step at a time)."""
    queue = _queue(context.application)
    assert queue is not None
    armed = _state(context.application).armed
    _disarm(armed, step.alert_id)
    armed[step.alert_id] = queue.run_once(
        _step_job,
        when=_delay(context, step.due_at),
        data=(step.step_id, step.version, step.alert_id),
        name=step.job_name,
        # No misfire grace limit: a late job still runs (it re-checks its row anyway).
        job_kwargs={"misfire_grace_time": None},
    )


def _disarm(armed: dict[int, Job[Any]], alert_id: int) -> None:
    job = armed.pop(alert_id, None)
    if job is not None and not job.removed:
        job.schedule_removal()


async def arm_next(context: AtlasContext, alert_id: int) -> None:
    """Arm the alert's next pending step, and only that one: steps run in order, and the
    next is armed once the previous one's transaction committed (so two overdue steps after
    a restart can never overtake each other)."""
    step = await context.services.read(lambda s: alerting.next_step(s, alert_id))
    if step is not None:
        arm_step(context, step)
    else:
        _disarm(_state(context.application).armed, alert_id)


def arm_reminder(context: AtlasContext, shift_id: int, version: int, due: datetime) -> None:
    """Arm the reminder before a duty shift (replacing an earlier one of the same shift)."""
    queue = _queue(context.application)
    assert queue is not None
    name = f"duty:{shift_id}:reminder"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_once(
        _reminder_job,
        when=_delay(context, due),
        data=(shift_id, version),
        name=name,
        job_kwargs={"misfire_grace_time": None},
    )


def arm_reminders(context: AtlasContext, reminders: Sequence[rota.ReminderTimer]) -> None:
    """Arm the reminders of shifts a use case just added."""
    for reminder in reminders:
        arm_reminder(context, reminder.shift_id, reminder.version, reminder.due_at)


@dataclass(frozen=True, slots=True)
class RearmReport:
    """What a restart re-armed, sent again and closed."""

    steps: int
    overdue: int
    resent: int
    reminders: int
    closed: int


async def rearm(context: AtlasContext) -> RearmReport:
    """Rebuild every job from the database; resend copies a crash left in flight; finish
    editing the copies of alerts settled just before a crash."""
    services = context.services
    now = services.clock.now()
    with _busy(context.application):
        owner = services.owner()
        found = await services.run(lambda s: alerting.recover(s, now=now, owner=owner))
        overdue_steps = [step for step in found.steps if step.due_at <= now]
        for step in found.steps:
            if step.due_at > now:
                arm_step(context, step)
        await catch_up(context, overdue_steps)
        for shift_id, version, due in found.reminders:
            arm_reminder(context, shift_id, version, due)
        await asyncio.gather(*(deliver(context, copy) for copy in found.resend))
        closed = await close_copies(context, None)
    overdue = sum(1 for s in found.steps if s.due_at <= now)
    log.info(
        "re-armed %d steps (%d overdue), %d reminders; resent %d; closed %d copies",
        len(found.steps),
        overdue,
        len(found.reminders),
        len(found.resend),
        closed,
    )
    return RearmReport(len(found.steps), overdue, len(found.resend), len(found.reminders), closed)


# --- running steps ----------------------------------------------------------------------


async def catch_up(context: AtlasContext, steps: Sequence[ArmedStep]) -> None:
    """Take the steps that fell due while no process led, a batch per transaction (each
    step still guarded by its version), then send their copies beside the next batch.
    A batch the database refuses is armed step by step, as at any other time."""
    services = context.services
    tz = _zone(context)
    for start in range(0, len(steps), RECOVERY_BATCH):
        batch = steps[start : start + RECOVERY_BATCH]

        def take(session: Session, batch: Sequence[ArmedStep] = batch) -> list[Any]:
            now = services.clock.now()
            return [
                alerting.run_step(session, s.step_id, s.version, now=now, tz=tz) for s in batch
            ]

        try:
            decisions = await services.run(take)
        except SQLAlchemyError as err:
            log.warning("overdue steps not taken together (%s): armed one by one", err)
            for step in steps[start:]:
                arm_step(context, step)
            return
        for step, decided in zip(batch, decisions, strict=True):
            if decided is None:
                context.application.create_task(arm_next(context, step.alert_id))
                continue
            services.metrics.record_step(decided.work.action.value, decided.work.lateness_s)
            context.application.create_task(_carry_out(context, decided))


async def _carry_out(context: AtlasContext, decided: alerting.StepDecision) -> None:
    with _busy(context.application):
        await asyncio.gather(*(deliver(context, copy) for copy in decided.copies))
        await _after_step(context, decided.work)


async def run_step(context: AtlasContext, step_id: int, version: int, alert_id: int) -> int:
    """Run one step if it is still pending at ``version``, then arm the alert's next step;
    returns the copies sent."""
    services = context.services
    tz = _zone(context)
    with _busy(context.application):
        async with _state(context.application).db_slots:
            # The moment the step takes effect (its fired_at), not when its job woke up.
            decided = await services.run(
                lambda s: alerting.run_step(s, step_id, version, now=services.clock.now(), tz=tz)
            )
        if decided is None:
            await arm_next(context, alert_id)  # stale or already run: whatever is next
            return 0
        services.metrics.record_step(decided.work.action.value, decided.work.lateness_s)
        outcomes = await asyncio.gather(*(deliver(context, copy) for copy in decided.copies))
        await _after_step(context, decided.work)
    return sum(1 for status in outcomes if status is DeliveryStatus.SENT)


def _job_data(context: AtlasContext) -> tuple[int, ...]:
    assert context.job is not None
    data: Any = context.job.data
    return tuple(int(value) for value in data)


async def _step_job(context: AtlasContext) -> None:
    step_id, version, alert_id, *tried = _job_data(context)
    armed = _state(context.application).armed
    current = armed.get(alert_id)
    if current is not None and context.job is not None and current.job.id == context.job.job.id:
        del armed[alert_id]  # this job is running: no longer armed
    try:
        await run_step(context, step_id, version, alert_id)
    except NotLeader as err:
        # Another process leads (its re-arming took this step over): send nothing, stop.
        log.warning("step %s of alert %s left to the leader: %s", step_id, alert_id, err)
    except SQLAlchemyError as err:  # DatabaseUnavailable included
        # A busy or unreachable database must not lose the step: the row is still pending
        # (nothing was half-done), so try again, backing off while the database is away.
        attempt = (tried[0] if tried else 0) + 1
        wait = min(DB_RETRY_S * 2 ** (attempt - 1), DB_RETRY_MAX_S)
        log.warning(
            "step %s of alert %s: database unavailable (%s); retry %d in %g s",
            step_id,
            alert_id,
            type(err.__cause__ or err).__name__,
            attempt,
            wait,
        )
        queue = _queue(context.application)
        if queue is not None and alert_id not in armed:
            armed[alert_id] = queue.run_once(
                _step_job,
                when=wait,
                data=(step_id, version, alert_id, attempt),
                name=f"alert:{alert_id}:retry:{step_id}",
                job_kwargs={"misfire_grace_time": None},
            )


async def _after_step(context: AtlasContext, work: StepWork) -> None:
    """After the copies went out: bring the next step forward if nobody could be reached,
    arm it, edit copies if the alert was settled meanwhile, report a finished drill."""
    services = context.services
    alert = work.alert
    assert alert.id is not None
    alert_id = alert.id
    following = work.next_step
    if work.copies and work.action is Action.NOTIFY:
        hurried = await services.run(
            lambda s: alerting.hurry_if_unreached(s, alert_id, now=services.clock.now())
        )
        following = hurried or following
    if following is not None:
        arm_step(context, following)
    if work.no_response_request is not None:
        await _tell_no_response(context, work)
    if work.copies or work.settled:
        # An acknowledgement may have landed while these copies were on their way.
        await close_copies(context, [alert_id])
    if work.ran_out and alert.drill_id is None and services.on_ran_out is not None:
        await services.on_ran_out(context, alert_id)  # whoever waits on it is told
    if work.settled and alert.drill_id is not None:
        await maybe_report_drill(context, alert.drill_id)


async def _tell_no_response(context: AtlasContext, work: StepWork) -> None:
    alert = work.alert
    request_id = work.no_response_request
    assert request_id is not None and alert.crisis_id is not None
    follow_up = context.services.on_no_response
    if follow_up is None:  # not wired: a bare test application, never the bot
        log.warning("no follow-up wired for request #%s left unanswered", request_id)
        return
    await follow_up(
        context,
        alert.crisis_id,
        # Rendered for each of the requester's readers, in their language.
        functools.partial(
            alert_texts.no_response, request_id, alert.country or "?", alert.crisis_id
        ),
    )


async def start_alerts(context: AtlasContext, alert_ids: Sequence[int]) -> int:
    """Run the first step of new alerts now (inside the caller's update, so the sender sees
    the result); each then arms its next step. Returns how many members were addressed."""
    if not alert_ids:
        return 0
    services = context.services
    steps = await services.read(lambda s: alerting.next_steps(s, list(alert_ids)))
    counts = await asyncio.gather(
        *(run_step(context, s.step_id, s.version, s.alert_id) for s in steps)
    )
    addressed = await services.read(lambda s: alerting.addressed_count(s, list(alert_ids)))
    log.debug("started %d alerts: %d copies sent", len(alert_ids), sum(counts))
    return addressed


# --- settled alerts: every copy says who took it ----------------------------------------


async def close_copies(context: AtlasContext, alert_ids: Sequence[int] | None) -> int:
    """Edit every sent copy of the settled alerts: who acknowledged, no Acknowledge button;
    a request or counter-proposal that was answered (or ran out) loses all its buttons."""
    services = context.services
    tz = _zone(context)
    edits = await services.run(lambda s: alerting.closing_edits(s, alert_ids, tz=tz))
    if not edits:
        return 0
    results = await asyncio.gather(*(_edit_copy(context, edit) for edit in edits))
    edited = [delivery_id for delivery_id in results if delivery_id is not None]
    await services.run(lambda s: alerting.mark_copies_closed(s, edited))
    return len(edited)


async def _edit_copy(context: AtlasContext, edit: CopyEdit) -> int | None:
    """Edit one copy in place; None when it should be tried again later."""
    message = edit.message
    if message is None:
        return edit.delivery_id
    try:
        await context.bot.edit_message_text(
            message.text,
            chat_id=message.chat_id,
            message_id=edit.message_id,
            reply_markup=markup(message.keyboard),
        )
    except BadRequest as err:
        if "not modified" not in str(err).lower() and "not found" not in str(err).lower():
            log.warning("could not edit alert copy %s: %s", edit.delivery_id, err)
    except Forbidden:
        pass  # the member blocked the bot: nothing to edit any more
    except TelegramError as err:
        log.warning("could not edit alert copy %s yet: %s", edit.delivery_id, err)
        return None  # left open: the next settle or restart tries again
    return edit.delivery_id


async def after_acknowledged(context: AtlasContext, outcome: AckOutcome) -> None:
    """An alert was just acknowledged: drop its stopped jobs (an answer deadline stays),
    edit every copy, and report a drill when it was the last unit to answer."""
    await arm_next(context, outcome.alert_id)
    await close_copies(context, [outcome.alert_id])
    board_changed = context.services.on_board_changed
    if outcome.crisis_id is not None and board_changed is not None:
        await board_changed(context, outcome.crisis_id)  # it shows who acknowledged
    if outcome.drill_id is not None:
        await maybe_report_drill(context, outcome.drill_id)


async def settle_crisis(context: AtlasContext, crisis_id: int) -> None:
    """After a decision on a crisis: settle the alerts it answered and edit their copies."""
    services = context.services
    settled = await services.run(
        lambda s: alerting.settle_acted_upon(s, crisis_id=crisis_id, now=services.clock.now())
    )
    if settled:
        for alert_id in settled:
            await arm_next(context, alert_id)  # nothing is left: this drops its job
        await close_copies(context, settled)


async def maybe_report_drill(context: AtlasContext, drill_id: int) -> None:
    """Send the drill's report to whoever started it, once, when every unit has answered."""
    services = context.services
    report = await services.run(
        lambda s: drills.finished_report(s, drill_id, now=services.clock.now(), tz=_zone(context))
    )
    if report is not None:
        await send_drill_report(context, report)


# --- duty reminders ---------------------------------------------------------------------


async def _reminder_job(context: AtlasContext) -> None:
    shift_id, version = _job_data(context)
    services = context.services
    now = services.clock.now()
    with _busy(context.application):
        message = await services.run(
            lambda s: rota.reminder_message(s, shift_id, version, now=now)
        )
        if message is not None:
            await send_notices(context, [message])
