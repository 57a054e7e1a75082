"""Benchmark of restart-safe alert timers: JobQueue accuracy and recovery after a restart.

Run: .venv/bin/python bench/alerting.py [--alerts 1000] [--spread 60]

Cases (the real bot against the sandbox Bot API, in one process, on a fresh SQLite file)
  (a) timer accuracy: ``--alerts`` drill alerts over the demo network's units are pending in
      the database when the bot starts; their first steps fall due spread evenly over
      ``--spread`` seconds. Each step is re-read, taken with its guarded update, its copy
      written 'sending', sent through the sandbox (1 message each) and recorded 'sent'.
      Lateness = the step row's fired_at - due_at. Goal: p99 within 1 s.
  (b) recovery: the bot stops; every alert's next step is made overdue (it "fell due while
      the bot was down"); a new bot starts on the same database. Reported: the time from the
      start of the new bot until the first and the last overdue step fired.
      Goal (issue 5): every overdue step within 5 s of the start.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atlasbot.config import load_settings  # noqa: E402
from atlasbot.escalation import AlertKind  # noqa: E402
from atlasbot.runtime import (  # noqa: E402
    DEMO_NETWORK,
    prepare_database,
    sandbox_runtime,
    start_bot,
    stop_bot,
)
from atlasbot.services import alerting, enrolment  # noqa: E402
from atlasbot.storage.db import session_scope  # noqa: E402
from atlasbot.storage.models import AlertDelivery, EscalationStep, Role, StepState, UnitRow  # noqa: E402  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def seed(url: str, alerts: int, spread: float, lead: float) -> tuple[datetime, int]:
    """Units with one duty member each, and ``alerts`` drills whose first steps fall due
    from ``lead`` seconds from now, spread over ``spread`` seconds."""
    prepare_database(url, DEMO_NETWORK)
    from atlasbot.storage import db

    engine = db.make_engine(url)
    settings = load_settings(database_url=url, escalation_duty_to_unit_s=3600)
    timings = settings.escalation_timings()
    start = datetime.now(UTC) + timedelta(seconds=lead)
    with session_scope(engine) as session:
        units = [u.id for u in session.exec(select(UnitRow).order_by(col(UnitRow.id)))]
        for number, unit_id in enumerate(units):
            code, _ = enrolment.create_invite(
                session, role=Role.DUTY, unit_id=unit_id, created_by="bench"
            )
            enrolment.redeem_invite(
                session, code=code, telegram_user_id=50_000 + number, display_name=unit_id
            )
        for index in range(alerts):
            alerting.raise_alert(
                session,
                kind=AlertKind.DRILL,
                subject=f"drill:bench:{index}",
                text=f"DRILL bench alert {index}",
                timings=timings,
                now=start + timedelta(seconds=spread * index / max(1, alerts - 1)),
                unit_id=units[index % len(units)],
            )
    engine.dispose()
    return start, len(units)


def lateness(url: str, number: int) -> list[float]:
    from atlasbot.storage import db

    engine = db.make_engine(url)
    with session_scope(engine) as session:
        rows = session.exec(
            select(EscalationStep).where(
                EscalationStep.number == number, EscalationStep.state == StepState.DONE.value
            )
        ).all()
        late = [(row.fired_at - row.due_at).total_seconds() for row in rows if row.fired_at]
    engine.dispose()
    return late


async def run(alerts: int, spread: float) -> None:
    folder = tempfile.TemporaryDirectory(prefix="atlasbot-bench-")
    url = f"sqlite:///{Path(folder.name) / 'bench.db'}"
    lead = 4.0  # the bot is up and has armed everything before the first step falls due
    _, units = await asyncio.to_thread(seed, url, alerts, spread, lead)
    members = range(50_000, 50_000 + units)
    settings = load_settings(database_url=url, escalation_duty_to_unit_s=3600, log_level="WARNING")
    async with sandbox_runtime(settings, network_file=None) as runtime:
        for number in members:
            runtime.server.state.remember_user(number, first_name=f"duty {number}")
        delivery_start = time.monotonic()
        deadline = time.monotonic() + lead + spread + 60
        while time.monotonic() < deadline:
            # A plain read (no write lock, no ORM): the bench must not slow what it measures.
            if await asyncio.to_thread(_done_count, url, 0) >= alerts:
                break
            await asyncio.sleep(1.0)
        first = await asyncio.to_thread(lateness, url, 0)
        # The copies go out at Telegram's pace (30 messages a second overall).
        while time.monotonic() < deadline + 60:
            sent = sum(len(runtime.server.messages(n)) for n in members)
            if sent >= alerts:
                break
            await asyncio.sleep(0.5)
        delivered_after = time.monotonic() - delivery_start

        # (b) every alert's next step falls due while the bot is down.
        await stop_bot(runtime.application)
        overdue_at = datetime.now(UTC) - timedelta(seconds=1)
        engine = runtime.services.engine

        def make_overdue() -> int:
            with session_scope(engine) as session:
                result = session.execute(
                    update(EscalationStep)
                    .where(
                        col(EscalationStep.number) == 1,
                        col(EscalationStep.state) == StepState.PENDING.value,
                    )
                    .values(due_at=overdue_at)
                )
                return int(result.rowcount)  # type: ignore[attr-defined]

        overdue = await asyncio.to_thread(make_overdue)
        started = datetime.now(UTC)
        t0 = time.monotonic()
        runtime.application, runtime.processor = await start_bot(
            runtime.services,
            base_url=runtime.server.base_url,
            base_file_url=runtime.server.base_file_url,
        )
        ready = time.monotonic() - t0
        while time.monotonic() - t0 < 120:
            if await asyncio.to_thread(_done_count, url, 1) >= overdue:
                break
            await asyncio.sleep(0.5)
        fired = await asyncio.to_thread(_fired_times, url)
        outcomes = await asyncio.to_thread(_delivery_outcomes, url)
    folder.cleanup()

    print(f"atlasbot alerting bench: {alerts} drill alerts over {units} duty members, SQLite")
    print()
    print(
        "(a) timer accuracy, pending escalations falling due over "
        f"{spread:g} s (fired_at - due_at)"
    )
    print(f"    steps fired      {len(first)} of {alerts}")
    print(f"    copies           {outcomes}")
    print(
        f"    messages         {sent} delivered, the last {delivered_after:.1f} s after the "
        "bot started (30 messages/s rate limit)"
    )
    if first:
        print(f"    p50              {percentile(first, 0.50) * 1000:8.0f} ms")
        print(f"    p99              {percentile(first, 0.99) * 1000:8.0f} ms   goal <= 1000 ms")
        print(f"    max              {max(first) * 1000:8.0f} ms")
    print()
    print(f"(b) recovery after a restart with {overdue} overdue steps")
    print(f"    bot started in   {ready:8.2f} s")
    if fired:
        offsets = sorted((moment - started).total_seconds() for moment in fired)
        print(f"    first fired at   {offsets[0]:8.2f} s after the start")
        print(f"    last fired at    {offsets[-1]:8.2f} s after the start   goal <= 5 s")
        print(f"    fired            {len(fired)} of {overdue}")


def _done_count(url: str, number: int) -> int:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        row = connection.execute(
            "SELECT count(*) FROM escalation_step WHERE number = ? AND state = 'done'",
            (number,),
        ).fetchone()
    finally:
        connection.close()
    return int(row[0])


def _fired_times(url: str) -> list[datetime]:
    from atlasbot.storage import db

    engine = db.make_engine(url)
    with session_scope(engine) as session:
        rows = session.exec(
            select(EscalationStep.fired_at).where(
                EscalationStep.number == 1, EscalationStep.state == StepState.DONE.value
            )
        ).all()
    engine.dispose()
    return [row for row in rows if row is not None]


def _delivery_outcomes(url: str) -> str:
    from atlasbot.storage import db

    engine = db.make_engine(url)
    with session_scope(engine) as session:
        rows = session.exec(select(AlertDelivery)).all()
    engine.dispose()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    attempts = sum(row.attempts for row in rows)
    errors = sorted({row.last_error[:60] for row in rows if row.last_error})[:3]
    return f"{counts}, {attempts} send attempts" + (f", errors: {errors}" if errors else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the steps span")
    args = parser.parse_args()
    asyncio.run(run(args.alerts, args.spread))


if __name__ == "__main__":
    main()
