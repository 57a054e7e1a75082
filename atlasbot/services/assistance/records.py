"""The records of the assistance workflow every use case reads: a crisis, its requests and
deployments, who is told of them, and the checks each step starts with."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from atlasbot import rules
from atlasbot.i18n import _
from atlasbot.services.enrolment import Identity, members_with
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    Crisis,
    CrisisStatus,
    Deployment,
    DeploymentState,
    Role,
)
from atlasbot.texts import crisis as crisis_texts

MAX_TEAMS_PER_CAPABILITY = 20
MAX_HEADCOUNT = 1000
COSTS_REQUESTER_PAYS = "requesting_state_pays"
COSTS_OTHERWISE_AGREED = "otherwise_agreed"
COST_ARRANGEMENTS = (COSTS_REQUESTER_PAYS, COSTS_OTHERWISE_AGREED)
DURATION_UNTIL_RELEASED = "until_released"

COVERING = (AnswerStatus.PENDING.value, AnswerStatus.COUNTERED.value, AnswerStatus.ACCEPTED.value)

# Forward-only progress of a deployment; a report may skip steps but never go back.
PROGRESS = [
    DeploymentState.ORDERED,
    DeploymentState.MOBILISING,
    DeploymentState.DEPARTED,
    DeploymentState.ON_SCENE,
    DeploymentState.RELEASED,
]


def require_requester(identity: Identity, crisis: Crisis) -> None:
    if not identity.is_authority_of(crisis.requesting_country):
        raise NotAuthorised(
            _(
                "Only the competent authority of {country} can do this for crisis #{id}.",
                country=crisis.requesting_country,
                id=crisis.id,
            )
        )


def require_open(crisis: Crisis) -> None:
    if crisis.status == CrisisStatus.CLOSED.value:
        raise Conflict(_("Crisis #{id} is closed.", id=crisis.id))


def require_requested_authority(identity: Identity, request: AssistanceRequest) -> None:
    if not identity.is_authority_of(request.country):
        raise NotAuthorised(
            _(
                "Only the competent authority of {country} can answer this request ({cite}).",
                country=request.country,
                cite=rules.cite("R2"),
            )
        )


def require_pending(request: AssistanceRequest) -> None:
    if request.status != AnswerStatus.PENDING.value:
        raise Conflict(
            _(
                "This request was already answered: {status}.",
                status=crisis_texts.shown(crisis_texts.ANSWERS, request.status),
            )
        )


def requests_of(session: Session, crisis_id: int) -> list[AssistanceRequest]:
    """Every request to another state in a crisis, in the order they were sent."""
    return list(
        session.exec(
            select(AssistanceRequest)
            .where(AssistanceRequest.crisis_id == crisis_id)
            .order_by(col(AssistanceRequest.id))
        ).all()
    )


def deployments_of(session: Session, crisis_id: int) -> list[Deployment]:
    return list(
        session.exec(
            select(Deployment)
            .where(Deployment.crisis_id == crisis_id)
            .order_by(col(Deployment.id))
        ).all()
    )


def board_viewers(session: Session, crisis: Crisis) -> list[tuple[int, int]]:
    """(member id, Telegram id) of the requesting state's authorities: they see the live board."""
    return members_with(session, Role.AUTHORITY, country=crisis.requesting_country)


def covered(requests: Iterable[AssistanceRequest]) -> dict[str, int]:
    """Teams of each capability that accepted or still-open requests bring."""
    teams: dict[str, int] = defaultdict(int)
    for request in requests:
        if request.status in COVERING:
            for code, count in request.provides.items():
                teams[code] += count
    return dict(teams)


def still_missing(session: Session, crisis: Crisis) -> dict[str, int]:
    """Teams of each capability that no accepted or open request covers yet."""
    assert crisis.id is not None
    provided = covered(requests_of(session, crisis.id))
    gaps = {code: need - provided.get(code, 0) for code, need in crisis.needs.items()}
    return {code: gap for code, gap in gaps.items() if gap > 0}


def authority_recipients(session: Session, country: str) -> list[tuple[int, int]]:
    """(member id, Telegram id) of a state's competent authority members."""
    return members_with(session, Role.AUTHORITY, country=country)


def unit_recipients(session: Session, unit_id: str) -> list[tuple[int, int]]:
    """(member id, Telegram id) of a unit's commanders and duty officers."""
    both: Iterable[tuple[int, int]] = [
        *members_with(session, Role.COMMANDER, unit_id=unit_id),
        *members_with(session, Role.DUTY, unit_id=unit_id),
    ]
    return sorted(set(both))
