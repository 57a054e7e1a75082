"""A member's language on both databases (issue 15): given at enrolment from Telegram's
language_code, changed with /settings language, and used for each reader of an alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atlasbot.domain import Network
from atlasbot.i18n import _, using_locale
from atlasbot.services import enrolment, joining, preferences, registry
from atlasbot.services.alerting import alert_buttons, in_every_language
from atlasbot.services.alerting.raising import alert_text
from atlasbot.services.errors import InvalidInput
from atlasbot.services.outbox import Button
from atlasbot.services.readers import language_of_chat, messages_for
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Alert, AuditEntry, Member, Role

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def registry_engine(engine: Engine, demo_network: Network) -> Engine:
    with session_scope(engine) as session:
        registry.import_network(session, demo_network, actor="test", source="demo")
    return engine


def enrol(engine: Engine, user_id: int, language_code: str, country: str) -> str:
    """Enrol an authority whose Telegram speaks ``language_code``; the reply to them."""
    with session_scope(engine) as session:
        code, _invite = enrolment.create_invite(
            session,
            role=Role.AUTHORITY,
            country=country,
            unit_id=None,
            created_by="cli:test",
            now=T0 - timedelta(days=1),
        )
        result = joining.enrol(
            session,
            code=code,
            newcomer=joining.Newcomer(user_id, f"user {user_id}", language_code),
            now=T0,
            fallback=BRUSSELS,
        )
        return result.reply


def test_the_language_at_enrolment_is_telegrams_when_supported_else_english(
    registry_engine: Engine,
) -> None:
    enrol(registry_engine, 501, "fr-CA", "FR")
    enrol(registry_engine, 502, "pt-BR", "PT")
    enrol(registry_engine, 503, "", "DE")
    with session_scope(registry_engine) as session:
        assert language_of_chat(session, 501) == "fr"
        assert language_of_chat(session, 502) == "en"
        assert language_of_chat(session, 503) == "en"
        assert language_of_chat(session, 999) == "en"  # nobody: English


def test_settings_language_changes_it_with_an_audit_entry_and_refuses_unknown_ones(
    registry_engine: Engine,
) -> None:
    enrol(registry_engine, 601, "fr", "FR")
    with session_scope(registry_engine) as session:
        done = preferences.settings_command(
            session, 601, ["language", "de"], now=T0, fallback=BRUSSELS
        )
    assert "Deutsch" in done.reply and "schreibt" in done.reply
    assert done.dropped_language == "fr"
    (menu,) = done.menus
    assert menu.language == "de"
    with using_locale("de"):
        assert ("settings", _("Your time zone and language")) in menu.commands
    with session_scope(registry_engine) as session:
        member = session.exec(select(Member).where(Member.telegram_user_id == 601)).one()
        assert member.language == "de"
        actions = session.exec(select(AuditEntry.action)).all()
        assert "member.language_set" in actions
        with pytest.raises(InvalidInput):
            preferences.settings_command(
                session, 601, ["language", "tlh"], now=T0, fallback=BRUSSELS
            )
    with session_scope(registry_engine) as session:
        assert language_of_chat(session, 601) == "de"


def test_each_reader_gets_the_message_and_the_alert_in_their_language(
    registry_engine: Engine,
) -> None:
    enrol(registry_engine, 701, "fr", "FR")
    enrol(registry_engine, 702, "de", "DE")
    with session_scope(registry_engine) as session:
        told = messages_for(session, [701, 702], lambda: _("Hostage-taking"))
    assert [m.text for m in told] == ["Prise d'otages", "Geiselnahme"]

    rendered = in_every_language(
        lambda: (_("Terrorist attack"), [[Button(_("✖ Decline…"), "answer.decline")]])
    )
    alert = Alert(id=1, kind="request", subject="request:1", text="Terrorist attack")
    alert.buttons = [[{"label": "✖ Decline…", "action": "answer.decline", "payload": {}}]]
    alert.translations = rendered
    assert alert_text(alert, "de") == "Terroranschlag"
    assert alert_text(alert, "fr") == "Attentat terroriste"
    with using_locale("fr"):
        labels = [b.label for row in alert_buttons(alert, "fr") for b in row]
    assert labels == ["✋ Accuser réception", "✖ Refuser…"]
