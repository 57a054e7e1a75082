"""People through the chat (issue 11): each member's own clock and menu, and managing who
holds a role — /members, revoking with a confirmation, the inviter told."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from atlasbot.sandbox import SandboxClient
from atlasbot.texts.times import local_datetime

from .conftest import PersonFactory


async def test_a_shift_reads_in_each_members_own_zone(person: PersonFactory) -> None:
    # A Portuguese commander reads Lisbon time; a coordinator who chose Helsinki reads that.
    carla = await person(6101, "Carla", "commander", unit="pt-1")
    cora = await person(6102, "Cora", "coordinator")
    day = (datetime.now(UTC) + timedelta(days=30)).date()
    typed = f"/duty add Carla {day} 08:00 {day} 20:00"
    added = (await carla.say(typed))[-1]["text"]
    start = datetime(day.year, day.month, day.day, 8, tzinfo=ZoneInfo("Europe/Lisbon"))
    in_lisbon = local_datetime(start, ZoneInfo("Europe/Lisbon"))
    in_helsinki = local_datetime(start, ZoneInfo("Europe/Helsinki"))
    assert in_lisbon in added, added
    assert re.search(r" WES?T$", in_lisbon) and re.search(r" EES?T$", in_helsinki)

    assert "Europe/Helsinki" in (await cora.say("/settings timezone Europe/Helsinki"))[-1]["text"]
    rota = (await cora.say("/duty pt-1"))[-1]["text"]
    assert in_helsinki in rota and "Carla" in rota, rota
    assert in_lisbon in (await carla.say("/duty"))[-1]["text"]

    refused = (await cora.say("/settings timezone Mars/Olympus"))[-1]["text"]
    assert "is not a time zone" in refused
    back = (await cora.say("/settings timezone default"))[-1]["text"]
    assert "Europe/Brussels" in back  # a coordinator's default: the installation's zone


async def test_each_role_sees_its_own_command_menu(
    person: PersonFactory, sandbox: SandboxClient
) -> None:
    ana = await person(6201, "Ana", "authority", country="BE")
    carl = await person(6202, "Carl", "commander", unit="de-1")
    authority_menu, commander_menu = (
        await sandbox.menu(ana.user_id),
        await sandbox.menu(carl.user_id),
    )
    assert "request" in authority_menu and "status" not in authority_menu
    assert "status" in commander_menu and "request" not in commander_menu
    assert {"whoami", "settings", "help"} <= set(commander_menu)
    assert await sandbox.menu(6299) == ["start", "help"]  # not enrolled


async def test_a_revoked_members_buttons_stop_at_once_and_the_inviter_is_told(
    person: PersonFactory, sandbox: SandboxClient
) -> None:
    ana = await person(6301, "Ana", "authority", country="BE")
    code = (await ana.say("/invite commander be-1"))[-1]["text"].splitlines()[1]
    bert = await person(6302, "Bert")
    await bert.say(f"/start {code}")
    told = (await ana.news())[-1]["text"]
    assert "Your invite code was used" in told and "Bert" in told
    assert "status" in await sandbox.menu(bert.user_id)
    status = (await bert.say("/status"))[-1]  # a message with Bert's readiness buttons

    listing = (await ana.say("/members"))[-1]
    assert "Bert" in listing["text"] and "commander of unit be-1" in listing["text"]
    asked = await ana.tap(re.compile(r"Revoke #\d+ commander"))
    assert "Revoke commander of unit be-1 from Bert" in asked[-1]["text"]
    done = await ana.tap("Yes, revoke")
    assert "is no longer commander of unit be-1" in done[-1]["text"]

    notice = (await bert.news())[-1]["text"]
    assert "was revoked" in notice
    await bert.tap(re.compile("."), status)  # an old readiness button
    answers = await bert.callback_answers()
    assert "not valid any more" in (answers[-1]["text"] or "")
    assert "not enrolled" in (await bert.say("/whoami"))[-1]["text"]
    assert await sandbox.menu(bert.user_id) == ["start", "help"]
