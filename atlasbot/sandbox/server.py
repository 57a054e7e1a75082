"""The sandbox HTTP server: a local Telegram Bot API plus a JSON control API, on 127.0.0.1.

The bot talks to ``/bot<TOKEN>/<method>`` exactly as it would to api.telegram.org; tests,
the demo and benchmarks play the users through ``/sandbox/...`` (docs/sandbox.md). Faults
(429, 5xx, delays, dropped connections) and a global flood limit can be switched on to
rehearse how the bot copes with Telegram misbehaving.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from atlasbot.sandbox.botapi import BOT_API_METHODS, MESSAGE_SENDING_METHODS, Params, Upload
from atlasbot.sandbox.state import BotApiError, ControlError, SandboxState
from atlasbot.sandbox.webapp import init_data_for
from atlasbot.sandbox.webhook import WebhookDelivery

__all__ = ["ControlHook", "Fault", "SandboxServer"]

_LOGGER = logging.getLogger(__name__)

ControlHook = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""An app-provided control endpoint: JSON body in, JSON object out."""

_METHODS_BY_LOWER_NAME = {name.lower(): name for name in [*BOT_API_METHODS, "getUpdates"]}
_FAULT_KINDS = ("429", "500", "502", "delay", "drop", "late")
# Telegram's default when getUpdates never named allowed_updates.
_DEFAULT_EXCLUDED_UPDATES = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_BUILT_IN_CONTROL_NAMES = frozenset(
    {
        "send",
        "press",
        "location",
        "document",
        "messages",
        "callback-answers",
        "wait-idle",
        "block",
        "faults",
        "stats",
        "rate-limit",
        "commands",
        "health",
    }
)


@dataclass
class Fault:
    """An injected failure for the next ``count`` matching Bot API calls."""

    kind: str
    method: str | None = None
    chat_id: int | None = None
    count: int = 1
    retry_after: int = 1
    seconds: float = 1.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Whether this fault applies to a call (no method: every method but getUpdates)."""
        if self.method is None:
            if method == "getUpdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


class _DropConnection(Exception):
    """Raised inside a handler to close the connection without an answer."""


class SandboxServer:
    """A local Telegram Bot API for demos, tests and rehearsal; binds 127.0.0.1 only."""

    def __init__(
        self,
        *,
        token: str = "sandbox-token",  # noqa: S107 - a placeholder for a local fake, no secret
        bot_username: str = "atlasbot_sandbox_bot",
        bot_first_name: str = "atlasbot (sandbox)",
        control_hooks: Mapping[str, ControlHook] | None = None,
        idle_probe: Callable[[], bool] | None = None,
        quiet_period: float = 0.03,
    ) -> None:
        self.token = token
        bot_id_text = token.split(":", 1)[0]
        bot_id = int(bot_id_text) if bot_id_text.isdigit() else 7_000_000_001
        self.state = SandboxState(
            bot_user={
                "id": bot_id,
                "is_bot": True,
                "first_name": bot_first_name,
                "username": bot_username,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )
        self._hooks: dict[str, ControlHook] = {}
        for name, hook in (control_hooks or {}).items():
            self.add_control_hook(name, hook)
        self.idle_probe = idle_probe
        self.quiet_period = quiet_period
        self._faults: list[Fault] = []
        self._rate_per_second: float | None = None
        self._recent_sends: deque[float] = deque()
        self._allowed_updates: frozenset[str] | None = None
        self._updates_arrived = asyncio.Event()
        self._closing = asyncio.Event()
        self._poll_generation = 0
        self._requests_in_flight = 0
        self._last_activity = 0.0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._webhook = WebhookDelivery(self.state, self._deliverable_updates, self._touch)

    # ---- life cycle ------------------------------------------------------------------
    async def start(self, port: int = 0) -> int:
        """Serve on 127.0.0.1:``port`` (0: any free port); returns the bound port."""
        if self._runner is not None:
            raise RuntimeError("the sandbox server is already running")
        app = web.Application(client_max_size=_MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file_download)
        self._add_control_routes(app)
        # Fresh events: a server may be started again inside another event loop.
        self._closing = asyncio.Event()
        self._updates_arrived = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = site.port
        self._last_activity = self.state.monotonic_clock()
        self._webhook.start()
        return self._port

    async def stop(self) -> None:
        """Answer waiting long polls, then close every connection."""
        if self._runner is None:
            return
        self._closing.set()
        self._wake_pollers()
        await self._webhook.stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> SandboxServer:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._port is None:
            raise RuntimeError("the sandbox server has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        """What ``ApplicationBuilder().base_url()`` and ``Bot(base_url=...)`` take."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What ``ApplicationBuilder().base_file_url()`` and ``Bot(base_file_url=...)`` take."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def control_url(self) -> str:
        """Root of the JSON control API."""
        return f"http://127.0.0.1:{self.port}/sandbox"

    # ---- in-process control (the same operations as the control API) ----------------
    def add_control_hook(self, name: str, hook: ControlHook) -> None:
        """Mount ``hook`` at ``POST /sandbox/<name>`` (e.g. "invite", "clock", "restart")."""
        if name in _BUILT_IN_CONTROL_NAMES:
            raise ValueError(f"control hook name {name!r} is taken by a built-in endpoint")
        if not name or "/" in name:
            raise ValueError(f"control hook name {name!r} must be one non-empty path segment")
        self._hooks[name] = hook

    def send(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user sends a text message; returns the update_id."""
        user = self.state.remember_user(
            user_id, first_name=first_name, language_code=language_code
        )
        update_id = self.state.user_sends_text(user, text, reply_to_message_id)
        self._wake_pollers()
        return update_id

    def press(self, user_id: int, message_id: int, data: str) -> tuple[int, bool]:
        """A user presses a button; returns (update_id, whether a button carries ``data``)."""
        user = self.state.remember_user(user_id)
        result = self.state.user_presses(user, message_id, data)
        self._wake_pollers()
        return result

    def location(self, user_id: int, lat: float, lon: float) -> int:
        """A user shares a location; returns the update_id."""
        user = self.state.remember_user(user_id)
        update_id = self.state.user_sends_location(user, lat, lon)
        self._wake_pollers()
        return update_id

    def document(
        self, user_id: int, filename: str, content: bytes, caption: str | None = None
    ) -> int:
        """A user sends a file; returns the update_id."""
        user = self.state.remember_user(user_id)
        update_id = self.state.user_sends_document(user, filename, content, caption)
        self._wake_pollers()
        return update_id

    def block(self, user_id: int, blocked: bool = True) -> int | None:
        """A user blocks (or unblocks) the bot; returns the my_chat_member update_id if any."""
        user = self.state.remember_user(user_id)
        update_id = self.state.set_blocked(user, blocked)
        self._wake_pollers()
        return update_id

    def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        """The bot's messages to a chat, oldest first, as ``GET /sandbox/messages`` lists them."""
        return [message.listing() for message in self.state.bot_messages(chat_id, after)]

    def callback_answers(self, chat_id: int) -> list[dict[str, Any]]:
        """Every button press in a chat and how the bot answered it."""
        return [
            query.listing()
            for query in self.state.callback_queries.values()
            if query.chat_id == chat_id
        ]

    def set_fault(
        self,
        kind: str,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        count: int = 1,
        retry_after: int = 1,
        seconds: float = 1.0,
    ) -> Fault:
        """Make the next ``count`` calls of ``method`` (default: any but getUpdates) fail."""
        kind = str(kind)
        if kind not in _FAULT_KINDS:
            raise ValueError(f"kind: {kind!r} is not one of {', '.join(_FAULT_KINDS)}")
        if method is not None and method not in _METHODS_BY_LOWER_NAME.values():
            known = ", ".join(sorted(_METHODS_BY_LOWER_NAME.values()))
            raise ValueError(f"method: {method!r} is not a sandbox Bot API method ({known})")
        if count < 1:
            raise ValueError(f"count: must be at least 1, got {count}")
        if retry_after < 1:
            raise ValueError(f"retry_after: must be at least 1 second, got {retry_after}")
        if seconds < 0:
            raise ValueError(f"seconds: must not be negative, got {seconds}")
        fault = Fault(
            kind=kind,
            method=method,
            chat_id=chat_id,
            count=count,
            retry_after=retry_after,
            seconds=seconds,
        )
        self._faults.append(fault)
        return fault

    def faults(self) -> list[Fault]:
        """Faults still armed."""
        return list(self._faults)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self._faults.clear()

    def set_rate_limit(self, per_second: float | None) -> None:
        """Emulate a global flood limit on sends (None or 0 switches it off)."""
        if per_second is not None and per_second < 0:
            raise ValueError(f"per_second: must not be negative, got {per_second}")
        self._rate_per_second = per_second or None
        self._recent_sends.clear()

    def stats(self) -> dict[str, Any]:
        """Bot API call counts per method, errors, and each chat's deliveries with timestamps."""
        return self.state.stats()

    def is_idle(self) -> bool:
        """Every update confirmed, no Bot API call running, a quiet moment, the bot idle."""
        return not self._busy_reasons()

    # A deadline parameter reads better for callers than asyncio.timeout around a poll loop.
    async def wait_idle(self, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """Wait until ``is_idle()``; False if ``timeout`` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.is_idle():
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.005)

    def _busy_reasons(self) -> list[str]:
        reasons = []
        if self.state.pending_updates:
            how = "delivered to the webhook" if self.state.webhook else "confirmed by getUpdates"
            reasons.append(
                f"{len(self.state.pending_updates)} update(s) not yet {how}"
                " (is the bot polling, or its webhook answering?)"
            )
        if self._requests_in_flight:
            reasons.append(f"{self._requests_in_flight} Bot API request(s) in flight")
        if self.state.monotonic_clock() - self._last_activity < self.quiet_period:
            reasons.append("a Bot API request finished moments ago")
        if not reasons and self.idle_probe is not None and not self.idle_probe():
            reasons.append("the bot reports handlers still running")
        return reasons

    # ---- Bot API ---------------------------------------------------------------------
    def _wake_pollers(self) -> None:
        self._updates_arrived.set()
        self._updates_arrived = asyncio.Event()
        self._webhook.wake()

    def _touch(self) -> None:
        self._last_activity = self.state.monotonic_clock()

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = _METHODS_BY_LOWER_NAME.get(request.match_info["method"].lower())
        if method is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        tracked = method != "getUpdates"
        if tracked:
            self._requests_in_flight += 1
            self._last_activity = self.state.monotonic_clock()
        try:
            result = await self._call(method, request)
            return web.json_response({"ok": True, "result": result})
        except BotApiError as error:
            self.state.error_counts[f"{method} {error.status}"] += 1
            return web.json_response(error.payload(), status=error.status)
        except _DropConnection:
            self.state.error_counts[f"{method} dropped"] += 1
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPInternalServerError() from None
        finally:
            if tracked:
                self._requests_in_flight -= 1
                self._last_activity = self.state.monotonic_clock()

    async def _call(self, method: str, request: web.Request) -> Any:
        params = Params(await _request_values(request))
        self.state.call_counts[method] += 1
        late = await self._apply_fault(method, params.optional_chat_id())
        if method in MESSAGE_SENDING_METHODS:
            self._check_rate_limit()
        if method == "getUpdates":
            return await self._get_updates(params)
        result = BOT_API_METHODS[method](self.state, params)
        if late is not None:
            # Accepted (the message is in the chat), answered only after a while: the window
            # in which a crash leaves the bot not knowing whether its message arrived.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), late)
        if method in ("setWebhook", "deleteWebhook"):
            hook = self.state.webhook
            if hook is not None and hook.allowed_updates is not None:
                self._allowed_updates = hook.allowed_updates
            self._wake_pollers()  # a waiting long poll ends with 409; posting starts or stops
        return result

    async def _apply_fault(self, method: str, chat_id: int | None) -> float | None:
        """Fail (or delay) a call as a fault says; a "late" fault's delay is returned, to
        wait after the call took effect."""
        fault = next((fault for fault in self._faults if fault.matches(method, chat_id)), None)
        if fault is None:
            return None
        fault.count -= 1
        if fault.count <= 0:
            self._faults.remove(fault)
        if fault.kind == "late":
            return fault.seconds
        if fault.kind == "429":
            raise BotApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )
        if fault.kind == "500":
            raise BotApiError(500, "Internal Server Error")
        if fault.kind == "502":
            raise BotApiError(502, "Bad Gateway")
        if fault.kind == "drop":
            raise _DropConnection
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), fault.seconds)
        return None

    def _check_rate_limit(self) -> None:
        if self._rate_per_second is None:
            return
        now = self.state.monotonic_clock()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self._rate_per_second:
            retry_after = max(1, math.ceil(1.0 - (now - self._recent_sends[0])))
            raise BotApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        self._recent_sends.append(now)

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        """Long polling: confirm by offset, answer at once if anything waits, else wait."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an earlier poll, if one waits, ends with 409 Conflict
        if self.state.webhook is not None:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.optional_integer("offset")
        limit = params.optional_integer("limit") or 100
        if not 1 <= limit <= 100:
            limit = 100
        timeout = max(0.0, params.number("timeout")) if params.raw("timeout") else 0.0
        allowed = params.structured("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(kind) for kind in allowed) or None
        if offset is not None:
            before = len(self.state.pending_updates)
            self.state.confirm_updates(offset)
            if len(self.state.pending_updates) != before:
                self._last_activity = self.state.monotonic_clock()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            arrived = self._updates_arrived
            if generation != self._poll_generation or self.state.webhook is not None:
                raise BotApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            deliverable = self._deliverable_updates()
            remaining = deadline - loop.time()
            if deliverable or remaining <= 0 or self._closing.is_set():
                self.state.fetch_counts.update(u["update_id"] for u in deliverable[:limit])
                return deliverable[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), remaining)

    def _deliverable_updates(self) -> list[dict[str, Any]]:
        """Pending updates of the kinds the bot asked for; others are dropped, as Telegram does."""

        def wanted(update: dict[str, Any]) -> bool:
            kind = next(key for key in update if key != "update_id")
            if self._allowed_updates is None:
                return kind not in _DEFAULT_EXCLUDED_UPDATES
            return kind in self._allowed_updates

        self.state.pending_updates = [u for u in self.state.pending_updates if wanted(u)]
        return list(self.state.pending_updates)

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self.state.files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # ---- control API -----------------------------------------------------------------
    def _add_control_routes(self, app: web.Application) -> None:
        routes = [
            ("POST", "send", self._control_send),
            ("POST", "press", self._control_press),
            ("POST", "location", self._control_location),
            ("POST", "document", self._control_document),
            ("GET", "messages", self._control_messages),
            ("GET", "callback-answers", self._control_callback_answers),
            ("POST", "wait-idle", self._control_wait_idle),
            ("POST", "block", self._control_block),
            ("GET", "faults", self._control_list_faults),
            ("POST", "faults", self._control_add_fault),
            ("DELETE", "faults", self._control_clear_faults),
            ("GET", "stats", self._control_stats),
            ("DELETE", "stats", self._control_reset_stats),
            ("POST", "rate-limit", self._control_rate_limit),
            ("GET", "commands", self._control_commands),
            ("GET", "health", self._control_health),
            ("POST", "webapp-init-data", self._control_webapp_init_data),
        ]
        for http_method, name, handler in routes:
            app.router.add_route(http_method, f"/sandbox/{name}", _control_endpoint(handler))
        app.router.add_post("/sandbox/{name}", _control_endpoint(self._control_hook))

    async def _control_send(self, request: web.Request) -> Any:
        body = await _json_body(request)
        update_id = self.send(
            _int_field(body, "user_id"),
            _str_field(body, "text"),
            first_name=_optional_str_field(body, "first_name"),
            language_code=_optional_str_field(body, "language_code"),
            reply_to_message_id=_optional_int_field(body, "reply_to_message_id"),
        )
        return {"update_id": update_id}

    async def _control_press(self, request: web.Request) -> Any:
        body = await _json_body(request)
        update_id, matched = self.press(
            _int_field(body, "user_id"), _int_field(body, "message_id"), _str_field(body, "data")
        )
        return {"update_id": update_id, "matched": matched}

    async def _control_location(self, request: web.Request) -> Any:
        body = await _json_body(request)
        lat, lon = _float_field(body, "lat"), _float_field(body, "lon")
        if not -90 <= lat <= 90:
            raise ControlError(400, f"lat: {lat} is outside -90..90")
        if not -180 <= lon <= 180:
            raise ControlError(400, f"lon: {lon} is outside -180..180")
        return {"update_id": self.location(_int_field(body, "user_id"), lat, lon)}

    async def _control_document(self, request: web.Request) -> Any:
        body = await _json_body(request)
        encoded = _str_field(body, "content_base64", allow_empty=True)
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ControlError(400, f"content_base64: not valid base64 ({error})") from error
        update_id = self.document(
            _int_field(body, "user_id"),
            _str_field(body, "filename"),
            content,
            _optional_str_field(body, "caption"),
        )
        return {"update_id": update_id}

    async def _control_messages(self, request: web.Request) -> Any:
        chat_id = _int_query(request, "chat_id")
        after = _int_query(request, "after", default=0)
        return self.messages(chat_id, after)

    async def _control_callback_answers(self, request: web.Request) -> Any:
        return self.callback_answers(_int_query(request, "chat_id"))

    async def _control_wait_idle(self, request: web.Request) -> Any:
        body = await _json_body(request, required=False)
        timeout = _optional_float_field(body, "timeout")
        timeout = 10.0 if timeout is None else timeout
        if await self.wait_idle(timeout):
            return {"idle": True}
        raise ControlError(
            504, f"not idle after {timeout:g} s: " + "; ".join(self._busy_reasons())
        )

    async def _control_block(self, request: web.Request) -> Any:
        body = await _json_body(request)
        blocked = body.get("blocked", True)
        if not isinstance(blocked, bool):
            raise ControlError(400, f"blocked: expected true or false, got {blocked!r}")
        user_id = _int_field(body, "user_id")
        return {"user_id": user_id, "blocked": blocked, "update_id": self.block(user_id, blocked)}

    async def _control_list_faults(self, request: web.Request) -> Any:
        return [asdict(fault) for fault in self._faults]

    async def _control_add_fault(self, request: web.Request) -> Any:
        body = await _json_body(request)
        kind = body.get("kind")
        if not isinstance(kind, str | int) or isinstance(kind, bool):
            raise ControlError(400, f"kind: required, one of {', '.join(_FAULT_KINDS)}")
        retry_after = _optional_int_field(body, "retry_after")
        count = _optional_int_field(body, "count")
        seconds = _optional_float_field(body, "seconds")
        try:
            fault = self.set_fault(
                str(kind),
                method=_optional_str_field(body, "method"),
                chat_id=_optional_int_field(body, "chat_id"),
                count=1 if count is None else count,
                retry_after=1 if retry_after is None else retry_after,
                seconds=1.0 if seconds is None else seconds,
            )
        except ValueError as error:
            raise ControlError(400, str(error)) from error
        return {"fault": asdict(fault), "active": len(self._faults)}

    async def _control_clear_faults(self, request: web.Request) -> Any:
        self.clear_faults()
        return {"active": 0}

    async def _control_stats(self, request: web.Request) -> Any:
        return self.stats()

    async def _control_reset_stats(self, request: web.Request) -> Any:
        self.state.reset_stats()
        return self.stats()

    async def _control_rate_limit(self, request: web.Request) -> Any:
        body = await _json_body(request)
        per_second = _optional_float_field(body, "per_second")
        try:
            self.set_rate_limit(per_second)
        except ValueError as error:
            raise ControlError(400, str(error)) from error
        return {"per_second": self._rate_per_second}

    async def _control_commands(self, request: web.Request) -> Any:
        menus = [
            {"scope": json.loads(scope), "language_code": language, "commands": commands}
            for (scope, language), commands in self.state.commands.items()
        ]
        if "chat_id" not in request.query:
            return menus
        # One chat's menu as that member sees it: its own (scope "chat"), else the default;
        # in each, the one for the user's language first, then the one for every language.
        chat = _int_query(request, "chat_id")
        user = self.state.users.get(chat)
        language = (user.language_code if user else None) or ""
        fitting = [m for m in menus if m["language_code"] in (language, "")]
        fitting.sort(key=lambda m: m["language_code"] != language)
        own = [m for m in fitting if m["scope"] == {"type": "chat", "chat_id": chat}]
        default = [m for m in fitting if m["scope"] == {"type": "default"}]
        return (own or default)[:1]

    async def _control_health(self, request: web.Request) -> Any:
        return {"ok": True, "bot": self.state.bot_user["username"]}

    async def _control_webapp_init_data(self, request: web.Request) -> Any:
        body = await _json_body(request)
        init_data = init_data_for(
            self.token,
            _int_field(body, "user_id"),
            _optional_str_field(body, "first_name") or "",
            auth_date=_optional_int_field(body, "auth_date"),
        )
        return {"init_data": init_data}

    async def _control_hook(self, request: web.Request) -> Any:
        name = request.match_info["name"]
        hook = self._hooks.get(name)
        if hook is None:
            raise ControlError(
                501,
                f"no control hook named {name!r} is installed"
                + (f" (installed: {', '.join(sorted(self._hooks))})" if self._hooks else ""),
            )
        body = await _json_body(request, required=False)
        try:
            result = await hook(body)
        except ControlError:
            raise
        except (ValueError, KeyError, LookupError) as error:
            raise ControlError(400, f"{name}: {error}") from error
        if not isinstance(result, dict):
            raise ControlError(500, f"control hook {name!r} returned {type(result).__name__}")
        return result


# ---- request decoding ------------------------------------------------------------------
async def _request_values(request: web.Request) -> dict[str, object]:
    """Query string plus body: JSON, url-encoded or multipart (files become ``Upload``)."""
    values: dict[str, object] = dict(request.query)
    if not request.can_read_body:
        return values
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as error:
            raise BotApiError(400, "Bad Request: can't parse JSON request body") from error
        if not isinstance(body, dict):
            raise BotApiError(400, "Bad Request: the JSON request body must be an object")
        values.update(body)
        return values
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            values[name] = Upload(
                filename=value.filename,
                content=value.file.read(),
                content_type=value.content_type,
            )
        else:
            values[name] = value
    return values


def _control_endpoint(
    handler: Callable[[web.Request], Awaitable[Any]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Turn a handler's result or ``ControlError`` into JSON; never send a traceback."""

    async def endpoint(request: web.Request) -> web.StreamResponse:
        try:
            return web.json_response(await handler(request))
        except ControlError as error:
            return web.json_response({"ok": False, "error": error.message}, status=error.status)
        except Exception as error:
            _LOGGER.exception("sandbox control endpoint %s failed", request.path)
            return web.json_response(
                {"ok": False, "error": f"{type(error).__name__}: {error}"}, status=500
            )

    return endpoint


async def _json_body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.text()
    if not raw.strip():
        if required:
            raise ControlError(400, "body: expected a JSON object, got an empty body")
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ControlError(400, f"body: not valid JSON ({error})") from error
    if not isinstance(body, dict):
        raise ControlError(400, f"body: expected a JSON object, got {type(body).__name__}")
    return body


def _int_field(body: Mapping[str, Any], name: str) -> int:
    value = _optional_int_field(body, name)
    if value is None:
        raise ControlError(400, f"{name}: required integer is missing")
    if name == "user_id" and value <= 0:
        # Private chats have positive ids; negative ones are groups, which the sandbox lacks.
        raise ControlError(400, f"user_id: must be a positive integer, got {value}")
    return value


def _optional_int_field(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"{name}: expected an integer, got {value!r}")
    return value


def _float_field(body: Mapping[str, Any], name: str) -> float:
    value = _optional_float_field(body, name)
    if value is None:
        raise ControlError(400, f"{name}: required number is missing")
    return value


def _optional_float_field(body: Mapping[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, f"{name}: expected a number, got {value!r}")
    return float(value)


def _str_field(body: Mapping[str, Any], name: str, *, allow_empty: bool = False) -> str:
    value = body.get(name)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ControlError(400, f"{name}: required non-empty string is missing")
    return value


def _optional_str_field(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f"{name}: expected a string, got {value!r}")
    return value


def _int_query(request: web.Request, name: str, default: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ControlError(400, f"{name}: required query parameter is missing")
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ControlError(400, f"{name}: expected an integer, got {raw!r}") from error
