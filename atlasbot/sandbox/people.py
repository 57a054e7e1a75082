"""People in the sandbox: a member who types, taps and reads, as tests and the demo play them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atlasbot.sandbox.client import SandboxClient


@dataclass
class Person:
    """One Telegram user talking to the bot through the sandbox's control API."""

    sandbox: SandboxClient
    user_id: int
    name: str
    seen: int = 0  # the newest message id already read
    edits_seen: dict[int, int] = field(default_factory=dict, repr=False)
    on_message: Callable[[Person, dict[str, Any]], None] | None = field(default=None, repr=False)
    # The language the person's Telegram app is set to (None: Telegram sends none).
    language_code: str | None = "en"

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Send a text (or command) and return the bot's new messages to this person."""
        await self.sandbox.send(
            self.user_id, text, first_name=self.name, language_code=self.language_code
        )
        return await self.settle()

    async def tap(
        self, button: str | re.Pattern[str], message: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Press the newest button whose text matches, and return the new messages."""
        await self.sandbox.press_button(self.user_id, button, message)
        return await self.settle()

    async def press_data(self, message_id: int, data: str) -> list[dict[str, Any]]:
        """Press arbitrary callback data on a message (forged or replayed presses)."""
        await self.sandbox.press(self.user_id, message_id, data)
        return await self.settle()

    async def share_location(self, lat: float, lon: float) -> list[dict[str, Any]]:
        await self.sandbox.location(self.user_id, lat, lon)
        return await self.settle()

    async def settle(self) -> list[dict[str, Any]]:
        await self.sandbox.wait_idle(timeout=30)
        return await self.news()

    async def news(self) -> list[dict[str, Any]]:
        """Messages that arrived (or were edited) since the last look."""
        messages = await self.sandbox.messages(self.user_id)
        fresh = [
            m
            for m in messages
            if m["message_id"] > self.seen
            or m.get("edit_count", 0) > self.edits_seen.get(m["message_id"], 0)
        ]
        for message in messages:
            self.edits_seen[message["message_id"]] = message.get("edit_count", 0)
        if messages:
            self.seen = max(self.seen, max(m["message_id"] for m in messages))
        for message in fresh:
            if self.on_message is not None:
                self.on_message(self, message)
        return fresh

    async def all_messages(self) -> list[dict[str, Any]]:
        return await self.sandbox.messages(self.user_id)

    async def last(self) -> dict[str, Any]:
        return (await self.sandbox.messages(self.user_id))[-1]

    async def callback_answers(self) -> list[dict[str, Any]]:
        return await self.sandbox.callback_answers(self.user_id)

    async def enrol(
        self, role: str, *, country: str | None = None, unit: str | None = None
    ) -> list[dict[str, Any]]:
        code = await self.sandbox.invite(role, country=country, unit=unit)
        return await self.say(f"/start {code}")


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


def button_texts(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in buttons_of(message)]
