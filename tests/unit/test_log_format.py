"""Log lines as JSON on request (ATLASBOT_LOG_FORMAT=json), text otherwise."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from atlasbot.config import load_settings
from atlasbot.log_format import configure_logging


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def log_lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def fail_and_log(logger: logging.Logger) -> None:
    try:
        raise ValueError("bad readiness value\nsecond line")
    except ValueError:
        logger.exception("could not set readiness for %s", "DE-GSG9")


def test_json_logs_are_one_object_per_line_with_time_level_logger_and_message() -> None:
    stream = io.StringIO()
    configure_logging(load_settings(log_format="json"), stream=stream)
    logging.getLogger("atlasbot.test").info("alert %d escalated\nto the authority", 12)
    logging.getLogger("atlasbot.test").debug("not at INFO")
    (line,) = log_lines(stream)
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "atlasbot.test"
    assert entry["message"] == "alert 12 escalated\nto the authority"
    assert entry["time"].endswith("+00:00")


def test_json_logs_name_the_error_in_one_field_and_keep_tracebacks_for_debug() -> None:
    stream = io.StringIO()
    configure_logging(load_settings(log_format="json"), stream=stream)
    fail_and_log(logging.getLogger("atlasbot.test"))
    (line,) = log_lines(stream)
    entry = json.loads(line)
    assert entry["error"] == "ValueError: bad readiness value"
    assert "exc_info" not in entry

    stream = io.StringIO()
    configure_logging(load_settings(log_format="json", log_level="DEBUG"), stream=stream)
    fail_and_log(logging.getLogger("atlasbot.test"))
    (line,) = log_lines(stream)  # the traceback stays inside the one line
    assert "Traceback (most recent call last)" in json.loads(line)["exc_info"]


def test_text_logs_keep_the_familiar_layout() -> None:
    stream = io.StringIO()
    configure_logging(load_settings(), stream=stream)
    logging.getLogger("atlasbot.test").warning("slow database")
    (line,) = log_lines(stream)
    assert line.endswith(" WARNING atlasbot.test: slow database")
    assert not line.startswith("{")


def test_filters_given_run_before_the_json_is_written() -> None:
    class Redact(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.msg = str(record.msg).replace("123:SECRET", "[redacted]")
            return True

    stream = io.StringIO()
    configure_logging(load_settings(log_format="json"), filters=[Redact()], stream=stream)
    logging.getLogger("atlasbot.test").warning("calling https://api/bot123:SECRET/getMe")
    assert "SECRET" not in stream.getvalue()
    assert json.loads(log_lines(stream)[0])["message"].endswith("bot[redacted]/getMe")


def test_the_http_client_never_logs_request_urls() -> None:
    configure_logging(load_settings(log_format="json", log_level="DEBUG"), stream=io.StringIO())
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING


def test_a_token_in_an_exception_message_is_redacted_in_the_json_error_field() -> None:
    from atlasbot.redaction import Redactor

    token = "123456:AAHsecretPartOfTheTokenHere"
    stream = io.StringIO()
    configure_logging(
        load_settings(log_format="json", log_level="DEBUG"),
        filters=[Redactor([token])],
        stream=stream,
    )
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed\nmore")
    except RuntimeError:
        logging.getLogger("atlasbot.test").exception("getMe")
    assert "secretPart" not in stream.getvalue()
    entry = json.loads(log_lines(stream)[0])
    redacted_url = "https://api.telegram.org/bot[REDACTED]/getMe"
    assert entry["error"] == f"RuntimeError: POST {redacted_url} failed"
    assert "bot[REDACTED]/getMe" in entry["exc_info"]
