"""The audit log: append-only entries chained by SHA-256, written in the transaction of the change.

Each entry's hash covers the previous entry's hash and the canonical JSON of the entry itself,
so changing, deleting or inserting an entry breaks the chain from there on:

>>> canonical_json({"b": 1, "a": "企业"})
'{"a":"企业","b":1}'
>>> entry_hash(GENESIS, {"seq": 1})[:12]
'0a0089855037'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from parkbrain.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
HASHED = ("seq", "at", "actor", "role", "action", "target", "detail", "ip")


@dataclass(frozen=True)
class Actor:
    """Who does something, and from where (an IP address, or 'cli' for the command line)."""

    username: str
    role: str
    ip: str
    user_id: int | None = None


SYSTEM = Actor("system", "system", "local")


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, fields: dict) -> str:
    """SHA-256 (hex) of the previous hash followed by the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def utc_stamp(at: dt.datetime) -> str:
    """A UTC time as the log writes it: ISO 8601 with microseconds and Z."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# Core statements built once, not ORM objects: every change of the park pays for these, inside its write lock.
_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_APPEND = insert(AuditEntry.__table__)
_MOVE_HEAD = update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(
    seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_KNOWN_HEAD = "parkbrain.audit.head"  # the head as this transaction last wrote it (in Session.info)


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, transaction: object) -> None:
    """A transaction or savepoint ended (committed or rolled back): read the head again next time."""
    session.info.pop(_KNOWN_HEAD, None)


@dataclass(frozen=True)
class Event:
    """One thing to audit: who did what, on what, with which details, when (default: now)."""

    actor: Actor
    action: str
    target: str = ""
    detail: dict | None = None
    at: dt.datetime | None = None


def record(session: Session, *, actor: Actor, action: str, target: str = "", detail: dict | None = None,
           at: dt.datetime | None = None) -> int:
    """Append one entry in `session`'s transaction; its sequence number (see `record_many`)."""
    return record_many(session, [Event(actor, action, target, detail, at)])[0]


def _fields(seq: int, what: Event) -> dict:
    """The hashed fields of an entry."""
    actor = what.actor
    return {"seq": seq, "at": utc_stamp(what.at or dt.datetime.now(dt.UTC)), "actor": actor.username[:64],
            "role": actor.role[:20], "action": what.action[:64], "target": what.target[:128],
            "detail": canonical_json(what.detail or {}), "ip": actor.ip[:64]}


def record_many(session: Session, events: list[Event]) -> list[int]:
    """Append entries in `session`'s transaction, in order; their sequence numbers.

    The head row is read FOR UPDATE (PostgreSQL: other writers wait for this transaction; SQLite: write
    transactions begin IMMEDIATE, so they hold the database's write lock), so two writers, in one
    process or in several, never chain onto the same head. Later entries of the same transaction
    (a group commit writes many) chain onto the head it wrote without reading it again; the entries
    of one call are written with one statement.
    """
    if not events:
        return []
    known = session.info.get(_KNOWN_HEAD)
    last, prev = known if known else tuple(session.execute(_HEAD).one())
    rows = []
    for seq, what in enumerate(events, start=last + 1):
        fields = _fields(seq, what)
        digest = entry_hash(prev, fields)
        rows.append(fields | {"prev_hash": prev, "hash": digest})
        prev = digest
    head = (last + len(events), prev)
    session.execute(_APPEND, rows)
    session.execute(_MOVE_HEAD, {"new_seq": head[0], "new_hash": head[1]})
    session.info[_KNOWN_HEAD] = head
    return [row["seq"] for row in rows]


@dataclass
class Verification:
    """What `verify` found: entries checked, the head's hash, and any problem (empty: intact).

    Each problem is a message key of the accounts catalogue (``accounts.audit.<key>``) with its values.
    """

    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    found: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return not self.found

    def messages(self, lang: str = "en") -> list[str]:
        """The problems in `lang`."""
        from parkbrain.i18n import translate

        return [translate(f"accounts.audit.{key}", lang, **values) for key, values in self.found]

    @property
    def problems(self) -> list[str]:
        """The problems in English."""
        return self.messages("en")


def verify(session: Session, *, max_problems: int = 20) -> Verification:
    """Recompute the chain from the first entry; report gaps, broken links, bad hashes, a moved head."""
    report = Verification()
    expected_seq, prev = 1, GENESIS
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000))
    for entry in rows.scalars():
        report.entries += 1
        if entry.seq != expected_seq:
            report.found.append(("missing", {"first": expected_seq, "last": entry.seq - 1})
                                if entry.seq > expected_seq else ("out_of_order", {"seq": entry.seq}))
        if entry.prev_hash != prev:
            report.found.append(("broken_link", {"seq": entry.seq}))
        fields = {name: getattr(entry, name) for name in HASHED}
        if entry_hash(entry.prev_hash, fields) != entry.hash:
            report.found.append(("modified", {"seq": entry.seq}))
        expected_seq, prev = entry.seq + 1, entry.hash
        if len(report.found) >= max_problems:
            return report
    head = session.get(AuditHead, 1)
    report.head_seq, report.head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head is None or head.seq != expected_seq - 1 or head.hash != prev:
        report.found.append(("head_moved", {"last": expected_seq - 1, "head": report.head_seq}))
    return report
