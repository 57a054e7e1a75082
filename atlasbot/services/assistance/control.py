"""The requester's control of an open crisis (issue 11, point 8): withdraw one request, release
one unit, add or reduce a need. Each irreversible step is asked first (a single-use button
confirms); the state concerned is told; everything is audited; the board is refreshed."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.i18n import _
from atlasbot.services.assistance.mobilising import release_unit
from atlasbot.services.assistance.outcome import Outcome, PlanTarget, PressInput
from atlasbot.services.assistance.raising import capability_names
from atlasbot.services.assistance.records import (
    MAX_TEAMS_PER_CAPABILITY,
    authority_recipients,
    deployments_of,
    requests_of,
    require_open,
    require_requester,
    unit_recipients,
)
from atlasbot.services.crisis_records import (
    crisis_object,
    get_answer,
    get_crisis,
    get_deployment,
)
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.readers import messages_for, render_for
from atlasbot.services.zones import zone_of
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    Crisis,
    DeploymentState,
    UnitRow,
)
from atlasbot.texts import control as texts


def _requester_crisis(session: Session, identity: Identity, crisis_id: int) -> Crisis:
    """The crisis, open, and the member its requesting state's competent authority."""
    crisis = get_crisis(session, crisis_id, lock=True)
    require_requester(identity, crisis)
    require_open(crisis)
    return crisis


def _keep_button() -> Button:
    return Button(_(texts.KEEP), "control.keep", {}, single_use=True)


def menu(session: Session, press: PressInput) -> Outcome:
    """The controls: a button per open request (withdraw), per unit not released (release),
    and one to change the needs."""
    pressed = press.redeem(session)
    crisis = _requester_crisis(session, pressed.identity, int(pressed.payload["crisis"]))
    assert crisis.id is not None
    rows = [
        [Button(texts.withdraw_label(r.country, r.id or 0), "control.withdraw_ask", {"r": r.id})]
        for r in requests_of(session, crisis.id)
        if AnswerStatus(r.status).is_open
    ]
    rows += [
        [Button(texts.release_label(d.unit_id), "control.release_ask", {"d": d.id})]
        for d in deployments_of(session, crisis.id)
        if d.state != DeploymentState.RELEASED.value
    ]
    rows.append([Button(_(texts.ADD_NEED), "control.needs", {"crisis": crisis.id})])
    return Outcome(
        reply=texts.menu(crisis.id, crisis.needs, capability_names(session)),
        keyboard=issue_keyboard(session, pressed.identity.member_id, rows, now=press.now),
    )


def keep(session: Session, press: PressInput) -> Outcome:
    """ "No, keep it": nothing changes (the confirmation's token is spent)."""
    press.redeem(session)
    return Outcome(reply=_(texts.KEPT))


# --- withdraw one request -----------------------------------------------------------------


def withdraw_ask(session: Session, press: PressInput) -> Outcome:
    """Withdrawing is asked first: it cannot be taken back."""
    pressed = press.redeem(session)
    request = get_answer(session, int(pressed.payload["r"]))
    crisis = _requester_crisis(session, pressed.identity, request.crisis_id)
    if not AnswerStatus(request.status).is_open:
        raise Conflict(texts.not_open_request())
    assert crisis.id is not None and request.id is not None
    yes = Button(texts.withdraw_yes(), "control.withdraw", {"r": request.id}, single_use=True)
    return Outcome(
        reply=texts.withdraw_question(request.country, request.id, crisis.id),
        keyboard=issue_keyboard(
            session, pressed.identity.member_id, [[yes, _keep_button()]], now=press.now
        ),
    )


def withdraw_request(
    session: Session, identity: Identity, request_id: int, *, now: datetime
) -> tuple[Message, ...]:
    """Withdraw one open request of an open crisis; its state's authorities are told (the
    messages returned). Its alert stops when the board is refreshed (it is settled)."""
    request = get_answer(session, request_id, lock=True)
    crisis = _requester_crisis(session, identity, request.crisis_id)
    if not AnswerStatus(request.status).is_open:
        raise Conflict(texts.not_open_request())
    assert crisis.id is not None and request.id is not None
    request.status = AnswerStatus.WITHDRAWN.value
    request.answered_at = now
    request.version += 1
    session.add(request)
    audit.append(
        session,
        actor=identity.actor,
        action="assistance.withdrawn",
        obj=crisis_object(crisis.id),
        payload={"request": request.id, "country": request.country},
        at=now,
    )
    return messages_for(
        session,
        [chat for _m, chat in authority_recipients(session, request.country)],
        functools.partial(
            texts.withdrawn_to_state, crisis.requesting_country, request.id or 0, crisis.id or 0
        ),
    )


def withdraw(session: Session, press: PressInput) -> Outcome:
    """The confirmed withdrawal."""
    pressed = press.redeem(session)
    request_id = int(pressed.payload["r"])
    told = withdraw_request(session, pressed.identity, request_id, now=press.now)
    request = get_answer(session, request_id)
    return Outcome(
        reply=texts.withdrawn(request.country, request_id),
        messages=told,
        board=request.crisis_id,
    )


# --- release one unit ---------------------------------------------------------------------


def release_ask(session: Session, press: PressInput) -> Outcome:
    """Releasing is asked first: it cannot be taken back."""
    pressed = press.redeem(session)
    deployment = get_deployment(session, int(pressed.payload["d"]))
    crisis = _requester_crisis(session, pressed.identity, deployment.crisis_id)
    if deployment.state == DeploymentState.RELEASED.value:
        raise Conflict(texts.not_deployed())
    assert crisis.id is not None
    yes = Button(texts.release_yes(), "control.release", {"d": deployment.id}, single_use=True)
    return Outcome(
        reply=texts.release_question(deployment.unit_id, crisis.id),
        keyboard=issue_keyboard(
            session, pressed.identity.member_id, [[yes, _keep_button()]], now=press.now
        ),
    )


def release_deployment(
    session: Session,
    identity: Identity,
    deployment_id: int,
    *,
    now: datetime,
    return_home: timedelta,
) -> datetime | None:
    """The requester releases one unit: the deployment is released and the unit returning
    (its ETA home returned); audited."""
    deployment = get_deployment(session, deployment_id, lock=True)
    crisis = _requester_crisis(session, identity, deployment.crisis_id)
    if deployment.state == DeploymentState.RELEASED.value:
        raise Conflict(texts.not_deployed())
    home = release_unit(session, deployment, identity.actor, now, return_home=return_home)
    assert crisis.id is not None
    audit.append(
        session,
        actor=identity.actor,
        action="deployment.released",
        obj=crisis_object(crisis.id),
        payload={
            "deployment": deployment.id,
            "unit": deployment.unit_id,
            "by": "requester",
            "home_at": home.isoformat() if home else None,
        },
        at=now,
    )
    return home


def release(session: Session, press: PressInput, tz: ZoneInfo, return_home: timedelta) -> Outcome:
    """The confirmed release: the unit's state's authorities and the unit are told, each in
    their own zone."""
    pressed = press.redeem(session)
    deployment = get_deployment(session, int(pressed.payload["d"]))
    home = release_deployment(
        session, pressed.identity, deployment.id or 0, now=press.now, return_home=return_home
    )
    crisis = get_crisis(session, deployment.crisis_id)
    unit = session.get(UnitRow, deployment.unit_id)
    country = unit.country if unit is not None else ""
    told = sorted(
        {*authority_recipients(session, country), *unit_recipients(session, deployment.unit_id)}
    )
    messages = tuple(
        Message(
            chat,
            render_for(
                session,
                chat,
                functools.partial(
                    texts.released_to_state,
                    crisis.requesting_country,
                    deployment.unit_id,
                    deployment.crisis_id,
                    home,
                    zone_of(session, member_id, fallback=tz),
                ),
            ),
        )
        for member_id, chat in told
    )
    return Outcome(
        reply=texts.released(
            deployment.unit_id, home, zone_of(session, pressed.identity.member_id, fallback=tz)
        ),
        messages=messages,
        board=deployment.crisis_id,
    )


# --- add or reduce a need -----------------------------------------------------------------


def _need_rows(crisis: Crisis, names: dict[str, str]) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for code, name in sorted(names.items(), key=lambda item: item[1]):
        count = crisis.needs.get(code, 0)
        row = [Button(texts.more_label(name), "control.need", {"c": crisis.id, "k": code, "n": 1})]
        if count:
            label = texts.fewer_label(name, count)
            row.append(Button(label, "control.need", {"c": crisis.id, "k": code, "n": -1}))
        rows.append(row)
    return rows


def needs_menu(session: Session, press: PressInput) -> Outcome:
    """A button per capability of the catalogue: one team more, or one fewer."""
    pressed = press.redeem(session)
    crisis = _requester_crisis(session, pressed.identity, int(pressed.payload["crisis"]))
    assert crisis.id is not None
    names = capability_names(session)
    return Outcome(
        reply=texts.need_menu(crisis.id, crisis.needs, names),
        keyboard=issue_keyboard(
            session, pressed.identity.member_id, _need_rows(crisis, names), now=press.now
        ),
    )


def change_need(
    session: Session, identity: Identity, crisis_id: int, code: str, delta: int, *, now: datetime
) -> Crisis:
    """One team more or fewer of a capability on an open crisis (at least one team in all,
    at most the per-capability limit); audited."""
    crisis = _requester_crisis(session, identity, crisis_id)
    if code not in capability_names(session) or delta not in (1, -1):
        raise InvalidInput(_("There is no such capability in the network."))
    needs = dict(crisis.needs)
    count = needs.get(code, 0) + delta
    if count > MAX_TEAMS_PER_CAPABILITY:
        raise InvalidInput(texts.too_many(MAX_TEAMS_PER_CAPABILITY))
    if count <= 0:
        needs.pop(code, None)
    else:
        needs[code] = count
    if not needs:
        raise InvalidInput(texts.no_need_left())
    before, crisis.needs = crisis.needs, needs
    crisis.version += 1
    session.add(crisis)
    audit.append(
        session,
        actor=identity.actor,
        action="crisis.needs_changed",
        obj=crisis_object(crisis_id),
        payload={"capability": code, "from": before.get(code, 0), "to": needs.get(code, 0)},
        at=now,
    )
    return crisis


def need(session: Session, press: PressInput) -> Outcome:
    """A need changed: the menu shows the needs now; one more team plans what is missing."""
    pressed = press.redeem(session)
    payload = pressed.payload
    crisis = change_need(
        session,
        pressed.identity,
        int(payload["c"]),
        str(payload["k"]),
        int(payload["n"]),
        now=press.now,
    )
    assert crisis.id is not None
    names = capability_names(session)
    keyboard = issue_keyboard(
        session, pressed.identity.member_id, _need_rows(crisis, names), now=press.now
    )
    plans = (PlanTarget(press.chat_id, pressed.identity.member_id, crisis.id),)
    return Outcome(
        reply=texts.need_menu(crisis.id, crisis.needs, names),
        keyboard=keyboard,
        board=crisis.id,
        plans=plans if int(payload["n"]) > 0 else (),
    )
