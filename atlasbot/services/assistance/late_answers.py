"""Answers that arrive after "no response" (R5, issue 11): recorded, audited and offered to
the requester, who takes or leaves an acceptance or counter-proposal (``deadlines``); a late
refusal is recorded and told. The terms are checked again when the requester takes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from atlasbot.services import alerting
from atlasbot.services.assistance.outcome import Outcome
from atlasbot.services.assistance.records import (
    board_viewers,
    require_open,
    require_pending,
    require_requested_authority,
)
from atlasbot.services.crisis_records import crisis_object, get_answer, get_crisis
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import messages_for, render_for
from atlasbot.services.tokens import Press
from atlasbot.storage import audit
from atlasbot.storage.models import AnswerStatus, AssistanceRequest
from atlasbot.storage.models.assistance import LATE_ANSWER, request_subject
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import late as texts

LATE = LATE_ANSWER  # where a late answer waits in the request's agreement record


def require_answerable(session: Session, request: AssistanceRequest) -> None:
    """An answer may be opened on a pending request, or on one recorded "no response" that
    has no late answer yet while its crisis is open; else Conflict saying why not."""
    if request.awaits_late_answer():
        require_open(get_crisis(session, request.crisis_id))
    elif request.status == AnswerStatus.NO_RESPONSE.value:
        raise Conflict(texts.late_already(request.country, request.id))
    else:
        require_pending(request)


def is_late(session: Session, pressed: Press) -> bool:
    """The request was recorded "no response": an answer now is a late one."""
    request = get_answer(session, int(pressed.payload["request"]))
    return request.status == AnswerStatus.NO_RESPONSE.value


def _offer(
    session: Session, request: AssistanceRequest, kind: AnswerStatus, now: datetime
) -> tuple[Message, ...]:
    crisis = get_crisis(session, request.crisis_id)
    late = dict(request.agreement[LATE])
    if kind is AnswerStatus.DECLINED:
        return messages_for(
            session,
            [chat for _member, chat in board_viewers(session, crisis)],
            lambda: texts.late_decline(
                request.country, request.id, request.crisis_id, str(late.get("reason", ""))
            ),
        )
    payload = {"request": request.id}
    rows = [
        [
            Button(texts.take_label(), "late.take", payload, single_use=True),
            Button(texts.leave_label(), "late.leave", payload, single_use=True),
        ]
    ]

    def text() -> str:
        return texts.offer(
            request.country,
            request.id,
            request.crisis_id,
            counter=kind is AnswerStatus.COUNTERED,
            terms=crisis_texts.agreement_lines(dict(late["agreement"])),
        )

    return tuple(
        Message(
            chat,
            render_for(session, chat, text),
            issue_keyboard(session, member, rows, now=now),
        )
        for member, chat in board_viewers(session, crisis)
    )


def record(session: Session, pressed: Press, now: datetime, *, kind: AnswerStatus) -> Outcome:
    """An answer confirmed after "no response": recorded and audited; an acceptance or a
    counter-proposal is offered to the requester, who decides; a refusal is told."""
    request = get_answer(session, int(pressed.payload["request"]), lock=True)
    require_requested_authority(pressed.identity, request)
    require_open(get_crisis(session, request.crisis_id))
    if not request.awaits_late_answer():  # one late answer: a second would overwrite the first
        raise Conflict(texts.late_already(request.country, request.id))
    late: dict[str, Any] = {"kind": kind.value, "by": pressed.identity.member_id}
    late["at"] = now.isoformat()
    if kind is AnswerStatus.DECLINED:
        late["reason"] = str(pressed.payload.get("reason", ""))[:300]
    else:
        late["agreement"] = dict(pressed.payload["agreement"])
    request.agreement = {**request.agreement, LATE: late}
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=pressed.identity.actor,
        action="assistance.late_answer",
        obj=crisis_object(request.crisis_id),
        payload={"request": request.id, "country": request.country, **late},
        at=now,
    )
    return Outcome(
        reply=texts.recorded_late(request.id, declined=kind is AnswerStatus.DECLINED),
        messages=_offer(session, request, kind, now),
        board=request.crisis_id,
        # Its copies kept their answer buttons for this: now they lose them everywhere.
        copies_to_edit=alerting.reopen_copies(session, request_subject(request.id)),
    )
