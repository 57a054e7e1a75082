"""The append-only, hash-chained, sealed audit log: every decision lands here.

Each entry stores the SHA-256 hash of the previous entry and its own hash over its content,
so altering, removing or inserting an entry breaks the chain at a place ``verify`` names.
One head row holds the newest link: appends lock it (the chain never forks under concurrent
writers) and it reveals entries removed from the end of the log. The database refuses
UPDATE, DELETE and TRUNCATE of entries and any insert or head move other than the next link
(migrations 0001 and 0008).

A hash chain alone can be recomputed by anyone who drops the triggers, so each entry is also
sealed with an HMAC under a key kept outside the database (``ATLASBOT_AUDIT_KEY``), and an
*anchor* (the signed head, exported and held elsewhere) reveals a log truncated and rewritten
by someone who holds the key as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.i18n import _, ngettext
from atlasbot.storage.models import AuditEntry, AuditHead, utc_now

GENESIS_HASH = "0" * 64
# Engine execution option carrying the seal key to every session made from the engine, so the
# use cases append sealed entries without handling the key themselves.
SEAL_KEY_OPTION = "atlasbot_audit_seal_key"
# ``verify`` lists at most this many problems, then says how many more it found.
MAX_PROBLEMS = 20

_SEAL_CONTEXT = b"atlasbot audit seal v1\n"
_ANCHOR_CONTEXT = b"atlasbot audit anchor v1\n"


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


class SealKey:
    """The secret behind the seals and anchors; never shown by ``repr`` or ``str``."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("the audit key is empty")
        self._secret = raw

    @classmethod
    def from_setting(cls, secret: _Secret | None) -> SealKey | None:
        """The key from a secret setting (``ATLASBOT_AUDIT_KEY``), or None when it is unset."""
        return cls(secret.get_secret_value()) if secret is not None else None

    def __repr__(self) -> str:
        return "SealKey(***)"

    __str__ = __repr__

    def _mac(self, message: bytes) -> str:
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def seal(self, entry_hash: str) -> str:
        """The HMAC-SHA256 sealing one entry (its hash covers its content and its link)."""
        return self._mac(_SEAL_CONTEXT + entry_hash.encode("ascii", "replace"))

    def sign_anchor(self, seq: int, entry_hash: str, time: str) -> str:
        """The HMAC-SHA256 over an anchor's fields."""
        return self._mac(_ANCHOR_CONTEXT + f"{seq}\n{entry_hash}\n{time}".encode())


def seal_with(engine: Engine, key: SealKey | None) -> None:
    """Seal every entry appended through this engine with ``key`` (None: leave them unsealed)."""
    engine.update_execution_options(**{SEAL_KEY_OPTION: key})


def _engine_key(session: Session) -> SealKey | None:
    key = session.connection().get_execution_options().get(SEAL_KEY_OPTION)
    return key if isinstance(key, SealKey) else None


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    obj: str,
    payload: Any,
    prev_hash: str,
) -> str:
    """The SHA-256 of an entry's content in a canonical JSON form."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": as_utc(at).isoformat(timespec="microseconds"),
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
    moment = as_utc(at or utc_now())
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
    key = _engine_key(session)
    entry = AuditEntry(
        seq=seq,
        at=moment,
        actor=actor,
        action=action,
        object=obj,
        payload=stored_payload,
        prev_hash=head.hash,
        hash=digest,
        seal=key.seal(digest) if key is not None else None,
    )
    # The order matters to the database's guard: the entry first (it must extend the head as
    # it stands), then the head moves onto it.
    session.add(entry)
    session.flush()
    head.seq = seq
    head.hash = digest
    session.add(head)
    session.flush()
    return entry


# --- anchors ------------------------------------------------------------------------------


class AnchorError(Exception):
    """An anchor text that cannot be read; the message says what is wrong."""


_ANCHOR_PATTERN = re.compile(
    r"atlasbot audit anchor: seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{64}) "
    r"time=(?P<time>\S+) hmac=(?P<hmac>[0-9a-f]{64})"
)


@dataclass(frozen=True, slots=True)
class Anchor:
    """The signed head at a moment: held outside the database, it pins the log up to ``seq``."""

    seq: int
    hash: str
    time: str  # UTC, ISO 8601, seconds ("2026-12-01T10:00:00Z")
    hmac: str

    def text(self) -> str:
        """The one line written to the anchor file and sent to administrators."""
        return (
            f"atlasbot audit anchor: seq={self.seq} hash={self.hash} "
            f"time={self.time} hmac={self.hmac}"
        )

    def signed_by(self, key: SealKey) -> bool:
        """Whether the anchor was made with ``key`` and not edited since."""
        return hmac.compare_digest(self.hmac, key.sign_anchor(self.seq, self.hash, self.time))


def make_anchor(session: Session, key: SealKey, now: datetime | None = None) -> Anchor:
    """Sign the head of the log as it stands."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1)).one()
    time = as_utc(now or utc_now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Anchor(head.seq, head.hash, time, key.sign_anchor(head.seq, head.hash, time))


def anchor_text(session: Session, key: SealKey, now: datetime | None = None) -> str:
    """The anchor line for the log as it stands (for a file, or a chat to administrators)."""
    return make_anchor(session, key, now).text()


def parse_anchor(content: str) -> Anchor:
    """Read an anchor from the text written by ``Anchor.text`` (surrounding text ignored)."""
    found = _ANCHOR_PATTERN.search(content)
    if found is None:
        raise AnchorError(
            _(
                "no anchor line in it "
                "(expected 'atlasbot audit anchor: seq=… hash=… time=… hmac=…')"
            )
        )
    return Anchor(int(found["seq"]), found["hash"], found["time"], found["hmac"])


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``verify`` found: every problem as one line naming its entry, in log order."""

    entries_checked: int
    problems: tuple[str, ...] = ()
    first_bad_seq: int | None = None
    more_problems: int = 0  # found beyond the MAX_PROBLEMS listed
    key_given: bool = False
    sealed: int = 0  # entries whose seal was checked and holds
    unsealed_before_key: tuple[int, int] | None = None  # first and last, written before the key
    anchor_checked: Anchor | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> str | None:
        """The first problem, if any."""
        return self.problems[0] if self.problems else None

    def problem_lines(self) -> list[str]:
        """The problems, then how many more were found but not listed."""
        lines = list(self.problems)
        if self.more_problems:
            # English says "problems" for one as well (its wording is promised unchanged);
            # the catalogs give each language its own forms.
            lines.append(
                ngettext(
                    "… and {count} more problems not listed",
                    "… and {count} more problems not listed",
                    self.more_problems,
                )
            )
        return lines


@dataclass
class _Walk:
    """The state of one walk along the chain."""

    key: SealKey | None
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    more_problems: int = 0
    sealed: int = 0
    seen_sealed: bool = False
    unsealed_first: int | None = None
    unsealed_last: int | None = None

    def report(self, seq: int | None, problem: str) -> None:
        if self.first_bad_seq is None and seq is not None:
            self.first_bad_seq = seq
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


def _read_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str):
        raise ValueError
    return as_utc(datetime.fromisoformat(value))


def _read_payload(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _shown(value: Any, limit: int = 40) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _check_entry(walk: _Walk, row: Any) -> None:
    """Check one entry's own content and seal (its link is checked by the caller)."""
    seq = row.seq
    readable = True
    try:
        at = _read_time(row.at)
    except (ValueError, TypeError, OverflowError):
        walk.report(
            seq, _("entry #{seq} has a malformed time {value}", seq=seq, value=_shown(row.at))
        )
        readable = False
    try:
        payload = _read_payload(row.payload)
    except ValueError:
        walk.report(
            seq,
            _(
                "entry #{seq} has a payload that is not JSON: {value}",
                seq=seq,
                value=_shown(row.payload),
            ),
        )
        readable = False
    if readable:
        recomputed = entry_hash(
            seq=seq,
            at=at,
            actor=row.actor,
            action=row.action,
            obj=row.object,
            payload=payload,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            walk.report(
                seq, _("entry #{seq} was altered: its hash no longer matches its content", seq=seq)
            )
    _check_seal(walk, row)


def _check_seal(walk: _Walk, row: Any) -> None:
    """Check one entry's seal against the key (nothing to check without a key)."""
    seq = row.seq
    if walk.key is None:
        return
    if row.seal is None:
        if walk.seen_sealed:
            walk.report(
                seq,
                _(
                    "entry #{seq} is not sealed although entries before it are: "
                    "it was written without the key",
                    seq=seq,
                ),
            )
        else:
            walk.unsealed_first = walk.unsealed_first or seq
            walk.unsealed_last = seq
        return
    walk.seen_sealed = True
    if hmac.compare_digest(str(row.seal), walk.key.seal(str(row.hash))):
        walk.sealed += 1
    else:
        walk.report(
            seq,
            _(
                "entry #{seq} has a wrong seal: it was forged, or re-hashed, without the key",
                seq=seq,
            ),
        )


def _missing(first: int, last: int, head: int | None = None) -> str:
    """The entries missing from ``first`` to ``last``; ``head``: the last entry the head
    records, when that is how they were found missing."""
    if head is not None:
        if first == last:
            return _(
                "entry #{first} is missing (the head records #{head} as the last entry)",
                first=first,
                head=head,
            )
        return _(
            "entries #{first} to #{last} are missing (the head records #{head} as the last entry)",
            first=first,
            last=last,
            head=head,
        )
    if first == last:
        return _("entry #{first} is missing", first=first)
    return _("entries #{first} to #{last} are missing", first=first, last=last)


def _does_not_follow(seq: int, previous_seq: int) -> str:
    if previous_seq == 0:
        return _("entry #{seq} does not start the log", seq=seq)
    return _("entry #{seq} does not follow #{previous}", seq=seq, previous=previous_seq)


def verify(
    session: Session, *, key: SealKey | None = None, anchor: Anchor | None = None
) -> VerifyReport:
    """Walk the whole chain; name the entry of every problem found (up to MAX_PROBLEMS).

    ``key`` checks the seals (default: the engine's key, if any); ``anchor`` checks that the
    log still holds the anchored entry unchanged and has not become shorter than it.
    """
    key = key if key is not None else _engine_key(session)
    walk = _Walk(key)
    connection = session.connection()
    head = connection.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    if head is None:
        walk.report(None, _("the audit head row is missing"))
    # Raw columns: a row edited by hand must not stop the walk before it is named.
    rows = connection.execute(
        text(
            "SELECT seq, at, actor, action, object, payload, prev_hash, hash, seal "
            "FROM audit_entry ORDER BY seq"
        )
    )
    chain = _walk_chain(walk, rows, head, anchor)
    if head is not None:
        _check_head(walk, head, chain.last_seq, chain.head_entry_hash, chain.beyond_head)
    if anchor is not None:
        _check_anchor(walk, anchor, chain.last_seq, head, chain.anchored_hash)
    unsealed = (
        (walk.unsealed_first, walk.unsealed_last)
        if walk.unsealed_first is not None and walk.unsealed_last is not None
        else None
    )
    return VerifyReport(
        entries_checked=chain.checked,
        problems=tuple(walk.problems),
        first_bad_seq=walk.first_bad_seq,
        more_problems=walk.more_problems,
        key_given=key is not None,
        sealed=walk.sealed,
        unsealed_before_key=unsealed,
        anchor_checked=anchor,
    )


@dataclass
class _Chain:
    """What the walk along the entries found for the head and the anchor to be checked."""

    last_seq: int = 0
    checked: int = 0
    beyond_head: tuple[int, int, bool] | None = None  # first entry past the head, prev, gap
    head_entry_hash: str | None = None
    anchored_hash: str | None = None


def _walk_chain(walk: _Walk, rows: Iterable[Any], head: Any, anchor: Anchor | None) -> _Chain:
    """Check every entry and its link to the one before; note the head's and anchor's hashes."""
    chain = _Chain()
    previous_hash = GENESIS_HASH
    for row in rows:
        seq, previous_seq = int(row.seq), chain.last_seq
        try:
            _check_entry(walk, row)
        except Exception as err:  # any other damage is named, not raised
            walk.report(
                seq,
                _(
                    "entry #{seq} cannot be checked ({error}: {reason})",
                    seq=seq,
                    error=type(err).__name__,
                    reason=err,
                ),
            )
        gap = seq > previous_seq + 1
        if head is not None and seq > head.seq:
            if chain.beyond_head is None:
                chain.beyond_head = (seq, previous_seq, gap)
        elif gap:
            walk.report(previous_seq + 1, _missing(previous_seq + 1, seq - 1))
        elif row.prev_hash != previous_hash:
            walk.report(seq, _does_not_follow(seq, previous_seq))
        if head is not None and seq == head.seq:
            chain.head_entry_hash = row.hash
        if anchor is not None and seq == anchor.seq:
            chain.anchored_hash = row.hash
        chain.last_seq, previous_hash = seq, row.hash
        chain.checked += 1
    return chain


def _check_head(
    walk: _Walk,
    head: Any,
    last_seq: int,
    head_entry_hash: str | None,
    beyond_head: tuple[int, int, bool] | None,
) -> None:
    last_below_head = min(last_seq, head.seq) if beyond_head is None else beyond_head[1]
    if head.seq > last_below_head:
        walk.report(
            last_below_head + 1,
            _missing(last_below_head + 1, head.seq, head=head.seq),
        )
    elif head.seq > 0 and head_entry_hash is not None and head_entry_hash != head.hash:
        walk.report(
            head.seq,
            _("entry #{seq} is not the entry its head records: replaced", seq=head.seq),
        )
    elif head.seq == 0 and head.hash != GENESIS_HASH:
        walk.report(None, _("the head of the empty log does not hold the starting hash"))
    if beyond_head is not None:
        first, previous, gap = beyond_head
        if gap:
            walk.report(first, _does_not_follow(first, previous))
        else:
            walk.report(
                first,
                _(
                    "entry #{seq} was added after the last recorded entry #{head} "
                    "without moving the head",
                    seq=first,
                    head=head.seq,
                ),
            )


def _check_anchor(
    walk: _Walk, anchor: Anchor, last_seq: int, head: Any, anchored_hash: str | None
) -> None:
    if walk.key is not None and not anchor.signed_by(walk.key):
        walk.report(
            None,
            _(
                "the anchor of {time} (entry #{seq}) is not signed with this key: "
                "the file was edited, or made with another key",
                time=anchor.time,
                seq=anchor.seq,
            ),
        )
    if anchor.seq == 0:
        return
    ends = last_seq if head is None else min(last_seq, head.seq)
    if ends < anchor.seq:
        problem = _(
            "the log ends at #{ends}, before entry #{seq} of the anchor of {time}: "
            "it was truncated",
            ends=ends,
            seq=anchor.seq,
            time=anchor.time,
        )
    elif anchored_hash is None:
        problem = _(
            "entry #{seq} of the anchor of {time} is missing", seq=anchor.seq, time=anchor.time
        )
    elif anchored_hash != anchor.hash:
        problem = _(
            "entry #{seq} is not the one in the anchor of {time}: the log was rewritten up to it",
            seq=anchor.seq,
            time=anchor.time,
        )
    else:
        return
    walk.report(anchor.seq, problem)


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
