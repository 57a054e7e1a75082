"""Mobilisation: units report their progress; commanders set their readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot import chat_input, names
from atlasbot.domain import (
    UnitStatus,
)
from atlasbot.i18n import N_, _
from atlasbot.services import registry
from atlasbot.services.assistance import raising, returning
from atlasbot.services.assistance.outcome import Outcome, PressInput
from atlasbot.services.assistance.records import PROGRESS, require_open
from atlasbot.services.crisis_records import crisis_object, get_crisis, get_deployment
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.zones import zone_of
from atlasbot.storage import audit
from atlasbot.storage.models import (
    Deployment,
    DeploymentState,
    Role,
    UnitRow,
    utc_now,
)
from atlasbot.texts import crisis as crisis_texts


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
            _(
                "Only members of {unit} or its state's competent authority report its progress.",
                unit=deployment.unit_id,
            )
        )


def _already(unit_id: str, state: DeploymentState) -> str:
    """A progress report that repeats the unit's state."""
    return _("{unit} is already {state}.", unit=unit_id, state=state.value.replace("_", " "))


def report_progress(
    session: Session,
    identity: Identity,
    deployment_id: int,
    state: DeploymentState,
    *,
    eta_minutes: int | None = None,
    eta_at: datetime | None = None,
    now: datetime | None = None,
    return_home: timedelta = returning.DEFAULT_RETURN_HOME,
) -> Deployment:
    """A unit's commander or duty officer reports mobilising, departed (with ETA), on scene or
    released; so may its state's competent authority, which answers for the unit and gets its
    orders when nobody of the unit is enrolled or answers. Progress only moves forward;
    repeating the current state changes nothing."""
    moment = now or utc_now()
    deployment = get_deployment(session, deployment_id, lock=True)
    require_progress_reporter(session, identity, deployment)
    current = DeploymentState(deployment.state)
    if PROGRESS.index(state) < PROGRESS.index(current):
        raise Conflict(_already(deployment.unit_id, current))
    if state is current and state is not DeploymentState.DEPARTED:
        raise Conflict(_already(deployment.unit_id, current))
    if state is not DeploymentState.RELEASED:
        require_open(get_crisis(session, deployment.crisis_id))
    if eta_minutes is not None and not 1 <= eta_minutes <= 48 * 60:
        raise InvalidInput(_("ETA: minutes from now, 1 to {limit}.", limit=48 * 60))
    if state is DeploymentState.DEPARTED and eta_at is not None:
        deployment.eta_at = eta_at  # a time the member typed, checked by the caller
    elif state is DeploymentState.DEPARTED:
        minutes = eta_minutes if eta_minutes is not None else travel_minutes(session, deployment)
        deployment.eta_at = moment + timedelta(minutes=minutes)
    elif state is DeploymentState.ON_SCENE:
        deployment.eta_at = None
    if state is DeploymentState.RELEASED:
        release_unit(session, deployment, identity.actor, moment, return_home=return_home)
    else:
        deployment.state = state.value
        deployment.updated_at = moment
        deployment.version += 1
        session.add(deployment)
    audit.append(
        session,
        actor=identity.actor,
        action=f"deployment.{state.value}",
        obj=crisis_object(deployment.crisis_id),
        payload={
            "deployment": deployment.id,
            "unit": deployment.unit_id,
            "eta_at": deployment.eta_at.isoformat() if deployment.eta_at else None,
        },
        at=moment,
    )
    return deployment


# A unit that travelled comes home in its planned travel time; one that never left stands down.
TRAVELLED = (DeploymentState.DEPARTED.value, DeploymentState.ON_SCENE.value)


def release_unit(
    session: Session,
    deployment: Deployment,
    actor: str,
    moment: datetime,
    *,
    return_home: timedelta = returning.DEFAULT_RETURN_HOME,
) -> datetime | None:
    """The deployment released (whoever released it: the unit, the requester, the crisis
    closing) and its unit on its way home: "returning" until its ETA home, then what it was
    before it was deployed (``returning.come_home``). Returns its ETA home."""
    travelled = deployment.state in TRAVELLED
    deployment.state = DeploymentState.RELEASED.value
    deployment.updated_at = moment
    deployment.version += 1
    session.add(deployment)
    return returning.start_return(
        session,
        deployment,
        travelled=travelled,
        actor=actor,
        now=moment,
        return_home=return_home,
    )


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
        raise NotAuthorised(_("Only the commander of {unit} sets its readiness.", unit=unit_id))
    return registry.set_unit_status(
        session,
        unit_id=unit_id,
        status=status,
        actor=identity.actor,
        reason="set by the commander",
        now=now,
    )


# --- use cases: progress reports and readiness ------------------------------------------

STATUS_LABELS = {
    UnitStatus.AVAILABLE: N_("🟢 available"),
    UnitStatus.STANDBY: N_("🟡 standby"),
    UnitStatus.DEPLOYED: N_("🔵 deployed"),
    UnitStatus.UNAVAILABLE: N_("⚫ unavailable"),
}
# A typed ETA: at most this far ahead (as the preset buttons' limit).
LONGEST_ETA = timedelta(hours=48)


def departed_menu(session: Session, press: PressInput) -> Outcome:
    """Departing asks for the ETA: the planned travel time, or later."""
    pressed = press.redeem(session)
    deployment = get_deployment(session, int(pressed.payload["deployment"]))
    require_progress_reporter(session, pressed.identity, deployment)
    planned = travel_minutes(session, deployment)
    payload = {"deployment": deployment.id, "state": DeploymentState.DEPARTED.value}
    rows = [
        [
            Button(_("ETA in {minutes} min", minutes=m), "progress.report", {**payload, "eta": m})
            for m in (planned, planned + 30, planned + 60)
        ],
        [Button(_("⌨ Type the time…"), "progress.eta_typed", {"deployment": deployment.id})],
    ]
    return Outcome(
        reply=_("{unit} departing: when will you be on scene?", unit=deployment.unit_id),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
    )


@dataclass(frozen=True, slots=True)
class EtaAsked:
    """A unit about to type its ETA: which deployment, and the question to ask."""

    deployment_id: int
    question: str


def ask_typed_eta(session: Session, press: PressInput) -> EtaAsked:
    """ "Type the time…": the member may report the unit's progress, on an open crisis."""
    pressed = press.redeem(session)
    deployment = get_deployment(session, int(pressed.payload["deployment"]))
    require_progress_reporter(session, pressed.identity, deployment)
    require_open(get_crisis(session, deployment.crisis_id))
    assert deployment.id is not None
    return EtaAsked(deployment.id, crisis_texts.ask_typed_eta(deployment.unit_id))


def report_typed_eta(
    session: Session,
    identity: Identity,
    deployment_id: int,
    typed: str,
    *,
    now: datetime,
    fallback_tz: ZoneInfo,
) -> Outcome:
    """Departed, with the ETA typed as a time of day in the member's zone ("19:40") or in
    minutes from now ("+45"); anything else is refused (InvalidInput) and asked again."""
    tz = zone_of(session, identity.member_id, fallback=fallback_tz)
    arrival = chat_input.arrival_time(typed, what=_("ETA"), now=now, tz=tz, longest=LONGEST_ETA)
    deployment = report_progress(
        session, identity, deployment_id, DeploymentState.DEPARTED, eta_at=arrival, now=now
    )
    assert deployment.id is not None
    rows = raising.progress_buttons(deployment.id, deployment.state)
    return Outcome(
        reply=crisis_texts.deployment_status(deployment, tz),
        keyboard=issue_keyboard(session, identity.member_id, rows, now=now),
        board=deployment.crisis_id,
    )


def report(
    session: Session,
    press: PressInput,
    tz: ZoneInfo,
    return_home: timedelta = returning.DEFAULT_RETURN_HOME,
) -> Outcome:
    """A unit reports its progress; the reply is its state with the next steps' buttons."""
    pressed = press.redeem(session)
    eta = pressed.payload.get("eta")
    deployment = report_progress(
        session,
        pressed.identity,
        int(pressed.payload["deployment"]),
        DeploymentState(str(pressed.payload["state"])),
        eta_minutes=int(eta) if eta is not None else None,
        now=press.now,
        return_home=return_home,
    )
    assert deployment.id is not None
    rows = raising.progress_buttons(deployment.id, deployment.state)
    return Outcome(
        reply=crisis_texts.deployment_status(deployment, tz),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
        board=deployment.crisis_id,
    )


def readiness_menus(session: Session, identity: Identity, now: datetime) -> list[Outcome]:
    """/status: for each unit the member commands, its readiness and the others to set."""
    units = identity.units(Role.COMMANDER)
    if not units:
        raise NotAuthorised(_("Only a unit's commander sets its readiness."))
    menus = []
    for unit_id in units:
        row = session.get(UnitRow, unit_id)
        current = row.status if row else "unknown"
        rows = [
            [Button(_(label), "unit.status", {"unit": unit_id, "status": status.value})]
            for status, label in STATUS_LABELS.items()
            if status.value != current
        ]
        menus.append(
            Outcome(
                reply=_(
                    "{unit} is {status}. Set its readiness (the planner uses it at once):",
                    unit=unit_id,
                    status=names.unit_status_name(current),
                ),
                keyboard=issue_keyboard(session, identity.member_id, rows, now=now),
            )
        )
    return menus


def set_status(session: Session, press: PressInput) -> Outcome:
    """A commander's press on a readiness button."""
    pressed = press.redeem(session)
    unit_id, status = str(pressed.payload["unit"]), UnitStatus(str(pressed.payload["status"]))
    previous = set_readiness(session, pressed.identity, unit_id, status, now=press.now)
    return Outcome(
        reply=_(
            "{unit}: {previous} → {status}. Recorded.",
            unit=unit_id,
            previous=names.unit_status_name(previous.value) if previous else "—",
            status=names.unit_status_name(status.value),
        )
    )
