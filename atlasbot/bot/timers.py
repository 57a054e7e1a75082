"""Timers that survive a restart: the JobQueue mirrors the database's pending rows.

On start, ``rearm`` reads every pending escalation step and shift reminder and arms a
``run_once`` job for each at ``max(due, now)`` (so steps that fell due while the bot was down
run at once: APScheduler's misfire grace never applies). A job carries only the row's id and
version; its callback re-reads the row and acts only if it is still pending at that version,
so a stale or doubled job changes nothing. The next job is armed only after the transaction
that decided it committed. Callbacks are plain functions; nothing is pickled.

Jobs are named by purpose (``alert:12:step:1``, ``duty:7:reminder``) so they can be found and
removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, Job, JobQueue

from atlasbot.bot.context import AtlasApplication, AtlasContext, BotServices
from atlasbot.bot.replies import keyboard
from atlasbot.bot.texts import alerts as alert_texts
from atlasbot.escalation import Action
from atlasbot.services import alerting, drills, duty
from atlasbot.services.alerting import ArmedStep, StepWork
from atlasbot.services.outbox import Button
from atlasbot.storage.models import Alert, DeliveryStatus, Member

log = logging.getLogger(__name__)

# Any Application: job callbacks see it through a generic CallbackContext.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
STATE_KEY = "alerting.jobs"
REARM_JOB = "alerting:rearm"


# Steps that take the database at once: SQLite serialises writers, and a few at a time
# get through faster than a crowd spinning on the lock (1,000 overdue steps at a restart).
STEP_TRANSACTIONS = 4
DB_RETRY_S = 0.5


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


def _services(context: AtlasContext) -> BotServices:
    return context.services


def _context(application: AtlasApplication) -> AtlasContext:
    return AtlasContext(application)


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
    services = _services(context)
    step = await services.run(lambda s: alerting.next_step(s, alert_id))
    if step is not None:
        arm_step(context, step)
    else:
        _disarm(_state(context.application).armed, alert_id)


def arm_reminder(context: AtlasContext, shift_id: int, version: int, due: datetime) -> None:
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


@dataclass(frozen=True, slots=True)
class RearmReport:
    steps: int
    overdue: int
    resent: int
    reminders: int
    closed: int


async def rearm(context: AtlasContext) -> RearmReport:
    """Rebuild every job from the database; resend copies a crash left in flight; finish
    editing the copies of alerts settled just before a crash."""
    services = _services(context)
    now = services.clock.now()

    def read(
        session: Session,
    ) -> tuple[list[alerting.InFlight], list[ArmedStep], list[tuple[int, int, datetime]]]:
        return (
            alerting.in_flight_at_start(session, now=now),
            alerting.next_steps(session),
            duty.pending_reminders(session),
        )

    with _busy(context.application):
        in_flight, steps, reminders = await services.run(read)
        for step in steps:
            arm_step(context, step)
        for shift_id, version, due in reminders:
            arm_reminder(context, shift_id, version, due)
        await asyncio.gather(*(_resend(context, copy) for copy in in_flight))
        closed = await close_copies(context, None)
    overdue = sum(1 for s in steps if s.due_at <= now)
    log.info(
        "re-armed %d steps (%d overdue), %d reminders; resent %d; closed %d copies",
        len(steps),
        overdue,
        len(reminders),
        len(in_flight),
        closed,
    )
    return RearmReport(len(steps), overdue, len(in_flight), len(reminders), closed)


# --- running steps ----------------------------------------------------------------------


def _markup(rows: Sequence[Sequence[dict[str, Any]]]) -> InlineKeyboardMarkup | None:
    built = [
        [InlineKeyboardButton(b["text"], callback_data=b.get("callback_data")) for b in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(built) if built else None


def _rows_of(markup: InlineKeyboardMarkup | None) -> list[list[dict[str, Any]]]:
    if markup is None:
        return []
    return [
        [{"text": b.text, "callback_data": b.callback_data} for b in row]
        for row in markup.inline_keyboard
    ]


def alert_buttons(alert: Alert) -> list[list[Button]]:
    """Acknowledge first, then the alert's own action buttons."""
    assert alert.id is not None
    rows = [[Button(alert_texts.ACK_LABEL, "alert.ack", {"alert": alert.id})]]
    for row in alert.buttons:
        rows.append(
            [
                Button(
                    str(b["label"]),
                    str(b["action"]),
                    dict(b.get("payload", {})),
                    bool(b.get("single_use", False)),
                )
                for b in row
            ]
        )
    return rows


def button_specs(rows: Sequence[Sequence[Button]]) -> list[list[dict[str, Any]]]:
    """Buttons as the alert row stores them (their tokens are issued per recipient)."""
    return [
        [
            {
                "label": b.label,
                "action": b.action,
                "payload": b.payload,
                "single_use": b.single_use,
            }
            for b in row
        ]
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class _Copy:
    delivery_id: int
    alert_id: int
    member_id: int
    chat_id: int
    text: str
    rows: list[list[dict[str, Any]]]


def _zone(context: AtlasContext) -> ZoneInfo:
    return context.services.settings.tz


async def run_step(context: AtlasContext, step_id: int, version: int, alert_id: int) -> int:
    """Run one step if it is still pending at ``version``, then arm the alert's next step;
    returns the copies sent."""
    services = _services(context)
    tz = _zone(context)

    def decide(session: Session) -> tuple[StepWork, list[_Copy]] | None:
        # The moment the step takes effect (its fired_at), not when its job woke up.
        work = alerting.take_step(session, step_id, version, now=services.clock.now())
        if work is None:
            return None
        copies = []
        if work.copies:
            text = alert_texts.copy_text(work.alert, work.number, work.action, work.deadline, tz)
            buttons = alert_buttons(work.alert)
            for planned in work.copies:
                rows = _rows_of(keyboard(session, planned.member_id, buttons))
                alerting.describe_copy(session, planned.delivery_id, text, rows)
                assert work.alert.id is not None
                copies.append(
                    _Copy(
                        planned.delivery_id,
                        work.alert.id,
                        planned.member_id,
                        planned.chat_id,
                        text,
                        rows,
                    )
                )
        return work, copies

    with _busy(context.application):
        async with _state(context.application).db_slots:
            decided = await services.run(decide)
        if decided is None:
            await arm_next(context, alert_id)  # stale or already run: whatever is next
            return 0
        work, copies = decided
        outcomes = await asyncio.gather(*(_deliver(context, copy) for copy in copies))
        await _after_step(context, work)
    return sum(1 for status in outcomes if status is DeliveryStatus.SENT)


def _job_data(context: AtlasContext) -> tuple[int, ...]:
    assert context.job is not None
    data: Any = context.job.data
    return tuple(int(value) for value in data)


async def _step_job(context: AtlasContext) -> None:
    step_id, version, alert_id = _job_data(context)
    armed = _state(context.application).armed
    current = armed.get(alert_id)
    if current is not None and context.job is not None and current.job.id == context.job.job.id:
        del armed[alert_id]  # this job is running: no longer armed
    try:
        await run_step(context, step_id, version, alert_id)
    except SQLAlchemyError as err:
        # A busy database must not lose the step: the row is still pending, try again soon.
        log.warning("step %s of alert %s: database busy (%s); retrying", step_id, alert_id, err)
        queue = _queue(context.application)
        if queue is not None and alert_id not in armed:
            armed[alert_id] = queue.run_once(
                _step_job,
                when=DB_RETRY_S,
                data=(step_id, version, alert_id),
                name=f"alert:{alert_id}:retry:{step_id}",
                job_kwargs={"misfire_grace_time": None},
            )


async def _after_step(context: AtlasContext, work: StepWork) -> None:
    """After the copies went out: bring the next step forward if nobody could be reached,
    arm it, edit copies if the alert was settled meanwhile, report a finished drill."""
    services = _services(context)
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
    if work.settled and alert.drill_id is not None:
        await maybe_report_drill(context, alert.drill_id)


async def _tell_no_response(context: AtlasContext, work: StepWork) -> None:
    from atlasbot.bot import notices  # notices imports this module (start_alerts)

    alert = work.alert
    request_id = work.no_response_request
    assert request_id is not None and alert.crisis_id is not None
    await notices.tell_no_response(
        context,
        alert.crisis_id,
        alert_texts.no_response(request_id, alert.country or "?", alert.crisis_id),
    )


async def start_alerts(context: AtlasContext, alert_ids: Sequence[int]) -> int:
    """Run the first step of new alerts now (inside the caller's update, so the sender sees
    the result); each then arms its next step. Returns how many members were addressed."""
    if not alert_ids:
        return 0
    services = _services(context)
    steps = await services.run(lambda s: alerting.next_steps(s, list(alert_ids)))
    counts = await asyncio.gather(
        *(run_step(context, s.step_id, s.version, s.alert_id) for s in steps)
    )
    addressed = await services.run(lambda s: alerting.addressed_count(s, list(alert_ids)))
    log.debug("started %d alerts: %d copies sent", len(alert_ids), sum(counts))
    return addressed


# --- sending, with Telegram's faults ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendResult:
    status: DeliveryStatus
    message_id: int | None
    attempts: int
    error: str


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


async def send_with_retries(
    context: AtlasContext, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> SendResult:
    """Send once, honouring 429's retry-after and retrying network errors and 5xx with
    backoff; a 403 (blocked) or a refused message is not retried."""
    settings = context.services.settings
    delay = settings.alert_retry_base_s
    errors: list[str] = []
    for attempt in range(1, settings.alert_send_attempts + 1):
        # Alerts are fan-out: they keep to Telegram's ~30 messages/s like every broadcast.
        await context.services.broadcast.take()
        try:
            message = await context.bot.send_message(
                chat_id,
                text,
                reply_markup=markup,
                read_timeout=settings.alert_send_timeout_s,
                write_timeout=settings.alert_send_timeout_s,
                connect_timeout=settings.alert_send_timeout_s,
            )
            return SendResult(DeliveryStatus.SENT, message.message_id, attempt, "; ".join(errors))
        except Forbidden as err:
            return SendResult(DeliveryStatus.BLOCKED, None, attempt, str(err))
        except RetryAfter as err:
            wait = _seconds(err.retry_after)
            errors.append(f"429 retry after {wait:g} s")
            if attempt < settings.alert_send_attempts:
                await asyncio.sleep(wait)
        except NetworkError as err:  # also TimedOut and Telegram's 5xx
            errors.append(f"{type(err).__name__}: {err}")
            if attempt < settings.alert_send_attempts:
                await asyncio.sleep(delay)
                delay *= 2
        except TelegramError as err:  # BadRequest and the like: retrying will not help
            return SendResult(DeliveryStatus.FAILED, None, attempt, str(err))
    return SendResult(
        DeliveryStatus.FAILED, None, settings.alert_send_attempts, "; ".join(errors)[-300:]
    )


async def _deliver(context: AtlasContext, copy: _Copy) -> DeliveryStatus:
    services = _services(context)
    result = await send_with_retries(context, copy.chat_id, copy.text, _markup(copy.rows))

    def record(session: Session) -> tuple[str, Alert | None, list[int]]:
        alerting.record_delivery(
            session,
            copy.delivery_id,
            status=result.status,
            message_id=result.message_id,
            attempts=result.attempts,
            error=result.error,
            now=services.clock.now(),
        )
        if result.status is not DeliveryStatus.BLOCKED:
            return "", None, []
        alert = alerting.get_alert(session, copy.alert_id)
        return (
            alerting.member_name(session, copy.member_id),
            alert,
            alerting.commanders_to_tell(session, copy.alert_id, copy.member_id),
        )

    name, alert, commanders = await services.run(record)
    if alert is not None:
        notice = alert_texts.blocked_notice(name, alert)
        for chat in commanders:
            outcome = await send_with_retries(context, chat, notice, None)
            if outcome.status is not DeliveryStatus.SENT:
                log.warning("could not tell commander %s of a blocked member", chat)
    return result.status


async def _resend(context: AtlasContext, copy: alerting.InFlight) -> None:
    """A copy in flight at a crash, of an alert still waiting: send it again."""
    services = _services(context)
    member = await services.run(lambda s: alerting.delivery_member(s, copy.delivery_id))
    await _deliver(
        context,
        _Copy(copy.delivery_id, copy.alert_id, member, copy.chat_id, copy.text, copy.markup),
    )


# --- settled alerts: every copy says who took it ----------------------------------------


async def close_copies(context: AtlasContext, alert_ids: Sequence[int] | None) -> int:
    """Edit every sent copy of the settled alerts: who acknowledged, no Acknowledge button
    (the other buttons stay: pressed too late, they say what became of the request)."""
    services = _services(context)
    tz = _zone(context)
    copies = await services.run(lambda s: alerting.copies_to_close(s, alert_ids))
    if not copies:
        return 0

    async def edit(copy: alerting.CopyToClose) -> int | None:
        if copy.skip_edit:
            return copy.delivery_id
        # Only Acknowledge goes: an answer button pressed too late says it was answered.
        rows = [row for row in copy.markup if not _is_ack_row(row)]
        try:
            await context.bot.edit_message_text(
                alert_texts.closed_copy(copy, tz),
                chat_id=copy.chat_id,
                message_id=copy.message_id,
                reply_markup=_markup(rows),
            )
        except BadRequest as err:
            if "not modified" not in str(err).lower() and "not found" not in str(err).lower():
                log.warning("could not edit alert copy %s: %s", copy.delivery_id, err)
        except Forbidden:
            pass  # the member blocked the bot: nothing to edit any more
        except TelegramError as err:
            log.warning("could not edit alert copy %s yet: %s", copy.delivery_id, err)
            return None  # left open: the next settle or restart tries again
        return copy.delivery_id

    edited = [d for d in await asyncio.gather(*(edit(c) for c in copies)) if d is not None]
    await services.run(lambda s: alerting.mark_copies_closed(s, edited))
    return len(edited)


def _is_ack_row(row: Sequence[dict[str, Any]]) -> bool:
    return any(str(b.get("text", "")) == alert_texts.ACK_LABEL for b in row)


async def after_acknowledged(context: AtlasContext, outcome: alerting.AckOutcome) -> None:
    """An alert was just acknowledged: drop its stopped jobs (an answer deadline stays),
    edit every copy, and report a drill when it was the last unit to answer."""
    await arm_next(context, outcome.alert_id)
    await close_copies(context, [outcome.alert_id])
    if outcome.drill_id is not None:
        await maybe_report_drill(context, outcome.drill_id)


async def settle_crisis(context: AtlasContext, crisis_id: int) -> None:
    """After a decision on a crisis: settle the alerts it answered and edit their copies."""
    services = _services(context)
    settled = await services.run(
        lambda s: alerting.settle_acted_upon(s, crisis_id=crisis_id, now=services.clock.now())
    )
    if settled:
        for alert_id in settled:
            await arm_next(context, alert_id)  # nothing is left: this drops its job
        await close_copies(context, settled)


# --- drills -----------------------------------------------------------------------------


async def maybe_report_drill(context: AtlasContext, drill_id: int) -> None:
    """Send the drill's report to whoever started it, once, when every unit has answered."""
    services = _services(context)
    now = services.clock.now()

    def claim(session: Session) -> tuple[drills.DrillReport, int] | None:
        if not drills.claim_report(session, drill_id, now=now):
            return None
        report = drills.report(session, drill_id)
        member = session.get(Member, report.started_by_member_id)
        return (report, member.telegram_user_id) if member else None

    claimed = await services.run(claim)
    if claimed is None:
        return
    report, chat_id = claimed
    await send_drill_report(context, chat_id, report)


async def send_drill_report(
    context: AtlasContext, chat_id: int, report: drills.DrillReport
) -> None:
    """The report as a message and as a CSV file."""
    tz = _zone(context)
    try:
        await context.bot.send_message(chat_id, alert_texts.drill_report(report, tz))
        await context.bot.send_document(
            chat_id,
            alert_texts.drill_report_csv(report),
            filename=f"drill-{report.drill_id}.csv",
            caption=f"Drill #{report.drill_id} report (DRILL — not a real request)",
        )
    except TelegramError as err:
        log.warning("could not send the report of drill %s: %s", report.drill_id, err)


# --- duty reminders ---------------------------------------------------------------------


async def _reminder_job(context: AtlasContext) -> None:
    shift_id, version = _job_data(context)
    services = _services(context)
    now = services.clock.now()

    def claim(session: Session) -> tuple[duty.Reminder, ZoneInfo] | None:
        reminder = duty.claim_reminder(session, int(shift_id), int(version), now=now)
        if reminder is None:
            return None
        return reminder, duty.unit_timezone(session, reminder.unit_id)

    with _busy(context.application):
        claimed = await services.run(claim)
        if claimed is None:
            return
        reminder, tz = claimed
        text = alert_texts.shift_reminder(reminder.unit_id, reminder.start_at, reminder.end_at, tz)
        result = await send_with_retries(context, reminder.chat_id, text, None)
        if result.status is not DeliveryStatus.SENT:
            log.warning("duty reminder %s not delivered: %s", reminder.shift_id, result.error)
