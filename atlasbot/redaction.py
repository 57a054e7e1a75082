"""Keeping secrets (the bot token, the audit key) out of every log line and error message.

A bot token reaches text in several forms: whole (``123456:ABC…``, in python-telegram-bot's
"The token … was rejected"), inside a Bot API URL (``/bot123456:ABC…/getMe``), percent-encoded
(``123456%3AABC…``) and, once split, its secret part alone. Every form is replaced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "[REDACTED]"
# A secret part shorter than this is not replaced on its own (it would blank common words).
_MIN_FRAGMENT = 8


def secret_forms(secret: str) -> list[str]:
    """Every form in which ``secret`` may appear in text, longest first."""
    forms = {secret, quote(secret, safe="")}
    if ":" in secret:  # a bot token: "<bot id>:<secret part>"
        fragment = secret.split(":", 1)[1]
        if len(fragment) >= _MIN_FRAGMENT:
            forms.add(fragment)
            forms.add(quote(fragment, safe=""))
    return sorted((form for form in forms if form), key=len, reverse=True)


class Redactor(logging.Filter):
    """A logging filter that replaces every form of the given secrets; also used on errors."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        forms = {form for secret in secrets if secret for form in secret_forms(secret)}
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        """``text`` with every form of every secret replaced."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: keep its raw text, still redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(redactor: Redactor, logger: logging.Logger | None = None) -> None:
    """Put ``redactor`` on every handler of ``logger`` (default: the root logger).

    On the handlers, not the logger: a logger's filters do not see records propagated up
    from its children (``telegram.ext``, ``httpx``, ``apscheduler``…), a handler's do.
    """
    for handler in (logger or logging.getLogger()).handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)  # settings read again (tests, a second main()): replace
        handler.addFilter(redactor)
