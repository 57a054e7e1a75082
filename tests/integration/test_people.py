"""People management and each member's clock, on both databases (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.domain import Network
from atlasbot.rules import RotaView
from atlasbot.services import (
    duty,
    enrolment,
    joining,
    members,
    preferences,
    registry,
    rota,
    tokens,
)
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.zones import zone_of
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AuditEntry, CallbackToken, ChatState, Member, MemberRole, Role

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def registry_engine(engine: Engine, demo_network: Network) -> Engine:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="test", source="demo")
    return engine


def enrol(engine: Engine, user_id: int, name: str, role: Role, **scope: str) -> int:
    """Enrol through a code made by ``scope['by']`` (default: the command line); member id."""
    with session_scope(engine) as session:
        code, _invite = enrolment.create_invite(
            session,
            role=role,
            country=scope.get("country"),
            unit_id=scope.get("unit"),
            created_by=scope.get("by", "cli:test"),
            now=T0 - timedelta(days=1),
        )
        result = joining.enrol(
            session,
            code=code,
            newcomer=joining.Newcomer(user_id, name, "pt"),
            now=T0,
            fallback=BRUSSELS,
        )
        assert "Welcome" in result.reply
        identity = enrolment.identify(session, user_id)
        assert identity is not None
        return identity.member_id


def test_a_member_reads_times_in_their_states_zone_unless_they_chose_another(
    registry_engine: Engine,
) -> None:
    lisbon = enrol(registry_engine, 101, "Paula", Role.AUTHORITY, country="PT")
    athens = enrol(registry_engine, 102, "Gus", Role.COMMANDER, unit="gr-1")
    coordinator = enrol(registry_engine, 103, "Cora", Role.COORDINATOR)
    with session_scope(registry_engine) as session:
        assert zone_of(session, lisbon, fallback=BRUSSELS).key == "Europe/Lisbon"
        assert zone_of(session, athens, fallback=BRUSSELS).key == "Europe/Athens"
        assert zone_of(session, coordinator, fallback=BRUSSELS) is BRUSSELS
        assert session.get(Member, lisbon).language_code == "pt"  # type: ignore[union-attr]
        reply = preferences.settings(
            session, 103, ["timezone", "Europe/Dublin"], now=T0, fallback=BRUSSELS
        )
        assert "08:00 GMT" in reply
        with pytest.raises(InvalidInput, match="not a time zone"):
            preferences.settings(
                session, 103, ["timezone", "Nowhere/Land"], now=T0, fallback=BRUSSELS
            )
    with session_scope(registry_engine) as session:
        assert zone_of(session, coordinator, fallback=BRUSSELS).key == "Europe/Dublin"
        preferences.settings(session, 103, ["timezone", "default"], now=T0, fallback=BRUSSELS)
    with session_scope(registry_engine) as session:
        assert zone_of(session, coordinator, fallback=BRUSSELS) is BRUSSELS


def test_members_lists_the_scope_of_each_role_and_refuses_others(
    registry_engine: Engine,
) -> None:
    enrol(registry_engine, 201, "Ana", Role.AUTHORITY, country="BE")
    enrol(registry_engine, 202, "Bert", Role.COMMANDER, unit="be-1")
    enrol(registry_engine, 203, "Dora", Role.DUTY, unit="be-1")
    enrol(registry_engine, 204, "Dieter", Role.COMMANDER, unit="de-1")
    enrol(registry_engine, 205, "Root", Role.ADMIN)
    with session_scope(registry_engine) as session:
        ana = members.members_view(session, 201, None, now=T0, fallback=BRUSSELS)
        assert "Bert" in ana.text and "Dora" in ana.text and "Dieter" not in ana.text
        # Bert's and Dora's roles; her own only to hand over.
        assert [len(row) for row in ana.keyboard] == [1, 2, 2]
        assert "Hand over" in ana.keyboard[0][0].label
        bert = members.members_view(session, 202, None, now=T0, fallback=BRUSSELS)
        assert "Dora" in bert.text and "Ana" not in bert.text
        assert len(bert.keyboard) == 1  # Dora's: his own is his authority's to manage
        root = members.members_view(session, 205, None, now=T0, fallback=BRUSSELS)
        assert "Dieter" in root.text and "Ana" in root.text
        with pytest.raises(NotAuthorised):
            members.members_view(session, 203, None, now=T0, fallback=BRUSSELS)


def _press(engine: Engine, member_id: int, action: str, role_id: int) -> str:
    with session_scope(engine) as session:
        keyboard = issue_keyboard(
            session, member_id, [[Button("x", action, {"role": role_id})]], now=T0
        )
        return keyboard[0][0].callback_data


def _role_of(engine: Engine, member_id: int) -> int:
    with session_scope(engine) as session:
        row = session.exec(select(MemberRole).where(MemberRole.member_id == member_id)).first()
        assert row is not None and row.id is not None
        return row.id


def test_a_revoked_member_loses_buttons_drafts_shifts_and_access_at_once(
    registry_engine: Engine,
) -> None:
    ana = enrol(registry_engine, 301, "Ana", Role.AUTHORITY, country="BE")
    dora = enrol(registry_engine, 302, "Dora", Role.DUTY, unit="be-1")
    bert = enrol(registry_engine, 303, "Bert", Role.COMMANDER, unit="be-1")
    with session_scope(registry_engine) as session:
        commander = enrolment.identify(session, 303)
        assert commander is not None
        duty.add_shift(
            session,
            commander,
            "be-1",
            dora,
            T0 + timedelta(hours=1),
            T0 + timedelta(hours=9),
            now=T0,
            reminder_before=timedelta(minutes=30),
        )
        held_button = issue_keyboard(
            session, dora, [[Button("ack", "alert.ack", {"alert": 1})]], now=T0
        )
        session.add(ChatState(kind="user", name="", key="302", data="{}", updated_at=T0))
    role = _role_of(registry_engine, dora)
    by_dora, by_ana, again = (
        _press(registry_engine, dora, "people.revoke", role),
        _press(registry_engine, ana, "people.revoke", role),
        _press(registry_engine, ana, "people.revoke", role),
    )
    # A duty officer manages nobody.
    with session_scope(registry_engine) as session, pytest.raises(NotAuthorised):
        members.revoke_confirmed(session, by_dora, 302, now=T0)
    with session_scope(registry_engine) as session:
        done = members.revoke_confirmed(session, by_ana, 301, now=T0)
        assert "no longer duty officer of unit be-1" in done.reply
        assert done.messages[0].chat_id == 302 and "was revoked" in done.messages[0].text
        assert done.menus[0].commands[0][0] == "start" and done.forget_drafts_of == (302,)
    with session_scope(registry_engine) as session:
        assert enrolment.identify(session, 302) is None
        assert (
            session.exec(select(CallbackToken).where(CallbackToken.member_id == dora)).all() == []
        )
        assert session.get(ChatState, ("user", "", "302")) is None
        assert duty.shifts(session, "be-1", since=T0) == []
        with pytest.raises(Conflict):
            tokens.redeem(
                session,
                callback_data=held_button[0][0].callback_data,
                telegram_user_id=302,
                now=T0,
            )
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "member.role_revoked")
        ).one()
        assert entry.actor == f"member:{ana}" and entry.payload["deactivated"] is True
        with pytest.raises(Conflict, match="no longer held"):
            members.revoke_confirmed(session, again, 301, now=T0)
    assert bert  # the unit keeps its commander
    # A new invite gives the role back, on the same row.
    enrol(registry_engine, 302, "Dora", Role.DUTY, unit="be-1")
    assert _role_of(registry_engine, dora) == role


def test_a_hand_over_revokes_the_holder_when_the_successor_enrols_and_tells_the_inviter(
    registry_engine: Engine,
) -> None:
    ana = enrol(registry_engine, 401, "Ana", Role.AUTHORITY, country="BE")
    bert = enrol(registry_engine, 402, "Bert", Role.COMMANDER, unit="be-1")
    role = _role_of(registry_engine, bert)
    pressed = _press(registry_engine, ana, "people.handover", role)
    with session_scope(registry_engine) as session:
        text = members.handover(
            session,
            pressed,
            401,
            now=T0,
            ttl=timedelta(days=7),
            bot_username="atlasbot",
        )
        code = text.splitlines()[1]
    with session_scope(registry_engine) as session:
        assert enrolment.identify(session, 402) is not None  # still commander until then
        result = joining.enrol(
            session,
            code=code,
            newcomer=joining.Newcomer(403, "Berta", "en"),
            now=T0,
            fallback=BRUSSELS,
        )
        by_chat = {message.chat_id: message.text for message in result.messages}
        assert "Your invite code was used at 09:00 CET: Berta" in by_chat[401]
        assert "Berta has taken over your role" in by_chat[402]
        assert {menu.chat_id for menu in result.menus} == {402, 403}
        assert result.forget_drafts_of == (402,)
    with session_scope(registry_engine) as session:
        assert enrolment.identify(session, 402) is None
        successor = enrolment.identify(session, 403)
        assert successor is not None and successor.commands_unit("be-1")
        assert ana


def test_the_rota_names_people_only_to_those_who_call_them(registry_engine: Engine) -> None:
    enrol(registry_engine, 501, "Bert", Role.COMMANDER, unit="be-1")
    enrol(registry_engine, 502, "Ana", Role.AUTHORITY, country="BE")
    enrol(registry_engine, 503, "Dirk", Role.AUTHORITY, country="DE")
    enrol(registry_engine, 504, "Cora", Role.COORDINATOR)
    enrol(registry_engine, 505, "Dieter", Role.DUTY, unit="de-1")
    with session_scope(registry_engine) as session:

        def shown(user: int) -> str:
            return rota.show(session, user, "be-1", now=T0, fallback=BRUSSELS)

        for reader in (501, 502, 504):
            assert "DUTY be-1 (times in" in shown(reader)
        assert "names only to the unit" in shown(503)
        with pytest.raises(NotAuthorised):
            shown(505)
        with pytest.raises(NotAuthorised):
            rota.rota_file(session, 503, "be-1", now=T0)
        identity = enrolment.identify(session, 503)
        assert identity is not None
        assert rota.view_of(session, identity, "be-1") is RotaView.COUNTS


def test_the_command_line_lists_and_revokes(registry_engine: Engine) -> None:
    bert = enrol(registry_engine, 601, "Bert", Role.COMMANDER, unit="be-1")
    with session_scope(registry_engine) as session:
        held = members.held_roles(session, country="BE")
        assert [(h.member_id, h.role, h.unit_id) for h in held] == [(bert, "commander", "be-1")]
        with pytest.raises(InvalidInput):
            members.revoke_by_operator(
                session, bert, Role.DUTY, country=None, unit_id="be-1", actor="cli:ops", now=T0
            )
        done = members.revoke_by_operator(
            session, bert, Role.COMMANDER, country=None, unit_id="be-1", actor="cli:ops", now=T0
        )
        assert "no longer commander of unit be-1" in done.reply
    with session_scope(registry_engine) as session:
        assert members.held_roles(session, unit_id="be-1") == []


def test_atlasbot_members_list_and_revoke_on_the_command_line(
    registry_engine: Engine,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from atlasbot.cli import main

    monkeypatch.setenv("ATLASBOT_DATABASE_URL", db_url)
    bert = enrol(registry_engine, 701, "Bert", Role.COMMANDER, unit="be-1")
    assert main(["members", "list", "--unit", "be-1"]) == 0
    assert f"{bert}\tBert\tcommander\tbe-1" in capsys.readouterr().out
    revoke = ["members", "revoke", str(bert), "--role", "commander", "--unit", "be-1"]
    assert main(revoke) == 0
    assert "no longer commander of unit be-1" in capsys.readouterr().out
    assert main(revoke) == 2
    assert "is not commander of unit be-1" in capsys.readouterr().err
