"""The audit log on both backends: what the database refuses, and what ``verify`` names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from atlasbot.storage import audit
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import AuditEntry

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
KEY = audit.SealKey("a-test-key-that-lives-outside-the-database")
OTHER_KEY = audit.SealKey("somebody-elses-key")
ENTRY_TABLE: Any = AuditEntry.__table__


def write_entries(
    engine: Engine, count: int, *, key: audit.SealKey | None = None, actor: str = "test"
) -> None:
    """Append through the application's path (sealed when the engine has a key)."""
    audit.seal_with(engine, key)
    with session_scope(engine) as session:
        head = session.connection().execute(text("SELECT seq FROM audit_head")).scalar_one()
        for n in range(head + 1, head + count + 1):
            audit.append(
                session,
                actor=actor,
                action="thing.done",
                obj=f"thing:{n}",
                payload={"n": n, "note": "café"},
                at=T0 + timedelta(minutes=n),
            )
    audit.seal_with(engine, None)


def verify(engine: Engine, **options: Any) -> audit.VerifyReport:
    with session_scope(engine) as session:
        return audit.verify(session, **options)


def drop_audit_triggers(engine: Engine) -> None:
    """What someone tampering by hand must do first: the database refuses it otherwise."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            names = connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('audit_entry', 'audit_head')"
                )
            ).scalars()
            for name in list(names):
                connection.execute(text(f"DROP TRIGGER {name}"))
        else:
            connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
            connection.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))


def forge_next(
    connection: Connection,
    *,
    seq: int | None = None,
    prev_hash: str | None = None,
    key: audit.SealKey | None = None,
    move_head: bool = True,
) -> None:
    """Insert a self-consistent entry by SQL, as a forger who knows the scheme would."""
    head = connection.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    seq = head.seq + 1 if seq is None else seq
    prev_hash = head.hash if prev_hash is None else prev_hash
    at = T0 + timedelta(days=1)
    digest = audit.entry_hash(
        seq=seq,
        at=at,
        actor="mallory",
        action="thing.done",
        obj="thing:forged",
        payload={},
        prev_hash=prev_hash,
    )
    connection.execute(
        ENTRY_TABLE.insert().values(
            seq=seq,
            at=at,
            actor="mallory",
            action="thing.done",
            object="thing:forged",
            payload={},
            prev_hash=prev_hash,
            hash=digest,
            seal=key.seal(digest) if key is not None else None,
        )
    )
    if move_head:
        connection.execute(
            text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
            {"seq": seq, "hash": digest},
        )


def rehash_from(engine: Engine, first: int, *, key: audit.SealKey | None = None) -> None:
    """Recompute the hashes (and seals, with ``key``) of every entry from ``first`` on."""
    with engine.begin() as connection:
        rows = connection.execute(
            ENTRY_TABLE.select().where(ENTRY_TABLE.c.seq >= first).order_by(ENTRY_TABLE.c.seq)
        ).all()
        previous = connection.execute(
            text("SELECT hash FROM audit_entry WHERE seq = :seq"), {"seq": first - 1}
        ).scalar_one()
        for row in rows:
            digest = audit.entry_hash(
                seq=row.seq,
                at=row.at,
                actor=row.actor,
                action=row.action,
                obj=row.object,
                payload=row.payload,
                prev_hash=previous,
            )
            connection.execute(
                ENTRY_TABLE.update()
                .where(ENTRY_TABLE.c.seq == row.seq)
                .values(
                    prev_hash=previous,
                    hash=digest,
                    seal=key.seal(digest) if key is not None else row.seal,
                )
            )
            previous = digest
        connection.execute(text("UPDATE audit_head SET hash = :hash"), {"hash": previous})


# --- the untouched log ----------------------------------------------------------------------


def test_an_untouched_audit_chain_verifies(engine: Engine) -> None:
    write_entries(engine, 5)
    report = verify(engine)
    assert report.ok
    assert report.entries_checked == 5


def test_an_empty_audit_log_verifies(engine: Engine) -> None:
    assert verify(engine).ok


def test_entries_appended_with_a_key_are_sealed_and_their_seals_verify(engine: Engine) -> None:
    write_entries(engine, 3, key=KEY)
    report = verify(engine, key=KEY)
    assert report.ok
    assert report.key_given
    assert report.sealed == 3
    assert report.unsealed_before_key is None


def test_entries_written_before_the_key_existed_are_unsealed_not_broken(engine: Engine) -> None:
    write_entries(engine, 2)
    write_entries(engine, 3, key=KEY)
    report = verify(engine, key=KEY)
    assert report.ok
    assert report.sealed == 3
    assert report.unsealed_before_key == (1, 2)


def test_a_wrong_key_fails_every_seal(engine: Engine) -> None:
    write_entries(engine, 2, key=KEY)
    report = verify(engine, key=OTHER_KEY)
    assert report.problems == (
        "entry #1 has a wrong seal: it was forged, or re-hashed, without the key",
        "entry #2 has a wrong seal: it was forged, or re-hashed, without the key",
    )


def test_the_seal_key_never_shows_in_a_repr() -> None:
    assert "a-test-key" not in repr(KEY)
    assert "a-test-key" not in str(KEY)


# --- what the database refuses ----------------------------------------------------------


def test_the_database_refuses_to_edit_or_delete_audit_entries(engine: Engine) -> None:
    write_entries(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 1"))
    # SQLite has no TRUNCATE; its DELETE without WHERE must not skip the trigger either.
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry"))
    assert verify(engine).ok


def test_postgresql_refuses_to_truncate_the_audit_log(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is refused: test above)")
    write_entries(engine, 2)
    for table in ("audit_entry", "audit_head", "audit_entry, audit_head"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {table}"))
    assert verify(engine).entries_checked == 2


def test_the_head_cannot_be_reset_rewound_removed_or_doubled(engine: Engine) -> None:
    write_entries(engine, 3)
    genesis = audit.GENESIS_HASH
    refused = [
        f"UPDATE audit_head SET seq = 0, hash = '{genesis}'",
        "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_entry WHERE seq = 2)",
        f"UPDATE audit_head SET seq = 4, hash = '{'1' * 64}'",
        "DELETE FROM audit_head",
        f"INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, '{genesis}')",
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert verify(engine).ok


def test_the_database_refuses_an_entry_that_does_not_extend_the_head(engine: Engine) -> None:
    write_entries(engine, 3)
    with engine.connect() as connection:
        head_hash = connection.execute(text("SELECT hash FROM audit_head")).scalar_one()
    for seq, prev_hash in [(7, head_hash), (4, "2" * 64), (0, audit.GENESIS_HASH)]:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            forge_next(connection, seq=seq, prev_hash=prev_hash, move_head=False)
    assert verify(engine).ok


def test_the_applications_append_passes_the_databases_guard_in_one_transaction(
    engine: Engine,
) -> None:
    write_entries(engine, 2, key=KEY)
    with session_scope(engine) as session:
        for n in range(3):
            audit.append(session, actor="test", action="x", obj=f"y:{n}")
    assert verify(engine).entries_checked == 5


# --- forgeries the database cannot tell from an append: the seal tells ------------------


def test_a_chained_forged_entry_appended_by_sql_is_caught_by_its_seal(engine: Engine) -> None:
    write_entries(engine, 3, key=KEY)
    # The database cannot tell this from the application's append: same statements, no key.
    with engine.begin() as connection:
        forge_next(connection)
    without_key = verify(engine)
    assert without_key.ok
    assert not without_key.key_given
    report = verify(engine, key=KEY)
    assert report.problems == (
        "entry #4 is not sealed although entries before it are: it was written without the key",
    )
    with engine.begin() as connection:
        forge_next(connection, key=OTHER_KEY)
    assert verify(engine, key=KEY).problems[1] == (
        "entry #5 has a wrong seal: it was forged, or re-hashed, without the key"
    )


def test_a_rehashed_chain_is_caught_by_the_seals(engine: Engine) -> None:
    write_entries(engine, 5, key=KEY)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3"))
    rehash_from(engine, 3)
    assert verify(engine).ok  # the chain alone is consistent again
    report = verify(engine, key=KEY)
    assert report.first_bad_seq == 3
    assert report.problems == tuple(
        f"entry #{n} has a wrong seal: it was forged, or re-hashed, without the key"
        for n in (3, 4, 5)
    )


# --- anchors: a rewrite by someone who holds the key too ---------------------------------


def make_anchor(engine: Engine, key: audit.SealKey = KEY) -> audit.Anchor:
    with session_scope(engine) as session:
        text_line = audit.anchor_text(session, key, now=T0 + timedelta(days=2))
    return audit.parse_anchor(text_line)


def truncate_and_reset(engine: Engine) -> None:
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry"))
        connection.execute(
            text("UPDATE audit_head SET seq = 0, hash = :genesis"),
            {"genesis": audit.GENESIS_HASH},
        )


def test_an_anchor_round_trips_and_is_signed(engine: Engine) -> None:
    write_entries(engine, 4, key=KEY)
    anchor = make_anchor(engine)
    assert anchor.seq == 4
    assert anchor.time == "2026-11-03T09:00:00Z"
    assert anchor.signed_by(KEY)
    assert not anchor.signed_by(OTHER_KEY)
    assert audit.parse_anchor(f"note\n{anchor.text()}\n") == anchor
    report = verify(engine, key=KEY, anchor=anchor)
    assert report.ok


def test_a_truncation_rewritten_with_the_key_is_caught_by_the_anchor(engine: Engine) -> None:
    write_entries(engine, 5, key=KEY)
    anchor = make_anchor(engine)
    truncate_and_reset(engine)
    write_entries(engine, 7, key=KEY, actor="rewriter")  # a new history, sealed with the key
    assert verify(engine, key=KEY).ok
    report = verify(engine, key=KEY, anchor=anchor)
    assert report.problems == (
        "entry #5 is not the one in the anchor of 2026-11-03T09:00:00Z: "
        "the log was rewritten up to it",
    )


def test_a_log_shorter_than_its_anchor_is_reported_truncated(engine: Engine) -> None:
    write_entries(engine, 5, key=KEY)
    anchor = make_anchor(engine)
    truncate_and_reset(engine)
    write_entries(engine, 2, key=KEY)
    report = verify(engine, key=KEY, anchor=anchor)
    assert report.problems == (
        "the log ends at #2, before entry #5 of the anchor of 2026-11-03T09:00:00Z: "
        "it was truncated",
    )


def test_an_edited_anchor_is_reported(engine: Engine) -> None:
    write_entries(engine, 3, key=KEY)
    anchor = make_anchor(engine, OTHER_KEY)
    report = verify(engine, key=KEY, anchor=anchor)
    assert report.problems == (
        "the anchor of 2026-11-03T09:00:00Z (entry #3) is not signed with this key: "
        "the file was edited, or made with another key",
    )


def test_an_unreadable_anchor_says_what_it_expected() -> None:
    with pytest.raises(audit.AnchorError, match="no anchor line"):
        audit.parse_anchor("seq=3")


# --- what verify names ------------------------------------------------------------------


def test_audit_verify_names_the_altered_entry(engine: Engine) -> None:
    write_entries(engine, 5)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3"))
    report = verify(engine)
    assert report.first_bad_seq == 3
    assert report.problems == ("entry #3 was altered: its hash no longer matches its content",)


def test_a_removed_entry_is_named_missing(engine: Engine) -> None:
    write_entries(engine, 6)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
        connection.execute(text("DELETE FROM audit_entry WHERE seq IN (4, 5)"))
    report = verify(engine)
    assert report.first_bad_seq == 2
    assert report.problems == ("entry #2 is missing", "entries #4 to #5 are missing")


def test_entries_removed_from_the_end_are_named_missing(engine: Engine) -> None:
    write_entries(engine, 4)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq >= 3"))
    report = verify(engine)
    assert report.problems == (
        "entries #3 to #4 are missing (the head records #4 as the last entry)",
    )


def test_a_forged_row_after_a_gap_does_not_follow_the_last_entry(engine: Engine) -> None:
    write_entries(engine, 4)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        forge_next(connection, seq=9, move_head=False)
    report = verify(engine)
    assert report.problems == ("entry #9 does not follow #4",)


def test_an_entry_added_without_moving_the_head_is_named(engine: Engine) -> None:
    write_entries(engine, 2)
    with engine.begin() as connection:
        forge_next(connection, move_head=False)  # the guard lets it in: it extends the head
    report = verify(engine)
    assert report.problems == (
        "entry #3 was added after the last recorded entry #2 without moving the head",
    )


def test_an_entry_replaced_in_place_breaks_the_link_of_the_next(engine: Engine) -> None:
    write_entries(engine, 5)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        previous = connection.execute(
            text("SELECT prev_hash FROM audit_entry WHERE seq = 3")
        ).scalar_one()
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 3"))
        forge_next(connection, seq=3, prev_hash=previous, move_head=False)
    report = verify(engine)
    assert report.problems == ("entry #4 does not follow #3",)


def test_verify_lists_a_bounded_number_of_problems(engine: Engine) -> None:
    write_entries(engine, audit.MAX_PROBLEMS + 5, key=KEY)
    report = verify(engine, key=OTHER_KEY)
    assert len(report.problems) == audit.MAX_PROBLEMS
    assert report.more_problems == 5
    assert report.problem_lines()[-1] == "… and 5 more problems not listed"


@pytest.fixture
def sqlite_engine(engine: Engine) -> Engine:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's json and timestamptz types refuse such values on insert")
    return engine


def test_a_payload_that_is_not_json_is_named(sqlite_engine: Engine) -> None:
    write_entries(sqlite_engine, 3)
    drop_audit_triggers(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET payload = '{not json' WHERE seq = 2"))
    report = verify(sqlite_engine)
    assert report.problems == ("entry #2 has a payload that is not JSON: '{not json'",)


def test_a_malformed_time_is_named(sqlite_engine: Engine) -> None:
    write_entries(sqlite_engine, 3)
    drop_audit_triggers(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET at = 'last tuesday' WHERE seq = 3"))
    report = verify(sqlite_engine)
    assert report.problems == ("entry #3 has a malformed time 'last tuesday'",)
