"""Enrolment through the chat, as a new member meets it."""

from __future__ import annotations

from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person

from .conftest import PersonFactory


async def test_a_new_user_is_told_how_to_enrol_and_that_telegram_is_not_for_classified_information(
    sandbox: SandboxClient,
) -> None:
    stranger = Person(sandbox, 5001, "Sam")
    replies = await stranger.say("/start")
    assert "not enrolled" in replies[-1]["text"]
    assert "not a channel for classified information" in replies[-1]["text"]


async def test_an_invite_code_enrols_with_its_role_and_whoami_says_so(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    welcome = (await ana.all_messages())[-1]["text"]
    assert "competent authority of BE" in welcome
    assert "classified" in welcome
    replies = await ana.say("/whoami")
    assert "competent authority of BE" in replies[-1]["text"]


async def test_a_used_code_is_refused_politely(
    person: PersonFactory, sandbox: SandboxClient
) -> None:
    code = await sandbox.invite("commander", unit="de-1")
    first = await person(2001, "Dieter")
    second = await person(2002, "Mallory")
    await first.say(f"/start {code}")
    replies = await second.say(f"/start {code}")
    assert "already been used" in replies[-1]["text"]
    assert "not enrolled" in (await second.say("/whoami"))[-1]["text"]


async def test_a_wrong_code_is_refused_politely(person: PersonFactory) -> None:
    someone = await person(2003, "Eve")
    replies = await someone.say("/start NOPE-NOPE-NOPE")
    assert "not valid" in replies[-1]["text"]


async def test_help_lists_what_the_members_role_can_do(person: PersonFactory) -> None:
    commander = await person(3001, "Carl", "commander", unit="de-1")
    text = (await commander.say("/help"))[-1]["text"]
    assert "/status" in text
    assert "/request" not in text


async def test_an_unenrolled_user_cannot_request(person: PersonFactory) -> None:
    someone = await person(4001, "Nobody")
    replies = await someone.say("/request")
    assert "not enrolled" in replies[-1]["text"]


async def test_a_commander_cannot_request_assistance(person: PersonFactory) -> None:
    commander = await person(3002, "Carla", "commander", unit="nl-1")
    replies = await commander.say("/request")
    assert "Only a state's competent authority" in replies[-1]["text"]


async def test_the_default_command_menu_shows_how_to_enrol_and_help(
    sandbox: SandboxClient,
) -> None:
    # Issue 11: the menu is per role; a chat without its own menu shows only these two.
    assert await sandbox.menu(5999) == ["start", "help"]


async def test_an_authority_invites_a_commander_of_its_own_states_unit_in_chat(
    person: PersonFactory,
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    replies = await ana.say("/invite commander be-1")
    code = replies[-1]["text"].splitlines()[1]
    newcomer = await person(1002, "Bert")
    welcome = await newcomer.say(f"/start {code}")
    assert "commander of unit be-1" in welcome[-1]["text"]


async def test_an_authority_cannot_invite_for_another_states_unit(person: PersonFactory) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    replies = await ana.say("/invite commander de-1")
    assert "cannot invite" in replies[-1]["text"]


async def test_a_commander_invites_duty_officers_of_their_unit_only(person: PersonFactory) -> None:
    carl = await person(3001, "Carl", "commander", unit="de-1")
    assert "One-time code" in (await carl.say("/invite duty de-1"))[-1]["text"]
    assert "cannot invite" in (await carl.say("/invite duty de-2"))[-1]["text"]
    assert "Usage" in (await carl.say("/invite"))[-1]["text"]
