"""Answers of the requested state (R5-R9): accept, decline, counter-propose, no response."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from atlasbot import rules
from atlasbot.domain import (
    AssistanceForm,
    UnitStatus,
)
from atlasbot.escalation import Timings
from atlasbot.i18n import _, typed_in
from atlasbot.services import readers, registry
from atlasbot.services.assistance import late_answers, raising
from atlasbot.services.assistance.outcome import Outcome, PressInput
from atlasbot.services.assistance.records import (
    COST_ARRANGEMENTS,
    COSTS_OTHERWISE_AGREED,
    COSTS_REQUESTER_PAYS,
    DURATION_UNTIL_RELEASED,
    MAX_HEADCOUNT,
    authority_recipients,
    board_viewers,
    require_open,
    require_pending,
    require_requested_authority,
    require_requester,
)
from atlasbot.services.crisis_records import crisis_object, get_answer, get_crisis
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput
from atlasbot.services.outbox import Button, Keyboard, Message, issue_keyboard
from atlasbot.services.readers import with_english
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    CountryRow,
    Deployment,
    DeploymentState,
    UnitRow,
    utc_now,
)
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts.crisis import DURATIONS


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


def validate_agreement(
    session: Session, request: AssistanceRequest, agreement: Agreement
) -> list[str]:
    """Every reason an agreement or proposal cannot stand."""
    problems = []
    forms = set(agreement.forms)
    if not forms:
        problems.append(_("forms: agree to at least one form of assistance"))
    if not forms <= {f.value for f in AssistanceForm}:
        problems.append(_("forms: unknown form of assistance"))
    if agreement.arms and AssistanceForm.ACTION.value not in forms:
        problems.append(
            _("arms: arms are carried only for actions on the requesting state's territory")
        )
    country = session.get(CountryRow, request.country)
    if country is not None and rules.refuses_action_abroad(country.armed_action_abroad, forms):
        problems.append(_("forms: {country} does not allow actions abroad", country=country.name))
    if not 1 <= agreement.headcount <= MAX_HEADCOUNT:
        problems.append(_("headcount: a whole number from 1 to {limit}", limit=MAX_HEADCOUNT))
    if agreement.duration not in DURATIONS:
        problems.append(
            _("duration: {choices}", choices=", ".join(_(label) for label in DURATIONS.values()))
        )
    if agreement.costs not in COST_ARRANGEMENTS:
        problems.append(_("costs: 'requesting state pays' or 'otherwise agreed'"))
    if agreement.costs == COSTS_OTHERWISE_AGREED and not agreement.cost_note.strip():
        problems.append(_("costs: say what was agreed instead"))
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
            _(
                "forms: {forms} was not requested; counter-propose it instead",
                forms=", ".join(unasked),
            )
        )
    if problems:
        raise InvalidInput(
            _("The agreement is not complete: {problems}", problems="; ".join(problems))
        )
    request.status = AnswerStatus.ACCEPTED.value
    request.answered_at = moment
    request.answered_by_member_id = identity.member_id
    # What the authority typed (contact, notes) keeps the language it was typed in.
    typed = readers.language_of_member(session, identity.member_id)
    request.agreement = {**request.agreement, **agreement.as_payload(), "language": typed}
    request.version += 1
    session.add(request)
    deployments = _order_units(session, request, identity.actor, moment)
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.accepted",
        obj=crisis_object(request.crisis_id),
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
        raise InvalidInput(_("Say why the request is declined."))
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
        obj=crisis_object(request.crisis_id),
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
        problems.append(_("proposal: say what you propose instead"))
    if problems:
        raise InvalidInput(
            _("The proposal is not complete: {problems}", problems="; ".join(problems))
        )
    request.status = AnswerStatus.COUNTERED.value
    request.answered_at = moment
    request.answered_by_member_id = identity.member_id
    typed = readers.language_of_member(session, identity.member_id)
    request.agreement = {
        **request.agreement,
        "proposal": {**proposal.as_payload(), "language": typed},
    }
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.countered",
        obj=crisis_object(request.crisis_id),
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
            _(
                "There is no open counter-proposal on this request (it is {status}).",
                status=crisis_texts.shown(crisis_texts.ANSWERS, request.status),
            )
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
        obj=crisis_object(request.crisis_id),
        payload={"request": request.id, "country": request.country},
        at=moment,
    )
    return request, deployments


# --- use cases: the answer's confirmation buttons and the requester's answer -----------


def _tell_requester(
    session: Session, crisis_id: int, render: Callable[[], str]
) -> tuple[Message, ...]:
    """The requesting side told, each reader in their language."""
    crisis = get_crisis(session, crisis_id)
    chats = [chat for _member, chat in board_viewers(session, crisis)]
    return readers.messages_for(session, chats, render)


def _tell_country(
    session: Session, country: str, render: Callable[[], str]
) -> tuple[Message, ...]:
    """A requested state's authority told, each reader in their language."""
    chats = [chat for _member, chat in authority_recipients(session, country)]
    return readers.messages_for(session, chats, render)


def _deployment_ids(deployments: Sequence[Deployment]) -> list[int]:
    return [d.id for d in deployments if d.id is not None]


def confirm_accept(session: Session, press: PressInput, *, timings: Timings) -> Outcome:
    """The requested state's authority confirms its acceptance: its units are ordered and the
    requester sees what was agreed (it may be less than asked: fewer forms, no arms)."""
    pressed = press.redeem(session)
    if late_answers.is_late(session, pressed):
        return late_answers.record(session, pressed, press.now, kind=AnswerStatus.ACCEPTED)
    agreement = Agreement.from_payload(dict(pressed.payload["agreement"]))
    request, deployments = accept(
        session, pressed.identity, int(pressed.payload["request"]), agreement, now=press.now
    )
    orders = raising.raise_mobilisation_orders(
        session, _deployment_ids(deployments), timings=timings, now=press.now
    )
    names = raising.capability_names(session)

    def accepted() -> str:
        return "\n".join(
            [
                _(
                    "✅ {country} ACCEPTED request #{request} (crisis #{crisis}):",
                    country=request.country,
                    request=request.id,
                    crisis=request.crisis_id,
                ),
                *crisis_texts.asked_lines(request, names),
                *crisis_texts.agreement_lines(request.agreement),
            ]
        )

    # The agreement both states cite: the reader's language with the English wording beside.
    return Outcome(
        reply=_("Accepted request #{request}. Your units are being ordered.", request=request.id),
        messages=_tell_requester(session, request.crisis_id, lambda: with_english(accepted)),
        alerts=tuple(orders),
        board=request.crisis_id,
    )


def confirm_counter(session: Session, press: PressInput, *, timings: Timings) -> Outcome:
    """The requested state's authority confirms its counter-proposal; the requester is alerted
    (the alert commits with the proposal, so a crash after the commit cannot lose it)."""
    pressed = press.redeem(session)
    if late_answers.is_late(session, pressed):
        return late_answers.record(session, pressed, press.now, kind=AnswerStatus.COUNTERED)
    proposal = Agreement.from_payload(dict(pressed.payload["agreement"]))
    request = counter_propose(
        session, pressed.identity, int(pressed.payload["request"]), proposal, now=press.now
    )
    alert = raising.raise_counter_proposal(session, request, timings=timings, now=press.now)
    return Outcome(
        reply=_(
            "Counter-proposal on request #{request} sent. It binds only if the requester accepts.",
            request=request.id,
        ),
        alerts=(alert,),
        board=request.crisis_id,
    )


def confirm_decline(session: Session, press: PressInput) -> Outcome:
    """The requested state's authority confirms its refusal; the requester is told and offered
    the next best plan."""
    pressed = press.redeem(session)
    if late_answers.is_late(session, pressed):
        return late_answers.record(session, pressed, press.now, kind=AnswerStatus.DECLINED)
    request = decline(
        session,
        pressed.identity,
        int(pressed.payload["request"]),
        str(pressed.payload["reason"]),
        now=press.now,
    )
    typed = readers.language_of_member(session, request.answered_by_member_id)

    def declined() -> str:
        return _(
            "✖ {country} DECLINED request #{request} (crisis #{crisis}): {reason}",
            country=request.country,
            request=request.id,
            crisis=request.crisis_id,
            reason=typed_in(request.decline_reason, typed),
        )

    return Outcome(
        reply=_("Declined request #{request}.", request=request.id),
        messages=_tell_requester(session, request.crisis_id, declined),
        board=request.crisis_id,
        offer_next_plan=True,
    )


def answer_counter(session: Session, press: PressInput, *, timings: Timings) -> Outcome:
    """The requester accepts or rejects a counter-proposal; the requested state is told."""
    pressed = press.redeem(session)
    accept_it = pressed.action == "counter.accept"
    request, deployments = answer_counter_proposal(
        session,
        pressed.identity,
        int(pressed.payload["request"]),
        accept_it=accept_it,
        now=press.now,
    )
    orders = raising.raise_mobilisation_orders(
        session, _deployment_ids(deployments), timings=timings, now=press.now
    )
    accepted = request.status == AnswerStatus.ACCEPTED.value
    values = {"country": request.country, "request": request.id, "crisis": request.crisis_id}
    reply = (
        _("Counter-proposal of {country} on request #{request}: accepted.", **values)
        if accepted
        else _("Counter-proposal of {country} on request #{request}: rejected.", **values)
    )

    def told() -> str:
        if accepted:
            return _(
                "The requester ACCEPTED your counter-proposal on request #{id} "
                "(crisis #{crisis}).",
                id=request.id,
                crisis=request.crisis_id,
            )
        return _(
            "The requester REJECTED your counter-proposal on request #{id} (crisis #{crisis}).",
            id=request.id,
            crisis=request.crisis_id,
        )

    return Outcome(
        reply=reply,
        messages=_tell_country(session, request.country, told),
        alerts=tuple(orders),
        board=request.crisis_id,
        offer_next_plan=not accepted,
    )


@dataclass(frozen=True, slots=True)
class AnswerStart:
    """What the answer wizard starts from: the request and what its state may agree to."""

    request_id: int
    crisis_id: int
    asked_forms: tuple[str, ...]
    forms: tuple[str, ...]  # preselected: the asked forms the state may give
    armed_allowed: bool
    units: tuple[str, ...]
    # One line per unit with the teams asked of it ("  • nl-1: Hostage rescue ×2"), for the
    # confirmation screen; empty for a request of several units sent before plans said so.
    asked_lines: tuple[str, ...] = ()


def start_answer(session: Session, press: PressInput) -> AnswerStart:
    """A requested state's authority opens its answer to a pending request, or to one
    recorded "no response" that may still be answered late (the requester decides)."""
    pressed = press.redeem(session)
    request = get_answer(session, int(pressed.payload["request"]))
    require_requested_authority(pressed.identity, request)
    late_answers.require_answerable(session, request)
    assert request.id is not None
    country = session.get(CountryRow, request.country)
    armed = country is None or country.armed_action_abroad
    return AnswerStart(
        request_id=request.id,
        crisis_id=request.crisis_id,
        asked_forms=tuple(request.forms),
        forms=tuple(rules.forms_a_state_may_give(request.forms, armed)),
        armed_allowed=bool(country and country.armed_action_abroad),
        units=tuple(u for u in request.units if session.get(UnitRow, u) is not None),
        asked_lines=tuple(crisis_texts.asked_lines(request, raising.capability_names(session))),
    )


def confirmation_keyboard(
    session: Session,
    member_id: int,
    request_id: int,
    *,
    decision: str,
    values: dict[str, Any],
    now: datetime,
) -> Keyboard:
    """The single-use button that records an answer (accept, counter or decline)."""
    labels = {
        "answer.confirm_accept": _("✅ Confirm"),
        "answer.confirm_counter": _("✅ Confirm"),
        "answer.confirm_decline": _("✖ Confirm decline"),
    }
    button = Button(labels[decision], decision, {"request": request_id, **values}, single_use=True)
    return issue_keyboard(session, member_id, [[button]], now=now)
