"""The health server (/healthz, /readyz, /metrics) and the webhook route, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder

from atlasbot.bot.health import (
    HttpServer,
    Probes,
    database_probe,
    health_app,
    start_http,
    telegram_probe,
)
from atlasbot.bot.metrics import Metrics
from atlasbot.bot.webhook import SECRET_HEADER, feed_update_queue, webhook_app, webhook_path
from atlasbot.storage.db import session_scope
from atlasbot.storage.leadership import NotLeader
from atlasbot.storage.models import Alert, AlertState, EscalationStep
from atlasbot.storage.monitoring import AlertCounts, alert_counts

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def answering(value: bool) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return value

    return probe


async def hanging() -> bool:
    await asyncio.sleep(10)
    return True


class Role:
    def __init__(self, role: str = "leader") -> None:
        self.role = role

    def __call__(self) -> str:
        return self.role


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def serve(app: Any) -> HttpServer:
    return await start_http(app, "127.0.0.1", 0)


async def get_json(client: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with client.get(url) as response:
        return response.status, await response.json()


async def test_healthz_answers_while_the_process_is_up(client: aiohttp.ClientSession) -> None:
    probes = Probes(role=Role(), database=answering(False), telegram=answering(False))
    server = await serve(health_app(probes, Metrics()))
    try:
        status, body = await get_json(client, f"http://127.0.0.1:{server.port}/healthz")
    finally:
        await server.stop()
    assert (status, body) == (200, {"status": "ok"})


async def test_readyz_reports_role_database_and_telegram(client: aiohttp.ClientSession) -> None:
    role = Role("standby")
    probes = Probes(role=role, database=answering(True), telegram=answering(True))
    server = await serve(health_app(probes, Metrics()))
    base = f"http://127.0.0.1:{server.port}/readyz"
    try:
        standby = await get_json(client, base)
        standby_asked_to_lead = await get_json(client, base + "?role=leader")
        role.role = "leader"
        leader_asked_to_lead = await get_json(client, base + "?role=leader")
    finally:
        await server.stop()
    ready = {"database": True, "telegram": True, "ready": True}
    assert standby == (200, {"role": "standby", **ready})
    assert standby_asked_to_lead[0] == 503 and standby_asked_to_lead[1]["ready"] is False
    assert leader_asked_to_lead == (200, {"role": "leader", **ready})


async def test_readyz_is_503_when_the_database_fails_or_telegram_hangs(
    client: aiohttp.ClientSession,
) -> None:
    probes = Probes(role=Role(), database=answering(False), telegram=hanging, timeout_s=0.2)
    server = await serve(health_app(probes, Metrics()))
    try:
        status, body = await get_json(client, f"http://127.0.0.1:{server.port}/readyz")
    finally:
        await server.stop()
    assert status == 503
    assert body == {"role": "leader", "database": False, "telegram": False, "ready": False}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_are_served_in_prometheus_format_from_the_bots_own_registry(
    client: aiohttp.ClientSession,
) -> None:
    metrics = Metrics(alert_counts=lambda: AlertCounts(pending=3, overdue=1))
    metrics.record_delivery("forbidden_403")
    metrics.record_delivery("sent")
    metrics.record_delivery("sent")
    metrics.record_step("notify", lateness_s=0.4)
    metrics.record_update("command", 0.05, "handled")
    metrics.record_planner_solve(0.8)
    metrics.record_calendar_solve(2.5)
    metrics.record_leadership("leader", epoch=7)
    probes = Probes(role=Role(), database=answering(True), telegram=answering(True))
    server = await serve(health_app(probes, metrics))
    try:
        async with client.get(f"http://127.0.0.1:{server.port}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            found = samples(await response.text())
    finally:
        await server.stop()
    assert found[("atlasbot_deliveries_total", (("outcome", "sent"),))] == 2
    assert found[("atlasbot_deliveries_total", (("outcome", "forbidden_403"),))] == 1
    assert found[("atlasbot_deliveries_total", (("outcome", "retry_429"),))] == 0
    assert found[("atlasbot_alerts_pending", ())] == 3
    assert found[("atlasbot_alerts_overdue", ())] == 1
    assert found[("atlasbot_escalation_steps_fired_total", (("action", "notify"),))] == 1
    assert found[("atlasbot_escalation_step_lateness_seconds_bucket", (("le", "0.5"),))] == 1
    assert found[("atlasbot_escalation_step_lateness_seconds_bucket", (("le", "0.25"),))] == 0
    handled = (("kind", "command"), ("outcome", "handled"))
    assert found[("atlasbot_updates_handled_total", handled)] == 1
    assert found[("atlasbot_planner_solve_seconds_count", ())] == 1
    assert found[("atlasbot_calendar_solve_seconds_sum", ())] == 2.5
    assert found[("atlasbot_leadership_changes_total", (("role", "leader"),))] == 1
    assert found[("atlasbot_leader", ())] == 1
    assert found[("atlasbot_leadership_epoch", ())] == 7
    assert REGISTRY.get_sample_value("atlasbot_deliveries_total", {"outcome": "sent"}) is None


def test_metrics_still_answer_when_the_alert_counts_cannot_be_read() -> None:
    def unreachable() -> AlertCounts:
        raise ConnectionError("database away")

    metrics = Metrics(alert_counts=unreachable)
    text = metrics.exposition().decode()
    assert "atlasbot_deliveries_total" in text
    assert "atlasbot_alerts_pending" not in text


def test_an_unknown_delivery_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="teapot"):
        Metrics().record_delivery("teapot")  # type: ignore[arg-type]


async def test_measured_updates_count_their_outcome_including_a_fenced_standby() -> None:
    metrics = Metrics()
    command = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/status",
                "chat": {"id": 5, "type": "private"},
            },
        },
        None,
    )

    async def fenced() -> None:
        raise NotLeader("epoch moved on")

    async def fine() -> str:
        return "done"

    async def refused_then_reported() -> None:
        # PTB hands a handler's NotLeader to the error handler, which marks the update.
        metrics.mark_update_not_leader()

    assert await metrics.measure_update(command, fine()) == "done"
    with pytest.raises(NotLeader):
        await metrics.measure_update(command, fenced())
    await metrics.measure_update(command, refused_then_reported())
    metrics.mark_update_not_leader()  # outside an update: nothing to mark
    counted = samples(metrics.exposition().decode())
    assert (
        counted[("atlasbot_updates_handled_total", (("kind", "command"), ("outcome", "handled")))]
        == 1
    )
    assert (
        counted[
            ("atlasbot_updates_handled_total", (("kind", "command"), ("outcome", "not_leader")))
        ]
        == 2
    )


async def test_the_database_probe_answers_on_a_real_database(engine: Engine) -> None:
    assert await database_probe(engine)() is True


async def test_the_telegram_probe_asks_at_most_once_per_interval() -> None:
    calls: list[int] = []
    now = [100.0]

    async def get_me() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise TimeoutError

    probe = telegram_probe(get_me, ttl_s=30, clock=lambda: now[0])
    assert await probe() is True
    now[0] += 10
    assert await probe() is True and len(calls) == 1
    now[0] += 25
    assert await probe() is False and len(calls) == 2


def test_alert_counts_read_waiting_and_overdue_alerts(engine: Engine) -> None:
    with session_scope(engine) as session:

        def alert(state: AlertState, *due_in_s: float) -> None:
            row = Alert(
                kind="order", subject="deployment:1", text="go", state=state.value, created_at=NOW
            )
            session.add(row)
            session.flush()
            for number, seconds in enumerate(due_in_s, start=1):
                session.add(
                    EscalationStep(
                        alert_id=row.id or 0,
                        number=number,
                        action="notify",
                        target="unit",
                        due_at=NOW + timedelta(seconds=seconds),
                    )
                )

        alert(AlertState.PENDING, 60)  # waiting, next step still ahead
        alert(AlertState.ESCALATED, -120, -60)  # waiting, two steps past due: one alert
        alert(AlertState.PENDING, -2)  # within the grace
        alert(AlertState.ACKNOWLEDGED, -300)  # taken: neither waiting nor overdue
    with session_scope(engine, read_only=True) as session:
        assert alert_counts(session, NOW, grace_s=5) == AlertCounts(pending=3, overdue=1)


# --- the webhook --------------------------------------------------------------------------

SECRET = "s3cret_token-1"
UPDATE = {
    "update_id": 42,
    "message": {
        "message_id": 7,
        "date": 1764579600,
        "text": "/help",
        "chat": {"id": 1001, "type": "private"},
        "from": {"id": 1001, "is_bot": False, "first_name": "Ana"},
    },
}


async def test_the_webhook_feeds_updates_to_the_leaders_queue_and_refuses_the_rest(
    client: aiohttp.ClientSession,
) -> None:
    application = ApplicationBuilder().bot(Bot("123:ABC")).updater(None).build()
    role = Role("leader")
    app = webhook_app(
        path=webhook_path("https://bot.example/telegram/hook"),
        secret=SECRET,
        is_leader=lambda: role.role == "leader",
        accept=feed_update_queue(application),
    )
    server = await serve(app)
    url = f"http://127.0.0.1:{server.port}/telegram/hook"
    good = {SECRET_HEADER: SECRET}
    try:

        async def post(headers: dict[str, str], body: Any = UPDATE) -> int:
            payload = body if isinstance(body, str) else None
            async with client.post(
                url, headers=headers, data=payload, json=None if payload is not None else body
            ) as response:
                return response.status

        statuses = {
            "no secret": await post({}),
            "wrong secret": await post({SECRET_HEADER: SECRET + "x"}),
            "not json": await post(good, "{nope"),
            "not an update": await post(good, {"hello": 1}),
            "good": await post(good),
        }
        role.role = "standby"
        statuses["standby"] = await post(good)
    finally:
        await server.stop()
    assert statuses == {
        "no secret": 403,
        "wrong secret": 403,
        "not json": 400,
        "not an update": 400,
        "good": 200,
        "standby": 503,
    }
    assert application.update_queue.qsize() == 1
    update = application.update_queue.get_nowait()
    assert isinstance(update, Update)
    assert update.update_id == 42 and update.effective_message is not None
    assert update.effective_message.text == "/help"
