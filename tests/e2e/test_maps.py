"""Maps through the sandbox: the plans come with their map, the board has a map, /coverage
answers coordinators and competent authorities with a map and the worst places, and refuses
everyone else."""

from __future__ import annotations

import re

from atlasbot.sandbox.people import Person, button_texts

from .conftest import PersonFactory
from .test_assistance_flow import ana, authorities, fill_request, send_plan_one  # noqa: F401


async def test_the_plans_come_with_a_map_photo_before_them(ana: Person) -> None:  # noqa: F811
    await fill_request(ana)
    messages = await ana.all_messages()
    photos = [m for m in messages if m.get("photo")]
    assert photos, "the plans come with a map"
    assert "on-scene minutes" in (photos[-1].get("caption") or "")
    plans_at = max(i for i, m in enumerate(messages) if (m.get("text") or "").startswith("PLANS"))
    assert messages.index(photos[-1]) < plans_at, "the plans, with their buttons, come last"


async def test_the_board_shows_its_units_on_a_map(
    ana: Person,  # noqa: F811
    person: PersonFactory,
) -> None:
    await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    board = next(
        m
        for m in reversed(await ana.all_messages())
        if (m.get("text") or "").startswith("LIVE BOARD")
    )
    replies = await ana.tap("🗺 Map", board)
    photo = next(m for m in replies if m.get("photo"))
    assert "their state now" in (photo.get("caption") or "")


async def test_coverage_answers_a_coordinator_with_a_map_and_the_worst_places(
    person: PersonFactory,
) -> None:
    cora = await person(4001, "Cora", "coordinator")
    replies = await cora.say("/coverage eod")
    assert any(m.get("photo") for m in replies), "the coverage map"
    text = next(m["text"] for m in replies if m.get("text"))
    assert "The 10 worst-covered places:" in text
    assert len(re.findall(r"^\d+\. .+: (\d+ min|nobody can come)", text, re.MULTILINE)) == 10
    # What if a unit is deployed: asked by name, or by a button under the list.
    worse = await cora.say("/coverage eod de-1")
    assert "if de-1 deployed" in next(m["text"] for m in worse if m.get("text"))
    listed = next(m for m in reversed(worse) if m.get("text"))
    labels = button_texts(listed)
    assert labels and all(label.startswith("🔮 What if") for label in labels)
    unit = re.search(r"What if (\S+) is deployed", labels[0])
    assert unit is not None
    again = await cora.tap(labels[0], listed)
    assert any(m.get("photo") for m in again)
    text = next(m["text"] for m in again if m.get("text"))
    assert f"if de-1, {unit.group(1)} deployed" in text


async def test_coverage_answers_an_authority_and_explains_its_usage(
    person: PersonFactory,
) -> None:
    anton = await person(4002, "Anton", "authority", country="AT")
    usage = await anton.say("/coverage")
    assert "Usage: /coverage CAPABILITY" in usage[-1]["text"]
    assert "eod" in usage[-1]["text"]
    unknown = await anton.say("/coverage eod xx-9")
    assert "Unknown units: xx-9" in unknown[-1]["text"]
    assert any(m.get("photo") for m in await anton.say("/coverage divers"))


async def test_coverage_refuses_a_commander(person: PersonFactory) -> None:
    carl = await person(4003, "Carl", "commander", unit="de-1")
    replies = await carl.say("/coverage eod")
    assert not any(m.get("photo") for m in replies)
    assert "Only coordinators and competent authorities" in replies[-1]["text"]
