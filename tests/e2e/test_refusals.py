"""What members must not do, and bad input: each is refused, says why and changes nothing."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlmodel import Session, select

from atlasbot.runtime import SandboxRuntime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, buttons_of
from atlasbot.storage import db
from atlasbot.storage.models import AssistanceRequest, AuditEntry, Crisis

from .conftest import PersonFactory
from .test_assistance_flow import authorities, fill_request, send_plan_one


def request_message(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m for m in messages if "REQUEST FOR ASSISTANCE" in (m.get("text") or ""))


def button_data(message: dict[str, Any], label: str) -> str:
    return next(b["callback_data"] for b in buttons_of(message) if b["text"] == label)


def audit_actions(runtime: SandboxRuntime) -> list[str]:
    engine = db.make_engine(runtime.services.settings.database_url)
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
    engine.dispose()
    return actions


def stored(runtime: SandboxRuntime, model: type[Any]) -> list[Any]:
    engine = db.make_engine(runtime.services.settings.database_url)
    with Session(engine) as session:
        rows = list(session.exec(select(model)).all())
    engine.dispose()
    return rows


async def alert_text(person: Person) -> str:
    answers = await person.callback_answers()
    return answers[-1].get("text", "") if answers else ""


async def sent_request(person: PersonFactory) -> tuple[Person, dict[str, Person], str]:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    asked = [
        c
        for c, p in people.items()
        if any("REQUEST FOR ASSISTANCE" in (m.get("text") or "") for m in await p.all_messages())
    ]
    return ana, people, asked[0]


async def test_an_authority_of_another_state_cannot_use_a_requests_buttons(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    _ana, people, country = await sent_request(person)
    other = next(p for c, p in people.items() if c != country)
    message = request_message(await people[country].all_messages())
    # The other state's authority replays the button's data on its own chat.
    await other.say("/whoami")
    mine = (await other.all_messages())[-1]
    await other.press_data(mine["message_id"], button_data(message, "✅ Accept…"))
    assert "not meant for you" in await alert_text(other)
    assert "assistance.accepted" not in audit_actions(runtime)


async def test_a_stranger_pressing_a_forged_or_stolen_button_is_told_to_enrol(
    person: PersonFactory, sandbox: SandboxClient
) -> None:
    _ana, people, country = await sent_request(person)
    message = request_message(await people[country].all_messages())
    stranger = Person(sandbox, 6666, "Mallory")
    await stranger.say("/start")
    own = (await stranger.all_messages())[-1]
    await stranger.press_data(own["message_id"], button_data(message, "✖ Decline…"))
    assert "not enrolled" in await alert_text(stranger)


async def test_forged_callback_data_changes_nothing_and_says_so(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/whoami")
    message = (await ana.all_messages())[-1]
    before = audit_actions(runtime)
    for forged in ("t:AAAAAAAAAAAAAAAA", "plan.send:crisis=1", "ans:confirm:x", "dec:capacity"):
        await ana.press_data(message["message_id"], forged)
        assert await alert_text(ana), f"a press of {forged!r} must be answered"
    assert audit_actions(runtime) == before


async def test_a_decision_replayed_after_it_was_taken_changes_nothing(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    _ana, people, country = await sent_request(person)
    authority = people[country]
    stale_accept = button_data(request_message(await authority.all_messages()), "✅ Accept…")
    await authority.tap("✖ Decline…")
    await authority.tap("No capacity available now")
    confirm = (await authority.all_messages())[-1]
    data = button_data(confirm, "✖ Confirm decline")
    await authority.press_data(confirm["message_id"], data)
    await authority.press_data(confirm["message_id"], data)
    assert "already used" in await alert_text(authority)
    # Answered: the request's buttons are gone (issue 11). Replaying Accept as it was (a stale
    # client) is told the request was already answered.
    original = request_message(await authority.all_messages())
    assert not buttons_of(original)
    await authority.press_data(original["message_id"], stale_accept)
    assert "already answered" in await alert_text(authority)
    assert audit_actions(runtime).count("assistance.declined") == 1
    assert [r.status for r in stored(runtime, AssistanceRequest)].count("accepted") == 0


async def test_a_double_press_on_a_decision_acts_once(
    person: PersonFactory, sandbox: SandboxClient, runtime: SandboxRuntime
) -> None:
    _ana, people, country = await sent_request(person)
    authority = people[country]
    await authority.tap("✖ Decline…")
    await authority.tap("No capacity available now")
    confirm = (await authority.all_messages())[-1]
    data = button_data(confirm, "✖ Confirm decline")
    # Two presses arrive before the bot handled either.
    await sandbox.press(authority.user_id, confirm["message_id"], data)
    await sandbox.press(authority.user_id, confirm["message_id"], data)
    await sandbox.wait_idle(timeout=30)
    assert audit_actions(runtime).count("assistance.declined") == 1


async def test_out_of_scope_crisis_types_are_refused_with_an_explanation(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    replies = await ana.tap("Natural disaster (out of scope)")
    assert "not crisis situations under the Decision" in replies[-1]["text"]
    assert stored(runtime, Crisis) == []


async def test_an_unconfirmed_threat_ends_the_request_without_recording_it(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    await ana.tap("Hijacking")
    replies = await ana.tap("No")
    assert "not a crisis situation" in replies[-1]["text"]
    assert stored(runtime, Crisis) == []


async def test_bad_locations_are_asked_again_with_help(person: PersonFactory) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    await ana.tap("Siege / barricaded suspect")
    await ana.tap("Yes, I confirm")
    replies = await ana.say("Atlantis-under-the-sea")
    assert "No place called" in replies[-1]["text"]
    replies = await ana.say("95.0, 4.3")
    assert "out of range" in replies[-1]["text"]
    replies = await ana.share_location(50.85, 4.35)
    assert any("Which capabilities" in (m.get("text") or "") for m in replies)


async def test_typing_where_a_button_is_expected_keeps_the_step_and_says_what_to_do(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    replies = await ana.say("a hostage situation please")
    assert "answer with the buttons" in replies[-1]["text"]
    replies = await ana.tap("Hostage-taking")
    assert "serious, direct physical threat" in replies[-1]["text"]


async def test_done_without_capabilities_and_a_too_short_nature_are_refused(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    await ana.tap("Terrorist attack")
    await ana.tap("Yes, I confirm")
    await ana.share_location(50.85, 4.35)
    await ana.tap("✅ Done")
    assert "at least one capability" in await alert_text(ana)
    await ana.tap(re.compile("^CBRN"))
    await ana.tap("✅ Done")
    await ana.tap("✅ Done")
    assert "at least one form" in await alert_text(ana)
    await ana.tap(re.compile("Expertise"))
    await ana.tap("✅ Done")
    replies = await ana.say("no")
    assert "at least 5 characters" in replies[-1]["text"]


async def test_cancel_stops_the_request_and_records_nothing(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await ana.say("/request")
    await ana.tap("Hostage-taking")
    replies = await ana.say("/cancel")
    assert "Nothing was sent or recorded" in replies[-1]["text"]
    assert stored(runtime, Crisis) == []


async def test_only_the_units_commander_sets_its_readiness(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    duty = await person(3001, "Dora", "duty", unit="at-1")
    replies = await duty.say("/status")
    assert "Only a unit's commander" in replies[-1]["text"]
    commander = await person(3002, "Carl", "commander", unit="at-1")
    await commander.say("/status")
    replies = await commander.tap("⚫ unavailable")
    assert "available → unavailable" in replies[-1]["text"]
    assert "unit.status" in audit_actions(runtime)


async def test_two_presses_in_parallel_on_the_close_confirmation_close_once(
    person: PersonFactory, sandbox: SandboxClient, runtime: SandboxRuntime
) -> None:
    ana, _people, _country = await sent_request(person)
    await ana.tap("🏁 Close crisis…")
    confirm = (await ana.all_messages())[-1]
    data = button_data(confirm, "🏁 Confirm: close the crisis")
    await asyncio.gather(
        sandbox.press(ana.user_id, confirm["message_id"], data),
        sandbox.press(ana.user_id, confirm["message_id"], data),
    )
    await sandbox.wait_idle(timeout=30)
    assert audit_actions(runtime).count("crisis.closed") == 1


async def test_two_presses_of_submit_record_one_crisis(
    person: PersonFactory, sandbox: SandboxClient, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    summary = await ana.say("/request")
    for step in (
        lambda: ana.tap("Hostage-taking"),
        lambda: ana.tap("Yes, I confirm"),
        lambda: ana.say("Antwerpen"),
        lambda: ana.tap(re.compile(r"^Antwerp")),
        lambda: ana.tap(re.compile(r"^Hostage rescue")),
        lambda: ana.tap("✅ Done"),
        lambda: ana.tap(re.compile("Action on our territory")),
        lambda: ana.tap("✅ Done"),
        lambda: ana.say("Free hostages held in an office building in the city centre."),
        lambda: ana.say("Our unit is committed at a second incident in Brussels."),
        lambda: ana.say("Commissaris Peeters, ANTWERP-1"),
        lambda: ana.tap("No"),
        lambda: ana.tap("1 normal"),
    ):
        summary = await step()
    confirm = summary[-1]
    data = button_data(confirm, "✅ Submit request")
    # Both presses arrive before the bot handled either.
    await sandbox.press(ana.user_id, confirm["message_id"], data)
    await sandbox.press(ana.user_id, confirm["message_id"], data)
    await sandbox.wait_idle(timeout=30)
    assert len(stored(runtime, Crisis)) == 1
    assert audit_actions(runtime).count("crisis.submitted") == 1


async def test_accepting_a_form_that_was_not_requested_is_refused(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    _ana, people, country = await sent_request(person)
    authority = people[country]
    replies = await authority.tap("✅ Accept…")
    forms = next(m for m in reversed(replies) if buttons_of(m))
    # The request asked for action only; equipment is pressed with forged data (stamped with
    # this wizard's round and step, as a real button of it would be).
    stamp = buttons_of(forms)[0]["callback_data"].rsplit(":", 1)[0]
    await authority.press_data(forms["message_id"], f"{stamp}:equipment")
    await authority.tap("Next ➡")
    if "carry arms" in ((await authority.last()).get("text") or ""):
        await authority.tap("Yes, armed")
    await authority.tap("8")
    await authority.tap(re.compile("^Until the requesting state releases"))
    await authority.tap(re.compile("^Requesting state pays"))
    await authority.say("Duty desk, secure line 12")
    replies = await authority.tap("✅ Confirm")
    said = " ".join(m.get("text") or "" for m in replies) + await alert_text(authority)
    assert "equipment was not requested" in said
    assert "assistance.accepted" not in audit_actions(runtime)
    assert [r.status for r in stored(runtime, AssistanceRequest)] == ["pending"] * len(
        stored(runtime, AssistanceRequest)
    )


async def at_the_location_step(who: Person) -> list[dict[str, Any]]:
    """A /request answered up to the question of where."""
    await who.say("/request")
    await who.tap("Hostage-taking")
    return await who.tap("Yes, I confirm")


async def test_a_place_button_of_an_older_list_picks_nothing(person: PersonFactory) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await at_the_location_step(ana)
    older = (await ana.say("Paris"))[-1]
    await ana.say("Brussels")
    await ana.tap(re.compile(r"^Paris"), older)
    assert "replaced by a newer one" in await alert_text(ana)
    replies = await ana.tap(re.compile(r"^Brussels"))
    assert any("Location: Brussels" in (m.get("text") or "") for m in replies)


async def test_every_button_press_is_answered(person: PersonFactory) -> None:
    """An unanswered press leaves a spinner on the member's phone."""
    _ana, people, country = await sent_request(person)
    await people[country].tap("✖ Decline…")
    await people[country].tap("No capacity available now")
    await people[country].tap("✖ Confirm decline")
    for someone in (_ana, people[country]):
        presses = await someone.callback_answers()
        assert presses and all(p["answered"] for p in presses), presses


async def test_a_location_outside_the_requesting_state_is_questioned(
    person: PersonFactory,
) -> None:
    lina = await person(1009, "Lina", "authority", country="LT")
    await at_the_location_step(lina)
    asked = await lina.say("56.95, 24.11")  # Riga, Latvia
    assert "does not look like it is in LT" in asked[-1]["text"]
    assert "Riga (LV)" in asked[-1]["text"]
    again = await lina.tap("Choose another location")
    assert any("3/10 Where?" in (m.get("text") or "") for m in again)
    await lina.say("56.95, 24.11")
    kept = await lina.tap("Keep it: it is right")
    assert any("4/10 Which capabilities" in (m.get("text") or "") for m in kept)


async def test_a_location_inside_the_requesting_state_goes_straight_on(
    person: PersonFactory,
) -> None:
    lina = await person(1009, "Lina", "authority", country="LT")
    await at_the_location_step(lina)
    replies = await lina.say("54.69, 25.28")  # Vilnius
    assert any("4/10 Which capabilities" in (m.get("text") or "") for m in replies)


async def test_a_button_of_an_earlier_answer_wizard_does_not_act_on_the_new_one(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    _ana, people, country = await sent_request(person)
    authority = people[country]
    replies = await authority.tap("✅ Accept…")
    old_forms = next(m for m in reversed(replies) if buttons_of(m))
    await authority.tap("↔ Counter-propose…", request_message(await authority.all_messages()))
    await authority.tap("Next ➡", old_forms)
    assert "replaced by a newer one" in await alert_text(authority)
    # The counter-proposal still waits for its text: nothing was skipped.
    said = await authority.say("Expertise only: two negotiators, from 18:00.")
    assert any("Forms of assistance proposed" in (m.get("text") or "") for m in said)


async def test_an_authority_of_two_states_says_for_which_one_it_requests(
    person: PersonFactory,
) -> None:
    both = await person(1010, "Bea", "authority", country="BE")
    await both.enrol("authority", country="NL")
    asked = await both.say("/request")
    assert "For which state" in asked[-1]["text"] and "/request NL" in asked[-1]["text"]
    started = await both.say("/request NL")
    assert "on behalf of NL" in started[-1]["text"]
