"""What a member reads about a file they sent: too big, and the keys that were ignored."""

from __future__ import annotations

from collections.abc import Sequence

from atlasbot.i18n import _, ngettext

MAX_WARNINGS_SHOWN = 10


def too_big(name: str, size: int, limit: int) -> str:
    """One line, before the file is downloaded."""
    return _(
        "{name}: the file is too big ({size:,} bytes; at most {limit:,}, the setting "
        "ATLASBOT_MAX_FILE_BYTES); nothing was read.",
        name=name,
        size=size,
        limit=limit,
    )


def refused(name: str, reason: str) -> str:
    """One line: the file could not be read at all (not UTF-8, not YAML, an alias bomb)."""
    return _("{name}: {reason}; nothing was stored.", name=name, reason=reason)


def ignored(warnings: Sequence[str]) -> str:
    """The unknown keys of a file that was read anyway (each with a likely fix)."""
    if not warnings:
        return ""
    head = ngettext(
        "⚠ {count} part of the file was ignored:",
        "⚠ {count} parts of the file were ignored:",
        len(warnings),
    )
    lines = [_("• {warning}", warning=w) for w in warnings[:MAX_WARNINGS_SHOWN]]
    if len(warnings) > MAX_WARNINGS_SHOWN:
        lines.append(_("• … and {more} more", more=len(warnings) - MAX_WARNINGS_SHOWN))
    return "\n".join([head, *lines])
