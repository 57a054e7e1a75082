"""The stored records of a crisis that both the alert engine and the assistance use cases
read: a crisis, a request and its answer, a deployment, and the one decision the alert
engine takes on them (a request whose deadline passed records "no response").

They sit below both packages so that alerting never imports the assistance use cases, which
raise alerts: the dependency runs one way.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from atlasbot.i18n import _
from atlasbot.services.errors import NotFound
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    Crisis,
    Deployment,
    utc_now,
)


def crisis_object(crisis_id: int) -> str:
    """The audit log's name of a crisis."""
    return f"crisis:{crisis_id}"


def get_crisis(session: Session, crisis_id: int, *, lock: bool = False) -> Crisis:
    crisis = session.get(Crisis, crisis_id, with_for_update=lock)
    if crisis is None:
        raise NotFound(_("There is no crisis #{id}.", id=crisis_id))
    return crisis


def get_answer(session: Session, request_id: int, *, lock: bool = False) -> AssistanceRequest:
    request = session.get(AssistanceRequest, request_id, with_for_update=lock)
    if request is None:
        raise NotFound(_("There is no assistance request #{id}.", id=request_id))
    return request


def get_deployment(session: Session, deployment_id: int, *, lock: bool = False) -> Deployment:
    deployment = session.get(Deployment, deployment_id, with_for_update=lock)
    if deployment is None:
        raise NotFound(_("There is no deployment #{id}.", id=deployment_id))
    return deployment


def record_no_response(
    session: Session, request_id: int, *, actor: str = "system", now: datetime | None = None
) -> AssistanceRequest | None:
    """A request left unanswered past its deadline counts as 'no response' (if still pending)."""
    request = get_answer(session, request_id, lock=True)
    if request.status != AnswerStatus.PENDING.value:
        return None
    moment = now or utc_now()
    request.status = AnswerStatus.NO_RESPONSE.value
    request.answered_at = moment
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=actor,
        action="assistance.no_response",
        obj=crisis_object(request.crisis_id),
        payload={"request": request.id, "country": request.country},
        at=moment,
    )
    return request
