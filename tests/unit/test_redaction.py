"""The bot token (and the audit key) never reach a log line or an error message."""

from __future__ import annotations

import io
import logging

import pytest

from atlasbot.cli import _run_cli
from atlasbot.redaction import REDACTED, Redactor, install

TOKEN = "123456789:AAHsecretPartOfTheBotToken_xyz"
SECRET_PART = TOKEN.split(":", 1)[1]


@pytest.fixture
def logged() -> tuple[logging.Logger, io.StringIO]:
    """A logger whose handler writes to a buffer, with the redactor installed."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("redaction-test")
    logger.handlers = [handler]
    logger.propagate = False
    install(Redactor([TOKEN, "an-audit-key-of-some-length-0123456789"]), logger)
    # What a library's child logger writes reaches the same handler by propagation.
    logging.getLogger("redaction-test.child").setLevel(logging.DEBUG)
    logger.setLevel(logging.DEBUG)
    return logger, buffer


def test_every_form_of_the_token_is_replaced_in_log_lines(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = logged
    logger.info("The token `%s` was rejected by the server.", TOKEN)
    logging.getLogger("redaction-test.child").warning(
        "POST https://api.telegram.org/bot%s/getMe", TOKEN
    )
    logger.info("quoted: 123456789%%3A%s", SECRET_PART)
    logger.info("split: secret part %s alone", SECRET_PART)
    logger.info("the audit key an-audit-key-of-some-length-0123456789 too")
    text = buffer.getvalue()
    assert SECRET_PART not in text
    assert "an-audit-key" not in text
    assert text.count(REDACTED) == 5
    assert f"/bot{REDACTED}/getMe" in text


def test_the_token_is_replaced_in_a_logged_traceback(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = logged
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/getUpdates failed")
    except RuntimeError:
        logger.exception("polling failed")
    text = buffer.getvalue()
    assert "Traceback" in text
    assert "RuntimeError: request to /bot[REDACTED]/getUpdates failed" in text
    assert SECRET_PART not in text


def test_an_unexpected_error_message_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    def failing() -> None:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")

    status = _run_cli(failing, Redactor([TOKEN]))
    err = capsys.readouterr().err
    assert status == 1
    assert SECRET_PART not in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_nothing_is_replaced_without_secrets() -> None:
    assert Redactor([None]).redact("bot123:abc") == "bot123:abc"
