"""One safe reader for every file people give atlasbot: network, request, events, uploads, CSV.

A file is untrusted input. Before a byte of it is parsed this reader refuses, each time with
one line naming the file:

- anything but a regular file (a FIFO would block forever, ``/dev/zero`` never ends, a folder
  is not a file): it is looked at with ``stat`` and opened with ``O_NONBLOCK``, so even a
  FIFO that appears between the two never blocks;
- more than ``max_bytes`` (the ``ATLASBOT_MAX_FILE_BYTES`` setting, passed in by the caller);
- text that is not UTF-8;
- YAML nested too deeply or too big once its aliases are expanded (``atlasbot.yamltext``).

And it gives the validators what they need to keep every message to one short line and every
accepted value storable alike on SQLite and PostgreSQL: ``excerpt`` (a value in at most about
40 characters, never the repr of a whole structure or a 400-digit number), ``text_problem``
(length limits of the database columns, NUL and control characters), ``one_line`` and
``listed`` (several problems as one line, or a bounded list).

API, for the command line, the chat's uploads and the duty-rota CSV import:

``read_text_file(path, *, max_bytes) -> str``
    The file's text; ``FileRefused`` when it is not a regular, readable, small enough UTF-8
    file.
``decode_text(data, source, *, max_bytes) -> str``
    The same checks for bytes already in memory (a document sent in the chat); ``source``
    names it in messages (its file name).
``read_yaml_file(path, *, max_bytes, dates_as_text=False) -> object`` and
``read_yaml_bytes(data, source, *, max_bytes, dates_as_text=False) -> object``
    The parsed YAML (strict: a repeated key, an alias bomb, too deep a nesting are refused);
    every problem is a ``FileRefused``.
``FileRefused``
    A ``ValueError`` with ``source`` and ``reason``; ``str()`` is ``"source: reason"``.

Pure core: no Telegram, no database; the only I/O is reading the one file asked for.
"""

from __future__ import annotations

import math
import os
import stat
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from atlasbot.i18n import _, format_number, ngettext
from atlasbot.yamltext import YamlTextError, load_yaml

# A network of every state's units is about 20 kB, a year of events about 13 kB.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
# How many problems a command that lists them (``network check``) prints at most.
MAX_PROBLEMS_LISTED = 20
EXCERPT_CHARACTERS = 40

_READ_CHUNK = 64 * 1024
_LINE_BREAKS = frozenset("\n\r\t")


class FileRefused(ValueError):
    """A file that is not read: ``reason`` says why in one line; ``str()`` names the file."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


def read_text_file(path: str | Path, *, max_bytes: int) -> str:
    """The text of a regular UTF-8 file of at most ``max_bytes``; FileRefused otherwise."""
    source = str(path)
    data = _read_regular_file(Path(path), source, max_bytes)
    return decode_text(data, source, max_bytes=max_bytes)


def decode_text(data: bytes, source: str, *, max_bytes: int) -> str:
    """Bytes already in memory (a chat upload) as text, with the size and UTF-8 checks."""
    if len(data) > max_bytes:
        raise FileRefused(source, _too_big(len(data), max_bytes))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRefused(
            source,
            _(
                "the file is not UTF-8 text (an invalid byte at position {position})",
                position=error.start,
            ),
        ) from None


def read_yaml_file(path: str | Path, *, max_bytes: int, dates_as_text: bool = False) -> object:
    """A file's YAML, parsed strictly; every reason not to read it is a FileRefused."""
    return _parse(read_text_file(path, max_bytes=max_bytes), str(path), dates_as_text)


def read_yaml_bytes(
    data: bytes, source: str, *, max_bytes: int, dates_as_text: bool = False
) -> object:
    """Uploaded YAML, parsed strictly; every reason not to read it is a FileRefused."""
    return _parse(decode_text(data, source, max_bytes=max_bytes), source, dates_as_text)


def _parse(text: str, source: str, dates_as_text: bool) -> object:
    try:
        return load_yaml(text, dates_as_text=dates_as_text)
    except YamlTextError as error:
        raise FileRefused(source, str(error)) from None


def _read_regular_file(path: Path, source: str, max_bytes: int) -> bytes:
    try:
        before = os.stat(path)
        _refuse_unless_regular(before.st_mode, source)
        # O_NONBLOCK: if the path became a FIFO since the stat, opening it does not wait.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        descriptor = os.open(path, flags)
    except OSError as error:
        raise FileRefused(source, _cannot_read(error)) from None
    try:
        opened = os.fstat(descriptor)
        _refuse_unless_regular(opened.st_mode, source)
        if opened.st_size > max_bytes:
            raise FileRefused(source, _too_big(opened.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        # Read at most one byte past the cap: a file that grows while it is read is refused too.
        while size <= max_bytes:
            chunk = os.read(descriptor, min(_READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise FileRefused(source, _cannot_read(error)) from None
    finally:
        os.close(descriptor)
    if size > max_bytes:
        raise FileRefused(source, _too_big(size, max_bytes))
    return b"".join(chunks)


def _cannot_read(error: OSError) -> str:
    # The operating system's own words (strerror) are quoted as they come.
    return _("cannot read the file: {reason}", reason=error.strerror or error)


def _refuse_unless_regular(mode: int, source: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        reason = _("cannot read the file: it is a folder, not a regular file")
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        reason = _("cannot read the file: it is a device, not a regular file")
    elif stat.S_ISSOCK(mode):
        reason = _("cannot read the file: it is a socket, not a regular file")
    else:
        reason = _("cannot read the file: it is a named pipe (FIFO), not a regular file")
    raise FileRefused(source, reason)


def _too_big(size: int, max_bytes: int) -> str:
    return _(
        "the file is too big: {size} bytes or more, at most {max_bytes} "
        "(the setting ATLASBOT_MAX_FILE_BYTES)",
        size=format_number(size),
        max_bytes=format_number(max_bytes),
    )


# --- what validators need to keep messages short and values storable ----------------------


def excerpt(value: object, limit: int = EXCERPT_CHARACTERS) -> str:
    """A bad value for a message in at most about ``limit`` characters.

    Text is quoted and cut; a number keeps its digits only when short; a list or mapping is
    named by kind and length, never rendered, so an error message cannot grow with its input.
    """
    if value is None:
        return _("an empty value")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= limit else value[: limit - 3] + "..."
        return repr(shown)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**18 else _long_number(value)
    if isinstance(value, float):
        return format(value, ".10g") if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return ngettext("a list of {count} item", "a list of {count} items", len(value))
    if isinstance(value, dict):
        return ngettext("a mapping of {count} key", "a mapping of {count} keys", len(value))
    return _("a {type}", type=type(value).__name__)


def _long_number(value: int) -> str:
    # str() of an int is refused past 4,300 digits (CPython's guard); the YAML reader already
    # refuses longer literals, so this only shows in code that builds such numbers itself.
    if value.bit_length() > 14_000:
        return _("a number of more than {digits} digits", digits=format_number(4000))
    return _("a number of {digits} digits", digits=format_number(len(str(abs(value)))))


def text_problem(text: str, max_length: int, *, line_breaks: bool = False) -> str | None:
    """Why a text cannot be stored as it is (too long, a control character), or None.

    The database columns have these limits: PostgreSQL enforces the length and refuses NUL,
    SQLite does neither, so checking here makes both accept exactly the same files. Other
    control characters (and lone surrogates, which no database can encode) are refused too:
    they have no place in a name or a code; ``line_breaks`` lets a free text keep line
    breaks and tabs.
    """
    if len(text) > max_length:
        return _(
            "must be at most {max_length} characters (got {length})",
            max_length=max_length,
            length=format_number(len(text)),
        )
    for position, character in enumerate(text):
        if line_breaks and character in _LINE_BREAKS:
            continue
        category = unicodedata.category(character)
        if category in ("Cc", "Cs"):
            name = "NUL" if character == "\0" else f"U+{ord(character):04X}"
            return _(
                "must not contain control characters (found {character} at position {position})",
                character=name,
                position=position + 1,
            )
    return None


def one_line(problems: Sequence[str]) -> str:
    """Several problems as the one line a command prints: the first and how many more."""
    if not problems:
        return ""
    more = len(problems) - 1
    if more == 0:
        return problems[0]
    return ngettext(
        "{first} (and {more} more problem)",
        "{first} (and {more} more problems)",
        more,
        first=problems[0],
        more=format_number(more),
    )


def listed(problems: Sequence[str], limit: int = MAX_PROBLEMS_LISTED) -> str:
    """Up to ``limit`` problems, one a line, and a last line saying how many are not shown."""
    shown = list(problems[:limit])
    hidden = len(problems) - len(shown)
    if hidden:
        shown.append(
            ngettext(
                "(and {more} more problem)",
                "(and {more} more problems)",
                hidden,
                more=format_number(hidden),
            )
        )
    return "\n".join(shown)
