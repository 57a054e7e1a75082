"""Sending to Telegram with its faults: one copy of an alert with pacing and retries, the
notices a use case decided, a drill's report.

Alerts are fan-out: every send waits for the broadcast bucket (about 30 messages a second,
``bot/pacing.py``). A 429 waits as long as Telegram asks; network errors and 5xx are retried
with backoff; a 403 (the member blocked the bot) and a refused message are not retried. What
became of a copy is recorded by the use case ``alerting.record_send``, which also decides
whom to tell about a blocked member.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from datetime import timedelta

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.metrics import DeliveryOutcome
from atlasbot.bot.pacing import NO_RETRY
from atlasbot.bot.replies import markup, send_pin
from atlasbot.services import alerting, drills
from atlasbot.services.alerting import CopyToSend, Owner, SendOutcome
from atlasbot.services.outbox import Document, Message
from atlasbot.storage.leadership import NotLeader
from atlasbot.storage.models import DeliveryStatus
from atlasbot.texts import alerts as alert_texts

log = logging.getLogger(__name__)

# What one send came to (kept under its former name for callers of the bot layer).
SendResult = SendOutcome


# How PTB words a 5xx answer: "Bad Gateway" for 502, "<description> (<code>)" otherwise.
_SERVER_ERROR = re.compile(r"Bad Gateway|\(5\d\d\)")


def network_outcome(err: NetworkError) -> DeliveryOutcome:
    """A Telegram 5xx, or a network failure (no connection, a timeout)?"""
    if isinstance(err, TimedOut):
        return "network"
    return "server_5xx" if _SERVER_ERROR.search(err.message) else "network"


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


async def send_with_retries(
    context: AtlasContext, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None
) -> SendOutcome:
    """Send once, honouring 429's retry-after and retrying network errors and 5xx with
    backoff; a 403 (blocked) or a refused message is not retried."""
    settings = context.services.settings
    delay = settings.alert_retry_base_s
    errors: list[str] = []
    record = context.services.metrics.record_delivery
    for attempt in range(1, settings.alert_send_attempts + 1):
        # Alerts are fan-out: they keep to Telegram's ~30 messages/s like every broadcast.
        await context.services.broadcast.take()
        try:
            message = await context.bot.send_message(
                chat_id,
                text,
                reply_markup=reply_markup,
                read_timeout=settings.alert_send_timeout_s,
                write_timeout=settings.alert_send_timeout_s,
                connect_timeout=settings.alert_send_timeout_s,
            )
            record("sent")
            return SendOutcome(DeliveryStatus.SENT, message.message_id, attempt, "; ".join(errors))
        except Forbidden as err:
            record("forbidden_403")
            return SendOutcome(DeliveryStatus.BLOCKED, None, attempt, str(err))
        except RetryAfter as err:
            record("retry_429")
            wait = _seconds(err.retry_after)
            errors.append(f"429 retry after {wait:g} s")
            if attempt < settings.alert_send_attempts:
                await asyncio.sleep(wait)
        except NetworkError as err:  # also TimedOut and Telegram's 5xx
            record(network_outcome(err))
            errors.append(f"{type(err).__name__}: {err}")
            if attempt < settings.alert_send_attempts:
                await asyncio.sleep(delay)
                delay *= 2
        except TelegramError as err:  # BadRequest and the like: retrying will not help
            return SendOutcome(DeliveryStatus.FAILED, None, attempt, str(err))
    return SendOutcome(
        DeliveryStatus.FAILED, None, settings.alert_send_attempts, "; ".join(errors)[-300:]
    )


async def send_notices(context: AtlasContext, notices: Sequence[Message]) -> None:
    """Send what a use case decided, each with retries (and its pin); a failure is logged,
    never raised."""
    for notice in notices:
        outcome = await send_with_retries(
            context, notice.chat_id, notice.text, markup(notice.keyboard)
        )
        if outcome.status is not DeliveryStatus.SENT:
            log.warning(
                "%s not delivered to %s: %s", notice.purpose, notice.chat_id, outcome.error
            )
        elif notice.venue is not None:
            await send_pin(context, notice.chat_id, notice.venue)


def _never_reached(err: NetworkError) -> bool:
    """Whether a failed call certainly never reached Telegram (no connection was made, or
    Telegram answered 5xx): then nothing is in doubt."""
    cause = type(err.__cause__).__name__
    return cause in _NOT_SENT or network_outcome(err) == "server_5xx" or "Pool timeout" in str(err)


_NOT_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout"})
# How often a wait (a 429, a backoff) looks whether this process still leads.
_WAIT_SLICE_S = 0.2


def _stopped(context: AtlasContext) -> bool:
    fence = context.services.fence
    return fence is not None and not fence.leading


async def _pause(context: AtlasContext, seconds: float) -> bool:
    """Wait, unless this process stops leading meanwhile (a SIGTERM during a 429 must not
    hold the shutdown); False when it stopped."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        if _stopped(context):
            return False
        await asyncio.sleep(min(left, _WAIT_SLICE_S))
    return not _stopped(context)


async def _call(context: AtlasContext, copy: CopyToSend, marked: bool) -> int:
    """One sendMessage of a copy (marked "possible repeat" when asked); its message id."""
    settings = context.services.settings
    message = copy.message
    text = alert_texts.marked_repeat(message.text) if marked else message.text
    sent = await context.bot.send_message(
        message.chat_id,
        text,
        reply_markup=markup(message.keyboard),
        read_timeout=settings.alert_send_timeout_s,
        write_timeout=settings.alert_send_timeout_s,
        connect_timeout=settings.alert_send_timeout_s,
        # A 429 comes here: the wait renews the lease and ends at a stop (ExtBot is typed
        # without rate-limit arguments; the application's limiter is CountingRateLimiter).
        rate_limit_args=NO_RETRY,  # type: ignore[arg-type]
    )
    return sent.message_id


async def _answered(context: AtlasContext, copy: CopyToSend, owner: Owner, wait: float) -> bool:
    """Telegram answered without taking the copy: nothing in doubt; hold it over the wait."""
    services = context.services
    return await services.run(
        lambda s: alerting.call_answered(
            s, copy.delivery_id, owner, now=services.clock.now(), wait_s=wait
        )
    )


async def send_copy(context: AtlasContext, copy: CopyToSend) -> SendOutcome | None:
    """Send one copy of an alert under this process's lease: each call counted in doubt
    before it starts, a copy that may have arrived re-sent once marked "possible repeat".
    None when the copy is left to another process (or this one stopped leading)."""
    services = context.services
    settings, record, owner = services.settings, services.metrics.record_delivery, services.owner()
    delay, errors = settings.alert_retry_base_s, list[str]()
    for attempt in range(1, settings.alert_send_attempts + 1):
        await services.broadcast.take()
        try:
            permit = await services.run(
                lambda s: alerting.begin_call(s, copy.delivery_id, owner, now=services.clock.now())
            )
        except NotLeader:
            return None
        if not permit.go:
            return None  # another process holds it, or it was given up (unconfirmed)
        wait = 0.0
        try:
            message_id = await _call(context, copy, permit.marked)
            record("sent")
            return SendOutcome(DeliveryStatus.SENT, message_id, attempt, "; ".join(errors))
        except Forbidden as err:
            record("forbidden_403")
            return SendOutcome(DeliveryStatus.BLOCKED, None, attempt, str(err))
        except RetryAfter as err:
            record("retry_429")
            wait = _seconds(err.retry_after)
            errors.append(f"429 retry after {wait:g} s")
        except NetworkError as err:  # also TimedOut and Telegram's 5xx
            record(network_outcome(err))
            errors.append(f"{type(err).__name__}: {err}")
            wait, delay = delay, delay * 2
            if not _never_reached(err):
                # It may have arrived: the next call is marked (and there is only one more).
                if attempt < settings.alert_send_attempts and not await _pause(context, wait):
                    return None
                continue
        except TelegramError as err:  # BadRequest and the like: retrying will not help
            return SendOutcome(DeliveryStatus.FAILED, None, attempt, str(err))
        if attempt == settings.alert_send_attempts:
            break
        try:
            still_ours = await _answered(context, copy, owner, wait)
        except NotLeader:
            return None
        if not still_ours or not await _pause(context, wait):
            return None
    return SendOutcome(
        DeliveryStatus.FAILED, None, settings.alert_send_attempts, "; ".join(errors)[-300:]
    )


async def deliver(context: AtlasContext, copy: CopyToSend) -> DeliveryStatus:
    """Send one copy of an alert and record what became of it (a blocked member's
    commanders are told). ``sending`` when it was left to another process."""
    services = context.services
    outcome = await send_copy(context, copy)
    if outcome is None:
        return DeliveryStatus.SENDING
    if outcome.status is DeliveryStatus.SENT and copy.message.venue is not None:
        await send_pin(context, copy.message.chat_id, copy.message.venue)
    notices = await services.run(
        lambda s: alerting.record_send(s, copy, outcome, now=services.clock.now())
    )
    await send_notices(context, notices)
    return outcome.status


async def send_documents(context: AtlasContext, documents: Sequence[Document]) -> None:
    """Send files a use case decided (sendDocument), paced like every fan-out; a failure to
    one chat is logged, never raised, and never stops the others."""
    for document in documents:
        await context.services.broadcast.take()
        try:
            await context.bot.send_document(
                document.chat_id,
                document.content,
                filename=document.filename,
                caption=document.caption or None,
            )
        except TelegramError as err:
            log.warning(
                "%s (%s) not delivered to %s: %s",
                document.purpose,
                document.filename,
                document.chat_id,
                err,
            )


async def send_drill_report(context: AtlasContext, report: drills.ReportToSend) -> None:
    """A drill's report as a message and as a CSV file."""
    try:
        await context.bot.send_message(report.chat_id, report.text)
        await context.bot.send_document(
            report.chat_id, report.document, filename=report.filename, caption=report.caption
        )
    except TelegramError as err:
        log.warning("could not send the report %s: %s", report.filename, err)
