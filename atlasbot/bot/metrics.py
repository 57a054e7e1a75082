"""The bot's Prometheus metrics (issue 13), in a registry of their own, never the global one.

One ``Metrics`` object is made at start-up and passed down (``BotServices.metrics``); the
areas record through its methods (``metrics.record_delivery("forbidden_403")``), so metric
names and labels are written here only. Label values come from fixed sets: a label that
took member ids or texts would grow without end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Literal, TypeVar, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from atlasbot.storage.leadership import NotLeader
from atlasbot.storage.monitoring import AlertCounts

log = logging.getLogger(__name__)

T = TypeVar("T")

DeliveryOutcome = Literal["sent", "retry_429", "forbidden_403", "server_5xx", "network"]
DELIVERY_OUTCOMES: tuple[DeliveryOutcome, ...] = get_args(DeliveryOutcome)
UpdateKind = Literal["command", "message", "callback_query", "other"]
UpdateOutcome = Literal["handled", "failed", "not_leader"]
Role = Literal["leader", "standby"]
SolveKind = Literal["planner", "calendar"]

# Seconds: a handler answers in well under a second; a slow database shows in the tail.
_UPDATE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Seconds late: issue 13 wants 1,000 overdue steps fired within 5 s of a start.
_LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800)
# Seconds: the planner's default limit is 20 s, the calendar's 30 s.
_SOLVE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)


# What the update in hand came to, when an error handler knows better than "handled": PTB
# hands a handler's error to the error handlers, so the handling itself returns normally.
_UPDATE_MARKS: ContextVar[list[UpdateOutcome] | None] = ContextVar(
    "atlasbot_update_marks", default=None
)


class _AlertCollector(Collector):
    """Reads the alert counts from the database at each scrape (nothing to keep in step)."""

    def __init__(self, read: Callable[[], AlertCounts]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            counts = self._read()
        except Exception as err:  # the database is away: the scrape still answers
            log.warning("alert counts for /metrics unavailable: %s", type(err).__name__)
            return
        yield GaugeMetricFamily(
            "atlasbot_alerts_pending", "Alerts waiting for someone to act.", counts.pending
        )
        yield GaugeMetricFamily(
            "atlasbot_alerts_overdue",
            "Waiting alerts whose next escalation step is past due (nobody is acting on it).",
            counts.overdue,
        )

    def describe(self) -> Iterator[Metric]:
        return iter(())  # read lazily: describing must not touch the database


def update_kind(update: object) -> UpdateKind:
    """What kind of update this is, for the label (never its content)."""
    if getattr(update, "callback_query", None) is not None:
        return "callback_query"
    message = getattr(update, "message", None) or getattr(update, "edited_message", None)
    if message is None:
        return "other"
    text = getattr(message, "text", None) or ""
    return "command" if text.startswith("/") else "message"


class Metrics:
    """Every metric the bot exports, and one method to record each."""

    def __init__(self, alert_counts: Callable[[], AlertCounts] | None = None) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "atlasbot_updates_handled",
            "Telegram updates handled, by kind and outcome.",
            ["kind", "outcome"],
            registry=registry,
        )
        self.update_seconds = Histogram(
            "atlasbot_update_handling_seconds",
            "Time from an update's arrival at a handler to its end.",
            ["kind"],
            buckets=_UPDATE_BUCKETS,
            registry=registry,
        )
        self.steps_fired = Counter(
            "atlasbot_escalation_steps_fired",
            "Escalation steps fired, by action (notify, remind, no_response, expire).",
            ["action"],
            registry=registry,
        )
        self.step_lateness = Histogram(
            "atlasbot_escalation_step_lateness_seconds",
            "How long after its due time an escalation step fired.",
            buckets=_LATENESS_BUCKETS,
            registry=registry,
        )
        self.deliveries = Counter(
            "atlasbot_deliveries",
            "Bot API sends, by outcome (sent, retry_429, forbidden_403, server_5xx, network).",
            ["outcome"],
            registry=registry,
        )
        self.telegram_429s = Counter(
            "atlasbot_telegram_429s",
            "Every 429 Telegram answered, retried by PTB's rate limiter or by the delivery.",
            registry=registry,
        )
        self._solve_histograms(registry)
        self._leadership_metrics(registry)
        for outcome in DELIVERY_OUTCOMES:  # every outcome shows, at 0 until it happens
            self.deliveries.labels(outcome=outcome)
        if alert_counts is not None:
            registry.register(_AlertCollector(alert_counts))

    def _solve_histograms(self, registry: CollectorRegistry) -> None:
        self.planner_seconds = Histogram(
            "atlasbot_planner_solve_seconds",
            "Time the assistance planner took per request.",
            buckets=_SOLVE_BUCKETS,
            registry=registry,
        )
        self.calendar_seconds = Histogram(
            "atlasbot_calendar_solve_seconds",
            "Time the training calendar took per schedule.",
            buckets=_SOLVE_BUCKETS,
            registry=registry,
        )

    def _leadership_metrics(self, registry: CollectorRegistry) -> None:
        self.leadership_changes = Counter(
            "atlasbot_leadership_changes",
            "Times this process became leader or stopped leading.",
            ["role"],
            registry=registry,
        )
        self.leader = Gauge(
            "atlasbot_leader", "1 while this process leads, 0 while standby.", registry=registry
        )
        self.epoch = Gauge(
            "atlasbot_leadership_epoch",
            "The epoch this process leads with (0 while standby).",
            registry=registry,
        )

    def record_update(self, kind: UpdateKind, seconds: float, outcome: UpdateOutcome) -> None:
        """One update handled (or not) and how long it took."""
        self.updates.labels(kind=kind, outcome=outcome).inc()
        self.update_seconds.labels(kind=kind).observe(seconds)

    async def measure_update(self, update: object, handling: Awaitable[T]) -> T:
        """Await an update's handling and record its kind, outcome and time."""
        started = time.monotonic()
        outcome: UpdateOutcome = "failed"
        marks: list[UpdateOutcome] = []
        token = _UPDATE_MARKS.set(marks)
        try:
            result = await handling
            outcome = marks[-1] if marks else "handled"
            return result
        except NotLeader:
            outcome = "not_leader"
            raise
        finally:
            _UPDATE_MARKS.reset(token)
            self.record_update(update_kind(update), time.monotonic() - started, outcome)

    def mark_update_not_leader(self) -> None:
        """The update in hand was refused because another process leads (the error handler
        calls this; ``measure_update`` then records ``not_leader``)."""
        marks = _UPDATE_MARKS.get()
        if marks is not None:
            marks.append("not_leader")

    def record_telegram_429(self) -> None:
        """Telegram answered 429 (Too Many Requests) to one call."""
        self.telegram_429s.inc()

    def record_step(self, action: str, lateness_s: float) -> None:
        """An escalation step fired ``lateness_s`` after its due time."""
        self.steps_fired.labels(action=action).inc()
        self.step_lateness.observe(max(0.0, lateness_s))

    def record_delivery(self, outcome: DeliveryOutcome) -> None:
        """One Bot API send's outcome."""
        if outcome not in DELIVERY_OUTCOMES:
            raise ValueError(f"unknown delivery outcome {outcome!r}")
        self.deliveries.labels(outcome=outcome).inc()

    def record_planner_solve(self, seconds: float) -> None:
        self.planner_seconds.observe(seconds)

    def record_calendar_solve(self, seconds: float) -> None:
        self.calendar_seconds.observe(seconds)

    def record_solve(self, kind: SolveKind, seconds: float) -> None:
        """A solve of the assistance planner or of the training calendar took ``seconds``."""
        histogram = self.planner_seconds if kind == "planner" else self.calendar_seconds
        histogram.observe(seconds)

    def record_leadership(self, role: Role, epoch: int | None = None) -> None:
        """This process became leader (with ``epoch``) or standby."""
        self.leadership_changes.labels(role=role).inc()
        self.leader.set(1 if role == "leader" else 0)
        self.epoch.set((epoch or 0) if role == "leader" else 0)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format (reads the database: call off the loop)."""
        return generate_latest(self.registry)
