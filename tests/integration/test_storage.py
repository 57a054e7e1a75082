"""Storage on both backends: migrations, invites and the network import (the audit log:
test_audit_log.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from atlasbot.domain import Network, UnitStatus
from atlasbot.services import enrolment, registry
from atlasbot.services.errors import Conflict, InvalidInput
from atlasbot.storage import audit, db
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Invite, Role, UnitRow, UnitStatusChange

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


# --- migrations -------------------------------------------------------------------------


def test_migrations_run_from_empty_and_match_the_models(empty_db_url: str) -> None:
    db.upgrade(empty_db_url)
    engine = db.make_engine(empty_db_url)
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_downgrade_to_empty_and_upgrade_again(empty_db_url: str) -> None:
    from alembic import command

    db.upgrade(empty_db_url)
    command.downgrade(db.alembic_config(empty_db_url), "base")
    engine = db.make_engine(empty_db_url)
    assert db.current_revision(engine) is None
    db.upgrade(empty_db_url)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


# --- invites ----------------------------------------------------------------------------


@pytest.fixture
def imported(engine: Engine, demo_network: Network) -> Engine:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="test", source="demo", now=T0)
    return engine


def make_invite(engine: Engine, role: Role = Role.AUTHORITY, **scope: str) -> str:
    scope = scope or {"country": "BE"}
    with session_scope(engine) as session:
        code, _ = enrolment.create_invite(
            session, role=role, created_by="test", ttl=timedelta(days=7), now=T0, **scope
        )
    return code


def redeem(engine: Engine, code: str, user: int, at: datetime = T0) -> enrolment.EnrolmentOutcome:
    with session_scope(engine) as session:
        return enrolment.redeem_invite(
            session, code=code, telegram_user_id=user, display_name=f"user {user}", now=at
        )


def test_an_invite_code_enrols_once_with_its_role_and_scope(imported: Engine) -> None:
    code = make_invite(imported, Role.AUTHORITY, country="BE")
    outcome = redeem(imported, code, 1001, T0 + timedelta(hours=1))
    assert outcome.identity is not None
    assert outcome.identity.is_authority_of("BE")
    assert not outcome.identity.is_authority_of("DE")


def test_an_invite_code_is_refused_the_second_time(imported: Engine) -> None:
    code = make_invite(imported, Role.COMMANDER, unit_id="de-1")
    assert redeem(imported, code, 1001).identity is not None
    second = redeem(imported, code, 1002)
    assert second.identity is None
    assert second.refusal is not None and "already been used" in second.refusal
    with session_scope(imported) as session:
        assert enrolment.identify(session, 1002) is None


def test_an_expired_invite_code_is_refused(imported: Engine) -> None:
    code = make_invite(imported, Role.DUTY, unit_id="de-1")
    outcome = redeem(imported, code, 1001, T0 + timedelta(days=7, seconds=1))
    assert outcome.identity is None
    assert outcome.refusal is not None and "expired" in outcome.refusal


def test_a_wrong_code_is_refused_and_audited(imported: Engine) -> None:
    outcome = redeem(imported, "AAAA-BBBB-CCCC", 1001)
    assert outcome.identity is None
    with session_scope(imported) as session:
        assert audit.recent(session, 1)[0].action == "enrolment.refused"


def test_codes_are_stored_only_as_hashes(imported: Engine) -> None:
    code = make_invite(imported)
    with session_scope(imported) as session:
        stored = session.exec(select(Invite)).all()
    assert all(enrolment.normalise_code(code) not in row.code_hash for row in stored)
    assert any(row.code_hash == enrolment.hash_code(code) for row in stored)


def test_a_code_typed_in_lower_case_without_dashes_still_works(imported: Engine) -> None:
    code = make_invite(imported)
    assert redeem(imported, code.replace("-", " ").lower(), 1001).identity is not None


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        (Role.AUTHORITY, {}, "needs --country"),
        (Role.AUTHORITY, {"country": "XX"}, "unknown country"),
        (Role.COMMANDER, {"unit_id": "zz-9"}, "unknown unit"),
        (Role.DUTY, {"country": "BE"}, "needs --unit"),
        (Role.COORDINATOR, {"country": "BE"}, "takes neither"),
    ],
)
def test_an_invite_with_a_wrong_scope_is_refused(
    imported: Engine, role: Role, scope: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message), session_scope(imported) as session:
        enrolment.create_invite(session, role=role, created_by="test", **scope)


# --- the network import -----------------------------------------------------------------


def test_importing_the_same_network_twice_changes_nothing(
    engine: Engine, demo_network: Network
) -> None:
    with session_scope(engine) as session:
        first = registry.import_network(session, demo_network, actor="t", source="demo")
    with session_scope(engine) as session:
        entries_before = audit.verify(session).entries_checked
        history_before = len(session.exec(select(UnitStatusChange)).all())
    with session_scope(engine) as session:
        second = registry.import_network(session, demo_network, actor="t", source="demo")
    assert first.changed
    assert not second.changed
    with session_scope(engine) as session:
        assert audit.verify(session).entries_checked == entries_before
        assert len(session.exec(select(UnitStatusChange)).all()) == history_before
        assert registry.load_network(session) == demo_network.canonical()


def test_a_failed_import_leaves_the_database_unchanged(
    engine: Engine, demo_network: Network
) -> None:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="t", source="demo")
    make_invite(engine, Role.COMMANDER, unit_id="de-1")
    # A new file that drops de-1 (which an invite refers to) and changes everything else.
    changed = Network(
        capabilities=demo_network.capabilities,
        countries=demo_network.countries,
        units=tuple(
            replace(u, status=UnitStatus.UNAVAILABLE) for u in demo_network.units if u.id != "de-1"
        ),
    )
    with pytest.raises(Conflict, match="de-1"), session_scope(engine) as session:
        registry.import_network(session, changed, actor="t", source="bad")
    with session_scope(engine) as session:
        assert registry.load_network(session) == demo_network.canonical()


def test_a_status_change_is_kept_in_the_units_history_and_audited(
    engine: Engine, demo_network: Network
) -> None:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="t", source="demo")
    with session_scope(engine) as session:
        previous = registry.set_unit_status(
            session, unit_id="at-1", status=UnitStatus.DEPLOYED, actor="member:1", reason="op"
        )
    with session_scope(engine) as session:
        history = registry.status_history(session, "at-1")
        row = session.get(UnitRow, "at-1")
        assert row is not None and row.status == "deployed"
        assert [h.status for h in history][-1] == "deployed"
        assert history[-1].previous == (previous.value if previous else None)
        assert audit.recent(session, 1)[0].action == "unit.status"
