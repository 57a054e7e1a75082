"""The words of fair deadlines (R5, issue 11): the deadline held, late answers offered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from atlasbot.i18n import _
from atlasbot.texts.times import local_time


def held(request_id: int, deadline: datetime | None, tz: ZoneInfo) -> str:
    """To the member who opened an answer: the request is theirs and the deadline held."""
    if deadline is None:
        return _("You are answering request #{request}.", request=request_id)
    return _(
        "You acknowledged request #{request}: the others see you are answering it. Its "
        "deadline is held until {time} while you answer.",
        request=request_id,
        time=local_time(deadline, tz),
    )


def take_label() -> str:
    return _("✅ Take it")


def leave_label() -> str:
    return _("✖ Leave it")


def offer(
    country: str,
    request_id: int | None,
    crisis_id: int,
    *,
    counter: bool,
    terms: Sequence[str],
) -> str:
    """To the requester: an answer came after the request was recorded "no response"."""
    head = (
        _(
            "⏱ LATE COUNTER-PROPOSAL from {country} on request #{request} (crisis #{crisis}), "
            "after it was recorded as 'no response':",
            country=country,
            request=request_id,
            crisis=crisis_id,
        )
        if counter
        else _(
            "⏱ LATE ACCEPTANCE from {country} on request #{request} (crisis #{crisis}), after "
            "it was recorded as 'no response':",
            country=country,
            request=request_id,
            crisis=crisis_id,
        )
    )
    tail = _(
        "Take it and its units are ordered on these terms; leave it and nothing changes. "
        "You decide: nothing is accepted automatically."
    )
    return "\n".join([head, *terms, "", tail])


def recorded_late(request_id: int | None, *, declined: bool = False) -> str:
    """To the state that answered late."""
    if declined:
        return _(
            "Your refusal of request #{request} came after its deadline (it was recorded as "
            "'no response'). It is recorded and the requesting state is told.",
            request=request_id,
        )
    return _(
        "Your answer to request #{request} came after its deadline (it was recorded as 'no "
        "response'). It is recorded and offered to the requesting state, which decides; you "
        "will be told.",
        request=request_id,
    )


def late_already(country: str, request_id: int | None) -> str:
    """A second late answer: the first one stands (taken, left, or waiting for the requester)."""
    return _(
        "{country} already answered request #{request} late: that answer stands.",
        country=country,
        request=request_id,
    )


def not_late() -> str:
    return _("This request is not waiting for a late answer.")


def no_late_answer(status: str) -> str:
    return _("There is no late answer to decide on this request (it is {status}).", status=status)


def decided(country: str, request_id: int | None, *, taken: bool) -> str:
    """To the requester who decided."""
    if taken:
        return _(
            "You took the late answer of {country} on request #{request}: its units are being "
            "ordered.",
            country=country,
            request=request_id,
        )
    return _(
        "You left the late answer of {country} on request #{request}: it stays 'no response'.",
        country=country,
        request=request_id,
    )


def told_country(request_id: int | None, crisis_id: int, *, taken: bool) -> str:
    """To the state that answered late: what the requester decided."""
    if taken:
        return _(
            "The requester TOOK your late answer to request #{request} (crisis #{crisis}): your "
            "units are being ordered.",
            request=request_id,
            crisis=crisis_id,
        )
    return _(
        "The requester did not take your late answer to request #{request} (crisis #{crisis}): "
        "nothing was agreed.",
        request=request_id,
        crisis=crisis_id,
    )


def late_decline(country: str, request_id: int | None, crisis_id: int, reason: str) -> str:
    """To the requester: a refusal that came after "no response"."""
    return _(
        "✖ {country} DECLINED request #{request} (crisis #{crisis}) after the deadline: "
        "{reason}. It stays 'no response'; nothing changes.",
        country=country,
        request=request_id,
        crisis=crisis_id,
        reason=reason,
    )
