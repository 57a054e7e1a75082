"""Reading an events file sent in the chat: run in the upload worker process, away from the
event loop and the database (``atlasbot.bot.uploads``). Every refusal is an InvalidInput
listing the problems; the keys that were ignored come back as warnings for the coordinator.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from atlasbot.domain import Network
from atlasbot.errors import InvalidInput
from atlasbot.safe_files import FileRefused, decode_text
from atlasbot.services.trainings import records
from atlasbot.texts import uploads as upload_texts
from atlasbot.yamltext import YamlTextError, load_yaml

# The logger the events-file validator names ignored keys on.
_VALIDATOR_LOG = "atlasbot.training.events_file"


@dataclass(frozen=True, slots=True)
class EventsRead:
    """An uploaded events file, read and validated: what is stored, and what was ignored."""

    text: str
    events: dict[str, Any]
    ignored: tuple[str, ...]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _warnings_of(name: str) -> Iterator[list[str]]:
    """The warnings logged on ``name`` meanwhile (the worker reads one file at a time)."""
    handler = _Collect()
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)  # whatever the log level, the coordinator sees them
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def read_events_file(raw: bytes, source: str, network: Network, max_bytes: int) -> EventsRead:
    """In the upload worker: the file's text, its validated events and the ignored keys."""
    try:
        text = decode_text(raw, source, max_bytes=max_bytes)
        data = load_yaml(text, dates_as_text=True)
    except FileRefused as refused:
        raise InvalidInput(upload_texts.refused(source, refused.reason)) from None
    except YamlTextError as error:
        raise InvalidInput(upload_texts.refused(source, str(error))) from None
    with _warnings_of(_VALIDATOR_LOG) as ignored:
        plan = records.validated(data, source, network)
    shown = tuple(message.removeprefix(f"{source}: ") for message in ignored)
    return EventsRead(text, records.plan_to_mapping(plan), shown)
