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
from atlasbot.bot.replies import markup
from atlasbot.services import alerting, drills
from atlasbot.services.alerting import CopyToSend, SendOutcome
from atlasbot.services.outbox import Document, Message
from atlasbot.storage.models import DeliveryStatus

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
    """Send what a use case decided, each with retries; a failure is logged, never raised."""
    for notice in notices:
        outcome = await send_with_retries(
            context, notice.chat_id, notice.text, markup(notice.keyboard)
        )
        if outcome.status is not DeliveryStatus.SENT:
            log.warning(
                "%s not delivered to %s: %s", notice.purpose, notice.chat_id, outcome.error
            )


async def deliver(context: AtlasContext, copy: CopyToSend) -> DeliveryStatus:
    """Send one copy of an alert and record what became of it (a blocked member's
    commanders are told)."""
    services = context.services
    message = copy.message
    outcome = await send_with_retries(
        context, message.chat_id, message.text, markup(message.keyboard)
    )
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
