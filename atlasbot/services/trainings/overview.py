"""/rsvp: who answered the published calendar (issue 14). A coordinator sees every upcoming
event (attending, can't, tentative, no answer) and reminds the units that have not answered;
an authority sees its state's units; a unit's members see their unit, and its commander
chooses whether the duty officers get copies of the digest."""

from __future__ import annotations

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import NotAuthorised
from atlasbot.services.outbox import Button, Message, issue_keyboard
from atlasbot.services.trainings import digests, records
from atlasbot.services.trainings.work import Outcome, Pressed, Reply, Shown, Work, reply
from atlasbot.storage import audit
from atlasbot.storage.models import Role, TrainingEvent, TrainingUnitPreference
from atlasbot.texts import training_digest as texts


def _units_seen(identity: Identity, network: Network) -> tuple[set[str] | None, str]:
    """The units whose answers the member sees (None: every unit), and how to name them."""
    if identity.has(Role.COORDINATOR):
        return None, _("the network")
    countries = set(identity.authority_countries())
    units = {u.id for u in network.units if u.country in countries} | set(identity.units())
    if not units:
        raise NotAuthorised(
            _("The answers are for coordinators, authorities and the units' members.")
        )
    return units, ", ".join(sorted(countries) or sorted(units))


def tallies(
    work: Work, seen: set[str] | None
) -> tuple[list[texts.Tally], list[tuple[TrainingEvent, str]]]:
    """Each upcoming event's answers among the units seen, and the (event, unit) not answered."""
    events = [e for e in records.published_events(work.session) if e.end >= work.today]
    answers = digests.given_answers(work.session, (e.id for e in events if e.id is not None))
    out, silent = [], []
    for event in events:
        assert event.id is not None
        units = [u for u in event.participants if seen is None or u in seen]
        if not units:
            continue
        given = {u: answers.get((event.id, u)) for u in units}
        silent += [(event, u) for u, g in given.items() if g is None]
        out.append(texts.Tally(records.as_scheduled(event), given))
    return out, silent


def show_overview(work: Work, identity: Identity) -> Outcome:
    """/rsvp: the answers the member may see, with the buttons their role allows."""
    network = registry.load_network(work.session)
    seen, scope = _units_seen(identity, network)
    listed, silent = tallies(work, seen)
    rows: list[list[Button]] = []
    units_silent = sorted({u for _e, u in silent})
    if identity.has(Role.COORDINATOR) and units_silent:
        rows.append([Button(texts.remind_button(len(units_silent)), "train.remind", {})])
    for unit_id in identity.units(Role.COMMANDER):
        on = digests.duty_copies(work.session, unit_id)
        payload = {"unit": unit_id, "on": not on}
        rows.append([Button(texts.duty_copies_button(on), "train.duty_copies", payload)])
    keyboard = issue_keyboard(work.session, identity.member_id, rows, now=work.now)
    return reply(texts.overview(listed, scope, work.today), keyboard)


def remind_unanswered(work: Work, pressed: Pressed) -> Outcome:
    """ "Remind the units that have not answered": each such unit's commanders get its digest
    again (one message per plan), with the answer buttons."""
    press = work.redeem(pressed)
    if not press.identity.has(Role.COORDINATOR):
        raise NotAuthorised(texts.not_coordinator_overview())
    _listed, silent = tallies(work, None)
    if not silent:
        return reply(texts.nothing_to_remind(), shown=Shown.REPLACE)
    network = registry.load_network(work.session)
    pairs = sorted({(e.plan_id, u) for e, u in silent})
    messages: list[Message] = []
    for plan_id, unit_id in pairs:
        digest = digests.unit_digest(work.session, plan_id, unit_id, work.today)
        for recipient in digests.recipients(work.session, unit_id):
            if recipient.may_answer:
                messages.append(
                    digests.digest_message(
                        work.session,
                        plan_id,
                        digest,
                        recipient,
                        network,
                        today=work.today,
                        now=work.now,
                        head=texts.reminder_head(unit_id),
                    )
                )
    units = len({u for _p, u in pairs})
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.rsvp_reminded",
        obj="training_rsvp",
        payload={"units": sorted({u for _p, u in pairs})},
        at=work.now,
    )
    text = texts.reminded(units, len({m.chat_id for m in messages}))
    return Outcome(replies=(Reply(text),), shown=Shown.REPLACE, messages=tuple(messages))


def set_duty_copies(work: Work, pressed: Pressed) -> Outcome:
    """A commander chooses whether the unit's duty officers get copies of the digest."""
    press = work.redeem(pressed)
    unit_id, on = str(press.payload["unit"]), bool(press.payload["on"])
    if not press.identity.commands_unit(unit_id):
        raise NotAuthorised(_("Only the commander of {unit} chooses this.", unit=unit_id))
    preference = work.session.get(TrainingUnitPreference, unit_id) or TrainingUnitPreference(
        unit_id=unit_id, member_id=press.identity.member_id
    )
    preference.duty_copies, preference.member_id = on, press.identity.member_id
    preference.updated_at = work.now
    work.session.add(preference)
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.duty_copies",
        obj=f"unit:{unit_id}",
        payload={"on": on},
        at=work.now,
    )
    messages = _copies_now(work, unit_id) if on else []
    return Outcome(
        replies=(Reply(texts.duty_copies_set(unit_id, on)),),
        shown=Shown.REPLACE,
        messages=tuple(messages),
    )


def _copies_now(work: Work, unit_id: str) -> list[Message]:
    """Copies turned on: the duty officers get the unit's digest of every plan with an
    upcoming event of the unit at once (later changes reach them too)."""
    network = registry.load_network(work.session)
    plans = sorted(
        {
            e.plan_id
            for e in records.published_events(work.session)
            if unit_id in e.participants and e.end >= work.today
        }
    )
    out = []
    for plan_id in plans:
        digest = digests.unit_digest(work.session, plan_id, unit_id, work.today)
        out += [
            digests.digest_message(
                work.session, plan_id, digest, r, network, today=work.today, now=work.now
            )
            for r in digests.recipients(work.session, unit_id)
            if not r.may_answer
        ]
    return out
