"""The assistance workflow: request, plan choice, answers, mobilisation, closing (R1-R10).

Every function takes the member's ``Identity``, checks it against the rule that governs the
step, changes state and appends to the audit log in the caller's transaction. Nothing here
knows Telegram: the chat handlers turn results into messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from atlasbot import rules
from atlasbot.domain import (
    AssistanceForm,
    CrisisRequest,
    CrisisType,
    Location,
    Network,
    UnitStatus,
    make_request,
)
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity, members_with
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    BoardMessage,
    CapabilityRow,
    CountryRow,
    Crisis,
    CrisisStatus,
    Deployment,
    DeploymentState,
    Role,
    UnitRow,
    UnitStatusChange,
    utc_now,
)

MAX_TEAMS_PER_CAPABILITY = 20
MAX_HEADCOUNT = 1000
COSTS_REQUESTER_PAYS = "requesting_state_pays"
COSTS_OTHERWISE_AGREED = "otherwise_agreed"
COST_ARRANGEMENTS = (COSTS_REQUESTER_PAYS, COSTS_OTHERWISE_AGREED)
# How long the assistance lasts (R8): until the requesting state releases the units, or a
# fixed time agreed between the states.
DURATION_UNTIL_RELEASED = "until_released"
DURATIONS = {
    DURATION_UNTIL_RELEASED: "until the requesting state releases the units",
    "24h": "24 hours",
    "72h": "72 hours",
    "1w": "one week",
}

_COVERING = (AnswerStatus.PENDING.value, AnswerStatus.COUNTERED.value, AnswerStatus.ACCEPTED.value)

# Forward-only progress of a deployment; a report may skip steps but never go back.
_PROGRESS = [
    DeploymentState.ORDERED,
    DeploymentState.MOBILISING,
    DeploymentState.DEPARTED,
    DeploymentState.ON_SCENE,
    DeploymentState.RELEASED,
]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _crisis_obj(crisis_id: int) -> str:
    return f"crisis:{crisis_id}"


# --- the request ------------------------------------------------------------------------


@dataclass
class RequestDraft:
    """What the requester has said so far in the /request conversation."""

    country: str = ""
    crisis_type: str = ""
    threat_confirmed: bool = False
    lat: float | None = None
    lon: float | None = None
    place: str = ""
    needs: dict[str, int] = field(default_factory=dict)
    assistance: list[str] = field(default_factory=list)
    nature: str = ""
    necessity: str = ""
    commander_on_scene: str = ""
    include_partners: bool = False
    priority: int = 1


def validate_draft(session: Session, draft: RequestDraft) -> list[str]:
    """Every reason the draft cannot be submitted yet, in the order the form asks."""
    problems = []
    if not draft.crisis_type or not rules.crisis_in_scope(draft.crisis_type):
        problems.append(
            "crisis type: choose one of hostage-taking, hijacking, terrorist attack, siege or "
            "another serious criminal threat (Art. 2; natural disasters and accidents are out "
            "of scope)"
        )
    if not draft.threat_confirmed:
        problems.append(
            "threat: confirm that a criminal offence presents a serious, direct physical threat"
        )
    if draft.lat is None or draft.lon is None:
        problems.append("location: share a location or name a place")
    elif not (-90 <= draft.lat <= 90 and -180 <= draft.lon <= 180):
        problems.append("location: latitude must be within ±90 and longitude within ±180")
    known = {row.code for row in session.exec(select(CapabilityRow)).all()}
    if not draft.needs:
        problems.append("capabilities: choose at least one capability")
    for code, count in draft.needs.items():
        if code not in known:
            problems.append(f"capabilities: unknown capability {code!r}")
        elif not 1 <= count <= MAX_TEAMS_PER_CAPABILITY:
            problems.append(f"capabilities: {code} needs 1 to {MAX_TEAMS_PER_CAPABILITY} teams")
    forms = set(draft.assistance)
    if not forms:
        problems.append("assistance: choose equipment, expertise and/or action")
    elif not forms <= {f.value for f in AssistanceForm}:
        problems.append("assistance: unknown form of assistance")
    if not rules.request_is_complete(draft.nature, draft.necessity):
        problems.append(
            "nature and necessity: both the nature of the assistance and its operational "
            "necessity must be stated (Art. 3)"
        )
    if not 1 <= draft.priority <= 3:
        problems.append("priority: 1 (normal) to 3 (highest)")
    return problems


def submit_request(
    session: Session, identity: Identity, draft: RequestDraft, *, now: datetime | None = None
) -> Crisis:
    """Record a complete request by a competent authority of the requesting state (R1, R3, R4)."""
    moment = now or utc_now()
    if not identity.is_authority_of(draft.country):
        raise NotAuthorised(
            f"Only the competent authority of {draft.country or 'the requesting state'} can "
            f"request assistance for it ({rules.cite('R1')})."
        )
    problems = validate_draft(session, draft)
    if problems:
        raise InvalidInput("The request is not complete: " + "; ".join(problems))
    assert draft.lat is not None and draft.lon is not None
    crisis = Crisis(
        requesting_country=draft.country,
        requester_member_id=identity.member_id,
        crisis_type=draft.crisis_type,
        lat=draft.lat,
        lon=draft.lon,
        place=draft.place[:200],
        needs=dict(sorted(draft.needs.items())),
        assistance=sorted(set(draft.assistance)),
        nature=draft.nature.strip()[:1000],
        necessity=draft.necessity.strip()[:1000],
        commander_on_scene=draft.commander_on_scene.strip()[:200],
        include_partners=draft.include_partners,
        priority=draft.priority,
        status=CrisisStatus.PLANNING.value,
        created_at=moment,
    )
    session.add(crisis)
    session.flush()
    assert crisis.id is not None
    audit.append(
        session,
        actor=identity.actor,
        action="crisis.submitted",
        obj=_crisis_obj(crisis.id),
        payload={
            "country": crisis.requesting_country,
            "crisis_type": crisis.crisis_type,
            "place": crisis.place,
            "needs": crisis.needs,
            "assistance": crisis.assistance,
            "include_partners": crisis.include_partners,
            "priority": crisis.priority,
        },
        at=moment,
    )
    return crisis


def get_crisis(session: Session, crisis_id: int, *, lock: bool = False) -> Crisis:
    crisis = session.get(Crisis, crisis_id, with_for_update=lock)
    if crisis is None:
        raise NotFound(f"There is no crisis #{crisis_id}.")
    return crisis


def require_requester(identity: Identity, crisis: Crisis) -> None:
    if not identity.is_authority_of(crisis.requesting_country):
        raise NotAuthorised(
            f"Only the competent authority of {crisis.requesting_country} can do this for "
            f"crisis #{crisis.id}."
        )


def require_open(crisis: Crisis) -> None:
    if crisis.status == CrisisStatus.CLOSED.value:
        raise Conflict(f"Crisis #{crisis.id} is closed.")


# --- planning ---------------------------------------------------------------------------


def _engaged_units(session: Session, *, except_crisis: int | None = None) -> dict[str, int]:
    """Units asked for or deployed in an open crisis (unit id -> crisis id)."""
    engaged: dict[str, int] = {}
    open_requests = session.exec(
        select(AssistanceRequest)
        .join(Crisis, col(Crisis.id) == col(AssistanceRequest.crisis_id))
        .where(
            Crisis.status == CrisisStatus.OPEN.value,
            col(AssistanceRequest.status).in_(
                [AnswerStatus.PENDING.value, AnswerStatus.COUNTERED.value]
            ),
        )
    ).all()
    for request in open_requests:
        if request.crisis_id != except_crisis:
            engaged.update(dict.fromkeys(request.units, request.crisis_id))
    active = session.exec(
        select(Deployment).where(Deployment.state != DeploymentState.RELEASED.value)
    ).all()
    for deployment in active:
        if deployment.crisis_id != except_crisis:
            engaged[deployment.unit_id] = deployment.crisis_id
    return engaged


@dataclass(frozen=True, slots=True)
class PlanningInput:
    """What the planner needs for one crisis, and what it must be told apart from that."""

    network: Network
    request: CrisisRequest
    already_covered: dict[str, int]  # teams provided by states that accepted or may still
    removed_units: tuple[str, ...]  # removed by the requester
    involved_units: tuple[str, ...]  # already asked in this crisis
    # Asked (not yet deployed) in another open crisis: planned here as if deployed.
    asked_elsewhere: tuple[str, ...] = ()


def planning_input(session: Session, crisis: Crisis) -> PlanningInput:
    """The network as it is now and the still-missing needs of a crisis, ready to plan."""
    assert crisis.id is not None
    network = registry.load_network(session)
    engaged = _engaged_units(session, except_crisis=crisis.id)
    asked_elsewhere = sorted(
        unit.id
        for unit in network.units
        if unit.id in engaged and unit.status is not UnitStatus.DEPLOYED
    )
    # Units busy in another crisis are deployed as far as this one is concerned.
    network = network.with_statuses(dict.fromkeys(engaged, UnitStatus.DEPLOYED))
    requests = _requests_of(session, crisis.id)
    involved = {unit_id for request in requests for unit_id in request.units}
    covered = _covered(requests)
    remaining = still_missing(session, crisis)
    dropped = involved | set(crisis.excluded_units)
    network = Network(
        network.capabilities,
        network.countries,
        tuple(u for u in network.units if u.id not in dropped),
    )
    request = make_request(
        id=f"crisis-{crisis.id}",
        requesting_country=crisis.requesting_country,
        crisis=CrisisType(crisis.crisis_type),
        location=Location(crisis.lat, crisis.lon, crisis.place),
        needs=remaining or dict(crisis.needs),
        assistance=crisis.assistance,
        include_partners=crisis.include_partners,
        priority=crisis.priority,
    )
    return PlanningInput(
        network=network,
        request=request,
        already_covered=covered,
        removed_units=tuple(sorted(crisis.excluded_units)),
        involved_units=tuple(sorted(involved)),
        asked_elsewhere=tuple(asked_elsewhere),
    )


def _covered(requests: Iterable[AssistanceRequest]) -> dict[str, int]:
    """Teams of each capability that accepted or still-open requests bring."""
    covered: dict[str, int] = defaultdict(int)
    for request in requests:
        if request.status in _COVERING:
            for code, count in request.provides.items():
                covered[code] += count
    return dict(covered)


def still_missing(session: Session, crisis: Crisis) -> dict[str, int]:
    """Teams of each capability that no accepted or open request covers yet."""
    assert crisis.id is not None
    covered = _covered(_requests_of(session, crisis.id))
    gaps = {code: need - covered.get(code, 0) for code, need in crisis.needs.items()}
    return {code: gap for code, gap in gaps.items() if gap > 0}


def remove_unit_from_planning(
    session: Session, identity: Identity, crisis_id: int, unit_id: str
) -> Crisis:
    """The requester leaves one unit out of the next plans (for reasons of their own)."""
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(identity, crisis)
    require_open(crisis)
    if session.get(UnitRow, unit_id) is None:
        raise NotFound(f"There is no unit {unit_id!r}.")
    if unit_id not in crisis.excluded_units:
        crisis.excluded_units = [*crisis.excluded_units, unit_id]
        crisis.version += 1
        session.add(crisis)
        assert crisis.id is not None
        audit.append(
            session,
            actor=identity.actor,
            action="plan.unit_removed",
            obj=_crisis_obj(crisis.id),
            payload={"unit": unit_id},
        )
    return crisis


@dataclass(frozen=True, slots=True)
class ChosenUnit:
    """A unit of the plan the requester chose, as the planner proposed it."""

    unit_id: str
    country: str
    eta_minutes: int
    provides: dict[str, int]


def send_requests(
    session: Session,
    identity: Identity,
    crisis_id: int,
    plan_units: Sequence[ChosenUnit],
    *,
    now: datetime | None = None,
) -> list[AssistanceRequest]:
    """Address the chosen plan to the requested states' authorities, one request per state (R2).

    Units are re-checked against the current registry: a unit that became unavailable or
    was taken by another crisis since the plan was made stops the whole step.
    """
    moment = now or utc_now()
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(identity, crisis)
    require_open(crisis)
    if not plan_units:
        raise InvalidInput("The plan has no unit to ask for.")
    assert crisis.id is not None
    current = planning_input(session, crisis)
    by_id = {unit.id: unit for unit in current.network.units}
    for chosen in plan_units:
        unit = by_id.get(chosen.unit_id)
        if unit is None:
            raise Conflict(f"{chosen.unit_id} is already part of this crisis or was removed.")
        home = current.network.country(unit.country)
        reasons = rules.exclusion_reasons(unit, home, current.request)
        if reasons and reasons != [rules.Reason.NO_CAPABILITY]:
            raise Conflict(
                f"{unit.id} can no longer be asked ({', '.join(r.value for r in reasons)}); "
                "plan again."
            )
    by_country: dict[str, list[ChosenUnit]] = defaultdict(list)
    for chosen in plan_units:
        by_country[by_id[chosen.unit_id].country].append(chosen)
    for code, chosen_units in by_country.items():
        # OP-RESERVE again: units taken since the plan was made may have used the allowance.
        allowance = rules.country_allowance(current.network.country(code), current.network.units)
        if len(chosen_units) > allowance:
            raise Conflict(
                f"{current.network.country(code).name} can give only {allowance} more unit(s) "
                "while keeping its home reserve; plan again."
            )
    created = []
    for country, units in sorted(by_country.items()):
        provides: dict[str, int] = defaultdict(int)
        for chosen in units:
            for code, count in chosen.provides.items():
                provides[code] += count
        request = AssistanceRequest(
            crisis_id=crisis.id,
            country=country,
            units=[u.unit_id for u in units],
            provides=dict(sorted(provides.items())),
            forms=list(crisis.assistance),
            status=AnswerStatus.PENDING.value,
            sent_at=moment,
            agreement={"planned_eta": {u.unit_id: u.eta_minutes for u in units}},
        )
        session.add(request)
        session.flush()
        created.append(request)
        audit.append(
            session,
            actor=identity.actor,
            action="assistance.requested",
            obj=_crisis_obj(crisis.id),
            payload={
                "request": request.id,
                "country": country,
                "units": request.units,
                "provides": request.provides,
                "forms": request.forms,
            },
            at=moment,
        )
    crisis.status = CrisisStatus.OPEN.value
    crisis.version += 1
    session.add(crisis)
    return created


# --- answers (R5-R9) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Agreement:
    """What the requested state agrees to (or proposes instead): forms, arms, headcount, costs."""

    forms: tuple[str, ...]
    arms: bool
    headcount: int
    costs: str = COSTS_REQUESTER_PAYS
    cost_note: str = ""
    contact: str = ""
    note: str = ""
    duration: str = DURATION_UNTIL_RELEASED

    def as_payload(self) -> dict[str, Any]:
        return {
            "forms": list(self.forms),
            "arms": self.arms,
            "headcount": self.headcount,
            "duration": self.duration,
            "costs": self.costs,
            "cost_note": self.cost_note,
            "contact": self.contact,
            "note": self.note,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Agreement:
        return cls(
            forms=tuple(payload.get("forms", ())),
            arms=bool(payload.get("arms", False)),
            headcount=int(payload.get("headcount", 0)),
            costs=str(payload.get("costs", COSTS_REQUESTER_PAYS)),
            cost_note=str(payload.get("cost_note", "")),
            contact=str(payload.get("contact", "")),
            note=str(payload.get("note", "")),
            duration=str(payload.get("duration", DURATION_UNTIL_RELEASED)),
        )


def get_answer(session: Session, request_id: int, *, lock: bool = False) -> AssistanceRequest:
    request = session.get(AssistanceRequest, request_id, with_for_update=lock)
    if request is None:
        raise NotFound(f"There is no assistance request #{request_id}.")
    return request


def require_requested_authority(identity: Identity, request: AssistanceRequest) -> None:
    if not identity.is_authority_of(request.country):
        raise NotAuthorised(
            f"Only the competent authority of {request.country} can answer this request "
            f"({rules.cite('R2')})."
        )


def require_pending(request: AssistanceRequest) -> None:
    if request.status != AnswerStatus.PENDING.value:
        raise Conflict(f"This request was already answered: {request.status.replace('_', ' ')}.")


def validate_agreement(
    session: Session, request: AssistanceRequest, agreement: Agreement
) -> list[str]:
    """Every reason an agreement or proposal cannot stand."""
    problems = []
    forms = set(agreement.forms)
    if not forms:
        problems.append("forms: agree to at least one form of assistance")
    if not forms <= {f.value for f in AssistanceForm}:
        problems.append("forms: unknown form of assistance")
    if agreement.arms and AssistanceForm.ACTION.value not in forms:
        problems.append(
            "arms: arms are carried only for actions on the requesting state's territory"
        )
    country = session.get(CountryRow, request.country)
    if (
        country is not None
        and not country.armed_action_abroad
        and AssistanceForm.ACTION.value in forms
    ):
        problems.append(f"forms: {country.name} does not allow actions abroad")
    if not 1 <= agreement.headcount <= MAX_HEADCOUNT:
        problems.append(f"headcount: a whole number from 1 to {MAX_HEADCOUNT}")
    if agreement.duration not in DURATIONS:
        problems.append("duration: " + ", ".join(DURATIONS.values()))
    if agreement.costs not in COST_ARRANGEMENTS:
        problems.append("costs: 'requesting state pays' or 'otherwise agreed'")
    if agreement.costs == COSTS_OTHERWISE_AGREED and not agreement.cost_note.strip():
        problems.append("costs: say what was agreed instead (R9)")
    return problems


def _order_units(
    session: Session, request: AssistanceRequest, actor: str, moment: datetime
) -> list[Deployment]:
    """Accepted help becomes deployments; the units are marked deployed so nobody else asks."""
    assert request.id is not None
    planned = dict(request.agreement.get("planned_eta", {}))
    deployments = []
    for unit_id in request.units:
        deployment = Deployment(
            crisis_id=request.crisis_id,
            assistance_request_id=request.id,
            unit_id=unit_id,
            state=DeploymentState.ORDERED.value,
            planned_eta_minutes=int(planned.get(unit_id, 0)),
            updated_at=moment,
        )
        session.add(deployment)
        deployments.append(deployment)
        registry.set_unit_status(
            session,
            unit_id=unit_id,
            status=UnitStatus.DEPLOYED,
            actor=actor,
            reason=f"assisting crisis #{request.crisis_id}",
            now=moment,
        )
    session.flush()
    return deployments


def accept(
    session: Session,
    identity: Identity,
    request_id: int,
    agreement: Agreement,
    *,
    now: datetime | None = None,
) -> tuple[AssistanceRequest, list[Deployment]]:
    """The requested state accepts, with the agreement (R5, R6, R8, R9); its units are ordered."""
    moment = now or utc_now()
    request = get_answer(session, request_id, lock=True)
    require_requested_authority(identity, request)
    crisis = get_crisis(session, request.crisis_id)
    require_open(crisis)
    require_pending(request)
    problems = validate_agreement(session, request, agreement)
    # Accepting binds the requester only to what they asked for; other forms are a
    # counter-proposal, which they must accept first (R5).
    unasked = sorted(set(agreement.forms) - set(request.forms))
    if unasked:
        problems.append(
            f"forms: {', '.join(unasked)} was not requested; counter-propose it instead"
        )
    if problems:
        raise InvalidInput("The agreement is not complete: " + "; ".join(problems))
    request.status = AnswerStatus.ACCEPTED.value
    request.answered_at = moment
    request.answered_by_member_id = identity.member_id
    request.agreement = {**request.agreement, **agreement.as_payload()}
    request.version += 1
    session.add(request)
    deployments = _order_units(session, request, identity.actor, moment)
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.accepted",
        obj=_crisis_obj(request.crisis_id),
        payload={"request": request.id, "country": request.country, **agreement.as_payload()},
        at=moment,
    )
    return request, deployments


def decline(
    session: Session,
    identity: Identity,
    request_id: int,
    reason: str,
    *,
    now: datetime | None = None,
) -> AssistanceRequest:
    """The requested state refuses (R5); the reason is recorded."""
    moment = now or utc_now()
    request = get_answer(session, request_id, lock=True)
    require_requested_authority(identity, request)
    require_open(get_crisis(session, request.crisis_id))
    require_pending(request)
    if not reason.strip():
        raise InvalidInput("Say why the request is declined.")
    request.status = AnswerStatus.DECLINED.value
    request.answered_at = moment
    request.answered_by_member_id = identity.member_id
    request.decline_reason = reason.strip()[:500]
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.declined",
        obj=_crisis_obj(request.crisis_id),
        payload={
            "request": request.id,
            "country": request.country,
            "reason": request.decline_reason,
        },
        at=moment,
    )
    return request


def counter_propose(
    session: Session,
    identity: Identity,
    request_id: int,
    proposal: Agreement,
    *,
    now: datetime | None = None,
) -> AssistanceRequest:
    """The requested state proposes a different kind of assistance (R5); it binds only once
    the requester accepts it."""
    moment = now or utc_now()
    request = get_answer(session, request_id, lock=True)
    require_requested_authority(identity, request)
    require_open(get_crisis(session, request.crisis_id))
    require_pending(request)
    problems = validate_agreement(session, request, proposal)
    if not proposal.note.strip():
        problems.append("proposal: say what you propose instead")
    if problems:
        raise InvalidInput("The proposal is not complete: " + "; ".join(problems))
    request.status = AnswerStatus.COUNTERED.value
    request.answered_at = moment
    request.answered_by_member_id = identity.member_id
    request.agreement = {**request.agreement, "proposal": proposal.as_payload()}
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.countered",
        obj=_crisis_obj(request.crisis_id),
        payload={"request": request.id, "country": request.country, **proposal.as_payload()},
        at=moment,
    )
    return request


def answer_counter_proposal(
    session: Session,
    identity: Identity,
    request_id: int,
    *,
    accept_it: bool,
    now: datetime | None = None,
) -> tuple[AssistanceRequest, list[Deployment]]:
    """The requester accepts or rejects a counter-proposal; nothing is accepted automatically."""
    moment = now or utc_now()
    request = get_answer(session, request_id, lock=True)
    crisis = get_crisis(session, request.crisis_id)
    require_requester(identity, crisis)
    require_open(crisis)
    if request.status != AnswerStatus.COUNTERED.value:
        raise Conflict(
            f"There is no open counter-proposal on this request (it is {request.status})."
        )
    deployments: list[Deployment] = []
    proposal = dict(request.agreement.get("proposal", {}))
    if accept_it:
        request.status = AnswerStatus.ACCEPTED.value
        request.agreement = {**request.agreement, **proposal}
        request.forms = list(proposal.get("forms", request.forms))
        deployments = _order_units(session, request, identity.actor, moment)
    else:
        request.status = AnswerStatus.COUNTER_REJECTED.value
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=identity.actor,
        action="counter.accepted" if accept_it else "counter.rejected",
        obj=_crisis_obj(request.crisis_id),
        payload={"request": request.id, "country": request.country},
        at=moment,
    )
    return request, deployments


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
        obj=_crisis_obj(request.crisis_id),
        payload={"request": request.id, "country": request.country},
        at=moment,
    )
    return request


# --- mobilisation -----------------------------------------------------------------------


def get_deployment(session: Session, deployment_id: int, *, lock: bool = False) -> Deployment:
    deployment = session.get(Deployment, deployment_id, with_for_update=lock)
    if deployment is None:
        raise NotFound(f"There is no deployment #{deployment_id}.")
    return deployment


def travel_minutes(session: Session, deployment: Deployment) -> int:
    """The planned travel time: the planned ETA less the unit's mobilisation time."""
    unit = session.get(UnitRow, deployment.unit_id)
    mobilisation = unit.mobilisation_minutes if unit else 0
    return max(1, deployment.planned_eta_minutes - mobilisation)


def require_progress_reporter(
    session: Session, identity: Identity, deployment: Deployment
) -> None:
    """The unit's members report its progress, and so may its state's competent authority."""
    unit = session.get(UnitRow, deployment.unit_id)
    unit_country = unit.country if unit is not None else None
    if not identity.serves_unit(deployment.unit_id) and not (
        unit_country is not None and identity.is_authority_of(unit_country)
    ):
        raise NotAuthorised(
            f"Only members of {deployment.unit_id} or its state's competent authority report "
            "its progress."
        )


def report_progress(
    session: Session,
    identity: Identity,
    deployment_id: int,
    state: DeploymentState,
    *,
    eta_minutes: int | None = None,
    now: datetime | None = None,
) -> Deployment:
    """A unit's commander or duty officer reports mobilising, departed (with ETA), on scene or
    released; so may its state's competent authority, which answers for the unit and gets its
    orders when nobody of the unit is enrolled or answers. Progress only moves forward;
    repeating the current state changes nothing."""
    moment = now or utc_now()
    deployment = get_deployment(session, deployment_id, lock=True)
    require_progress_reporter(session, identity, deployment)
    current = DeploymentState(deployment.state)
    if _PROGRESS.index(state) < _PROGRESS.index(current):
        raise Conflict(f"{deployment.unit_id} is already {current.value.replace('_', ' ')}.")
    if state is current and state is not DeploymentState.DEPARTED:
        raise Conflict(f"{deployment.unit_id} is already {current.value.replace('_', ' ')}.")
    if state is not DeploymentState.RELEASED:
        require_open(get_crisis(session, deployment.crisis_id))
    if eta_minutes is not None and not 1 <= eta_minutes <= 48 * 60:
        raise InvalidInput("ETA: minutes from now, 1 to 2880.")
    if state is DeploymentState.DEPARTED:
        minutes = eta_minutes if eta_minutes is not None else travel_minutes(session, deployment)
        deployment.eta_at = moment + timedelta(minutes=minutes)
    elif state is DeploymentState.ON_SCENE:
        deployment.eta_at = None
    deployment.state = state.value
    deployment.updated_at = moment
    deployment.version += 1
    session.add(deployment)
    if state is DeploymentState.RELEASED:
        _release_unit(session, deployment.unit_id, identity.actor, deployment.crisis_id, moment)
    audit.append(
        session,
        actor=identity.actor,
        action=f"deployment.{state.value}",
        obj=_crisis_obj(deployment.crisis_id),
        payload={
            "deployment": deployment.id,
            "unit": deployment.unit_id,
            "eta_at": deployment.eta_at.isoformat() if deployment.eta_at else None,
        },
        at=moment,
    )
    return deployment


def _release_unit(
    session: Session, unit_id: str, actor: str, crisis_id: int, moment: datetime
) -> None:
    row = session.get(UnitRow, unit_id)
    if row is not None and row.status == UnitStatus.DEPLOYED.value:
        registry.set_unit_status(
            session,
            unit_id=unit_id,
            status=_status_before_deployment(session, unit_id),
            actor=actor,
            reason=f"released from crisis #{crisis_id}",
            now=moment,
        )


def _status_before_deployment(session: Session, unit_id: str) -> UnitStatus:
    """What the unit was before it was deployed: a unit taken from standby goes back to
    standby, not to 'available' (its commander decides when it is ready again)."""
    change = session.exec(
        select(UnitStatusChange)
        .where(
            UnitStatusChange.unit_id == unit_id,
            UnitStatusChange.status == UnitStatus.DEPLOYED.value,
        )
        .order_by(col(UnitStatusChange.changed_at).desc(), col(UnitStatusChange.id).desc())
    ).first()
    before = change.previous if change is not None else None
    if before is None or before == UnitStatus.DEPLOYED.value:
        return UnitStatus.AVAILABLE
    return UnitStatus(before)


def set_readiness(
    session: Session,
    identity: Identity,
    unit_id: str,
    status: UnitStatus,
    *,
    now: datetime | None = None,
) -> UnitStatus | None:
    """A unit's commander sets its readiness; the planner uses it at once."""
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(f"Only the commander of {unit_id} sets its readiness.")
    return registry.set_unit_status(
        session,
        unit_id=unit_id,
        status=status,
        actor=identity.actor,
        reason="set by the commander",
        now=now,
    )


# --- closing ----------------------------------------------------------------------------


def close_crisis(
    session: Session, identity: Identity, crisis_id: int, *, now: datetime | None = None
) -> Crisis:
    """The requester closes the crisis: open requests are withdrawn, every unit released."""
    moment = now or utc_now()
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(identity, crisis)
    require_open(crisis)
    assert crisis.id is not None
    for request in _requests_of(session, crisis.id):
        if AnswerStatus(request.status).is_open:
            request.status = AnswerStatus.WITHDRAWN.value
            request.version += 1
            session.add(request)
    for deployment in deployments_of(session, crisis.id):
        if deployment.state != DeploymentState.RELEASED.value:
            deployment.state = DeploymentState.RELEASED.value
            deployment.updated_at = moment
            deployment.version += 1
            session.add(deployment)
            _release_unit(session, deployment.unit_id, identity.actor, crisis.id, moment)
    crisis.status = CrisisStatus.CLOSED.value
    crisis.closed_at = moment
    crisis.version += 1
    session.add(crisis)
    audit.append(
        session,
        actor=identity.actor,
        action="crisis.closed",
        obj=_crisis_obj(crisis.id),
        at=moment,
    )
    return crisis


# --- reading: the board, the list, the after-action summary -----------------------------


def _requests_of(session: Session, crisis_id: int) -> list[AssistanceRequest]:
    return list(
        session.exec(
            select(AssistanceRequest)
            .where(AssistanceRequest.crisis_id == crisis_id)
            .order_by(col(AssistanceRequest.id))
        ).all()
    )


def requests_of(session: Session, crisis_id: int) -> list[AssistanceRequest]:
    """Every request to another state in a crisis, in the order they were sent."""
    return _requests_of(session, crisis_id)


def deployments_of(session: Session, crisis_id: int) -> list[Deployment]:
    return list(
        session.exec(
            select(Deployment)
            .where(Deployment.crisis_id == crisis_id)
            .order_by(col(Deployment.id))
        ).all()
    )


def can_see(session: Session, identity: Identity, crisis: Crisis) -> bool:
    """Who may see a crisis: its requester's and requested states' authorities, the members of
    its deployed units, and coordinators."""
    if identity.has(Role.COORDINATOR) or identity.is_authority_of(crisis.requesting_country):
        return True
    assert crisis.id is not None
    requests = _requests_of(session, crisis.id)
    if any(identity.is_authority_of(r.country) for r in requests):
        return True
    return any(identity.serves_unit(d.unit_id) for d in deployments_of(session, crisis.id))


def visible_crises(
    session: Session, identity: Identity, *, include_closed: bool = False
) -> list[Crisis]:
    """The crises a member may see, newest first."""
    query = select(Crisis).order_by(col(Crisis.id).desc())
    if not include_closed:
        query = query.where(Crisis.status != CrisisStatus.CLOSED.value)
    return [c for c in session.exec(query).all() if can_see(session, identity, c)]


def board_viewers(session: Session, crisis: Crisis) -> list[tuple[int, int]]:
    """(member id, Telegram id) of the requesting state's authorities: they see the live board."""
    return members_with(session, Role.AUTHORITY, country=crisis.requesting_country)


def board_messages(session: Session, crisis_id: int) -> list[BoardMessage]:
    return list(
        session.exec(select(BoardMessage).where(BoardMessage.crisis_id == crisis_id)).all()
    )


def remember_board_message(
    session: Session, crisis_id: int, chat_id: int, message_id: int
) -> None:
    """Keep where the board is shown in a chat (one board per chat; a newer one replaces it)."""
    existing = session.exec(
        select(BoardMessage).where(
            BoardMessage.crisis_id == crisis_id, BoardMessage.chat_id == chat_id
        )
    ).first()
    if existing is None:
        session.add(BoardMessage(crisis_id=crisis_id, chat_id=chat_id, message_id=message_id))
    else:
        existing.message_id = message_id
        session.add(existing)


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AfterAction:
    """The after-action summary: the timeline and the answer and arrival times."""

    crisis: Crisis
    timeline: tuple[TimelineLine, ...]
    answer_minutes: dict[str, float | None]  # per requested state
    answers: dict[str, str]
    arrival_minutes: dict[str, float | None]  # per unit, from the request to on scene


def after_action(session: Session, crisis_id: int) -> AfterAction:
    """Build the after-action summary from the audit log, the one source of what happened."""
    crisis = get_crisis(session, crisis_id)
    entries = [
        e
        for e in audit.entries_about(session, _crisis_obj(crisis_id))
        if e.object == _crisis_obj(crisis_id)
    ]
    timeline = tuple(
        TimelineLine(_aware(e.at), e.actor, e.action, dict(e.payload)) for e in entries
    )
    start = _aware(crisis.created_at)
    answer_minutes: dict[str, float | None] = {}
    answers: dict[str, str] = {}
    for request in _requests_of(session, crisis_id):
        key = f"{request.country} (request #{request.id})"
        answers[key] = request.status
        answer_minutes[key] = (
            round((_aware(request.answered_at) - _aware(request.sent_at)).total_seconds() / 60, 1)
            if request.answered_at
            else None
        )
    arrival: dict[str, float | None] = {}
    for deployment in deployments_of(session, crisis_id):
        arrived = next(
            (
                line.at
                for line in timeline
                if line.action == "deployment.on_scene"
                and line.detail.get("deployment") == deployment.id
            ),
            None,
        )
        arrival[deployment.unit_id] = (
            round((arrived - start).total_seconds() / 60, 1) if arrived else None
        )
    return AfterAction(crisis, timeline, answer_minutes, answers, arrival)


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
