"""The Mini App (issue 16 points 2 and 4) through the sandbox: web_app buttons on the board,
the plans and /map; the JSON endpoints refuse missing, forged, expired and replayed initData
and show a member exactly what the chat shows them; and the board in headless Chromium."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from atlasbot.config import load_settings
from atlasbot.runtime import SandboxRuntime, sandbox_runtime
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, buttons_of
from atlasbot.sandbox.webapp import init_data_for, launch_url
from atlasbot.webapp import INIT_DATA_HEADER

from .browser import chromium, chromium_path
from .conftest import PersonFactory
from .test_assistance_flow import (  # noqa: F401
    accept,
    ana,
    asked,
    asked_unit,
    authorities,
    fill_request,
    send_plan_one,
)
from .test_training_chat import publish_calendar

OPEN = "🌍 Open the live map"


@pytest.fixture
async def runtime(e2e_db_url: str) -> AsyncIterator[SandboxRuntime]:
    """The sandbox with the Mini App served on loopback (its buttons point there)."""
    settings = load_settings(database_url=e2e_db_url, token=None)
    async with sandbox_runtime(settings, webapp=True) as running:
        yield running


async def api(
    runtime: SandboxRuntime, path: str, init_data: str | None
) -> tuple[int, dict[str, Any]]:
    assert runtime.webapp_url is not None
    headers = {} if init_data is None else {INIT_DATA_HEADER: init_data}
    async with (
        aiohttp.ClientSession() as http,
        http.get(runtime.webapp_url + "api/" + path, headers=headers) as response,
    ):
        return response.status, json.loads(await response.text())


def web_app_urls(message: dict[str, Any]) -> list[str]:
    return [b["web_app"]["url"] for b in buttons_of(message) if "web_app" in b]


async def board_of(someone: Person) -> dict[str, Any]:
    return next(
        m
        for m in reversed(await someone.all_messages())
        if (m.get("text") or "").startswith("LIVE BOARD")
    )


async def open_crisis(ana: Person, person: PersonFactory) -> tuple[int, dict[str, Person]]:  # noqa: F811
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    url = web_app_urls(await board_of(ana))[0]
    found = re.search(r"\?crisis=(\d+)$", url)
    assert found is not None, url
    return int(found.group(1)), people


ENDPOINTS = ("session", "board/1", "outlines", "network", "calendar")


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_every_endpoint_refuses_missing_forged_and_expired_init_data(
    runtime: SandboxRuntime,
    sandbox: SandboxClient,
    ana: Person,  # noqa: F811
    path: str,
) -> None:
    refusals = {
        "missing": None,
        "garbage": "user=%7B%22id%22%3A1001%7D&auth_date=1&hash=00",
        "another bot's token": init_data_for("7000000002:other-token", ana.user_id, "Ana"),
        "expired": await sandbox.webapp_init_data(
            ana.user_id, "Ana", auth_date=int(time.time()) - 2 * 86400
        ),
    }
    genuine = await sandbox.webapp_init_data(ana.user_id, "Ana")
    forged = genuine.replace("1001", "1002")  # another user, same hash
    refusals["forged user"] = forged
    for why, init_data in refusals.items():
        status, body = await api(runtime, path, init_data)
        assert status == 401, why
        assert "could not confirm who you are" in body["error"], why
        assert set(body) == {"error"}, why
    status, _body = await api(runtime, "session", genuine)
    assert status == 200


async def test_an_older_init_data_is_refused_once_a_newer_one_was_used(
    runtime: SandboxRuntime,
    sandbox: SandboxClient,
    ana: Person,  # noqa: F811
) -> None:
    now = int(time.time())
    older = await sandbox.webapp_init_data(ana.user_id, "Ana", auth_date=now - 120)
    newer = await sandbox.webapp_init_data(ana.user_id, "Ana", auth_date=now - 10)
    assert (await api(runtime, "session", older))[0] == 200
    assert (await api(runtime, "session", older))[0] == 200  # the open page polls with it
    assert (await api(runtime, "session", newer))[0] == 200
    assert (await api(runtime, "session", older))[0] == 401  # replayed after a newer one


async def test_someone_not_enrolled_reads_nothing(
    runtime: SandboxRuntime, sandbox: SandboxClient
) -> None:
    stranger = await sandbox.webapp_init_data(9999, "Eve")
    status, body = await api(runtime, "session", stranger)
    assert status == 403
    assert set(body) == {"error"}


async def test_the_board_the_plans_and_map_carry_the_mini_app(
    runtime: SandboxRuntime,
    ana: Person,  # noqa: F811
    person: PersonFactory,
) -> None:
    await fill_request(ana)
    plans = next(
        m for m in reversed(await ana.all_messages()) if (m.get("text") or "").startswith("PLANS")
    )
    assert [u.split("?")[0] for u in web_app_urls(plans)] == [runtime.webapp_url]
    crisis, _people = await open_crisis(ana, person)
    assert web_app_urls(await board_of(ana)) == [f"{runtime.webapp_url}?crisis={crisis}"]
    # The board reached through /crises carries it too (for every viewer, not only the
    # requester's live copy).
    listed = (await ana.say("/crises"))[-1]
    shown = await ana.tap(f"📋 Board of #{crisis}", listed)
    assert web_app_urls(shown[-1]) == [f"{runtime.webapp_url}?crisis={crisis}"]
    answer = await ana.say("/map")
    assert web_app_urls(answer[-1]) == [runtime.webapp_url]
    assert await ana.sandbox.web_app_url(ana.user_id, OPEN) == runtime.webapp_url


async def test_a_member_sees_in_the_mini_app_what_the_chat_shows_them(
    runtime: SandboxRuntime,
    sandbox: SandboxClient,
    ana: Person,  # noqa: F811
    person: PersonFactory,
) -> None:
    crisis, people = await open_crisis(ana, person)
    asked_states = await asked(people)
    outsider = next(p for country, p in people.items() if country not in asked_states)
    insider = people[asked_states[0]]
    for someone, sees in ((ana, True), (insider, True), (outsider, False)):
        init_data = await sandbox.webapp_init_data(someone.user_id, someone.name)
        status, session = await api(runtime, "session", init_data)
        assert status == 200
        listed = [c["id"] for c in session["crises"]]
        chat = (await someone.say("/crises"))[-1]["text"]
        assert (listed == [crisis]) is sees, someone.name
        assert (f"#{crisis}" in chat) is sees, someone.name
        status, board = await api(runtime, f"board/{crisis}", init_data)
        if sees:
            assert status == 200
            assert board["crisis"] == crisis and board["units"]
            assert board["timeline"].startswith("LIVE BOARD")
        else:
            assert status == 403
            assert set(board) == {"error"}
    # A crisis that does not exist says no more than one that may not be seen.
    init_data = await sandbox.webapp_init_data(ana.user_id, ana.name)
    assert (await api(runtime, "board/999", init_data))[0] == 404
    assert (await api(runtime, "board/x", init_data))[0] == 404


BROWSER = chromium_path()


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (apt-get install chromium)")
async def test_the_board_in_chromium_shows_the_crisis_and_units_and_follows_progress(
    runtime: SandboxRuntime,
    sandbox: SandboxClient,
    ana: Person,  # noqa: F811
    person: PersonFactory,
    tmp_path: Path,
) -> None:
    assert BROWSER is not None
    crisis, people = await open_crisis(ana, person)
    url = web_app_urls(await board_of(ana))[0]
    status, board = await api(
        runtime, f"board/{crisis}", await sandbox.webapp_init_data(ana.user_id, "Ana")
    )
    assert status == 200
    units = {u["id"] for u in board["units"]}
    async with chromium(BROWSER) as page:
        await page.goto(launch_url(url, await sandbox.webapp_init_data(ana.user_id, "Ana")))
        await page.wait_for("document.querySelectorAll('path.unit-marker').length > 0")
        drawn = await page.evaluate(
            "[...document.querySelectorAll('#units li')].map(li => li.dataset.unit)"
        )
        assert set(drawn) == units
        assert await page.evaluate("document.querySelectorAll('path.unit-marker').length") == len(
            units
        )
        assert await page.evaluate("document.querySelectorAll('path.crisis-marker').length") == 1
        # The country outlines (no tiles configured: offline).
        await page.wait_for("document.querySelectorAll('.leaflet-outlines-pane path').length > 20")
        assert "LIVE BOARD" in await page.evaluate(
            "document.getElementById('timeline').textContent"
        )
        await page.screenshot(tmp_path / "board-before.png")
        # A progress report in the chat shows on the open page at its next poll.
        authority, unit_id = await asked_unit(people)
        commander = await person(3100, "commander", "commander", unit=unit_id)
        await accept(authority)
        await commander.tap("🟡 Mobilising")
        await page.wait_for(
            f"document.querySelector('#units li[data-unit=\"{unit_id}\"]')"
            f".dataset.state === 'mobilising'"
        )
        assert int(await page.evaluate("document.getElementById('refresh-count').textContent")) > 1
        await page.screenshot(tmp_path / "board-after.png")
    assert (tmp_path / "board-after.png").stat().st_size > 10_000


def berlin(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M")


async def test_the_network_shows_readiness_and_duty_as_the_chat_does(
    runtime: SandboxRuntime, sandbox: SandboxClient, person: PersonFactory
) -> None:
    kurt = await person(5001, "Kurt", "commander", unit="de-1")
    await person(5002, "Dora", "duty", unit="de-1")
    now = datetime.now(UTC)
    added = await kurt.say(
        f"/duty add Dora {berlin(now - timedelta(hours=1))} {berlin(now + timedelta(hours=8))}"
    )
    assert "added" in added[-1]["text"]
    cora = await person(5003, "Cora", "coordinator")
    anke = await person(5004, "Anke", "authority", country="DE")
    piet = await person(5005, "Piet", "authority", country="NL")
    seen = {}
    for someone in (cora, anke, piet):
        status, page = await api(
            runtime, "network", await sandbox.webapp_init_data(someone.user_id, someone.name)
        )
        assert status == 200, someone.name
        seen[someone.name] = {u["id"]: u for u in page["units"]}
        assert page["capabilities"]
    # Everyone who may see the network sees every unit and that de-1 is covered ...
    assert seen["Cora"].keys() == seen["Piet"].keys() and "de-1" in seen["Cora"]
    assert all(seen[n]["de-1"]["on_duty"] == 1 for n in seen)
    # ... but names only those who call the unit, as /duty does (OP-ROTA).
    assert seen["Cora"]["de-1"]["on_duty_names"] == ["Dora"]
    assert seen["Anke"]["de-1"]["on_duty_names"] == ["Dora"]
    assert seen["Piet"]["de-1"]["on_duty_names"] == []
    assert "Dora" not in (await piet.say("/duty de-1"))[-1]["text"]
    status, refusal = await api(
        runtime, "network", await sandbox.webapp_init_data(kurt.user_id, kurt.name)
    )
    assert status == 403 and "coordinators and competent authorities" in refusal["error"]


async def test_the_calendar_shows_each_units_year_to_coordinators_and_commanders(
    runtime: SandboxRuntime, sandbox: SandboxClient, person: PersonFactory
) -> None:
    cora = await person(3001, "Cora", "coordinator")
    await publish_calendar(sandbox, cora)
    status, page = await api(
        runtime, "calendar", await sandbox.webapp_init_data(cora.user_id, cora.name)
    )
    assert status == 200
    lines = dict(page["units"])
    assert sum(len(events) for events in lines.values()) >= 3
    unit_id, events = next((u, e) for u, e in lines.items() if e)
    assert all(unit_id in e["participants"] for e in events)
    assert [e["start"] for e in events] == sorted(e["start"] for e in events)
    carl = await person(3002, "Carl", "commander", unit=unit_id)
    status, own = await api(
        runtime, "calendar", await sandbox.webapp_init_data(carl.user_id, carl.name)
    )
    assert status == 200
    assert [unit for unit, _events in own["units"]] == [unit_id]
    assert own["units"][0][1] == events
    anke = await person(3003, "Anke", "authority", country="DE")
    status, _refusal = await api(
        runtime, "calendar", await sandbox.webapp_init_data(anke.user_id, anke.name)
    )
    assert status == 403


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (apt-get install chromium)")
async def test_in_chromium_another_state_sees_no_board_and_a_coordinator_the_network(
    runtime: SandboxRuntime,
    sandbox: SandboxClient,
    ana: Person,  # noqa: F811
    person: PersonFactory,
    tmp_path: Path,
) -> None:
    assert BROWSER is not None and runtime.webapp_url is not None
    crisis, people = await open_crisis(ana, person)
    url = web_app_urls(await board_of(ana))[0]
    asked_states = await asked(people)
    outsider = next(p for c, p in people.items() if c not in asked_states)
    cora = await person(5003, "Cora", "coordinator")
    async with chromium(BROWSER) as page:
        await page.goto(launch_url(url, await sandbox.webapp_init_data(outsider.user_id, "X")))
        error = await page.wait_for("document.getElementById('error').textContent")
        assert "may not see this crisis" in error
        assert await page.evaluate("document.querySelectorAll('path.unit-marker').length") == 0
        assert await page.evaluate("document.getElementById('timeline').textContent") == ""
        # The outsider's own list is empty, as /crises says.
        await page.goto(
            launch_url(runtime.webapp_url, await sandbox.webapp_init_data(outsider.user_id, "X"))
        )
        await page.wait_for("document.querySelectorAll('#crises li').length === 1")
        assert await page.evaluate("document.querySelectorAll('#crises a').length") == 0
        # A coordinator: the network, filtered by capability, and the calendar's view link.
        cora_data = await sandbox.webapp_init_data(cora.user_id, cora.name)
        await page.goto(launch_url(runtime.webapp_url, cora_data))
        await page.wait_for(f"!!document.querySelector('#crises a[data-crisis=\"{crisis}\"]')")
        assert await page.evaluate("!!document.getElementById('open-network')")
        assert await page.evaluate("!!document.getElementById('open-calendar')")
        await page.goto(launch_url(runtime.webapp_url + "?view=network", cora_data))
        every = await page.wait_for("document.querySelectorAll('#network li').length")
        assert every == await page.evaluate(
            "document.querySelectorAll('path.network-marker').length"
        )
        await page.wait_for("document.querySelectorAll('.leaflet-outlines-pane path').length")
        await page.screenshot(tmp_path / "network.png")
        filtered = await page.evaluate(
            "(() => { const s = document.getElementById('capability');"
            " s.value = s.options[1].value; s.onchange();"
            " return [s.value, document.querySelectorAll('#network li').length]; })()"
        )
        _status, network = await api(runtime, "network", cora_data)
        expected = [u for u in network["units"] if filtered[0] in u["capabilities"]]
        assert filtered[1] == len(expected) < every


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (apt-get install chromium)")
async def test_in_chromium_the_calendar_draws_each_units_year(
    runtime: SandboxRuntime, sandbox: SandboxClient, person: PersonFactory, tmp_path: Path
) -> None:
    assert BROWSER is not None and runtime.webapp_url is not None
    cora = await person(3001, "Cora", "coordinator")
    await publish_calendar(sandbox, cora)
    init_data = await sandbox.webapp_init_data(cora.user_id, cora.name)
    _status, calendar = await api(runtime, "calendar", init_data)
    async with chromium(BROWSER) as page:
        await page.goto(launch_url(runtime.webapp_url + "?view=calendar", init_data))
        lines = await page.wait_for("document.querySelectorAll('.unit-line').length")
        assert lines == len(calendar["units"])
        bars = await page.evaluate("document.querySelectorAll('.unit-line .event').length")
        assert bars == sum(len(events) for _unit, events in calendar["units"])
        await page.screenshot(tmp_path / "calendar.png")


async def test_the_page_speaks_the_members_language(
    runtime: SandboxRuntime, sandbox: SandboxClient
) -> None:
    """The page's words and its refusals come in the member's language, as the chat's do."""
    french = Person(sandbox, 7501, "Béatrice", language_code="fr")
    await french.enrol("commander", unit="be-1")
    status, body = await api(runtime, "session", await sandbox.webapp_init_data(7501, "Béatrice"))
    assert status == 200
    assert body["labels"]["crises"] == "Crises en cours"
    assert body["labels"]["calendar"] == "📅 Calendrier des entraînements"
    english = Person(sandbox, 7502, "Cora")
    await english.enrol("commander", unit="de-1")
    _status, body = await api(runtime, "session", await sandbox.webapp_init_data(7502, "Cora"))
    assert body["labels"]["crises"] == "Open crises"
    # A French duty officer may not see the network: told so in French.
    duty = Person(sandbox, 7503, "Jean", language_code="fr")
    await duty.enrol("duty", unit="be-1")
    status, body = await api(runtime, "network", await sandbox.webapp_init_data(7503, "Jean"))
    assert status == 403
    assert "réseau" in body["error"]
