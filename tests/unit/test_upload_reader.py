"""The upload worker: a file that takes too long or needs too much memory is refused in one
line, and the next upload finds a fresh worker."""

from __future__ import annotations

import time

import pytest

from atlasbot.bot.uploads import UploadReader
from atlasbot.errors import InvalidInput
from atlasbot.i18n import current_locale, using_locale

pytestmark = pytest.mark.slow


def _sleep_then_answer(seconds: float) -> str:
    time.sleep(seconds)
    return "read"


def _language() -> str:
    return current_locale()


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


async def test_a_read_past_its_time_is_refused_and_the_worker_replaced() -> None:
    reader = UploadReader(seconds=5.0, memory_bytes=1024**3)
    try:
        assert await reader.read(_sleep_then_answer, 0.0) == "read"  # the worker is up
        reader.seconds = 0.5
        with pytest.raises(
            InvalidInput, match=r"^The file took too long to read \(more than 0.5 s\)"
        ):
            await reader.read(_sleep_then_answer, 30.0)
        reader.seconds = 10.0
        assert await reader.read(_sleep_then_answer, 0.0) == "read"
    finally:
        reader.close()


async def test_a_read_past_its_memory_is_refused_and_the_worker_replaced() -> None:
    reader = UploadReader(seconds=20.0, memory_bytes=512 * 1024**2)
    try:
        with pytest.raises(InvalidInput, match="needs too much memory"):
            await reader.read(_allocate, 2048)
        assert await reader.read(_allocate, 1) == 1024 * 1024
    finally:
        reader.close()


async def test_the_worker_writes_in_the_language_of_the_member_who_sent_the_file() -> None:
    reader = UploadReader(seconds=20.0, memory_bytes=1024**3)
    try:
        with using_locale("fr"):
            assert await reader.read(_language) == "fr"
        assert await reader.read(_language) == "en"
    finally:
        reader.close()
