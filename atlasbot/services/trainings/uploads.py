"""Reading an events file sent in the chat: run in the upload worker process, away from the
event loop and the database (``atlasbot.bot.uploads``). Every refusal is an InvalidInput
listing the problems; the keys that were ignored come back as warnings for the coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlasbot.domain import Network
from atlasbot.errors import InvalidInput
from atlasbot.safe_files import FileRefused, decode_text
from atlasbot.services.trainings import records
from atlasbot.texts import uploads as upload_texts
from atlasbot.yamltext import YamlTextError, load_yaml


@dataclass(frozen=True, slots=True)
class EventsRead:
    """An uploaded events file, read and validated: what is stored, and what was ignored."""

    text: str
    events: dict[str, Any]
    ignored: tuple[str, ...]


def read_events_file(raw: bytes, source: str, network: Network, max_bytes: int) -> EventsRead:
    """In the upload worker: the file's text, its validated events and the ignored keys."""
    try:
        text = decode_text(raw, source, max_bytes=max_bytes)
        data = load_yaml(text, dates_as_text=True)
    except FileRefused as refused:
        raise InvalidInput(upload_texts.refused(source, refused.reason)) from None
    except YamlTextError as error:
        raise InvalidInput(upload_texts.refused(source, str(error))) from None
    ignored: list[str] = []
    plan = records.validated(data, source, network, ignored=ignored)
    return EventsRead(text, records.plan_to_mapping(plan), tuple(ignored))
