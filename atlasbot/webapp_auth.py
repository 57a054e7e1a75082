"""Telegram Mini App authentication: the ``initData`` a page sends, checked (pure, no I/O).

Telegram's published algorithm (core.telegram.org/bots/webapps#validating-data-received-via-
the-mini-app): the data-check string is every ``key=value`` pair of the query string except
``hash``, sorted by key and joined by newlines; ``secret_key = HMAC_SHA256(key="WebAppData",
msg=bot_token)``; the data is genuine when ``hex(HMAC_SHA256(key=secret_key, msg=data_check
_string)) == hash``. ``auth_date`` (Unix seconds) bounds its age.

Replays: a page sends the same ``initData`` with each request while it is open, so one use
per ``initData`` cannot be the rule. The rule is: an ``initData`` is accepted only within its
age limit, only for the user it names (the signature covers ``user``), and once a newer one
(a later ``auth_date``) of the same user has been seen, the older ones are refused
(``superseded``; the newest per user is kept in the database, so every process and the next
leader apply it): a captured ``initData`` dies when its owner opens the app again, or at its
age limit, whichever comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

MAX_INIT_DATA_CHARS = 4096
FUTURE_SKEW_S = 60  # clocks differ a little; an auth_date further ahead is refused


class InitDataError(ValueError):
    """The ``initData`` is missing, malformed, forged, expired or replayed."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """Who a checked ``initData`` speaks for."""

    user_id: int
    first_name: str
    auth_date: int
    hash: str
    query_id: str = ""


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: Mapping[str, str]) -> str:
    """Every pair but ``hash``, sorted by key, one ``key=value`` a line."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: Mapping[str, str], bot_token: str) -> str:
    """The hex HMAC-SHA256 Telegram puts in ``hash`` for these fields."""
    message = data_check_string(fields).encode()
    return hmac.new(_secret_key(bot_token), message, hashlib.sha256).hexdigest()


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """An ``initData`` query string for ``fields``, signed as Telegram signs it (the sandbox
    and the tests use this; the bot only checks)."""
    pairs = {key: value for key, value in fields.items() if key != "hash"}
    return urlencode({**pairs, "hash": signature(pairs, bot_token)})


def verify_init_data(
    init_data: str, bot_token: str, *, now: float, max_age_s: float
) -> WebAppUser:
    """The user an ``initData`` speaks for, or InitDataError (forged, expired, malformed)."""
    if not init_data or len(init_data) > MAX_INIT_DATA_CHARS:
        raise InitDataError("initData missing or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("initData is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("initData repeats a key")
    given = fields.get("hash", "")
    if not hmac.compare_digest(given.encode(), signature(fields, bot_token).encode()):
        raise InitDataError("initData signature does not match")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("initData lacks auth_date or user") from None
    if auth_date > now + FUTURE_SKEW_S:
        raise InitDataError("initData is dated in the future")
    if now - auth_date > max_age_s:
        raise InitDataError("initData expired")
    return WebAppUser(
        user_id, str(user.get("first_name", "")), auth_date, given, fields.get("query_id", "")
    )


def superseded(auth_date: int, newest: int | None) -> bool:
    """Whether an ``initData`` of ``auth_date`` is older than the newest one seen of its user
    (two opened in the same second are both accepted: neither is older)."""
    return newest is not None and auth_date < newest


def check_not_superseded(user: WebAppUser, newest: int | None) -> None:
    """Raise InitDataError when a newer ``initData`` of ``user`` was seen."""
    if superseded(user.auth_date, newest):
        raise InitDataError("initData superseded by a newer one (replayed)")
