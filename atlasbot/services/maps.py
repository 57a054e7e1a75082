"""Maps for the chat: the plans' map, a crisis's board on a map, and /coverage.

The reads (who may see what, the registry now) are use cases in one transaction; drawing
and the coverage computation are CPU work the bot runs off the event loop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from atlasbot.domain import Location, Network, UnitStatus
from atlasbot.gazetteer import Gazetteer
from atlasbot.i18n import _
from atlasbot.maps.board_map import BoardMap, BoardUnit, render_board_map
from atlasbot.maps.coverage import CoverageMemo, CoverageQuestion
from atlasbot.maps.coverage_map import WORST_APART_KM, render_coverage_map
from atlasbot.maps.outlines import load_outlines
from atlasbot.maps.places import grid_places
from atlasbot.maps.plan_map import plan_map, render_plan_map
from atlasbot.planner.travel import TravelModel
from atlasbot.services import registry
from atlasbot.services.assistance.board import can_see
from atlasbot.services.assistance.outcome import PressInput
from atlasbot.services.assistance.planning import PlanningView, ProposedPlans, engaged_units
from atlasbot.services.assistance.raising import capability_names
from atlasbot.services.assistance.records import deployments_of, requests_of
from atlasbot.services.crisis_records import get_crisis
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import InvalidInput, NotAuthorised
from atlasbot.services.outbox import Button, Keyboard, issue_keyboard
from atlasbot.storage.models import DeploymentState, Role, UnitRow
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import maps as texts

WORST_PLACES = 10
WHAT_IF_UNITS = 3  # "what if … is deployed?" buttons under a coverage


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG for one chat, with its caption."""

    chat_id: int
    png: bytes
    caption: str


def plans_picture(chat_id: int, view: PlanningView, proposed: ProposedPlans) -> Picture:
    """The plans on a map (CPU work: run it off the event loop)."""
    spec = plan_map(view.title, proposed.result.requests[0], view.input.network)
    return Picture(chat_id, render_plan_map(spec), texts.plans_map_caption(view.title))


def board_map(session: Session, press: PressInput, tz: ZoneInfo) -> tuple[int, BoardMap]:
    """A crisis's board as a map's plain values, for a member who may see the crisis: each
    unit asked with its deployment's state (en route: with its ETA), else its state's answer."""
    pressed = press.redeem(session)
    return press.chat_id, board_spec(session, pressed.identity, int(pressed.payload["crisis"]), tz)


def board_spec(session: Session, identity: Identity, crisis_id: int, tz: ZoneInfo) -> BoardMap:
    """The board map's plain values, for a member who may see the crisis (the chat's map and
    the Mini App's board both come here)."""
    crisis = get_crisis(session, crisis_id)
    if not can_see(session, identity, crisis):
        raise NotAuthorised(_("You may not see this crisis."))
    assert crisis.id is not None
    state: dict[str, str] = {}
    for request in requests_of(session, crisis.id):
        state.update(dict.fromkeys(request.units, request.status))
    eta_at = {}
    for deployment in deployments_of(session, crisis.id):
        state[deployment.unit_id] = deployment.state
        if deployment.state == DeploymentState.DEPARTED.value and deployment.eta_at:
            eta_at[deployment.unit_id] = crisis_texts.local_time(deployment.eta_at, tz)
    units = []
    for unit_id, key in state.items():
        row = session.get(UnitRow, unit_id)
        if row is not None:
            label = _("{unit} · {state}", unit=unit_id, state=_state_name(key))
            if unit_id in eta_at:
                label = _("{label}, ETA {time}", label=label, time=eta_at[unit_id])
            units.append(BoardUnit(unit_id, row.lat, row.lon, key, label))
    legend = tuple((key, _state_name(key)) for key in dict.fromkeys(u.state for u in units))
    title = crisis_texts.crisis_title(crisis)
    return BoardMap(title, Location(crisis.lat, crisis.lon, crisis.place), tuple(units), legend)


def _state_name(key: str) -> str:
    """A deployment's state, else a request's answer, in words."""
    table = crisis_texts.STATES if key in crisis_texts.STATES else crisis_texts.ANSWERS
    return crisis_texts.shown(table, key)


def board_picture(chat_id: int, spec: BoardMap) -> Picture:
    """The board map drawn (CPU work: run it off the event loop)."""
    return Picture(chat_id, render_board_map(spec), texts.board_map_caption(spec.title))


@dataclass(frozen=True, slots=True)
class CoverageInput:
    """/coverage's question, the registry as it is now, and the capabilities' names."""

    network: Network
    question: CoverageQuestion
    names: dict[str, str]


def coverage_input(session: Session, identity: Identity, args: Sequence[str]) -> CoverageInput:
    """/coverage CAPABILITY [UNIT …]: for coordinators and competent authorities; the
    readiness is the registry's now, units asked or deployed in open crises counted out."""
    if not (identity.has(Role.COORDINATOR) or identity.has(Role.AUTHORITY)):
        raise NotAuthorised(texts.coverage_not_allowed())
    network = current_network(session)
    codes = sorted(network.capability_codes())
    if not args or args[0] not in codes:
        raise InvalidInput(texts.coverage_usage(codes))
    known = {u.id for u in network.units}
    unknown = [unit for unit in args[1:] if unit not in known]
    if unknown:
        raise InvalidInput(texts.unknown_units(unknown))
    deployed = tuple(dict.fromkeys(args[1:]))
    return CoverageInput(
        network, CoverageQuestion(args[0], deployed=deployed), capability_names(session)
    )


def current_network(session: Session) -> Network:
    """The registry with every unit's readiness now: asked or deployed in an open crisis
    counts as deployed, as planning counts it."""
    network = registry.load_network(session)
    return network.with_statuses(dict.fromkeys(engaged_units(session), UnitStatus.DEPLOYED))


def what_if_input(session: Session, press: PressInput) -> tuple[Identity, CoverageInput]:
    """A "what if … is deployed?" button under a coverage: the same checks as /coverage."""
    pressed = press.redeem(session)
    args = [str(pressed.payload["capability"]), *map(str, pressed.payload["deployed"])]
    return pressed.identity, coverage_input(session, pressed.identity, args)


def what_if_keyboard(
    session: Session, identity: Identity, given: CoverageInput, units: Sequence[str], now: datetime
) -> Keyboard:
    """One button per unit that carries the most places: what if it were deployed too?"""
    question = given.question
    rows = [
        [
            Button(
                texts.what_if_button(unit),
                "coverage.what_if",
                {"capability": question.capability, "deployed": [*question.deployed, unit]},
            )
        ]
        for unit in units
    ]
    return issue_keyboard(session, identity.member_id, rows, now=now)


@dataclass(frozen=True, slots=True)
class CoverageAnswer:
    """The coverage map, the list of the worst-covered places, and the units that carry the
    most places (the first to ask "what if it were deployed?" about)."""

    png: bytes
    title: str
    text: str
    key_units: tuple[str, ...] = ()


def coverage_answer(
    given: CoverageInput, memo: CoverageMemo, towns: Gazetteer, model: TravelModel
) -> CoverageAnswer:
    """Compute (or find in the memo) and draw the coverage (CPU work: off the event loop)."""
    outlines = load_outlines()
    places = memo.places(lambda: grid_places(outlines, towns))
    coverage = memo.coverage(given.network, places, given.question, model)
    title = texts.coverage_title(given.question.capability, given.names, given.question.deployed)
    png = render_coverage_map(coverage, given.network, title, worst=WORST_PLACES)
    carried = Counter(p.unit for p in coverage.places if p.unit is not None)
    return CoverageAnswer(
        png,
        title,
        texts.coverage_text(coverage, title, WORST_PLACES, WORST_APART_KM),
        tuple(unit for unit, _count in carried.most_common(WHAT_IF_UNITS)),
    )
