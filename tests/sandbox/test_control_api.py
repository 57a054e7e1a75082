"""The control API plays users, reports what the bot did, and refuses bad input clearly."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from telegram import Bot

from atlasbot.sandbox import SandboxClient, SandboxControlError, SandboxServer

USER = 3001


async def test_a_press_on_a_message_the_bot_never_sent_is_404(client: SandboxClient) -> None:
    await client.send(USER, "hi")
    with pytest.raises(SandboxControlError, match="message_id: the bot has no message 99") as err:
        await client.press(USER, 99, "acc")
    assert err.value.status == 404
    # The user's own message is not a bot message either.
    with pytest.raises(SandboxControlError, match="no message 1"):
        await client.press(USER, 1, "acc")


async def test_update_ids_rise_with_every_user_action(client: SandboxClient) -> None:
    first = await client.send(USER, "/start")
    second = await client.location(USER, 50.85, 4.35)
    third = await client.document(USER, "a.txt", b"x")
    assert first < second < third


@pytest.mark.parametrize(
    ("path", "body", "complaint"),
    [
        ("send", {"text": "hi"}, "user_id: required integer is missing"),
        ("send", {"user_id": "1001", "text": "hi"}, "user_id: expected an integer"),
        ("send", {"user_id": 1001}, "text: required non-empty string"),
        ("send", {"user_id": -5, "text": "hi"}, "user_id: must be a positive integer"),
        ("location", {"user_id": 1001, "lat": 91, "lon": 4}, "lat: 91.0 is outside -90..90"),
        (
            "document",
            {"user_id": 1001, "filename": "a.txt", "content_base64": "%%%"},
            "content_base64: not valid base64",
        ),
        ("faults", {"kind": "418"}, "kind: '418' is not one of"),
        ("faults", {"kind": "429", "method": "sendMesage"}, "method: 'sendMesage' is not"),
        ("faults", {"kind": "429", "count": 0}, "count: must be at least 1"),
        ("block", {"user_id": 1001, "blocked": "yes"}, "blocked: expected true or false"),
    ],
)
async def test_bad_control_input_is_refused_naming_the_field(
    client: SandboxClient, path: str, body: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(SandboxControlError, match=complaint) as err:
        await client._request("POST", path, body=body)
    assert err.value.status == 400


async def test_a_body_that_is_not_json_is_refused(sandbox: SandboxServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.control_url}/send", data="user_id=1") as response,
    ):
        assert response.status == 400
        assert (await response.json())["error"].startswith("body: not valid JSON")


async def test_messages_need_a_chat_id_and_list_nothing_for_a_silent_chat(
    client: SandboxClient,
) -> None:
    with pytest.raises(SandboxControlError, match="chat_id: required query parameter"):
        await client._request("GET", "messages")
    assert await client.messages(USER) == []


async def test_messages_after_an_id_list_only_newer_ones(
    sandbox: SandboxServer, bot: Bot, client: SandboxClient
) -> None:
    await client.send(USER, "hi")
    first = await bot.send_message(USER, "one")
    await bot.send_message(USER, "two")
    assert [m["text"] for m in await client.messages(USER, after=first.message_id)] == ["two"]


async def test_invite_without_an_installed_hook_is_501(client: SandboxClient) -> None:
    with pytest.raises(SandboxControlError) as err:
        await client.invite("authority", country="BE")
    assert err.value.status == 501
    assert "no control hook named 'invite'" in err.value.message


async def test_an_installed_hook_receives_the_body_and_its_answer_is_returned() -> None:
    received: list[dict[str, Any]] = []

    async def invite(body: dict[str, Any]) -> dict[str, Any]:
        received.append(body)
        if body.get("country") == "XX":
            raise ValueError("country: XX is not in the network")
        return {"code": "JOIN-42"}

    async with (
        SandboxServer(control_hooks={"invite": invite}) as server,
        SandboxClient(server.control_url) as client,
    ):
        assert await client.invite("authority", country="BE") == "JOIN-42"
        assert received == [{"role": "authority", "country": "BE"}]
        with pytest.raises(SandboxControlError, match="invite: country: XX is not in the network"):
            await client.invite("authority", country="XX")


def test_a_hook_cannot_take_the_name_of_a_built_in_endpoint() -> None:
    async def hook(body: dict[str, Any]) -> dict[str, Any]:
        return {}

    with pytest.raises(ValueError, match="'send' is taken"):
        SandboxServer(control_hooks={"send": hook})


async def test_stats_count_calls_and_time_each_delivery(bot: Bot, client: SandboxClient) -> None:
    await client.send(USER, "hi")
    await bot.send_message(USER, "one")
    await bot.send_message(USER, "two")
    await bot.send_chat_action(USER, "typing")
    stats = await client.stats()
    assert stats["calls"]["sendMessage"] == 2
    assert stats["calls"]["sendChatAction"] == 1
    deliveries = stats["sends"][str(USER)]
    assert [d["message_id"] for d in deliveries] == [2, 3]
    assert deliveries[0]["at"] <= deliveries[1]["at"]
    await client.reset_stats()
    assert (await client.stats())["calls"] == {}


async def test_errors_are_counted_per_method_and_status(bot: Bot, client: SandboxClient) -> None:
    await client.send(USER, "hi")
    await client.fault("500", "sendMessage")
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.send_message(USER, "x")
    assert (await client.stats())["errors"] == {"sendMessage 500": 1}


async def test_faults_can_be_listed_and_cleared(client: SandboxClient) -> None:
    await client.fault("delay", seconds=0.5, count=3)
    [armed] = await client._request("GET", "faults")
    assert (armed["kind"], armed["count"], armed["method"]) == ("delay", 3, None)
    await client.clear_faults()
    assert await client._request("GET", "faults") == []


async def test_a_text_with_a_command_carries_a_bot_command_entity(
    bot: Bot, client: SandboxClient
) -> None:
    await client.send(USER, "/start@atlasbot_sandbox_bot JOIN-42", language_code="de")
    await client.send(USER, "plain words")
    command, plain = await bot.get_updates(timeout=0)
    assert command.message is not None and plain.message is not None
    assert command.message.parse_entities() == {
        command.message.entities[0]: "/start@atlasbot_sandbox_bot"
    }
    assert command.message.from_user is not None
    assert command.message.from_user.language_code == "de"
    assert plain.message.entities == ()
