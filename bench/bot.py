"""Benchmark of the bot through the sandbox: update-to-reply latency and one alert's fan-out.

Run: .venv/bin/python bench/bot.py [--seconds 5] [--rates 50,200] [--users 100] [--profile]

One process holds the sandbox Bot API on 127.0.0.1 and the real python-telegram-bot
Application polling it over HTTP, on a fresh temporary SQLite database, exactly as the
end-to-end tests run it (``atlasbot.runtime.sandbox_runtime``).

Latency
  ``--users`` members are enrolled through invites (authorities, commanders, duty officers,
  coordinators) and one crisis is open, so /crises lists it for those who may see it and
  issues a button token. Then updates are injected open-loop at a fixed rate for
  ``--seconds``, round-robin over the members, each a random pick of /whoami (40 %),
  /help (30 %) and /crises (30 %). Latency = the moment the sandbox received the bot's
  sendMessage minus the moment the update was injected; each command gets exactly one
  reply, matched in order per chat. Replies not in within ``--drain`` seconds after the last
  update count as missing and as infinitely late in the percentiles.
  Replies go out at once; only fan-out sends are paced to Telegram's 30 messages/s
  (``atlasbot/pacing.py``), so sustained load above 30 updates/s does not queue replies.
  "cpu ms" is the process's CPU time (every thread: bot, sandbox and this driver) per update,
  until every update was answered; with one event loop that bounds the sustainable rate.

Alert fan-out
  30 authority members of AT; a BE crisis whose plan asks AT; the real
  ``raising.raise_assistance_requests`` then ``timers.start_alerts`` (compose + 90 button
  tokens in one unit of work, then
  ``send_all`` through the broadcast token bucket), with the sandbox emulating Telegram's
  flood limit of 30 messages/s. Measured from the call to the last recipient's message at
  the sandbox, five times, one second apart so the bucket has refilled.

Goals (atlasbot issue 4, item 11): p99 < 150 ms at 50 updates/s; 30 recipients in < 1.5 s.
Nothing is asserted; missed goals are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import math
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from atlasbot.bot import timers  # noqa: E402
from atlasbot.bot.context import AtlasContext  # noqa: E402
from atlasbot.config import load_settings  # noqa: E402
from atlasbot.network import load_network  # noqa: E402
from atlasbot.runtime import (  # noqa: E402
    DEMO_NETWORK,
    SandboxRuntime,
    sandbox_runtime,
    temporary_sqlite_url,
)
from atlasbot.sandbox import SandboxClient  # noqa: E402
from atlasbot.services import assistance  # noqa: E402
from atlasbot.services.assistance import raising  # noqa: E402
from atlasbot.services.enrolment import identify  # noqa: E402

COMMAND_MIX = (("/whoami", 40), ("/help", 30), ("/crises", 30))
LATENCY_GOAL_S = 0.150
LATENCY_GOAL_RATE = 50
FANOUT_RECIPIENTS = 30
FANOUT_GOAL_S = 1.5
FANOUT_RUNS = 5
TELEGRAM_FLOOD_LIMIT = 30  # messages per second, overall

MEMBER_IDS = 1_000_001  # the simulated members of the latency runs
RECIPIENT_IDS = 2_000_001  # the AT authorities the alert goes to
REQUESTER_ID = 3_000_001  # the BE authority whose crisis the alert is about


# ------------------------------------------------------------------------------------------
# Setting the scene.


def member_roles(count: int) -> list[dict[str, str]]:
    """A realistic spread of invites: mostly authorities and unit staff, a few coordinators."""
    network = load_network(DEMO_NETWORK)
    # No AT authority here: the alert's recipients are exactly the 30 enrolled for it.
    countries = [c.code for c in network.countries if c.code != "AT"]
    units = [u.id for u in network.units]
    roles: list[dict[str, str]] = []
    for index in range(count):
        kind = index % 10
        if kind < 4:
            roles.append({"role": "authority", "country": countries[index % len(countries)]})
        elif kind < 7:
            roles.append({"role": "commander", "unit": units[index % len(units)]})
        elif kind < 9:
            roles.append({"role": "duty", "unit": units[(index * 7) % len(units)]})
        else:
            roles.append({"role": "coordinator"})
    return roles


async def enrol(
    runtime: SandboxRuntime, client: SandboxClient, people: Sequence[tuple[int, dict[str, str]]]
) -> None:
    """Invite everyone through the control API, let each send /start CODE, and check it took."""
    codes = await asyncio.gather(
        *(
            client.invite(scope["role"], country=scope.get("country"), unit=scope.get("unit"))
            for _, scope in people
        )
    )
    for (user_id, _), code in zip(people, codes, strict=True):
        runtime.server.send(user_id, f"/start {code}", first_name=f"Member {user_id}")
    if not await runtime.server.wait_idle(timeout=120):
        raise SystemExit("setup: the bot did not finish enrolling the simulated members")

    def enrolled(session: Session) -> list[int]:
        return [uid for uid, _ in people if identify(session, uid) is None]

    missing = await runtime.services.run(enrolled)
    if missing:
        raise SystemExit(f"setup: {len(missing)} member(s) not enrolled, e.g. {missing[0]}")


async def open_crisis_asking_at(runtime: SandboxRuntime) -> int:
    """A BE hostage-taking whose chosen plan asks AT for at-1; returns the AT request's id."""
    now = runtime.services.clock.now()

    def create(session: Session) -> int:
        requester = identify(session, REQUESTER_ID)
        assert requester is not None
        draft = assistance.RequestDraft(
            country="BE",
            crisis_type="hostage_taking",
            threat_confirmed=True,
            lat=50.85,
            lon=4.35,
            place="Brussels",
            needs={"hostage_rescue": 2},
            assistance=["action"],
            nature="Two hostage-rescue teams for a building intervention.",
            necessity="Our own teams are engaged elsewhere.",
        )
        crisis = assistance.submit_request(session, requester, draft, now=now)
        assert crisis.id is not None
        chosen = assistance.ChosenUnit("at-1", "AT", 120, {"hostage_rescue": 2})
        (request,) = assistance.send_requests(session, requester, crisis.id, [chosen], now=now)
        assert request.id is not None
        return request.id

    return await runtime.services.run(create)


# ------------------------------------------------------------------------------------------
# Latency.


@dataclass
class LatencyRun:
    label: str
    target_rate: float
    sent: int
    achieved_rate: float
    latencies: list[float]  # seconds, sorted; missing replies are not in here
    missing: int
    cpu_ms_per_update: float  # process CPU (every thread) until every update was answered

    def percentile(self, q: float) -> float:
        """The q-quantile over every update, a missing reply counting as infinitely late."""
        everyone = self.latencies + [math.inf] * self.missing
        if not everyone:
            return math.nan
        return everyone[max(0, math.ceil(q * len(everyone)) - 1)]


def replies_by_chat(runtime: SandboxRuntime, chats: Sequence[int]) -> dict[int, list[float]]:
    """When each chat received each sendMessage, in order (the sandbox's wall clock)."""
    sends = runtime.server.state.sends
    return {
        chat: [s["at"] for s in sends.get(chat, []) if s["method"] == "sendMessage"]
        for chat in chats
    }


async def latency_run(
    runtime: SandboxRuntime,
    users: Sequence[int],
    *,
    label: str,
    rate: float,
    seconds: float,
    drain: float,
    rng: random.Random,
) -> LatencyRun:
    """Inject ``rate`` updates a second for ``seconds``, open loop, and time the replies."""
    server = runtime.server
    server.state.reset_stats()
    commands = [command for command, _ in COMMAND_MIX]
    weights = [weight for _, weight in COMMAND_MIX]
    injected: dict[int, list[float]] = {user: [] for user in users}
    total = max(1, round(rate * seconds))
    loop = asyncio.get_running_loop()
    cpu_start = time.process_time()
    start = loop.time()
    for index in range(total):
        # Open loop: keep to the schedule whatever the bot does; catch up if we fell behind.
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        user = users[index % len(users)]
        text = rng.choices(commands, weights)[0]
        injected[user].append(time.time())
        server.send(user, text)
    elapsed = loop.time() - start
    achieved = (total - 1) / elapsed if elapsed > 0 and total > 1 else float(total)

    deadline = loop.time() + drain
    while loop.time() < deadline:
        replied = sum(len(v) for v in replies_by_chat(runtime, users).values())
        if replied >= total:
            break
        await asyncio.sleep(0.01)
    replies = replies_by_chat(runtime, users)

    latencies: list[float] = []
    missing = 0
    for user, sent_at in injected.items():
        answered = replies[user]
        latencies.extend(a - s for s, a in zip(sent_at, answered, strict=False))
        missing += max(0, len(sent_at) - len(answered))

    await server.wait_idle(timeout=300)
    cpu_per_update = (time.process_time() - cpu_start) * 1000 / total
    server.state.reset_stats()
    return LatencyRun(label, rate, total, achieved, sorted(latencies), missing, cpu_per_update)


# ------------------------------------------------------------------------------------------
# Fan-out.


@dataclass
class FanoutRun:
    to_last: float  # from the call to the last recipient's message
    first_to_last: float
    delivered: int
    retried_429: int


async def fanout_run(
    runtime: SandboxRuntime, request_id: int, recipients: Sequence[int]
) -> FanoutRun:
    """One alert to every AT authority through the real notify path; times the deliveries."""
    server = runtime.server
    server.state.reset_stats()
    context = AtlasContext(runtime.application)
    started = time.time()
    services = runtime.services
    now = services.clock.now()
    timings = services.settings.escalation_timings()
    alert_ids = await services.run(
        lambda session: raising.raise_assistance_requests(
            session, [request_id], timings=timings, now=now
        )
    )
    addressed = await timers.start_alerts(context, alert_ids)
    await server.wait_idle(timeout=60)
    arrivals = sorted(
        at for chat, at_list in replies_by_chat(runtime, recipients).items() for at in at_list
    )
    errors = server.state.error_counts.get("sendMessage 429", 0)
    server.state.reset_stats()
    if addressed != len(recipients) or not arrivals:
        raise SystemExit(f"fan-out: addressed {addressed}, delivered {len(arrivals)}")
    return FanoutRun(arrivals[-1] - started, arrivals[-1] - arrivals[0], len(arrivals), errors)


# ------------------------------------------------------------------------------------------
# Output.


def ms(seconds: float, drain: float) -> str:
    """Milliseconds for the table; a missing reply shows as later than the drain time."""
    if math.isinf(seconds):
        return f">{drain:.0f} s"
    if math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:.0f}"


def print_table(
    runs: Sequence[LatencyRun], fanouts: Sequence[FanoutRun], drain: float, users: int
) -> None:
    print()
    header = (
        f"{'measure':<34} {'rate/s':>6} {'done/s':>6} {'sent':>5} {'miss':>5} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'cpu ms':>6}  goal"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        goal = ""
        if run.label == "bot" and run.target_rate == LATENCY_GOAL_RATE:
            met = run.percentile(0.99) < LATENCY_GOAL_S
            goal = f"p99 < {LATENCY_GOAL_S * 1000:.0f} ms: {'met' if met else 'NOT MET'}"
        highest = run.latencies[-1] if run.latencies else math.nan
        if run.missing:
            highest = math.inf
        print(
            f"{'update->reply, ' + run.label:<34} {run.target_rate:>6.0f} "
            f"{run.achieved_rate:>6.1f} {run.sent:>5} {run.missing:>5} "
            f"{ms(run.percentile(0.50), drain):>7} {ms(run.percentile(0.95), drain):>7} "
            f"{ms(run.percentile(0.99), drain):>7} {ms(highest, drain):>7} "
            f"{run.cpu_ms_per_update:>6.1f}  {goal}"
        )
    if fanouts:
        to_last = sorted(f.to_last for f in fanouts)
        spread = sorted(f.first_to_last for f in fanouts)
        met = to_last[-1] < FANOUT_GOAL_S
        retries = sum(f.retried_429 for f in fanouts)
        print(
            f"{f'alert to {FANOUT_RECIPIENTS}: call->last':<34} {'':>6} {'':>6} "
            f"{len(fanouts):>5} {'':>5} {statistics.median(to_last) * 1000:>7.0f} "
            f"{'':>7} {'':>7} {to_last[-1] * 1000:>7.0f} {'':>6}  "
            f"< {FANOUT_GOAL_S:g} s: {'met' if met else 'NOT MET'}"
        )
        print(
            f"{f'alert to {FANOUT_RECIPIENTS}: first->last':<34} {'':>6} {'':>6} "
            f"{len(fanouts):>5} {'':>5} {statistics.median(spread) * 1000:>7.0f} "
            f"{'':>7} {'':>7} {spread[-1] * 1000:>7.0f} {'':>6}  "
            f"({retries} x 429 from the sandbox's {TELEGRAM_FLOOD_LIMIT}/s flood limit)"
        )
    print()
    print(
        f"{users} members, commands {', '.join(f'{c} {w}%' for c, w in COMMAND_MIX)}; "
        f"miss = no reply within {drain:g} s of the last update (counted as infinitely late). "
        "cpu ms = process CPU time (all threads, sandbox included) per update. "
        "Alert rows: median and worst of the runs."
    )


def package_of(filename: str) -> str:
    """The package a profiled function belongs to (atlasbot's sandbox kept apart)."""
    if "atlasbot/sandbox/" in filename:
        return "atlasbot.sandbox"
    if "/atlasbot/" in filename:
        return "atlasbot"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(("<", "~")):
        return "builtins"
    return "stdlib:" + Path(filename).stem


def print_own_time_by_package(profiler: cProfile.Profile) -> None:
    """Where the event-loop thread spent its own time, by package."""
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.items():
        package = package_of(filename)
        by_package[package] = by_package.get(package, 0.0) + own
    total = sum(by_package.values()) or 1.0
    print("own time by package (event-loop thread, measured runs):")
    for package, own in sorted(by_package.items(), key=lambda item: -item[1])[:15]:
        print(f"  {package:<28} {own:7.2f} s {own / total:6.1%}")


# ------------------------------------------------------------------------------------------


async def set_the_scene(
    runtime: SandboxRuntime, users: Sequence[int], recipients: Sequence[int]
) -> int:
    """Enrol everyone and open the crisis; returns the id of the request the alert is about."""
    people = [
        *zip(users, member_roles(len(users)), strict=True),
        *((r, {"role": "authority", "country": "AT"}) for r in recipients),
        (REQUESTER_ID, {"role": "authority", "country": "BE"}),
    ]
    began = time.perf_counter()
    async with SandboxClient(runtime.control_url) as client:
        await enrol(runtime, client, people)
    request_id = await open_crisis_asking_at(runtime)
    print(
        f"setup: {len(people)} members enrolled, one crisis open "
        f"({time.perf_counter() - began:.1f} s)",
        flush=True,
    )
    return request_id


async def latency_runs(
    runtime: SandboxRuntime,
    users: Sequence[int],
    args: argparse.Namespace,
    profiler: cProfile.Profile | None,
) -> list[LatencyRun]:
    """Each rate, after a warm-up (profiled when asked)."""
    rng = random.Random(617)
    # Warm up connection pools, caches and SQLite's page cache.
    await latency_run(runtime, users, label="warm-up", rate=20, seconds=2, drain=2, rng=rng)
    await asyncio.sleep(1.1)
    runs = []
    for rate in [float(r) for r in args.rates.split(",") if r.strip()]:
        if profiler is not None:
            profiler.enable()
        result = await latency_run(
            runtime, users, label="bot", rate=rate, seconds=args.seconds, drain=args.drain, rng=rng
        )
        if profiler is not None:
            profiler.disable()
        runs.append(result)
        print(
            f"  {result.label:<12} {rate:>4.0f}/s: {result.sent} updates, "
            f"{result.missing} missing, p99 (ms) {ms(result.percentile(0.99), args.drain)}",
            flush=True,
        )
        await asyncio.sleep(1.1)
    return runs


async def fanout_runs(
    runtime: SandboxRuntime, request_id: int, recipients: Sequence[int]
) -> list[FanoutRun]:
    """The alert, several times, with the sandbox holding the bot to Telegram's flood limit."""
    runtime.server.set_rate_limit(TELEGRAM_FLOOD_LIMIT)
    runs = []
    for _ in range(FANOUT_RUNS):
        runs.append(await fanout_run(runtime, request_id, recipients))
        await asyncio.sleep(1.2)  # the limiter and the sandbox's window empty
    runtime.server.set_rate_limit(None)
    return runs


async def run(args: argparse.Namespace) -> None:
    url, folder = temporary_sqlite_url()
    settings = load_settings(database_url=url, token=None)
    profiler = cProfile.Profile() if args.profile else None
    users = [MEMBER_IDS + i for i in range(args.users)]
    recipients = [RECIPIENT_IDS + i for i in range(FANOUT_RECIPIENTS)]
    with folder:
        async with sandbox_runtime(settings) as runtime:
            request_id = await set_the_scene(runtime, users, recipients)
            runs = await latency_runs(runtime, users, args, profiler)
            fanouts = await fanout_runs(runtime, request_id, recipients)

    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print_table(runs, fanouts, args.drain, args.users)
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print("\nevent-loop thread profile of the measured runs (top 25 by own time):")
        print(out.getvalue())
        print_own_time_by_package(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each rate run")
    parser.add_argument("--rates", default="50,200", help="updates per second, comma-separated")
    parser.add_argument("--users", type=int, default=100, help="simulated members")
    parser.add_argument(
        "--drain",
        type=float,
        default=3.0,
        help="seconds to wait for replies after the last update",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the event loop during the measured runs"
    )
    args = parser.parse_args()
    if args.users < 1 or args.seconds <= 0 or args.drain < 0:
        parser.error("--users must be >= 1, --seconds > 0 and --drain >= 0")
    logging.basicConfig(level=logging.WARNING)
    began = time.perf_counter()
    asyncio.run(run(args))
    print(f"total time: {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
