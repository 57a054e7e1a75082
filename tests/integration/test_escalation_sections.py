"""Escalation sections from the network file, on both databases: stored and read back by the
registry, empty for rows made before the column, and used when an alert's chain is
snapshotted (defaults <- the state's section <- the unit's)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.domain import Network
from atlasbot.escalation import Action, AlertKind, Timings
from atlasbot.i18n import using_locale
from atlasbot.services import alerting, registry
from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import CountryRow, EscalationStep, UnitRow

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
BASE = Timings(
    duty_to_unit_s=60,
    unit_to_authority_s=60,
    expire_after_s=60,
    request_reminder_s=600,
    request_deadline_s=1800,
    counter_reminder_s=600,
    counter_expire_s=1800,
)


def with_sections(network: Network, **sections: dict[str, float]) -> Network:
    """The network with escalation sections replaced: keys are country codes or unit ids."""
    return Network(
        network.capabilities,
        tuple(
            replace(c, escalation=MappingProxyType(sections[c.code])) if c.code in sections else c
            for c in network.countries
        ),
        tuple(
            replace(u, escalation=MappingProxyType(sections[u.id])) if u.id in sections else u
            for u in network.units
        ),
    )


def import_(engine: Engine, network: Network) -> registry.ImportSummary:
    with session_scope(engine) as session:
        return registry.import_network(session, network, actor="test", source="test", now=T0)


def raise_and_read_steps(
    engine: Engine, kind: AlertKind, *, unit_id: str | None = None, country: str | None = None
) -> list[tuple[float, str]]:
    """Raise one alert with BASE as the defaults; its steps as (seconds after T0, action)."""
    with session_scope(engine) as session:
        alert = alerting.raise_alert(
            session,
            kind=kind,
            subject=f"test:{kind.value}",
            text="test",
            timings=BASE,
            now=T0,
            unit_id=unit_id,
            country=country,
        )
        steps = session.exec(
            select(EscalationStep)
            .where(EscalationStep.alert_id == alert.id)
            .order_by(EscalationStep.number)  # type: ignore[arg-type]
        ).all()
        return [
            ((step.due_at.astimezone(UTC) - T0).total_seconds(), step.action) for step in steps
        ]


# --- storage ----------------------------------------------------------------------------


def test_importing_the_demo_network_with_sections_twice_changes_nothing_the_second_time(
    engine: Engine, demo_network: Network
) -> None:
    assert demo_network.country("AT").escalation and demo_network.unit("at-2").escalation
    assert import_(engine, demo_network).changed
    again = import_(engine, demo_network)
    assert not again.changed, again.lines()
    with session_scope(engine) as session:
        stored = registry.load_network(session)
    assert stored.canonical() == demo_network.canonical()
    assert dict(stored.unit("at-2").escalation) == {
        "duty_to_unit_s": 120,
        "unit_to_authority_s": 180,
    }


def test_a_changed_or_removed_section_is_an_update_of_that_state_or_unit(
    engine: Engine, demo_network: Network
) -> None:
    import_(engine, demo_network)
    changed = with_sections(demo_network, AT={}, **{"at-2": {"duty_to_unit_s": 30.0}})
    summary = import_(engine, changed)
    assert summary.updated == {"countries": ["AT"], "units": ["at-2"]}
    assert not summary.added and not summary.removed
    with session_scope(engine) as session:
        assert session.get(CountryRow, "AT").escalation == {}  # type: ignore[union-attr]
        assert session.get(UnitRow, "at-2").escalation == {"duty_to_unit_s": 30}  # type: ignore[union-attr]
    assert not import_(engine, changed).changed


def test_rows_made_before_the_column_get_an_empty_section(empty_db_url: str) -> None:
    command.upgrade(db.alembic_config(empty_db_url), "0005")
    engine = db.make_engine(empty_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO country (code, name, bound_by_decision, timezone, languages,"
                    " armed_action_abroad, home_reserve)"
                    " VALUES ('AT', 'Austria', true, 'Europe/Vienna', '[]', true, 0)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO unit (id, name, country, lat, lon, place, status,"
                    " mobilisation_minutes, transport, capabilities, languages)"
                    " VALUES ('at-1', 'Demo Unit Austria 1', 'AT', 47.8, 16.2, '', 'available',"
                    " 45, '[\"road\"]', '{\"hostage_rescue\": 1}', '[]')"
                )
            )
        db.upgrade(empty_db_url)
        with session_scope(engine) as session:
            network = registry.load_network(session)
        assert dict(network.country("AT").escalation) == {}
        assert dict(network.unit("at-1").escalation) == {}
    finally:
        engine.dispose()


# --- use --------------------------------------------------------------------------------


def test_a_unit_alert_takes_its_states_section_and_then_its_own(
    engine: Engine, demo_network: Network
) -> None:
    import_(
        engine,
        with_sections(
            demo_network,
            DE={"duty_to_unit_s": 30.0, "expire_after_s": 600.0},
            **{"de-1": {"duty_to_unit_s": 5.0}},
        ),
    )
    # de-1: its own 5 s, DE's 600 s expiry, the defaults' 60 s to the authority.
    assert raise_and_read_steps(engine, AlertKind.ORDER, unit_id="de-1") == [
        (0, Action.NOTIFY.value),
        (5, Action.NOTIFY.value),
        (65, Action.NOTIFY.value),
        (665, Action.EXPIRE.value),
    ]
    # de-2 has no section of its own: DE's.
    assert [at for at, _ in raise_and_read_steps(engine, AlertKind.DRILL, unit_id="de-2")] == [
        0,
        30,
        90,
        690,
    ]


def test_the_demo_unit_with_a_section_escalates_faster_than_the_defaults(
    engine: Engine, demo_network: Network
) -> None:
    import_(engine, demo_network)
    assert [at for at, _ in raise_and_read_steps(engine, AlertKind.DRILL, unit_id="at-2")] == [
        0,
        120,
        300,
        360,
    ]
    # at-1 has none, and AT's section holds only request timings: the defaults.
    assert [at for at, _ in raise_and_read_steps(engine, AlertKind.ORDER, unit_id="at-1")] == [
        0,
        60,
        120,
        180,
    ]


def test_a_request_alert_uses_the_requested_states_section(
    engine: Engine, demo_network: Network
) -> None:
    import_(engine, demo_network)
    assert raise_and_read_steps(engine, AlertKind.REQUEST, country="AT") == [
        (0, Action.NOTIFY.value),
        (300, Action.REMIND.value),
        (1200, Action.NO_RESPONSE.value),
    ]
    assert [at for at, _ in raise_and_read_steps(engine, AlertKind.REQUEST, country="DE")] == [
        0,
        600,
        1800,
    ]


def test_a_counter_proposal_uses_the_requesting_states_section(
    engine: Engine, demo_network: Network
) -> None:
    import_(
        engine,
        with_sections(demo_network, BE={"counter_reminder_s": 30.0, "counter_expire_s": 90.0}),
    )
    assert raise_and_read_steps(engine, AlertKind.COUNTER, country="BE") == [
        (0, Action.NOTIFY.value),
        (30, Action.REMIND.value),
        (90, Action.EXPIRE.value),
    ]


def test_timings_for_gives_the_unit_its_own_state_whatever_country_is_passed(
    engine: Engine, demo_network: Network
) -> None:
    import_(engine, with_sections(demo_network, DE={"expire_after_s": 5.0}))
    with session_scope(engine) as session:
        merged = alerting.timings_for(session, BASE, country="AT", unit_id="de-1")
        assert merged == replace(BASE, expire_after_s=5.0)
        assert alerting.timings_for(session, BASE) == BASE
        assert alerting.timings_for(session, BASE, country="XX", unit_id="zz-9") == BASE


def test_a_section_that_does_not_fit_the_settings_is_skipped_and_the_alert_still_raised(
    engine: Engine, demo_network: Network, caplog: pytest.LogCaptureFixture
) -> None:
    # The file was checked against the built-in defaults; these settings remind later than
    # AT's deadline, so AT's section would put the deadline before the reminder.
    import_(engine, with_sections(demo_network, AT={"request_deadline_s": 1200.0}))
    late_reminder = replace(BASE, request_reminder_s=1500)
    # Raised by a French member's update: the log still says why in English.
    with (
        session_scope(engine) as session,
        caplog.at_level(logging.WARNING),
        using_locale("fr"),
    ):
        assert alerting.timings_for(session, late_reminder, country="AT") == late_reminder
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.REQUEST,
            subject="test:request",
            text="test",
            timings=late_reminder,
            now=T0,
            country="AT",
        )
        assert alert.id is not None
    assert "escalation section of country AT skipped" in caplog.text
    assert "the request deadline must not come before its reminder" in caplog.text
