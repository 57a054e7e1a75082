"""The leadership monitor's reactions, with a scripted elector instead of a database."""

from __future__ import annotations

import asyncio
import time

from atlasbot.storage.leadership import LeadershipMonitor


class ScriptedElector:
    """Leads when ``free``; its check answers ``confirm``, raises, or hangs; ``server_up``
    says whether a recheck reaches the database server at all."""

    holder = "scripted:1"

    def __init__(self) -> None:
        self.free = True
        self.epoch = 0
        self.confirm: bool | str = True  # True, False, "raise" or "hang"
        self.released = 0
        self.server_up = True
        self.rechecks = 0

    def try_acquire(self) -> int | None:
        if not self.free:
            return None
        self.epoch += 1
        return self.epoch

    def still_leader(self, epoch: int) -> bool:
        if self.confirm == "raise":
            raise ConnectionError("server closed the connection unexpectedly")
        if self.confirm == "hang":
            time.sleep(1)
        return bool(self.confirm) and epoch == self.epoch

    def reachable(self) -> bool:
        self.rechecks += 1
        return self.server_up

    def release(self) -> None:
        self.released += 1


def make_monitor(
    elector: ScriptedElector, events: list[str], *, fail_gain: bool = False
) -> LeadershipMonitor:
    async def gained(epoch: int) -> None:
        events.append(f"gain {epoch}")
        if fail_gain:
            raise RuntimeError("cannot start polling")

    async def lost() -> None:
        events.append("loss")

    return LeadershipMonitor(elector, on_gain=gained, on_loss=lost, renew_s=0.05, lease_s=0.2)


async def test_a_standby_leads_once_the_lock_is_free() -> None:
    elector, events = ScriptedElector(), []
    elector.free = False
    monitor = make_monitor(elector, events)
    await monitor.step()
    assert monitor.role == "standby" and events == []
    elector.free = True
    await monitor.step()
    assert monitor.role == "leader" and monitor.fence.epoch == 1 and events == ["gain 1"]
    await monitor.step()  # confirmed: nothing happens
    assert events == ["gain 1"]


async def test_a_check_that_raises_while_the_server_answers_stops_the_leader_at_once() -> None:
    elector, events = ScriptedElector(), []
    monitor = make_monitor(elector, events)
    await monitor.step()
    elector.confirm = "raise"  # while the server answers: its session, and lock, are gone
    await monitor.step()
    assert events == ["gain 1", "loss"]
    assert monitor.fence.epoch is None and elector.released == 1


async def test_a_check_that_outlasts_the_lease_stops_the_leader() -> None:
    elector, events = ScriptedElector(), []
    monitor = make_monitor(elector, events)
    await monitor.step()
    elector.confirm = "hang"
    started = time.monotonic()
    await monitor.step()
    assert time.monotonic() - started < 0.9
    assert events == ["gain 1", "loss"] and monitor.role == "standby"


async def test_a_leader_that_cannot_start_gives_leadership_up() -> None:
    elector, events = ScriptedElector(), []
    monitor = make_monitor(elector, events, fail_gain=True)
    await monitor.step()
    assert events == ["gain 1", "loss"] and monitor.role == "standby"
    assert elector.released == 1


async def test_stopping_the_monitor_leaves_leadership() -> None:
    elector, events = ScriptedElector(), []
    led = asyncio.Event()

    async def gained(epoch: int) -> None:
        events.append(f"gain {epoch}")
        led.set()

    async def lost() -> None:
        events.append("loss")

    monitor = LeadershipMonitor(elector, on_gain=gained, on_loss=lost, renew_s=0.05, lease_s=0.2)
    running = asyncio.create_task(monitor.run())
    await asyncio.wait_for(led.wait(), 2)
    monitor.stop()
    await asyncio.wait_for(running, 2)
    assert events == ["gain 1", "loss"] and elector.released == 1


async def test_a_leader_stays_leader_degraded_while_the_server_cannot_be_reached() -> None:
    elector, events = ScriptedElector(), []
    monitor = make_monitor(elector, events)
    await monitor.step()
    elector.confirm, elector.server_up = "raise", False
    for _ in range(3):  # nobody can take the lock of a server that cannot be reached
        await monitor.step()
        assert monitor.role == "leader" and monitor.degraded and monitor.fence.epoch == 1
    assert events == ["gain 1"] and elector.released == 0 and elector.rechecks == 3
    # The server answers again: the lock went with its session, so step down; whoever
    # reaches the server first leads with a new epoch (this process, here).
    elector.server_up = True
    await monitor.step()
    assert events == ["gain 1", "loss"] and monitor.role == "standby" and not monitor.degraded
    await monitor.step()
    assert events == ["gain 1", "loss", "gain 2"] and monitor.fence.epoch == 2


async def test_a_check_that_hangs_while_the_server_is_unreachable_degrades_too() -> None:
    elector, events = ScriptedElector(), []
    monitor = make_monitor(elector, events)
    await monitor.step()
    elector.confirm, elector.server_up = "hang", False
    await monitor.step()
    assert monitor.role == "leader" and monitor.degraded and events == ["gain 1"]
