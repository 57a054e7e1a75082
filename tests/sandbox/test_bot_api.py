"""The sandbox answers python-telegram-bot the way Telegram does, errors included."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from atlasbot.sandbox import SandboxClient, SandboxServer

from .conftest import TOKEN

USER = 1001


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in pairs]
    )


async def test_get_me_describes_the_sandbox_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "atlasbot_sandbox_bot"
    assert me.id == 123456  # the numeric prefix of the token, as on Telegram


async def test_a_wrong_token_is_refused_as_invalid(sandbox: SandboxServer) -> None:
    intruder = Bot("999:wrong", base_url=sandbox.base_url, base_file_url=sandbox.base_file_url)
    with pytest.raises(InvalidToken, match="was rejected"):
        await intruder.initialize()
    await intruder.shutdown()


async def test_an_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})


async def test_a_chat_that_never_talked_to_the_bot_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "hello")


async def test_a_sent_message_is_listed_with_its_visible_text_and_keyboard(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi", first_name="Ana")
    sent = await bot.send_message(
        USER, "<b>Alert</b> &amp; more", parse_mode="HTML", reply_markup=keyboard(("Ack", "ack:1"))
    )
    assert sent.text == "Alert & more"
    assert sent.message_id == 2  # ids are per chat, shared with the user's own message
    assert sent.chat.first_name == "Ana"
    assert sent.reply_markup is not None
    [listed] = sandbox.messages(USER)
    assert listed["text"] == "Alert & more"
    assert listed["raw_text"] == "<b>Alert</b> &amp; more"
    assert listed["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ack", "callback_data": "ack:1"}]]
    }
    assert (listed["edited"], listed["deleted"], listed["document"], listed["photo"]) == (
        False,
        False,
        None,
        False,
    )


async def test_a_text_of_4097_characters_is_too_long_but_4096_is_fine(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    await bot.send_message(USER, "x" * 4096)
    # Only visible characters count: tags do not.
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")


async def test_a_caption_of_1025_characters_is_too_long(sandbox: SandboxServer, bot: Bot) -> None:
    sandbox.send(USER, "hi")
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(USER, b"data", filename="a.txt", caption="c" * 1025)


@pytest.mark.parametrize(
    "html",
    ["<b>open", "<b>x</i>", "<blink>x</blink>", "1 < 2", '<span class="red">x</span>'],
)
async def test_bad_html_cannot_be_parsed(sandbox: SandboxServer, bot: Bot, html: str) -> None:
    sandbox.send(USER, "hi")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, html, parse_mode="HTML")


async def test_markdown_v2_needs_reserved_characters_escaped(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await bot.send_message(USER, "ETA 2.5 h", parse_mode="MarkdownV2")
    sent = await bot.send_message(USER, r"*ETA* 2\.5 h", parse_mode="MarkdownV2")
    assert sent.text == "ETA 2.5 h"


async def test_callback_data_of_65_bytes_is_refused_as_button_data_invalid(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    await bot.send_message(USER, "ok", reply_markup=keyboard(("Go", "d" * 64)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "too long", reply_markup=keyboard(("Go", "d" * 65)))
    # The limit is in bytes: 33 two-byte letters are 66 bytes.
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "too long", reply_markup=keyboard(("Go", "é" * 33)))


async def test_a_reply_keyboard_asking_for_the_location_is_accepted_and_listed(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    location_keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("Share location", request_location=True)]], one_time_keyboard=True
    )
    sent = await bot.send_message(USER, "Where?", reply_markup=location_keyboard)
    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    await bot.send_message(USER, "Thanks", reply_markup=ReplyKeyboardRemove())
    first, second = sandbox.messages(USER)
    assert first["reply_markup"]["keyboard"][0][0]["request_location"] is True
    assert second["reply_markup"] == {"remove_keyboard": True}


async def test_a_blocked_user_makes_sends_forbidden(sandbox: SandboxServer, bot: Bot) -> None:
    sandbox.send(USER, "hi")
    sandbox.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "alert")
    sandbox.block(USER, blocked=False)
    await bot.send_message(USER, "alert")


async def test_blocking_sends_the_my_chat_member_update_telegram_sends(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    sandbox.block(USER)
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].my_chat_member is not None
    assert updates[-1].my_chat_member.new_chat_member.status == "kicked"


async def test_editing_with_identical_content_is_not_modified(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_message(USER, "Pending", reply_markup=keyboard(("Ack", "ack")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Pending", USER, sent.message_id, reply_markup=keyboard(("Ack", "ack"))
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(
            USER, sent.message_id, reply_markup=keyboard(("Ack", "ack"))
        )


async def test_an_edit_updates_the_listing_and_drops_an_omitted_keyboard(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_message(USER, "Pending", reply_markup=keyboard(("Ack", "ack")))
    edited = await bot.edit_message_text("Acknowledged", USER, sent.message_id)
    assert not isinstance(edited, bool) and edited.edit_date is not None
    [listed] = sandbox.messages(USER)
    assert (listed["text"], listed["reply_markup"]) == ("Acknowledged", None)
    assert (listed["edited"], listed["edit_count"]) == (True, 1)


async def test_editing_or_deleting_a_deleted_message_is_not_found(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_message(USER, "Pending")
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Changed", USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    assert sandbox.messages(USER)[0]["deleted"] is True


PTB_RETRY_AFTER_DEPRECATION = pytest.mark.filterwarnings(
    # PTB 22's own RetryAfter constructor warns about its int retry_after; nothing of ours.
    "ignore::telegram.warnings.PTBDeprecationWarning"
)


@PTB_RETRY_AFTER_DEPRECATION
async def test_an_injected_429_raises_retry_after_for_the_next_calls_only(
    sandbox: SandboxServer, bot: Bot, client: SandboxClient
) -> None:
    sandbox.send(USER, "hi")
    await client.fault("429", "sendMessage", retry_after=3, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
            await bot.send_message(USER, "alert")
    await bot.send_message(USER, "alert")


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_an_injected_server_error_raises_network_error(
    sandbox: SandboxServer, bot: Bot, kind: str
) -> None:
    sandbox.send(USER, "hi")
    sandbox.set_fault(kind, method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "alert")


async def test_a_dropped_connection_raises_network_error(sandbox: SandboxServer, bot: Bot) -> None:
    sandbox.send(USER, "hi")
    sandbox.set_fault("drop", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "alert")
    assert sandbox.messages(USER) == []


@PTB_RETRY_AFTER_DEPRECATION
async def test_a_fault_for_one_chat_spares_the_others(sandbox: SandboxServer, bot: Bot) -> None:
    sandbox.send(USER, "hi")
    sandbox.send(USER + 1, "hi")
    sandbox.set_fault("429", chat_id=USER)
    await bot.send_message(USER + 1, "alert")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "alert")


async def test_a_delay_fault_holds_the_answer(sandbox: SandboxServer, bot: Bot) -> None:
    sandbox.send(USER, "hi")
    sandbox.set_fault("delay", method="sendMessage", seconds=0.3)
    started = time.monotonic()
    await bot.send_message(USER, "alert")
    assert time.monotonic() - started >= 0.3
    sandbox.clear_faults()
    started = time.monotonic()
    await bot.send_message(USER, "alert")
    assert time.monotonic() - started < 0.3


@PTB_RETRY_AFTER_DEPRECATION
async def test_the_rate_limit_answers_429_beyond_the_allowed_sends_per_second(
    sandbox: SandboxServer, bot: Bot, client: SandboxClient
) -> None:
    sandbox.send(USER, "hi")
    await client.rate_limit(3)
    for _ in range(3):
        await bot.send_message(USER, "ok")
    with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
        await bot.send_message(USER, "one too many")
    await client.rate_limit(None)
    await bot.send_message(USER, "ok again")


async def test_an_uploaded_document_keeps_its_name_and_bytes_and_can_be_resent(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_document(USER, b"BEGIN:VCALENDAR", filename="atlas.ics", caption="Plan")
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.file_size) == ("atlas.ics", 15)
    again = await bot.send_document(USER, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"BEGIN:VCALENDAR"
    assert [m["document"] for m in sandbox.messages(USER)] == ["atlas.ics", "atlas.ics"]


def _tiny_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


async def test_a_photo_reports_the_size_of_the_png_it_carries(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_photo(USER, _tiny_png(12, 7), caption="Calendar")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (12, 7)
    assert sandbox.messages(USER)[0]["photo"] is True


async def test_a_document_the_user_sends_can_be_downloaded_by_the_bot(
    bot: Bot, client: SandboxClient
) -> None:
    await client.document(USER, "events.yaml", "horizon: {}\n", caption="2027")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    assert update.message.document.file_name == "events.yaml"
    assert update.message.caption == "2027"
    file = await update.message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"horizon: {}\n"


async def test_a_shared_location_arrives_as_a_message_location(
    bot: Bot, client: SandboxClient
) -> None:
    await client.location(USER, 50.85, 4.35)
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.location is not None
    assert (update.message.location.latitude, update.message.location.longitude) == (50.85, 4.35)


async def test_a_callback_query_can_be_answered_once_only(
    sandbox: SandboxServer, bot: Bot, client: SandboxClient
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_message(USER, "Accept?", reply_markup=keyboard(("Accept", "acc")))
    await client.press(USER, sent.message_id, "acc")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.data == "acc"
    assert await query.answer("Accepted", show_alert=True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("again")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("no-such-query")
    [answer] = await client.callback_answers(USER)
    assert (answer["text"], answer["show_alert"], answer["matched"]) == ("Accepted", True, True)


async def test_a_callback_query_answered_after_the_window_is_too_old(
    sandbox: SandboxServer, bot: Bot, client: SandboxClient
) -> None:
    sandbox.send(USER, "hi")
    sent = await bot.send_message(USER, "Accept?", reply_markup=keyboard(("Accept", "acc")))
    await client.press(USER, sent.message_id, "acc")
    query = (await bot.get_updates(timeout=0))[-1].callback_query
    assert query is not None
    pressed_at = time.monotonic()
    sandbox.state.monotonic_clock = lambda: pressed_at + 16  # Telegram waits about 15 s
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("late")


async def test_commands_and_the_menu_button_are_remembered(
    bot: Bot, client: SandboxClient
) -> None:
    await bot.set_my_commands(
        [BotCommand("request", "Ask for help"), BotCommand("status", "Status")]
    )
    assert [c.command for c in await bot.get_my_commands()] == ["request", "status"]
    assert await bot.set_chat_menu_button()
    [entry] = await client.commands()
    assert entry["scope"] == {"type": "default"}
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Not Valid", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_long_polling_answers_as_soon_as_an_update_arrives(
    sandbox: SandboxServer, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    sandbox.send(USER, "/status")
    [update] = await poll
    assert time.monotonic() - started < 1
    assert update.message is not None and update.message.text == "/status"


async def test_a_later_offset_confirms_updates_so_they_are_not_delivered_again(
    sandbox: SandboxServer, bot: Bot
) -> None:
    sandbox.send(USER, "one")
    sandbox.send(USER, "two")
    first = await bot.get_updates(timeout=0, limit=1)
    assert [u.message.text for u in first if u.message] == ["one"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["two"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()


async def test_a_second_poller_terminates_the_first_with_a_conflict(
    sandbox: SandboxServer, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.05)
    # A second bot instance: one Bot never polls twice at once (PTB pools getUpdates to 1).
    async with Bot(TOKEN, base_url=sandbox.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first


async def test_stopping_the_server_ends_a_waiting_long_poll_at_once() -> None:
    server = SandboxServer(token=TOKEN)
    await server.start()
    async with Bot(TOKEN, base_url=server.base_url) as telegram_bot:
        poll = asyncio.create_task(telegram_bot.get_updates(timeout=10))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await server.stop()
        assert await poll == ()
        assert time.monotonic() - started < 2


async def test_a_json_body_is_accepted_as_well_as_form_fields(sandbox: SandboxServer) -> None:
    # Bot API clients other than PTB send JSON bodies; the sandbox takes those too.
    sandbox.send(USER, "hi")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{sandbox.base_url}{TOKEN}/sendMessage",
            json={
                "chat_id": USER,
                "text": "json",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
            },
        ) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
