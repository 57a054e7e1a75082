"""Log lines as text for people or, with ``ATLASBOT_LOG_FORMAT=json``, one JSON object per
line for a log collector (issue 13): time, level, logger, message, and the exception.

In JSON, tracebacks follow the program's rule, only at ``DEBUG``; otherwise an exception is
one field naming its type and first line. The text format is the one the CLI always had.
Redacting secrets is a filter's job (passed in ``filters``); it runs on the record before
either format sees it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any

from atlasbot.config import Settings

TEXT_SERVICE_LAYOUT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TEXT_COMMAND_LAYOUT = "%(levelname)s: %(message)s"
# Loggers too talkative below WARNING unless a developer asks for DEBUG.
_CHATTY = ("alembic", "apscheduler", "telegram.ext", "aiohttp.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, *, tracebacks: bool = False) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error"] = error_line(error, record.exc_text)
            if self.tracebacks:
                # exc_text is what the filters (the redaction) saw and changed.
                entry["exc_info"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info and self.tracebacks:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def error_line(error: BaseException, exc_text: str | None) -> str:
    """``Type: first line of the message``, the message taken from the formatted traceback
    when there is one: the filters (the secrets' redaction) changed that text, not the
    exception object, whose message may hold a token. Without a traceback text the
    message is kept; with one that does not show it, only the type is given."""
    name = type(error).__name__
    if exc_text is None:
        first_line = (str(error).strip().splitlines() or [""])[0]
        return f"{name}: {first_line}".rstrip(": ")
    module, qualified = type(error).__module__, type(error).__qualname__
    # How the traceback module names the exception on the last line of the text.
    header = qualified if module in ("builtins", "__main__") else f"{module}.{qualified}"
    at = ("\n" + exc_text).rfind("\n" + header)
    if at < 0:
        return name
    line = exc_text[at:].split("\n", 1)[0]
    return f"{name}: {line[len(header) :].removeprefix(':').strip()}".rstrip(": ")


def make_formatter(settings: Settings, *, service: bool = True) -> logging.Formatter:
    """The formatter the settings ask for; ``service`` lines (run, sandbox) carry the time."""
    tracebacks = settings.log_level == "DEBUG"
    if settings.log_format == "json":
        return JsonFormatter(tracebacks=tracebacks)
    return logging.Formatter(TEXT_SERVICE_LAYOUT if service else TEXT_COMMAND_LAYOUT)


def configure_logging(
    settings: Settings,
    *,
    service: bool = True,
    filters: Sequence[logging.Filter] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Replace the root logger's handlers with one on ``stream`` (standard error) in the
    configured format and level, with ``filters`` (the secrets' redaction) on it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(settings, service=service))
    for log_filter in filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(
            logging.NOTSET if settings.log_level == "DEBUG" else logging.WARNING
        )
    return handler
