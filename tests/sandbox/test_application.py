"""A real PTB Application polls the sandbox: commands, presses and wait-idle end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from atlasbot.sandbox import SandboxClient, SandboxControlError, SandboxServer

from .conftest import TOKEN

USER = 2001
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


@dataclass
class BusyCounter:
    """What a bot reports to the sandbox's idle probe: handlers still running."""

    running: int = 0

    def track(self, handler: Handler) -> Handler:
        async def tracked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            self.running += 1
            try:
                await handler(update, context)
            finally:
                self.running -= 1

        return tracked


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user is not None and update.effective_message is not None
    code = " ".join(context.args or [])
    await update.effective_message.reply_text(
        f"Welcome, {update.effective_user.first_name}. Code: {code}",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("✅ Accept", callback_data="acc:1")],
                [InlineKeyboardButton("Decline", callback_data="dec:1")],
            ]
        ),
    )


async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Work without Bot API calls (like a CP-SAT solve), longer than the quiet period.
    await asyncio.sleep(0.2)
    assert update.effective_message is not None
    await update.effective_message.reply_text("Done thinking")


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You chose {query.data}")


@pytest.fixture
async def busy() -> BusyCounter:
    return BusyCounter()


@pytest.fixture
async def sandbox_with_probe(busy: BusyCounter) -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, idle_probe=lambda: busy.running == 0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def application(
    sandbox_with_probe: SandboxServer, busy: BusyCounter
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(sandbox_with_probe.base_url)
        .base_file_url(sandbox_with_probe.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", busy.track(start)))
    app.add_handler(CommandHandler("slow", busy.track(slow)))
    app.add_handler(CallbackQueryHandler(busy.track(pressed)))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@pytest.fixture
async def users(sandbox_with_probe: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox_with_probe.control_url) as client:
        yield client


async def test_start_with_a_code_reaches_the_command_handler(
    application: Application,  # type: ignore[type-arg]
    users: SandboxClient,
) -> None:
    await users.send(USER, "/start ABC123", first_name="Ana")
    await users.wait_idle(timeout=5)
    reply = await users.last_message(USER)
    assert reply["text"] == "Welcome, Ana. Code: ABC123"
    assert [row[0]["text"] for row in reply["reply_markup"]["inline_keyboard"]] == [
        "✅ Accept",
        "Decline",
    ]


async def test_a_button_press_reaches_the_callback_handler_with_its_data(
    application: Application,  # type: ignore[type-arg]
    users: SandboxClient,
) -> None:
    await users.send(USER, "/start", first_name="Ana")
    await users.wait_idle(timeout=5)
    pressed_reply = await users.press_button(USER, "accept")  # part of the text, any case
    assert pressed_reply["matched"] is True
    await users.wait_idle(timeout=5)
    message = await users.last_message(USER)
    assert (message["text"], message["edited"], message["reply_markup"]) == (
        "You chose acc:1",
        True,
        None,
    )
    [answer] = await users.callback_answers(USER)
    assert (answer["answered"], answer["text"]) == (True, "Noted")


async def test_a_forged_press_reaches_the_bot_but_is_reported_unmatched(
    application: Application,  # type: ignore[type-arg]
    users: SandboxClient,
) -> None:
    await users.send(USER, "/start")
    await users.wait_idle(timeout=5)
    message = await users.last_message(USER)
    forged = await users.press(USER, message["message_id"], "acc:999")
    assert forged["matched"] is False
    await users.wait_idle(timeout=5)
    assert (await users.last_message(USER))["text"] == "You chose acc:999"


async def test_pressing_a_button_nobody_offers_names_the_buttons_on_offer(
    application: Application,  # type: ignore[type-arg]
    users: SandboxClient,
) -> None:
    await users.send(USER, "/start")
    await users.wait_idle(timeout=5)
    with pytest.raises(LookupError, match="'✅ Accept', 'Decline'"):
        await users.press_button(USER, "Escalate")


async def test_wait_idle_waits_for_a_handler_the_bot_reports_busy(
    application: Application,  # type: ignore[type-arg]
    users: SandboxClient,
) -> None:
    await users.send(USER, "/slow")
    await users.wait_idle(timeout=5)
    assert (await users.last_message(USER))["text"] == "Done thinking"


async def test_wait_idle_answers_504_when_no_bot_polls(users: SandboxClient) -> None:
    await users.send(USER, "/start")
    with pytest.raises(SandboxControlError, match="not yet confirmed by getUpdates") as raised:
        await users.wait_idle(timeout=0.1)
    assert raised.value.status == 504
