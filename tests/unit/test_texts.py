"""Chat texts whose wording carries a rule."""

from __future__ import annotations

from datetime import UTC, datetime

from atlasbot.storage.models import AssistanceRequest, Crisis
from atlasbot.texts import crisis as texts


def _crisis() -> Crisis:
    return Crisis(
        id=4,
        requesting_country="SE",
        requester_member_id=1,
        crisis_type="hostage_taking",
        lat=59.33,
        lon=18.07,
        place="Stockholm, SE",
        needs={"divers": 1},
        assistance=["action"],
        nature="Hostages on a ferry.",
        necessity="Our divers are deployed.",
        include_partners=True,
        created_at=datetime(2027, 3, 1, tzinfo=UTC),
    )


def _request(country: str) -> AssistanceRequest:
    return AssistanceRequest(
        id=5,
        crisis_id=4,
        country=country,
        units=[f"{country.lower()}-1"],
        provides={"divers": 1},
        forms=["action"],
        sent_at=datetime(2027, 3, 1, tzinfo=UTC),
    )


def test_a_member_state_is_asked_under_the_decision() -> None:
    text = texts.request_to_authority(_crisis(), _request("FI"), {"divers": "Divers"})
    assert text.startswith("REQUEST FOR ASSISTANCE to FI (Art. 3, 2008/617/JHA)")


def test_a_partner_state_is_not_asked_under_a_decision_that_does_not_bind_it() -> None:
    text = texts.request_to_authority(
        _crisis(), _request("NO"), {"divers": "Divers"}, partner=True
    )
    first_line = text.splitlines()[0]
    assert "Art. 3" not in first_line
    assert "partner state, not bound by Decision 2008/617/JHA" in first_line
