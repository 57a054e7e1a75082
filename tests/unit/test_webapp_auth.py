"""The Mini App's initData check against Telegram's published algorithm, written out here
independently of the module: secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token);
hash = hex(HMAC_SHA256(key=secret_key, msg=the sorted key=value lines without hash))."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from atlasbot.webapp_auth import (
    InitDataError,
    check_not_superseded,
    sign_init_data,
    superseded,
    verify_init_data,
)

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
NOW = 1_800_000_000
DAY = 86400.0


def telegram_signed(fields: dict[str, str], token: str = TOKEN) -> str:
    """initData as Telegram builds it, from the documentation, not from the module."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items()) + f"&hash={digest}"


def fields_for(user_id: int = 42, auth_date: int = NOW, **extra: str) -> dict[str, str]:
    user = json.dumps({"id": user_id, "first_name": "Ana", "language_code": "en"})
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": user,
        "auth_date": str(auth_date),
    } | extra


def test_valid_init_data_names_its_user() -> None:
    user = verify_init_data(telegram_signed(fields_for()), TOKEN, now=NOW + 10, max_age_s=DAY)
    assert (user.user_id, user.first_name, user.auth_date) == (42, "Ana", NOW)
    assert user.query_id == "AAHdF6IQAAAAAN0XohDhrOrc"


def test_the_module_signs_as_telegram_does() -> None:
    fields = fields_for(chat_type="private")
    ours = dict(parse_qsl(sign_init_data(fields, TOKEN)))
    theirs = dict(parse_qsl(telegram_signed(fields)))
    assert ours == theirs


def test_forged_user_is_refused() -> None:
    genuine = telegram_signed(fields_for(user_id=42))
    fields = dict(parse_qsl(genuine))
    fields["user"] = fields["user"].replace("42", "43")
    with pytest.raises(InitDataError, match="signature"):
        verify_init_data(urlencode(fields), TOKEN, now=NOW, max_age_s=DAY)


@pytest.mark.parametrize(
    "init_data",
    [
        "",
        "garbage",
        urlencode({"user": '{"id": 42}', "auth_date": str(NOW)}),  # no hash
        urlencode({"user": '{"id": 42}', "auth_date": str(NOW), "hash": "0" * 64}),
    ],
)
def test_missing_or_unsigned_init_data_is_refused(init_data: str) -> None:
    with pytest.raises(InitDataError):
        verify_init_data(init_data, TOKEN, now=NOW, max_age_s=DAY)


def test_another_bots_token_is_refused() -> None:
    signed = telegram_signed(fields_for(), token="654321:another-bot")
    with pytest.raises(InitDataError, match="signature"):
        verify_init_data(signed, TOKEN, now=NOW, max_age_s=DAY)


def test_expired_init_data_is_refused() -> None:
    signed = telegram_signed(fields_for(auth_date=NOW))
    assert verify_init_data(signed, TOKEN, now=NOW + DAY, max_age_s=DAY).user_id == 42
    with pytest.raises(InitDataError, match="expired"):
        verify_init_data(signed, TOKEN, now=NOW + DAY + 1, max_age_s=DAY)


def test_init_data_from_the_future_is_refused() -> None:
    signed = telegram_signed(fields_for(auth_date=NOW + 3600))
    with pytest.raises(InitDataError, match="future"):
        verify_init_data(signed, TOKEN, now=NOW, max_age_s=DAY)


def test_signed_data_without_a_user_is_refused() -> None:
    signed = telegram_signed({"auth_date": str(NOW), "query_id": "x"})
    with pytest.raises(InitDataError, match="user"):
        verify_init_data(signed, TOKEN, now=NOW, max_age_s=DAY)


def test_a_repeated_key_is_refused() -> None:
    signed = telegram_signed(fields_for()) + "&auth_date=1"
    with pytest.raises(InitDataError):
        verify_init_data(signed, TOKEN, now=NOW, max_age_s=DAY)


def test_an_older_init_data_is_superseded_by_a_newer_one_of_its_user() -> None:
    old = verify_init_data(
        telegram_signed(fields_for(auth_date=NOW)), TOKEN, now=NOW + 5, max_age_s=DAY
    )
    new = verify_init_data(
        telegram_signed(fields_for(auth_date=NOW + 60)), TOKEN, now=NOW + 65, max_age_s=DAY
    )
    check_not_superseded(old, None)  # the first one seen
    check_not_superseded(old, old.auth_date)  # the open page polls with it: fine
    check_not_superseded(new, old.auth_date)
    with pytest.raises(InitDataError, match="replayed"):
        check_not_superseded(old, new.auth_date)
    assert superseded(NOW, NOW + 1) and not superseded(NOW, NOW) and not superseded(NOW, None)


def test_two_init_data_of_the_same_second_are_both_accepted() -> None:
    first = verify_init_data(
        telegram_signed(fields_for(query_id="a")), TOKEN, now=NOW, max_age_s=DAY
    )
    second = verify_init_data(
        telegram_signed(fields_for(query_id="b")), TOKEN, now=NOW, max_age_s=DAY
    )
    assert first.hash != second.hash
    check_not_superseded(second, first.auth_date)
    check_not_superseded(first, second.auth_date)
