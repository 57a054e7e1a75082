"""The after-action report of a crisis, for the requester and every state that took part.

Built from the crisis, its requests and deployments, and the audit log (the one source of what
happened and when). Each recipient reads it in their own time zone, with people, units and
states by name, and gets the timeline as a CSV document beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from atlasbot.clock import as_utc
from atlasbot.i18n import DEFAULT_LOCALE, _, using_locale
from atlasbot.services.assistance.raising import capability_names
from atlasbot.services.assistance.records import (
    authority_recipients,
    deployments_of,
    requests_of,
)
from atlasbot.services.crisis_records import crisis_object, get_crisis
from atlasbot.services.outbox import Document, Message
from atlasbot.services.readers import reading
from atlasbot.services.zones import country_zone, zones_of
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    CountryRow,
    Deployment,
    Member,
    UnitRow,
)
from atlasbot.texts import after_action as texts
from atlasbot.texts.crisis import asked_of_units

__all__ = ["Reports", "build_report", "reports_for"]

# States whose requests ended in these took part: they are sent the report too.
_TOOK_PART = (AnswerStatus.ACCEPTED.value,)


def _who(session: Session, actor: str) -> str:
    """An audit actor as a person reads it: the member's name, or "atlasbot" for the bot."""
    kind, _sep, number = actor.partition(":")
    if kind == "member" and number.isdigit():
        member = session.get(Member, int(number))
        if member is not None and member.display_name:
            return member.display_name
        return _("member #{id}", id=number)
    if kind in ("bot", "system"):
        return _("atlasbot")
    return actor


def _timeline(session: Session, crisis_id: int) -> list[texts.Event]:
    """The crisis's own audit entries, oldest first, each actor by name."""
    people: dict[str, str] = {}
    timeline = []
    for entry in audit.entries_about(session, crisis_object(crisis_id)):
        if entry.object != crisis_object(crisis_id):
            continue
        if entry.actor not in people:
            people[entry.actor] = _who(session, entry.actor)
        timeline.append(
            texts.Event(as_utc(entry.at), people[entry.actor], entry.action, dict(entry.payload))
        )
    return timeline


def _state_lines(session: Session, requests: list[AssistanceRequest]) -> list[texts.StateLine]:
    countries = {row.code: row.name for row in session.exec(select(CountryRow)).all()}
    return [
        texts.StateLine(
            country=r.country,
            country_name=countries.get(r.country, r.country),
            status=r.status,
            sent_at=as_utc(r.sent_at),
            answered_at=as_utc(r.answered_at) if r.answered_at else None,
            decline_reason=r.decline_reason,
            agreement=dict(r.agreement),
        )
        for r in requests
    ]


def _unit_lines(
    deployments: list[Deployment],
    requests: list[AssistanceRequest],
    timeline: list[texts.Event],
    unit_names: dict[str, str],
) -> list[texts.UnitLine]:
    asked = {unit: teams for r in requests for unit, teams in asked_of_units(r).items()}
    country_of = {r.id: r.country for r in requests}
    units = []
    for deployment in deployments:
        reached: dict[str, datetime] = {}
        for event in timeline:
            state = event.action.removeprefix("deployment.")
            if event.detail.get("deployment") == deployment.id and state not in reached:
                reached[state] = event.at
        units.append(
            texts.UnitLine(
                unit_id=deployment.unit_id,
                unit_name=unit_names.get(deployment.unit_id, deployment.unit_id),
                country=country_of.get(deployment.assistance_request_id, ""),
                teams=asked.get(deployment.unit_id, {}),
                reached=reached,
                eta_at=as_utc(deployment.eta_at) if deployment.eta_at else None,
            )
        )
    return units


def build_report(session: Session, crisis_id: int) -> texts.Report:
    """The report's values, read in this transaction."""
    crisis = get_crisis(session, crisis_id)
    timeline = _timeline(session, crisis_id)
    requests = requests_of(session, crisis_id)
    deployments = deployments_of(session, crisis_id)
    involved = {d.unit_id for d in deployments} | {u for r in requests for u in r.units}
    unit_names = {
        row.id: row.name for row in session.exec(select(UnitRow)).all() if row.id in involved
    }
    return texts.Report(
        crisis=crisis,
        requested_at=as_utc(crisis.created_at),
        closed_at=as_utc(crisis.closed_at) if crisis.closed_at else None,
        states=_state_lines(session, requests),
        units=_unit_lines(deployments, requests, timeline, unit_names),
        timeline=timeline,
        capability_names=capability_names(session),
        unit_names=unit_names,
    )


@dataclass(frozen=True, slots=True)
class Reports:
    """The report for each recipient (in their zone) and the CSV beside it."""

    messages: tuple[Message, ...] = ()
    documents: tuple[Document, ...] = ()


def _recipients(
    session: Session, crisis_id: int, requester: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(member, chat) of the requester and of every state that took part, each chat once."""
    crisis = get_crisis(session, crisis_id)
    found = [*requester, *authority_recipients(session, crisis.requesting_country)]
    for request in requests_of(session, crisis_id):
        if request.status in _TOOK_PART:
            found += authority_recipients(session, request.country)
    chats: dict[int, int] = {}
    for member_id, chat_id in found:
        chats.setdefault(chat_id, member_id)
    return [(member_id, chat_id) for chat_id, member_id in chats.items()]


def reports_for(
    session: Session, crisis_id: int, *, requester: Iterable[tuple[int, int]] = ()
) -> Reports:
    """The after-action report and its CSV for ``requester`` (member, chat), the requesting
    state's competent authority and that of every state that took part."""
    report = build_report(session, crisis_id)
    recipients = _recipients(session, crisis_id, requester)
    crisis = report.crisis
    fallback = country_zone(session, crisis.requesting_country) or ZoneInfo("UTC")
    zones = zones_of(session, (member for member, _chat in recipients), fallback=fallback)
    purpose = f"after-action:{crisis_id}"
    messages, documents = [], []
    for member_id, chat_id in recipients:
        tz = zones[member_id]
        # Each reader's language, then (for a reader of another language) the English wording
        # as a second message, the record both states cite; each fits one message.
        with reading(session, chat_id) as language:
            messages.append(Message(chat_id, texts.report_text(report, tz), purpose=purpose))
            if language != DEFAULT_LOCALE:
                heading = _("The same in English, the wording both states cite:")
                with using_locale(DEFAULT_LOCALE):
                    english = texts.report_text(report, tz)
                messages.append(Message(chat_id, f"{heading}\n{english}", purpose=purpose))
            documents.append(
                Document(
                    chat_id,
                    texts.report_filename(crisis_id),
                    texts.timeline_csv(report, tz),
                    caption=texts.report_caption(report),
                    purpose=purpose,
                )
            )
    return Reports(tuple(messages), tuple(documents))
