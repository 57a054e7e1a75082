"""The rules of Council Decision 2008/617/JHA that atlasbot enforces, as small pure checks.

Every rule cites its source through ``CITATIONS``, the one table a legal reviewer corrects
when an article number turns out wrong. Articles 1 to 3 are confirmed; the article numbers of
the costs (R9), liability (R10) and meetings/trainings (R11) provisions are not, and the
table says so. Rules the ATLAS network adds by practice (``OP-*``) cite no article.

Pure core: no I/O, no clock, no Telegram, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from atlasbot.domain import AssistanceForm, Country, CrisisRequest, CrisisType, Unit
from atlasbot.i18n import N_, _

# The "article" of a rule the network keeps without the Decision: words, translated when cited.
NETWORK_PRACTICE = N_("network practice (not in the Decision)")


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule comes from: the article it rests on and whether that number is confirmed."""

    rule_id: str
    article: str
    summary: str
    verified: bool


def _table(*citations: Citation) -> Mapping[str, Citation]:
    return MappingProxyType({c.rule_id: c for c in citations})


# The one citation table. Correct an article number here and every message follows.
CITATIONS: Mapping[str, Citation] = _table(
    Citation("R1", "Art. 3(1)", "Only the requesting state's competent authority asks.", True),
    Citation("R2", "Arts. 1, 3(1)", "Requests go to another state's competent authority.", True),
    Citation("R3", "Art. 3(1)", "A request states the kind of help and why it is needed.", True),
    Citation("R4", "Art. 2(b)", "Only crisis situations (serious criminal threats).", True),
    Citation("R5", "Art. 3(1)", "The requested state accepts, refuses or counter-proposes.", True),
    Citation("R6", "Art. 3(2)", "Equipment, expertise and/or armed action, as agreed.", True),
    Citation("R7", "Art. 3(3)", "Assisting units support, led by the requesting state.", True),
    Citation("R8", "Art. 3(4)", "Practical details are settled between the two states.", True),
    Citation("R9", "Art. 5", "The requesting state pays unless agreed otherwise.", False),
    Citation("R10", "Arts. 6-7", "Liability abroad follows Prüm Decision 2008/615/JHA.", False),
    Citation("R11", "Art. 4", "Units hold meetings, joint trainings and exercises.", False),
    Citation("R12", "Art. 1", "The Decision binds EU Member States, not partners.", True),
    Citation("OP-STATUS", NETWORK_PRACTICE, "Deployed or unavailable: never proposed.", True),
    Citation("OP-ARMED", NETWORK_PRACTICE, "A state may refuse armed action abroad.", True),
    Citation("OP-CAPABILITY", NETWORK_PRACTICE, "A proposed unit brings a needed skill.", True),
    Citation("OP-RESERVE", NETWORK_PRACTICE, "A state keeps its home reserve of units.", True),
    Citation("OP-REACH", NETWORK_PRACTICE, "A proposed unit can travel to the crisis.", True),
)


def citation(rule_id: str) -> Citation:
    """The citation of one rule id (KeyError when unknown)."""
    return CITATIONS[rule_id]


def cite(rule_id: str) -> str:
    """A short human citation, e.g. "R4, Art. 2(b)" or "R9, Art. 5 (unverified)"."""
    entry = CITATIONS[rule_id]
    article = _(entry.article) if entry.article == NETWORK_PRACTICE else entry.article
    if entry.verified:
        return _("{rule}, {article}", rule=rule_id, article=article)
    return _("{rule}, {article} (unverified)", rule=rule_id, article=article)


def basis(rule_id: str) -> str:
    """The legal basis as a member reads it: the article alone ("Art. 3(3)"), no rule code.

    An article number not yet confirmed is not shown to members: they read the Decision's
    name instead. ``cite`` (rule code, article, "unverified") is for the audit log and the
    after-action report, where a reviewer checks it."""
    entry = CITATIONS[rule_id]
    if entry.article == NETWORK_PRACTICE:
        return _(entry.article)
    if entry.verified:
        return entry.article
    return _("Decision 2008/617/JHA")


class Reason(StrEnum):
    """Why a unit is left out of planning for a request (docs/formats.md §4), in the §4 order."""

    OWN_STATE = "own_state"
    STATUS = "status"
    NOT_BOUND = "not_bound"
    NATIONAL_RESTRICTION = "national_restriction"
    NO_CAPABILITY = "no_capability"
    # An addition to §4: the unit's transport modes cannot reach the place at all (a
    # helicopter-only unit more than 600 km away). The planner adds it, not exclusion_reasons.
    UNREACHABLE = "unreachable"

    @property
    def rule_id(self) -> str:
        """The citation-table id of the rule behind this reason."""
        return _REASON_RULES[self]


_REASON_RULES: Mapping[Reason, str] = MappingProxyType(
    {
        Reason.OWN_STATE: "R2",
        Reason.STATUS: "OP-STATUS",
        Reason.NOT_BOUND: "R12",
        Reason.NATIONAL_RESTRICTION: "OP-ARMED",
        Reason.NO_CAPABILITY: "OP-CAPABILITY",
        Reason.UNREACHABLE: "OP-REACH",
    }
)


def is_own_state(unit: Unit, request: CrisisRequest) -> bool:
    """R2 (Art. 1, 3(1)): help comes from another state; the requester's own units are out."""
    return unit.country == request.requesting_country


def is_unavailable(unit: Unit) -> bool:
    """OP-STATUS: a deployed or unavailable unit is never proposed."""
    return not unit.status.can_be_proposed


def is_unbound_partner(country: Country, request: CrisisRequest) -> bool:
    """R12 (Art. 1): partner states are out unless the request includes partners."""
    return not country.bound_by_decision and not request.include_partners


def is_nationally_restricted(country: Country, request: CrisisRequest) -> bool:
    """OP-ARMED (with R6, Art. 3(2)): no action abroad from a state that refuses armed action."""
    return request.asks_for_action and not country.armed_action_abroad


def lacks_needed_capability(unit: Unit, request: CrisisRequest) -> bool:
    """OP-CAPABILITY: a unit with none of the needed capabilities cannot help."""
    return all(unit.teams_of(code) <= 0 for code in request.needs)


def exclusion_reasons(unit: Unit, country: Country, request: CrisisRequest) -> list[Reason]:
    """Every §4 reason that keeps this unit (of this country) out of this request, in order."""
    checks = (
        (Reason.OWN_STATE, is_own_state(unit, request)),
        (Reason.STATUS, is_unavailable(unit)),
        (Reason.NOT_BOUND, is_unbound_partner(country, request)),
        (Reason.NATIONAL_RESTRICTION, is_nationally_restricted(country, request)),
        (Reason.NO_CAPABILITY, lacks_needed_capability(unit, request)),
    )
    return [reason for reason, applies in checks if applies]


def is_eligible(unit: Unit, country: Country, request: CrisisRequest) -> bool:
    """True when no §4 reason keeps the unit out of the request."""
    return not exclusion_reasons(unit, country, request)


def country_allowance(country: Country, units: Iterable[Unit]) -> int:
    """OP-RESERVE: how many of a state's units may be taken in one planning call.

    Its units with status available or standby, minus its home reserve, never below zero.
    """
    ready = sum(1 for u in units if u.country == country.code and u.status.can_be_proposed)
    return max(0, ready - country.home_reserve)


def crisis_in_scope(crisis: CrisisType | str) -> bool:
    """R4 (Art. 2(b)): only the listed criminal crisis types qualify; disasters etc. do not."""
    return crisis in {c.value for c in CrisisType}


def request_is_complete(nature_of_assistance: str, operational_necessity: str) -> bool:
    """R3 (Art. 3(1)): a request states both the nature of assistance and its necessity."""
    return bool(nature_of_assistance.strip()) and bool(operational_necessity.strip())


def refuses_action_abroad(armed_action_abroad: bool, forms: Iterable[str]) -> bool:
    """OP-ARMED (with R6, Art. 3(2)): the forms include action abroad, which the state refuses."""
    return not armed_action_abroad and AssistanceForm.ACTION.value in set(forms)


def forms_a_state_may_give(forms: Iterable[str], armed_action_abroad: bool) -> list[str]:
    """OP-ARMED: of ``forms``, those a state may agree to (no action abroad if it refuses it)."""
    return [form for form in forms if not refuses_action_abroad(armed_action_abroad, [form])]


class RotaView(StrEnum):
    """How much of a unit's duty rota a member may read."""

    NAMES = "names"  # who is on duty and when: the people who call them
    COUNTS = "counts"  # only whether the unit is covered
    NONE = "none"


def rota_view(
    *, serves_unit: bool, authority_of_its_state: bool, coordinator: bool, oversees: bool
) -> RotaView:
    """OP-ROTA: a unit's rota names its people only to those who call them — the unit
    itself, its state's competent authority and the network coordinators; another state's
    authority or an administrator learns only whether the unit is covered; nobody else
    reads it at all (capability and people details are sensitive)."""
    if serves_unit or authority_of_its_state or coordinator:
        return RotaView.NAMES
    return RotaView.COUNTS if oversees else RotaView.NONE


def may_manage_role(
    *,
    is_admin: bool,
    authority_of: Iterable[str],
    commands_units: Iterable[str],
    role: str,
    country: str | None,
    unit_id: str | None,
    unit_country: str | None,
) -> bool:
    """OP-PEOPLE: who may list, revoke or hand over a role — an administrator any role; a
    competent authority its own state's authorities and the commanders and duty officers of
    its state's units; a commander the duty officers of their own unit."""
    if is_admin:
        return True
    states = set(authority_of)
    if role == "authority":
        return country in states
    if role in ("commander", "duty") and unit_country in states:
        return True
    return role == "duty" and unit_id in set(commands_units)
