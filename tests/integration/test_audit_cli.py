"""``atlasbot audit verify`` and ``audit anchor`` as an administrator uses them (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from atlasbot.cli import NO_KEY_NOTE, main
from atlasbot.storage import audit, db
from atlasbot.storage.db import session_scope

KEY = "k" * 40


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in ("ATLASBOT_AUDIT_KEY", "ATLASBOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def invite(capsys: pytest.CaptureFixture[str], count: int = 1) -> None:
    """Each invite appends one audit entry."""
    for _ in range(count):
        assert run(capsys, "invite", "--role", "coordinator")[0] == 0


def tamper(url: str, statement: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as connection:
        for name in ("audit_entry_no_update", "audit_entry_no_delete", "audit_head_moves_forward"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text(statement))
    engine.dispose()


def test_verify_without_a_key_says_plainly_that_seals_are_not_checked(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    invite(capsys, 2)
    status, out, _ = run(capsys, "audit", "verify")
    assert status == 0
    assert out.splitlines() == ["audit log intact: 2 entries, chain verified", NO_KEY_NOTE]


def test_verify_with_the_key_reports_sealed_and_older_unsealed_entries(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    invite(capsys, 2)
    monkeypatch.setenv("ATLASBOT_AUDIT_KEY", KEY)
    invite(capsys, 3)
    status, out, _ = run(capsys, "audit", "verify")
    assert status == 0
    assert out.splitlines() == [
        "audit log intact: 5 entries, chain verified",
        "seals verified with ATLASBOT_AUDIT_KEY: 3 entries",
        "entries #1 to #2 are unsealed: written before ATLASBOT_AUDIT_KEY was set",
    ]


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("payload", "not json at all", "entry #2 has a payload that is not JSON"),
        ("at", "2026-13-45 25:61:00", "entry #2 has a malformed time '2026-13-45 25:61:00'"),
    ],
)
def test_verify_names_an_unreadable_entry_and_exits_1_without_a_traceback(
    cli_db: str, capsys: pytest.CaptureFixture[str], column: str, value: str, named: str
) -> None:
    invite(capsys, 3)
    tamper(cli_db, f"UPDATE audit_entry SET {column} = '{value}' WHERE seq = 2")
    status, _, err = run(capsys, "audit", "verify")
    assert status == 1
    assert "Traceback" not in err
    assert err.splitlines()[0] == "audit log BROKEN: 1 problem(s) in 3 entries"
    assert err.splitlines()[1].startswith(f"  {named}")


def test_verify_names_a_gap(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    invite(capsys, 6)
    tamper(cli_db, "DELETE FROM audit_entry WHERE seq = 3")
    status, _, err = run(capsys, "audit", "verify")
    assert status == 1
    assert "  entry #3 is missing" in err.splitlines()


def test_anchor_needs_the_key(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    invite(capsys)
    status, out, err = run(capsys, "audit", "anchor")
    assert status == 2
    assert out == ""
    assert err.startswith("error: ATLASBOT_AUDIT_KEY is not set")
    assert err.count("\n") == 1


def test_an_anchor_reveals_a_log_truncated_and_rewritten_with_the_key(
    cli_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ATLASBOT_AUDIT_KEY", KEY)
    invite(capsys, 3)
    anchor_file = tmp_path / "anchor.txt"
    status, out, err = run(capsys, "audit", "anchor", "-o", str(anchor_file))
    assert status == 0
    assert out.startswith("atlasbot audit anchor: seq=3 hash=")
    assert anchor_file.read_text() == out
    assert run(capsys, "audit", "verify", "--anchor", str(anchor_file))[0] == 0
    # Someone with the database and the key rewrites history from scratch.
    tamper(cli_db, "DELETE FROM audit_entry")
    tamper(cli_db, f"UPDATE audit_head SET seq = 0, hash = '{audit.GENESIS_HASH}'")
    engine = db.make_engine(cli_db)
    audit.seal_with(engine, audit.SealKey(KEY))
    with session_scope(engine) as session:
        for n in range(4):
            audit.append(session, actor="cli:mallory", action="invite.created", obj=f"x:{n}")
    engine.dispose()
    assert run(capsys, "audit", "verify")[0] == 0  # seals and chain are consistent...
    status, _, err = run(capsys, "audit", "verify", "--anchor", str(anchor_file))
    assert status == 1  # ... but the anchored entry is not there any more
    assert "  entry #3 is not the one in the anchor of " in err
    assert "the log was rewritten up to it" in err


def test_verify_refuses_an_anchor_file_it_cannot_read(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("hello")
    for path in (garbage, tmp_path / "missing.txt"):
        status, _, err = run(capsys, "audit", "verify", "--anchor", str(path))
        assert status == 2
        assert err.startswith(f"error: --anchor {path}: ")
        assert err.count("\n") == 1
