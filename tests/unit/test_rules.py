"""The Decision's rules as pure checks: each eligibility rule excludes, and does not exclude."""

from __future__ import annotations

import pytest

from atlasbot.domain import (
    Country,
    CrisisRequest,
    CrisisType,
    Location,
    TransportMode,
    Unit,
    UnitStatus,
    frozen_counts,
    make_request,
)
from atlasbot.rules import (
    CITATIONS,
    Reason,
    cite,
    country_allowance,
    crisis_in_scope,
    exclusion_reasons,
    request_is_complete,
)


def _country(
    code: str = "DE", *, bound: bool = True, armed: bool = True, reserve: int = 0
) -> Country:
    return Country(code, code, bound, "Europe/Berlin", (), armed, reserve)


def _unit(
    country: str = "DE",
    *,
    caps: dict[str, int] | None = None,
    status: UnitStatus = UnitStatus.AVAILABLE,
    unit_id: str = "de-1",
) -> Unit:
    return Unit(
        id=unit_id,
        name=unit_id,
        country=country,
        base=Location(52.5, 13.4),
        status=status,
        mobilisation_minutes=60,
        transport=(TransportMode.ROAD,),
        capabilities=frozen_counts(caps if caps is not None else {"hostage_rescue": 2}),
    )


def _request(
    *, assistance: tuple[str, ...] = ("action",), partners: bool = False
) -> CrisisRequest:
    return make_request(
        id="req-1",
        requesting_country="BE",
        crisis="hostage_taking",
        location=Location(50.85, 4.35),
        needs={"hostage_rescue": 2, "negotiation": 1},
        assistance=assistance,
        include_partners=partners,
    )


def test_a_unit_of_the_requesting_state_is_excluded_as_own_state() -> None:
    assert exclusion_reasons(_unit("BE"), _country("BE"), _request()) == [Reason.OWN_STATE]


def test_a_unit_of_another_state_is_not_excluded_as_own_state() -> None:
    assert exclusion_reasons(_unit("DE"), _country("DE"), _request()) == []


@pytest.mark.parametrize("status", [UnitStatus.DEPLOYED, UnitStatus.UNAVAILABLE])
def test_a_deployed_or_unavailable_unit_is_excluded_by_status(status: UnitStatus) -> None:
    assert exclusion_reasons(_unit(status=status), _country(), _request()) == [Reason.STATUS]


@pytest.mark.parametrize("status", [UnitStatus.AVAILABLE, UnitStatus.STANDBY])
def test_an_available_or_standby_unit_is_not_excluded_by_status(status: UnitStatus) -> None:
    assert exclusion_reasons(_unit(status=status), _country(), _request()) == []


def test_a_partner_unit_is_excluded_when_the_request_does_not_include_partners() -> None:
    reasons = exclusion_reasons(_unit("NO"), _country("NO", bound=False), _request())
    assert reasons == [Reason.NOT_BOUND]


def test_a_partner_unit_is_not_excluded_when_the_request_includes_partners() -> None:
    reasons = exclusion_reasons(_unit("NO"), _country("NO", bound=False), _request(partners=True))
    assert reasons == []


def test_a_state_refusing_armed_action_abroad_is_excluded_from_action_requests() -> None:
    reasons = exclusion_reasons(_unit("FR"), _country("FR", armed=False), _request())
    assert reasons == [Reason.NATIONAL_RESTRICTION]


def test_a_state_refusing_armed_action_abroad_may_send_expertise() -> None:
    reasons = exclusion_reasons(
        _unit("FR"), _country("FR", armed=False), _request(assistance=("expertise", "equipment"))
    )
    assert reasons == []


def test_a_unit_with_none_of_the_needed_capabilities_is_excluded() -> None:
    reasons = exclusion_reasons(_unit(caps={"divers": 3}), _country(), _request())
    assert reasons == [Reason.NO_CAPABILITY]


def test_a_unit_with_one_of_the_needed_capabilities_is_not_excluded() -> None:
    assert exclusion_reasons(_unit(caps={"negotiation": 1}), _country(), _request()) == []


def test_all_reasons_are_listed_in_the_contract_order() -> None:
    unit = _unit("NO", caps={"divers": 1}, status=UnitStatus.DEPLOYED)
    reasons = exclusion_reasons(unit, _country("NO", bound=False, armed=False), _request())
    assert reasons == [
        Reason.STATUS,
        Reason.NOT_BOUND,
        Reason.NATIONAL_RESTRICTION,
        Reason.NO_CAPABILITY,
    ]
    assert [r.value for r in reasons] == [
        "status",
        "not_bound",
        "national_restriction",
        "no_capability",
    ]


def test_the_home_reserve_limits_the_units_a_state_may_give() -> None:
    units = [
        _unit(unit_id="de-1"),
        _unit(unit_id="de-2", status=UnitStatus.STANDBY),
        _unit(unit_id="de-3", status=UnitStatus.DEPLOYED),
        _unit("AT", unit_id="at-1"),
    ]
    assert country_allowance(_country(reserve=1), units) == 1
    assert country_allowance(_country(reserve=0), units) == 2
    assert country_allowance(_country(reserve=5), units) == 0


@pytest.mark.parametrize("crisis", [*CrisisType, "hostage_taking"])
def test_the_listed_crisis_types_are_in_scope(crisis: str) -> None:
    assert crisis_in_scope(crisis)


@pytest.mark.parametrize("crisis", ["natural_disaster", "mass_gathering", "serious_accident", ""])
def test_disasters_accidents_and_gatherings_are_out_of_scope(crisis: str) -> None:
    assert not crisis_in_scope(crisis)


def test_a_request_needs_both_the_nature_of_assistance_and_the_necessity() -> None:
    assert request_is_complete("two hostage rescue teams", "our unit is committed elsewhere")
    assert not request_is_complete("two hostage rescue teams", "   ")
    assert not request_is_complete("", "our unit is committed elsewhere")


def test_the_unverified_articles_are_marked_in_the_one_citation_table() -> None:
    unverified = {rule for rule, entry in CITATIONS.items() if not entry.verified}
    assert unverified == {"R9", "R10", "R11"}
    assert cite("R9").endswith("(unverified)")
    assert cite("R4") == "R4, Art. 2(b)"


def test_every_reason_cites_a_rule_of_the_table() -> None:
    assert all(reason.rule_id in CITATIONS for reason in Reason)
