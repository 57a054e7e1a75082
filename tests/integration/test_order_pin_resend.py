"""A mobilisation order in flight at a crash is sent again with its map pin: the duty officer
who gets only the re-sent copy must still see where to go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from atlasbot.escalation import Timings
from atlasbot.services import alerting
from atlasbot.services.assistance import raising
from atlasbot.services.enrolment import Identity
from atlasbot.storage.models import Crisis

from .test_assistance_service import AGREED, NOW, run, send, submit, world

__all__ = ["world"]  # the fixture, used by name


def test_an_order_copy_in_flight_at_a_crash_is_sent_again_with_its_pin(
    engine: Engine, world: dict[str, Identity]
) -> None:
    from atlasbot.services import assistance

    crisis_id = submit(engine, world["BE"])
    (request_id,) = send(engine, world["BE"], crisis_id, ("de-3", "DE"))
    _, (deployment,) = run(
        engine, lambda s: assistance.accept(s, world["DE"], request_id, AGREED, now=NOW)
    )
    assert deployment.id is not None
    (alert_id,) = run(
        engine,
        lambda s: raising.raise_mobilisation_orders(
            s, [deployment.id or 0], timings=Timings(), now=NOW
        ),
    )

    def first_step(session: Session) -> int:
        step = next(p for p in alerting.pending_steps(session) if p.alert_id == alert_id)
        work = alerting.take_step(session, step.step_id, step.version, now=NOW)
        assert work is not None and work.copies
        for copy in work.copies:
            alerting.describe_copy(session, copy.delivery_id, "the order", [])
        return len(work.copies)

    sent = run(engine, first_step)
    # The process died before any copy's outcome was recorded: all are re-sent at start.
    again = run(engine, lambda s: alerting.taken_over(s, now=NOW + timedelta(seconds=5)))
    assert len(again) == sent and all(c.alert_id == alert_id for c in again)
    crisis = run(engine, lambda s: s.get(Crisis, crisis_id))
    assert crisis is not None
    for copy in again:
        pin = copy.message.venue
        assert pin is not None and (pin.lat, pin.lon) == (crisis.lat, crisis.lon)
        assert pin.title == crisis.place
