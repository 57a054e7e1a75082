"""Planning (R2, R12, OP-*): the network as it is now, the units left out, the plan sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlmodel import Session, col, select

from atlasbot import rules
from atlasbot.domain import (
    CrisisRequest,
    CrisisType,
    Location,
    Network,
    Unit,
    UnitStatus,
    make_request,
)
from atlasbot.escalation import Timings
from atlasbot.i18n import _
from atlasbot.planner import reasons as planner_reasons
from atlasbot.planner.matching import Engagement, Plan, PlanningResult, plan_single
from atlasbot.planner.reasons import Irreplaceable
from atlasbot.planner.travel import TravelModel
from atlasbot.services import registry, tokens
from atlasbot.services.assistance import raising
from atlasbot.services.assistance.outcome import Outcome, PlanTarget, PressInput
from atlasbot.services.assistance.records import (
    authority_recipients,
    board_viewers,
    covered,
    requests_of,
    require_open,
    require_requester,
    still_missing,
)
from atlasbot.services.crisis_records import crisis_object, get_crisis
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotFound
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import reading
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    Crisis,
    CrisisStatus,
    Deployment,
    DeploymentState,
    UnitRow,
    utc_now,
)
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import outcomes as outcome_texts
from atlasbot.texts import plans as plan_texts


def engaged_units(session: Session, *, except_crisis: int | None = None) -> dict[str, Engagement]:
    """Units asked for or deployed in another open crisis: which crisis, with its priority."""
    crisis_of: dict[str, int] = {}
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
            crisis_of.update(dict.fromkeys(request.units, request.crisis_id))
    active = session.exec(
        select(Deployment).where(Deployment.state != DeploymentState.RELEASED.value)
    ).all()
    for deployment in active:
        if deployment.crisis_id != except_crisis:
            crisis_of[deployment.unit_id] = deployment.crisis_id
    crises = {crisis_id: get_crisis(session, crisis_id) for crisis_id in set(crisis_of.values())}
    return {
        unit_id: Engagement(
            crisis_texts.engagement_label(crises[crisis_id]), crises[crisis_id].priority
        )
        for unit_id, crisis_id in sorted(crisis_of.items())
    }


@dataclass(frozen=True, slots=True)
class PlanningInput:
    """What the planner needs for one crisis, and what it must be told apart from that."""

    network: Network
    request: CrisisRequest
    already_covered: dict[str, int]  # teams asked of states that accepted or may still
    removed_units: tuple[str, ...]  # removed by the requester
    involved_units: tuple[str, ...]  # already asked in this crisis
    # Asked for or deployed in another open crisis: planned here as deployed, and the plans
    # say which crisis holds them and with what priority.
    engaged: Mapping[str, Engagement] = field(default_factory=dict)


def planning_input(session: Session, crisis: Crisis) -> PlanningInput:
    """The network as it is now and the still-missing needs of a crisis, ready to plan."""
    assert crisis.id is not None
    network = registry.load_network(session)
    engaged = engaged_units(session, except_crisis=crisis.id)
    # Units busy in another crisis are deployed as far as this one is concerned.
    network = network.with_statuses(dict.fromkeys(engaged, UnitStatus.DEPLOYED))
    requests = requests_of(session, crisis.id)
    involved = {unit_id for request in requests for unit_id in request.units}
    already = covered(requests)
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
        already_covered=already,
        removed_units=tuple(sorted(crisis.excluded_units)),
        involved_units=tuple(sorted(involved)),
        engaged=MappingProxyType({u: e for u, e in engaged.items() if u not in dropped}),
    )


def remove_unit_from_planning(
    session: Session, identity: Identity, crisis_id: int, unit_id: str
) -> Crisis:
    """The requester leaves one unit out of the next plans (for reasons of their own)."""
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(identity, crisis)
    require_open(crisis)
    if session.get(UnitRow, unit_id) is None:
        raise NotFound(_("There is no unit {unit!r}.", unit=unit_id))
    if unit_id not in crisis.excluded_units:
        crisis.excluded_units = [*crisis.excluded_units, unit_id]
        crisis.version += 1
        session.add(crisis)
        assert crisis.id is not None
        audit.append(
            session,
            actor=identity.actor,
            action="plan.unit_removed",
            obj=crisis_object(crisis.id),
            payload={"unit": unit_id},
        )
    return crisis


@dataclass(frozen=True, slots=True)
class ChosenUnit:
    """A unit of the plan the requester chose, as the planner proposed it: its full counts of
    the needed capabilities (`provides`) and the teams the plan asks of it (`asked`)."""

    unit_id: str
    country: str
    eta_minutes: int
    provides: dict[str, int]
    asked: dict[str, int] = field(default_factory=dict)

    @property
    def teams(self) -> dict[str, int]:
        """What its state is asked for: the asked teams (a plan from before they were said
        asks the full counts)."""
        return dict(self.asked) if self.asked else dict(self.provides)


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
        raise InvalidInput(_("The plan has no unit to ask for."))
    assert crisis.id is not None
    current = planning_input(session, crisis)
    by_id = _still_askable(current, plan_units)
    by_country: dict[str, list[ChosenUnit]] = defaultdict(list)
    for chosen in plan_units:
        by_country[by_id[chosen.unit_id].country].append(chosen)
    _within_allowances(current, by_country)
    created = [
        _record_request(session, identity, crisis, country, units, moment)
        for country, units in sorted(by_country.items())
    ]
    crisis.status = CrisisStatus.OPEN.value
    crisis.version += 1
    session.add(crisis)
    return created


def _still_askable(current: PlanningInput, plan_units: Sequence[ChosenUnit]) -> dict[str, Unit]:
    """The registry's units by id, once every chosen unit is found still free to be asked."""
    by_id = {unit.id: unit for unit in current.network.units}
    for chosen in plan_units:
        unit = by_id.get(chosen.unit_id)
        if unit is None:
            raise Conflict(
                _("{unit} is already part of this crisis or was removed.", unit=chosen.unit_id)
            )
        home = current.network.country(unit.country)
        reasons = rules.exclusion_reasons(unit, home, current.request)
        if reasons and reasons != [rules.Reason.NO_CAPABILITY]:
            raise Conflict(
                _(
                    "{unit} can no longer be asked ({reasons}); plan again.",
                    unit=unit.id,
                    reasons=", ".join(r.value for r in reasons),
                )
            )
    return by_id


def _within_allowances(
    current: PlanningInput, by_country: Mapping[str, Sequence[ChosenUnit]]
) -> None:
    """OP-RESERVE again: units taken since the plan was made may have used the allowance."""
    for code, chosen_units in by_country.items():
        allowance = rules.country_allowance(current.network.country(code), current.network.units)
        if len(chosen_units) > allowance:
            raise Conflict(
                _(
                    "{country} can give only {allowance} more unit(s) while keeping its home "
                    "reserve; plan again.",
                    country=current.network.country(code).name,
                    allowance=allowance,
                )
            )


def _record_request(
    session: Session,
    identity: Identity,
    crisis: Crisis,
    country: str,
    units: Sequence[ChosenUnit],
    moment: datetime,
) -> AssistanceRequest:
    """One state's request, with the teams the plan asks of each of its units, and its audit."""
    assert crisis.id is not None
    # The state is asked for what the plan asks of its units, not for their full counts:
    # still_missing counts these teams as covered.
    provides: dict[str, int] = defaultdict(int)
    for chosen in units:
        for code, count in chosen.teams.items():
            provides[code] += count
    asked = {u.unit_id: u.teams for u in units}
    request = AssistanceRequest(
        crisis_id=crisis.id,
        country=country,
        units=[u.unit_id for u in units],
        provides=dict(sorted(provides.items())),
        forms=list(crisis.assistance),
        status=AnswerStatus.PENDING.value,
        sent_at=moment,
        agreement={"planned_eta": {u.unit_id: u.eta_minutes for u in units}, "asked": asked},
    )
    session.add(request)
    session.flush()
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.requested",
        obj=crisis_object(crisis.id),
        payload={
            "request": request.id,
            "country": country,
            "units": request.units,
            "provides": request.provides,
            "asked": asked,
            "forms": request.forms,
        },
        at=moment,
    )
    return request


# --- use cases: plans shown, chosen, sent; units removed ------------------------------


@dataclass(frozen=True, slots=True)
class PlanningView:
    """What planning a crisis needs to read first: the input, the title, capability names."""

    input: PlanningInput
    title: str
    names: dict[str, str]


def planning_view(session: Session, crisis_id: int) -> PlanningView:
    """Read what the planner and the plans' message need for one crisis."""
    crisis = get_crisis(session, crisis_id)
    return PlanningView(
        planning_input(session, crisis),
        crisis_texts.crisis_title(crisis),
        raising.capability_names(session),
    )


def _plan_payload(crisis_id: int, plan: Plan) -> dict[str, Any]:
    return {
        "crisis": crisis_id,
        "rank": plan.rank,
        "units": [
            {
                "id": u.id,
                "country": u.country,
                "eta": u.eta_minutes,
                "provides": dict(u.provides),
                "asked": dict(u.asked),
            }
            for u in plan.units
        ],
    }


ALTERNATIVES = 2  # plans shown besides the best


@dataclass(frozen=True, slots=True)
class PlannerOptions:
    """The planner's settings as plain values (the bot reads them from its settings)."""

    model: TravelModel
    time_limit_s: float
    step_minutes: int


def plan_crisis(pin: PlanningInput, options: PlannerOptions) -> PlanningResult:
    """The best plans for what a crisis still needs (CPU-bound: run it off the event loop)."""
    return plan_single(
        pin.network,
        pin.request,
        alternatives=ALTERNATIVES,
        model=options.model,
        time_limit_s=options.time_limit_s,
        step_minutes=options.step_minutes,
        engaged=pin.engaged,
    )


@dataclass(frozen=True, slots=True)
class ProposedPlans:
    """The plans, and the units in all of them that nothing else can replace."""

    result: PlanningResult
    irreplaceable: tuple[Irreplaceable, ...]


def propose_plans(pin: PlanningInput, options: PlannerOptions) -> ProposedPlans:
    """Plan, and ask the planner which units no other can replace (off the event loop)."""
    result = plan_crisis(pin, options)
    irreplaceable: tuple[Irreplaceable, ...] = ()
    if len(result.requests[0].plans) > 1:
        # "In every plan" says something only where there are alternatives to compare.
        irreplaceable = planner_reasons.irreplaceable_units(
            pin.network, result, pin.request.id, model=options.model
        )
    return ProposedPlans(result, irreplaceable)


def why_not_others_text(pin: PlanningInput, options: PlannerOptions) -> str:
    """'Why not others?': the real reason for the nearest left-out units, on one screen
    (plans again with each forced in: run it off the event loop)."""
    result = plan_crisis(pin, options)
    others = planner_reasons.why_not_others(
        pin.network, result, pin.request.id, model=options.model
    )
    return plan_texts.exclusions_text(
        result, pin.network, others, pin.involved_units, pin.removed_units
    )


def plans_message(
    session: Session,
    target: PlanTarget,
    view: PlanningView,
    proposed: ProposedPlans,
    now: datetime,
) -> Message:
    """The plans for the requester, with a button per plan (tokens issued to them), in the
    requester's language (a refusal by another state may be what brought them)."""
    with reading(session, target.chat_id):
        return _plans_message(session, target, view, proposed, now)


def _plans_message(
    session: Session,
    target: PlanTarget,
    view: PlanningView,
    proposed: ProposedPlans,
    now: datetime,
) -> Message:
    planning = proposed.result.requests[0]
    pin, crisis_id = view.input, target.crisis_id
    text = plan_texts.plans_text(
        view.title,
        proposed.result,
        proposed.irreplaceable,
        pin.network,
        pin.already_covered,
        pin.removed_units,
        view.names,
    )
    rows = [
        [
            Button(
                _(
                    "📨 Send plan {rank} ({states})",
                    rank=plan.rank,
                    states=", ".join(sorted({u.country for u in plan.units})),
                ),
                "plan.choose",
                _plan_payload(crisis_id, plan),
            )
        ]
        for plan in planning.plans
    ]
    rows.append([Button(_("❓ Why not others?"), "plan.exclusions", {"crisis": crisis_id})])
    if planning.candidates:
        # Only the units of the plans shown (issue 11), each once.
        listed = sorted({(u.id, u.country) for plan in planning.plans for u in plan.units})
        payload = {"crisis": crisis_id, "units": [list(pair) for pair in listed]}
        rows.append([Button(_("➖ Remove a unit…"), "plan.remove_menu", payload)])
    rows.append([Button(_("🏁 Close crisis…"), "crisis.close", {"crisis": crisis_id})])
    keyboard = issue_keyboard(session, target.member_id, rows, now=now)
    return Message(target.chat_id, text, keyboard)


def plan_again(session: Session, press: PressInput, *, check: bool = True) -> PlanTarget:
    """Plan again for what the crisis still needs (from the board, or back from sending):
    the way back to plans whose message was lost."""
    pressed = press.redeem(session)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    if check:
        require_requester(pressed.identity, crisis)
        require_open(crisis)
    assert crisis.id is not None
    return PlanTarget(press.chat_id, pressed.identity.member_id, crisis.id)


def ask_to_send(session: Session, press: PressInput) -> Outcome:
    """Confirm before sending: sending to other states cannot be taken back."""
    pressed = press.redeem(session)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    require_requester(pressed.identity, crisis)
    names = raising.capability_names(session)
    by_state: dict[str, list[str]] = {}
    for unit in pressed.payload["units"]:
        # What will be asked of each unit (a button from before asked its full counts).
        teams = crisis_texts.capability_line(unit.get("asked") or unit["provides"], names)
        by_state.setdefault(unit["country"], []).append(f"{unit['id']} ({teams})")
    assert crisis.id is not None
    rows = [
        [Button(_("✅ Confirm and send"), "plan.send", pressed.payload, single_use=True)],
        [Button(_("↩ Back to the plans"), "plan.back", {"crisis": crisis.id})],
    ]
    # Said before "this cannot be taken back", not after (issue 11).
    unreachable = sorted(s for s in by_state if not authority_recipients(session, s))
    warning = outcome_texts.nobody_enrolled(", ".join(unreachable)) + "\n\n" if unreachable else ""
    return Outcome(
        reply=warning + plan_texts.send_question(pressed.payload["rank"], crisis.id, by_state),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
    )


def send_plan(session: Session, press: PressInput, *, timings: Timings) -> Outcome:
    """Send the chosen plan to the requested states' authorities, as alerts (R2)."""
    pressed = press.redeem(session)
    crisis_id = int(pressed.payload["crisis"])
    chosen = [
        # A button issued before plans said what they ask has no "asked": its full counts.
        ChosenUnit(
            u["id"], u["country"], int(u["eta"]), dict(u["provides"]), dict(u.get("asked") or {})
        )
        for u in pressed.payload["units"]
    ]
    created = send_requests(session, pressed.identity, crisis_id, chosen, now=press.now)
    request_ids = [r.id for r in created if r.id is not None]
    alerts = raising.raise_assistance_requests(
        session, request_ids, timings=timings, now=press.now
    )
    unreachable = sorted(
        r.country for r in created if not authority_recipients(session, r.country)
    )
    return Outcome(
        reply=plan_texts.requests_sent(crisis_id, len(request_ids), unreachable),
        alerts=tuple(alerts),
        board=crisis_id,
    )


def exclusions_input(session: Session, press: PressInput) -> PlanningInput:
    """The planning input of a crisis, for its requester asking why others were left out."""
    pressed = press.redeem(session)
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    require_requester(pressed.identity, crisis)
    return planning_input(session, crisis)


def removal_menu_of(session: Session, pressed: tokens.Press, now: datetime) -> Outcome:
    """The units the requester may leave out of the next plans (those that could help): for
    a button issued before the menu listed the plans' units."""
    crisis = get_crisis(session, int(pressed.payload["crisis"]))
    require_requester(pressed.identity, crisis)
    pin = planning_input(session, crisis)
    wanted = set(pin.request.needs)
    units = [
        u
        for u in pin.network.units
        if wanted & set(u.capabilities) and u.country != crisis.requesting_country
    ]
    rows = [
        [
            Button(
                _("➖ {unit} ({country})", unit=u.id, country=u.country),
                "plan.remove",
                {"crisis": crisis.id, "unit": u.id},
            )
        ]
        for u in units[:40]
    ]
    return Outcome(
        reply=_("Which unit should the next plans leave out?"),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=now),
    )


def next_plan_targets(session: Session, crisis_id: int) -> list[PlanTarget]:
    """After a refusal (or no response): the requester's authorities, to be offered the next
    best plan for what is still missing (none when nothing is missing or it is closed)."""
    crisis = get_crisis(session, crisis_id)
    if not still_missing(session, crisis) or crisis.status == CrisisStatus.CLOSED.value:
        return []
    return [PlanTarget(chat, member, crisis_id) for member, chat in board_viewers(session, crisis)]
