"""The request (R1, R3, R4): what the requester describes, checked and recorded as a crisis."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from atlasbot import rules
from atlasbot.domain import (
    AssistanceForm,
)
from atlasbot.i18n import _
from atlasbot.services.assistance.records import MAX_TEAMS_PER_CAPABILITY
from atlasbot.services.crisis_records import crisis_object
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import InvalidInput, NotAuthorised
from atlasbot.services.readers import language_of_member
from atlasbot.storage import audit
from atlasbot.storage.models import (
    CapabilityRow,
    Crisis,
    CrisisStatus,
    utc_now,
)


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
            _(
                "crisis type: choose one of hostage-taking, hijacking, terrorist attack, siege "
                "or another serious criminal threat (Art. 2; natural disasters and accidents "
                "are out of scope)"
            )
        )
    if not draft.threat_confirmed:
        problems.append(
            _("threat: confirm that a criminal offence presents a serious, direct physical threat")
        )
    if draft.lat is None or draft.lon is None:
        problems.append(_("location: share a location or name a place"))
    elif not (-90 <= draft.lat <= 90 and -180 <= draft.lon <= 180):
        problems.append(_("location: latitude must be within ±90 and longitude within ±180"))
    known = {row.code for row in session.exec(select(CapabilityRow)).all()}
    if not draft.needs:
        problems.append(_("capabilities: choose at least one capability"))
    for code, count in draft.needs.items():
        if code not in known:
            problems.append(_("capabilities: unknown capability {code!r}", code=code))
        elif not 1 <= count <= MAX_TEAMS_PER_CAPABILITY:
            problems.append(
                _(
                    "capabilities: {code} needs 1 to {limit} teams",
                    code=code,
                    limit=MAX_TEAMS_PER_CAPABILITY,
                )
            )
    forms = set(draft.assistance)
    if not forms:
        problems.append(_("assistance: choose equipment, expertise and/or action"))
    elif not forms <= {f.value for f in AssistanceForm}:
        problems.append(_("assistance: unknown form of assistance"))
    if not rules.request_is_complete(draft.nature, draft.necessity):
        problems.append(
            _(
                "nature and necessity: both the nature of the assistance and its operational "
                "necessity must be stated (Art. 3)"
            )
        )
    if not 1 <= draft.priority <= 3:
        problems.append(_("priority: 1 (normal) to 3 (highest)"))
    return problems


def submit_request(
    session: Session, identity: Identity, draft: RequestDraft, *, now: datetime | None = None
) -> Crisis:
    """Record a complete request by a competent authority of the requesting state (R1, R3, R4)."""
    moment = now or utc_now()
    if not identity.is_authority_of(draft.country):
        raise NotAuthorised(
            _(
                "Only the competent authority of {country} can request assistance for it "
                "({cite}).",
                country=draft.country or _("the requesting state"),
                cite=rules.basis("R1"),
            )
        )
    problems = validate_draft(session, draft)
    if problems:
        raise InvalidInput(
            _("The request is not complete: {problems}", problems="; ".join(problems))
        )
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
        # What the requester typed stays as typed; readers of other languages see it marked.
        language=language_of_member(session, identity.member_id),
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
        obj=crisis_object(crisis.id),
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


def submit(session: Session, identity: Identity, draft: RequestDraft, *, now: datetime) -> int:
    """The requester's Submit: the request is recorded as a crisis; returns its number."""
    crisis = submit_request(session, identity, draft, now=now)
    assert crisis.id is not None
    return crisis.id
