"""Files sent in the chat are read in a separate process, with a time and a memory budget.

A document is untrusted: however it is made (an alias bomb, a huge CSV, a pathological
regular expression in a future validator), reading it must not delay a reply to anyone or an
escalation step. So the bot downloads it only when Telegram's ``file_size`` is within
``ATLASBOT_MAX_FILE_BYTES``, and then hands the bytes to ``UploadReader.read``, which runs the
reading function in one worker process (``max_workers=1``: uploads are rare, and one at a
time bounds what they can take) whose address space is limited (``RLIMIT_AS``,
``ATLASBOT_UPLOAD_MEMORY_BYTES``), and waits at most ``ATLASBOT_UPLOAD_SECONDS``. A file that
takes longer is refused in one line and its worker is killed; a worker that died (out of
memory, a crash) is replaced; either way the next upload finds a fresh worker. No database
transaction is open while a file is read: the use cases read what they need before and store
the result after.
"""

from __future__ import annotations

import asyncio
import copyreg
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import sys
import types
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from telegram import Document

from atlasbot.errors import InvalidInput
from atlasbot.i18n import _, current_locale, using_locale
from atlasbot.texts import uploads as texts

log = logging.getLogger(__name__)

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def mapping_proxy(values: dict[object, object]) -> types.MappingProxyType[object, object]:
    """A read-only view of ``values`` (how the worker rebuilds one it was sent)."""
    return types.MappingProxyType(values)


def _reduce_mapping_proxy(
    proxy: types.MappingProxyType[object, object],
) -> tuple[Callable[..., types.MappingProxyType[Any, Any]], tuple[dict[object, object]]]:
    return mapping_proxy, (dict(proxy),)


# The domain's frozen values (a Network's tables) hold read-only mappings, which pickle
# cannot send to the worker as they are: send them as the dict they show.
copyreg.pickle(types.MappingProxyType, _reduce_mapping_proxy)


async def download(document: Document, name: str, limit: int) -> bytes:
    """The document's bytes; refused in one line, before downloading, when Telegram says it
    is bigger than ``limit`` (and after, if it was bigger than Telegram said)."""
    if (document.file_size or 0) > limit:
        raise InvalidInput(texts.too_big(name, document.file_size or 0, limit))
    data = bytes(await (await document.get_file()).download_as_bytearray())
    if len(data) > limit:
        raise InvalidInput(texts.too_big(name, len(data), limit))
    return data


def _start_worker(memory_bytes: int, bot_pid: int) -> None:
    """The worker's initializer: cap its address space, so a bomb fails there, not here;
    and die with the bot, so a kill -9 of the bot leaves no worker behind (Linux), holding
    the bot's output open."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != bot_pid:  # the bot died while this worker was starting
        os._exit(0)


def _in_locale(locale: str, work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` in the worker, written in the language of the member who sent the
    file (a context variable does not cross into another process by itself)."""
    with using_locale(locale):
        return work(*args)


class UploadReader:
    """One worker process that reads uploaded files within a time and memory budget."""

    def __init__(self, *, seconds: float, memory_bytes: int) -> None:
        self.seconds = seconds
        self.memory_bytes = memory_bytes
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> ProcessPoolExecutor:
        """Make the pool (at start-up); its worker process starts with the first upload, so
        a bot that is never sent a file (or restarted often) does not pay for it."""
        if self._pool is None:
            # spawn: a fork of the bot's threads (the event loop, the database pool) would copy
            # their locks; the worker starts clean, as the bot's own child (so that it dies
            # with it), and imports what it reads with.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.memory_bytes, os.getpid()),
            )
        return self._pool

    async def read(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` in the worker; InvalidInput (one line) when it takes too long or
        runs out of memory. ``work`` and its arguments must be picklable."""
        pool = self.start()
        future = asyncio.get_running_loop().run_in_executor(
            pool, _in_locale, current_locale(), work, *args
        )
        try:
            return await asyncio.wait_for(future, self.seconds)
        except TimeoutError:
            log.warning(
                "an upload took more than %s s to read; its worker is replaced", self.seconds
            )
            self._replace()
            raise InvalidInput(
                _(
                    "The file took too long to read (more than {seconds} s); nothing was stored.",
                    seconds=f"{self.seconds:g}",
                )
            ) from None
        except (BrokenProcessPool, MemoryError):
            log.warning("an upload's worker ran out of memory or died; it is replaced")
            self._replace()
            raise InvalidInput(
                _("The file needs too much memory to read; nothing was stored.")
            ) from None

    def _replace(self) -> None:
        """Kill the worker (a timed-out one is still busy) and start another."""
        pool, self._pool = self._pool, None
        if pool is not None:
            # The executor has no public way to kill a busy worker; its processes are known.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
        self.start()

    def close(self) -> None:
        """Stop the worker (at shutdown)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=True, cancel_futures=True)
