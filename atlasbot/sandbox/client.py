"""An async client for the sandbox's control API, used by tests, the demo and benchmarks."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import aiohttp

__all__ = ["SandboxClient", "SandboxControlError"]

ButtonMatcher = str | re.Pattern[str] | Callable[[dict[str, Any]], bool]
"""A button's text (exact, else a case-blind part of it), a pattern searched in its text,
or a predicate on the button dict."""


class SandboxControlError(RuntimeError):
    """The control API refused a call; ``status`` is the HTTP code, the message its reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"sandbox control API answered {status}: {message}")
        self.status = status
        self.message = message


class SandboxClient:
    """Plays users against a running sandbox: ``async with SandboxClient(url) as sandbox:``."""

    def __init__(self, control_url: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.control_url = control_url.rstrip("/")
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (if this client made it)."""
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def _request(
        self,
        http_method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        if self._session is None:
            # Made lazily so the session belongs to the running event loop.
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        async with self._session.request(
            http_method, f"{self.control_url}/{path}", json=body, params=query
        ) as response:
            try:
                payload = await response.json(content_type=None)
            except ValueError:
                payload = {"error": await response.text()}
            if response.status >= 400:
                message = payload.get("error") if isinstance(payload, dict) else payload
                raise SandboxControlError(response.status, str(message))
            return payload

    # ---- users -----------------------------------------------------------------------
    async def send(
        self,
        user_id: int,
        text: str,
        first_name: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
    ) -> int:
        """The user sends ``text`` (a leading /command is a command); returns the update_id."""
        body: dict[str, Any] = {"user_id": user_id, "text": text}
        if first_name is not None:
            body["first_name"] = first_name
        if language_code is not None:
            body["language_code"] = language_code
        if reply_to_message_id is not None:
            body["reply_to_message_id"] = reply_to_message_id
        result = await self._request("POST", "send", body=body)
        return int(result["update_id"])

    async def press(self, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        """Press a button (or forge a press) on a bot message: ``{"update_id", "matched"}``."""
        result: dict[str, Any] = await self._request(
            "POST", "press", body={"user_id": user_id, "message_id": message_id, "data": data}
        )
        return result

    async def press_button(
        self,
        user_id: int,
        button: ButtonMatcher,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Press the first matching callback button of ``message``, or of the newest message
        that has one; raises LookupError naming the buttons on offer when none matches."""
        candidates = [message] if message is not None else await self.messages(user_id)
        offered: list[str] = []
        for candidate in reversed(candidates):
            if candidate.get("deleted"):
                continue
            rows = (candidate.get("reply_markup") or {}).get("inline_keyboard", [])
            buttons = [entry for row in rows for entry in row if "callback_data" in entry]
            offered.extend(entry["text"] for entry in buttons)
            # An exact text wins over a partial one ("Accept" vs "Accept counter-proposal").
            for exact in (True, False):
                for entry in buttons:
                    if _button_matches(button, entry, exact=exact):
                        return await self.press(
                            user_id, candidate["message_id"], entry["callback_data"]
                        )
        raise LookupError(
            f"no button matching {button!r} in chat {user_id}; buttons on offer: "
            + (", ".join(repr(text) for text in offered) or "none")
        )

    async def location(self, user_id: int, lat: float, lon: float) -> int:
        """The user shares a location; returns the update_id."""
        result = await self._request(
            "POST", "location", body={"user_id": user_id, "lat": lat, "lon": lon}
        )
        return int(result["update_id"])

    async def document(
        self, user_id: int, filename: str, content: bytes | str, caption: str | None = None
    ) -> int:
        """The user sends a file (str content is UTF-8 encoded); returns the update_id."""
        raw = content.encode("utf-8") if isinstance(content, str) else content
        body: dict[str, Any] = {
            "user_id": user_id,
            "filename": filename,
            "content_base64": base64.b64encode(raw).decode("ascii"),
        }
        if caption is not None:
            body["caption"] = caption
        result = await self._request("POST", "document", body=body)
        return int(result["update_id"])

    async def block(self, user_id: int, blocked: bool = True) -> dict[str, Any]:
        """The user blocks (or unblocks) the bot."""
        result: dict[str, Any] = await self._request(
            "POST", "block", body={"user_id": user_id, "blocked": blocked}
        )
        return result

    # ---- reading ---------------------------------------------------------------------
    async def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        """The bot's messages to ``chat_id`` with ``message_id > after``, oldest first."""
        result: list[dict[str, Any]] = await self._request(
            "GET", "messages", query={"chat_id": str(chat_id), "after": str(after)}
        )
        return result

    async def last_message(self, chat_id: int) -> dict[str, Any]:
        """The bot's newest message to ``chat_id``; LookupError if it sent none."""
        messages = await self.messages(chat_id)
        if not messages:
            raise LookupError(f"the bot has sent nothing to chat {chat_id}")
        return messages[-1]

    async def callback_answers(self, chat_id: int) -> list[dict[str, Any]]:
        """Every press in the chat with the bot's answer (text, show_alert)."""
        result: list[dict[str, Any]] = await self._request(
            "GET", "callback-answers", query={"chat_id": str(chat_id)}
        )
        return result

    async def commands(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The bot's command menus: ``[{"scope", "language_code", "commands"}]`` (with
        ``chat_id``: the one menu that chat shows, its own or else the default)."""
        query = {"chat_id": str(chat_id)} if chat_id is not None else None
        result: list[dict[str, Any]] = await self._request("GET", "commands", query=query)
        return result

    async def menu(self, chat_id: int) -> list[str]:
        """The commands one chat's menu shows, in order."""
        menus = await self.commands(chat_id)
        return [command["command"] for menu in menus for command in menu["commands"]]

    # The timeout is the server's to enforce (it answers 504), so it is a parameter here.
    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Return once every update sent so far is handled; SandboxControlError(504) if not."""
        await self._request("POST", "wait-idle", body={"timeout": timeout})

    async def stats(self) -> dict[str, Any]:
        """Bot API call counts, errors, and per-chat deliveries with timestamps."""
        result: dict[str, Any] = await self._request("GET", "stats")
        return result

    async def reset_stats(self) -> None:
        """Forget counters and delivery times."""
        await self._request("DELETE", "stats")

    # ---- faults and limits -----------------------------------------------------------
    async def fault(
        self,
        kind: str | int,
        method: str | None = None,
        *,
        count: int = 1,
        chat_id: int | None = None,
        retry_after: int | None = None,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        """Make the next ``count`` calls of ``method`` fail ("429", "500", "502", "delay",
        "drop", "late": carried out, answered only after ``seconds``)."""
        body: dict[str, Any] = {"kind": str(kind), "count": count}
        for name, value in (
            ("method", method),
            ("chat_id", chat_id),
            ("retry_after", retry_after),
            ("seconds", seconds),
        ):
            if value is not None:
                body[name] = value
        result: dict[str, Any] = await self._request("POST", "faults", body=body)
        return result

    async def clear_faults(self) -> None:
        """Disarm every injected fault."""
        await self._request("DELETE", "faults")

    async def rate_limit(self, per_second: float | None) -> None:
        """Emulate a global flood limit on sends (None switches it off)."""
        await self._request("POST", "rate-limit", body={"per_second": per_second})

    # ---- app hooks -------------------------------------------------------------------
    async def hook(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call an app-installed control hook (``POST /sandbox/<name>``)."""
        result: dict[str, Any] = await self._request("POST", name, body=body or {})
        return result

    async def invite(self, role: str, country: str | None = None, unit: str | None = None) -> str:
        """Ask the app for an enrolment code (the user then sends ``/start CODE``)."""
        body: dict[str, Any] = {"role": role}
        if country is not None:
            body["country"] = country
        if unit is not None:
            body["unit"] = unit
        result = await self.hook("invite", body)
        return str(result["code"])

    # ---- Mini Apps ---------------------------------------------------------------------
    async def webapp_init_data(
        self, user_id: int, first_name: str = "", *, auth_date: int | None = None
    ) -> str:
        """The signed ``initData`` Telegram would give ``user_id``'s Mini App page."""
        body: dict[str, Any] = {"user_id": user_id, "first_name": first_name}
        if auth_date is not None:
            body["auth_date"] = auth_date
        result = await self._request("POST", "webapp-init-data", body=body)
        return str(result["init_data"])

    async def web_app_url(self, user_id: int, button: ButtonMatcher) -> str:
        """The URL of the newest ``web_app`` button whose text matches (LookupError if none)."""
        for message in reversed(await self.messages(user_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for entry in (e for row in rows for e in row if "web_app" in e):
                if _button_matches(button, entry, exact=False) or _button_matches(
                    button, entry, exact=True
                ):
                    return str(entry["web_app"]["url"])
        raise LookupError(f"no web_app button matching {button!r} in chat {user_id}")


def _button_matches(button: ButtonMatcher, entry: dict[str, Any], *, exact: bool) -> bool:
    text = str(entry["text"])
    if isinstance(button, str):
        return text == button if exact else button.casefold() in text.casefold()
    if not exact:
        return False
    if isinstance(button, re.Pattern):
        return button.search(text) is not None
    return button(entry)
