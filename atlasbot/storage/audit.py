"""The append-only, hash-chained audit log: every decision lands here.

Each entry stores the SHA-256 hash of the previous entry and its own hash over its content,
so altering, removing or inserting an entry breaks the chain at a place ``verify`` names.
One head row holds the newest link: appends lock it (the chain never forks under concurrent
writers) and it reveals entries removed from the end of the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from atlasbot.storage.models import AuditEntry, AuditHead, utc_now

GENESIS_HASH = "0" * 64


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    obj: str,
    payload: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """The SHA-256 of an entry's content in a canonical JSON form."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": _as_utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "object": obj,
            "payload": payload,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    obj: str,
    payload: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with it)."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    # Round-trip the payload through JSON so the hash covers exactly what is stored.
    stored_payload: dict[str, Any] = json.loads(json.dumps(dict(payload or {}), default=str))
    moment = _as_utc(at or utc_now())
    seq = head.seq + 1
    digest = entry_hash(
        seq=seq,
        at=moment,
        actor=actor,
        action=action,
        obj=obj,
        payload=stored_payload,
        prev_hash=head.hash,
    )
    entry = AuditEntry(
        seq=seq,
        at=moment,
        actor=actor,
        action=action,
        object=obj,
        payload=stored_payload,
        prev_hash=head.hash,
        hash=digest,
    )
    head.seq = seq
    head.hash = digest
    session.add(entry)
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``verify`` found: ``ok`` and, when not, the first broken place in words."""

    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session) -> VerifyReport:
    """Walk the whole chain and name the first entry that was altered, removed or inserted."""
    expected_seq = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))):
        if entry.seq != expected_seq:
            missing = (
                f"#{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"#{expected_seq} to #{entry.seq - 1}"
            )
            return VerifyReport(
                False, checked, expected_seq, f"entry {missing} was removed (found #{entry.seq})"
            )
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            obj=entry.object,
            payload=entry.payload,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return VerifyReport(
                False,
                checked,
                entry.seq,
                f"entry #{entry.seq} was altered (its hash no longer matches its content)",
            )
        if entry.prev_hash != previous_hash:
            return VerifyReport(
                False,
                checked,
                entry.seq,
                f"entry #{entry.seq} does not follow entry #{entry.seq - 1}: "
                "an entry was inserted, replaced or removed before it",
            )
        previous_hash = entry.hash
        expected_seq += 1
        checked += 1
    head = session.exec(select(AuditHead).where(AuditHead.id == 1)).first()
    last_seq = expected_seq - 1
    if head is None:
        return VerifyReport(False, checked, None, "the audit head row is missing")
    if head.seq > last_seq:
        return VerifyReport(
            False,
            checked,
            last_seq + 1,
            f"entries #{last_seq + 1} to #{head.seq} were removed from the end of the log",
        )
    if head.seq < last_seq or head.hash != previous_hash:
        return VerifyReport(
            False,
            checked,
            head.seq + 1,
            f"entry #{head.seq + 1} was inserted after the last recorded entry #{head.seq}",
        )
    return VerifyReport(True, checked)


def recent(session: Session, limit: int = 20, obj: str | None = None) -> list[AuditEntry]:
    """The newest entries, newest last (optionally only those about one object)."""
    query = select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(limit)
    if obj is not None:
        query = query.where(AuditEntry.object == obj)
    return list(reversed(session.exec(query).all()))


def entries_about(session: Session, obj_prefix: str) -> list[AuditEntry]:
    """Every entry whose object starts with a prefix (e.g. 'crisis:12'), oldest first."""
    query = (
        select(AuditEntry)
        .where(col(AuditEntry.object).startswith(obj_prefix))
        .order_by(col(AuditEntry.seq))
    )
    return list(session.exec(query).all())
