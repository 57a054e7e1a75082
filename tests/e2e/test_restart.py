"""A restart in the middle of a crisis loses no open crisis and no pending answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlmodel import Session

from atlasbot.runtime import SandboxRuntime
from atlasbot.sandbox.people import Person, button_texts

from .conftest import PersonFactory
from .test_assistance_flow import (
    accept,
    asked,
    asked_unit,
    authorities,
    fill_request,
    plans_message,
    send_plan_one,
)

T = TypeVar("T")


async def test_a_pending_answer_and_the_board_survive_a_restart(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    asked = [
        c
        for c, p in people.items()
        if any("REQUEST FOR ASSISTANCE" in (m.get("text") or "") for m in await p.all_messages())
    ]
    country = asked[0]
    await runtime.restart_bot()
    # The request sent before the restart is still answerable with its buttons.
    await accept(people[country])
    assert any("ACCEPTED" in (m.get("text") or "") for m in await ana.all_messages())
    # The board, posted before the restart, is still edited in place afterwards.
    boards = [
        m for m in await ana.all_messages() if (m.get("text") or "").startswith("LIVE BOARD")
    ]
    assert len(boards) == 1
    assert "ACCEPTED" in boards[0]["text"]
    replies = await ana.say("/crises")
    assert re.search(r"Crisis #1 \(BE\)", replies[-1]["text"])


def crash_after_commit(
    runtime: SandboxRuntime, monkeypatch: pytest.MonkeyPatch, unit_of_work: str
) -> None:
    """The process dies right after the named unit of work of a handler committed, before
    anything else happens (nothing after the commit runs: no alert, no message)."""
    services = runtime.services
    run = services.run

    async def run_then_die(work: Callable[[Session], T]) -> T:
        result = await run(work)
        # A use case is run as functools.partial(use_case, ...): its name is the function's.
        if getattr(getattr(work, "func", work), "__name__", "") == unit_of_work:
            raise RuntimeError("the process died right after the commit")
        return result

    monkeypatch.setattr(services, "run", run_then_die)


async def orders_to(someone: Person) -> list[str]:
    return [
        m["text"]
        for m in await someone.all_messages()
        if "MOBILISATION ORDER" in (m.get("text") or "")
    ]


async def test_an_acceptance_that_committed_just_before_a_crash_still_orders_its_units(
    person: PersonFactory, runtime: SandboxRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request(ana)
    await send_plan_one(ana)
    authority, unit_id = await asked_unit(people)
    commander = await person(3100, "commander", "commander", unit=unit_id)
    crash_after_commit(runtime, monkeypatch, "confirm_accept")
    await accept(authority)
    assert await orders_to(commander) == []  # the crash came before anything was sent
    monkeypatch.undo()
    await runtime.restart_bot()
    # The orders committed with the acceptance: the restart finds them due and sends them.
    await runtime.server.wait_idle()
    assert len(await orders_to(commander)) == 1


async def test_a_request_sent_just_before_a_crash_reaches_the_authorities_after_the_restart(
    person: PersonFactory, runtime: SandboxRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    people = await authorities(person)
    await fill_request(ana)
    await ana.tap(re.compile(r"^📨 Send plan 1"), plans_message(await ana.all_messages()))
    crash_after_commit(runtime, monkeypatch, "send_plan")
    await ana.tap("✅ Confirm and send")
    assert await asked(people) == []
    monkeypatch.undo()
    await runtime.restart_bot()
    await runtime.server.wait_idle()
    reached = await asked(people)
    assert reached, "the requests committed with the decision to send them"
    for country in reached:
        copies = [
            m
            for m in await people[country].all_messages()
            if "REQUEST FOR ASSISTANCE" in (m.get("text") or "")
        ]
        assert len(copies) == 1


async def test_plans_lost_with_a_crash_are_planned_again_from_the_board(
    person: PersonFactory, runtime: SandboxRuntime
) -> None:
    ana = await person(1001, "Ana", "authority", country="BE")
    await fill_request(ana)
    # As if the plans message never arrived: the member opens the crisis from /crises.
    listing = await ana.say("/crises")
    board = (await ana.tap(re.compile(r"^📋 Board of #1"), listing[-1]))[-1]
    assert "🧭 Plan what is still missing" in button_texts(board)
    replies = await ana.tap("🧭 Plan what is still missing", board)
    assert any((m.get("text") or "").startswith("PLANS") for m in replies)
