"""Training history on SQLite and PostgreSQL (issue 14.5): a history file imported (and
imported again), attendance marked after an event, /readiness per state for coordinators and
authorities; and the command line's one-line errors on bad history files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from atlasbot.cli import main
from atlasbot.domain import Network
from atlasbot.services.enrolment import Identity, identify
from atlasbot.services.errors import NotAuthorised
from atlasbot.services.trainings import history, readiness
from atlasbot.services.trainings.work import Pressed, Shown, Terms, Work
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AuditEntry, Member, MemberRole, Role, TrainingHistory
from atlasbot.training.currency import TrainingRecord
from atlasbot.training.history import parse_history

from ..conftest import DEMO_NETWORK_FILE
from .test_training_service import NOW, events_by_key, published_plan, run
from .test_training_service import db as db  # the fixture: the demo network imported

HISTORY = """\
date,capability,units,title
2026-05-12,negotiation,de-1 fr-1 be-1,Siege negotiation
2026-02-03,hostage_rescue,"de-1, nl-1",School rescue
"""
TERMS = Terms((14, 2), 9, ZoneInfo("Europe/Brussels"), 12, 5.0)


def person(engine: Engine, telegram_id: int, role: Role, **scope: str) -> Identity:
    def make(session: Session) -> Identity:
        row = Member(telegram_user_id=telegram_id, display_name=f"m{telegram_id}", enrolled_at=NOW)
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(MemberRole(member_id=row.id, role=role.value, granted_at=NOW, **scope))
        session.flush()
        found = identify(session, telegram_id)
        assert found is not None
        return found

    return run(engine, make)


def in_work(engine: Engine, now: dt.datetime, use_case):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return use_case(Work(session, now, TERMS))


def test_an_imported_history_counts_for_currency_and_a_second_import_adds_nothing(
    db: Engine, demo_network: Network
) -> None:
    read = parse_history(HISTORY, "h.csv", demo_network, NOW.date())
    first = run(
        db,
        lambda s: history.import_history(s, read.entries, actor="cli:t", source="h.csv", now=NOW),
    )
    assert (first.trainings, first.added, first.already) == (2, 5, 0)
    again = run(
        db,
        lambda s: history.import_history(s, read.entries, actor="cli:t", source="h.csv", now=NOW),
    )
    assert (again.added, again.already) == (0, 5)
    rows = run(db, lambda s: s.exec(select(TrainingHistory)).all())
    assert len(rows) == 5 and {r.source for r in rows} == {"import"}
    held = set(run(db, lambda s: history.held_records(s, NOW.date())))
    assert TrainingRecord("be-1", "negotiation", dt.date(2026, 5, 12)) in held
    assert TrainingRecord("nl-1", "hostage_rescue", dt.date(2026, 2, 3)) in held
    coordinator = person(db, 1, Role.COORDINATOR)
    found = run(db, lambda s: readiness.readiness(s, coordinator, today=NOW.date(), months=12))
    stale = {(x.unit, x.capability) for x in found.stale}
    assert ("be-1", "negotiation") not in stale and ("at-1", "negotiation") in stale
    actions = run(db, lambda s: [e.action for e in s.exec(select(AuditEntry)).all()])
    assert actions.count("training.history_imported") == 2


def test_attendance_marked_after_an_event_decides_who_trained(db: Engine) -> None:
    coordinator = person(db, 1, Role.COORDINATOR)
    published_plan(db, coordinator)
    neg = events_by_key(db)["neg-a"]
    after = dt.datetime.combine(neg.end + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC)
    held = run(db, lambda s: history.held_records(s, after.date()))
    assert TrainingRecord("be-1", "negotiation", neg.end) in held  # no marks: as answered
    listing = in_work(db, after, lambda w: history.show_attendance(w, coordinator))
    (event_button,) = [
        b for row in listing.replies[0].keyboard for b in row if neg.title in b.label
    ]
    opened = in_work(
        db, after, lambda w: history.open_attendance(w, Pressed(event_button.callback_data, 1))
    )
    assert opened.shown is Shown.REPLACE
    assert "Not marked yet" in opened.replies[0].text
    be_button = next(
        b for row in opened.replies[0].keyboard for b in row if b.label.startswith("✅ be-1")
    )
    marked = in_work(
        db, after, lambda w: history.mark_attendance(w, Pressed(be_button.callback_data, 1))
    )
    text = marked.replies[0].text
    assert "Absent: be-1" in text and "Not marked yet" not in text
    held = run(db, lambda s: history.held_records(s, after.date()))
    assert TrainingRecord("be-1", "negotiation", neg.end) not in held
    assert TrainingRecord("de-1", "negotiation", neg.end) in held  # not marked: still counts
    commander = person(db, 2, Role.COMMANDER, unit_id="be-1")
    with pytest.raises(NotAuthorised):
        in_work(db, after, lambda w: history.show_attendance(w, commander))


def test_an_authority_sees_its_states_units_only_and_no_button(db: Engine) -> None:
    authority = person(db, 3, Role.AUTHORITY, country="DE")
    outcome = in_work(db, NOW, lambda w: readiness.show_readiness(w, authority))
    text = outcome.replies[0].text
    assert "\nDE:\n" in text and "\nFR:\n" not in text
    assert "de-1 (never)" in text and "fr-1" not in text
    assert outcome.replies[0].keyboard == ()
    commander = person(db, 4, Role.COMMANDER, unit_id="be-1")
    with pytest.raises(NotAuthorised):
        in_work(db, NOW, lambda w: readiness.show_readiness(w, commander))


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    assert main(["network", "import", str(DEMO_NETWORK_FILE)]) == 0
    capsys.readouterr()
    return tmp_path


def test_the_command_line_imports_a_history_file_and_says_what_it_added(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli_db / "h.csv").write_text(HISTORY, encoding="utf-8")
    assert main(["trainings", "import-history", "h.csv"]) == 0
    out, _ = capsys.readouterr()
    assert "h.csv: 2 past training(s) read; 5 unit attendance(s) added, 0 already recorded" in out
    assert main(["trainings", "import-history", "h.csv"]) == 0
    assert "0 unit attendance(s) added, 5 already recorded" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        (
            "bad.csv",
            "date,capability,units\n2026-13-01,juggling,de-1 fr-1\n",
            "error: bad.csv: row 2.date: '2026-13-01' is not a date (YYYY-MM-DD) "
            "(and 1 more problem)",
        ),
        ("bad.yaml", "history: [\n", "error: bad.yaml: "),
        ("bin.csv", b"\xff\xfe\x00date", "error: bin.csv: the file is not UTF-8 text"),
        ("none.yaml", "events: []\n", "error: none.yaml: expected a mapping with history:"),
        ("folder", None, "error: folder: cannot read the file: it is a folder"),
    ],
)
def test_the_command_line_refuses_a_bad_history_file_in_one_line(
    cli_db: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | bytes | None,
    line: str,
) -> None:
    path = cli_db / name
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert main(["trainings", "import-history", name]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(line) and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""
