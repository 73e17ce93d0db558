"""Push a policy to the enterprises it fits, and read an enterprise's notifications.

A push plans with parkbrain.policies.push (who, and who was told before), then inserts with
ON CONFLICT DO NOTHING on (policy, version, subject), so that two pushes at once never notify
twice; the count of new notices is what the database actually inserted. The push is written to
the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from parkbrain.audit import Actor, record
from parkbrain.notify.models import PolicyNotification
from parkbrain.opdb.base import utcnow
from parkbrain.opdb.engine import OperationalDB
from parkbrain.policies.model import Policy
from parkbrain.policies.push import Notice, plan_push, push_notices

_CHUNK = 500  # rows per INSERT (13 columns: well under SQLite's variable limit)


@dataclass(frozen=True)
class PushOutcome:
    """What a push did: the version pushed, eligible subjects, newly and already notified, nobody to tell."""

    policy: str
    version: str | None
    eligible: int
    notified_new: int
    already_notified: int
    without_recipient: int


def sent_keys(session: Session, policy: str, version: str) -> set[tuple[str, str, str]]:
    """The (policy, version, subject) keys already notified for one policy version."""
    rows = session.execute(select(PolicyNotification.subject_id).where(
        PolicyNotification.policy == policy, PolicyNotification.version == version))
    return {(policy, version, sid) for (sid,) in rows}


def _insert(session: Session):
    """The dialect's INSERT (both SQLite and PostgreSQL know ON CONFLICT DO NOTHING)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(PolicyNotification.__table__)


def insert_notices(session: Session, notices: Sequence[Notice], *, policy: Policy, pushed_by: str,
                   at: dt.datetime | None = None) -> int:
    """Insert the notices not yet in the table; the number actually inserted."""
    at = at or utcnow()
    inserted = 0
    for start in range(0, len(notices), _CHUNK):
        rows = [{"policy": n.policy, "version": n.version, "subject_id": n.subject_id,
                 "subject_kind": n.subject_kind, "subject_name": n.subject_name[:200], "uscc": n.uscc,
                 "policy_name": policy.name[:200], "mode": policy.mode, "amount": n.amount,
                 "pushed_by": pushed_by[:64], "pushed_at": at, "read_at": None}
                for n in notices[start:start + _CHUNK]]
        stmt = _insert(session).values(rows).on_conflict_do_nothing(
            index_elements=["policy", "version", "subject_id"]).returning(PolicyNotification.__table__.c.id)
        inserted += len(session.execute(stmt).all())
    return inserted


def push_policy(db: OperationalDB, results: pa.Table, policy: Policy, *, actor: Actor,
                subjects: pa.Table | None = None, at: dt.datetime | None = None) -> PushOutcome:
    """Notify every subject `results` finds eligible for `policy`, once per version; audited."""
    notices = push_notices(results, policy.id, subject=policy.subject, subjects=subjects)
    versions = sorted({n.version for n in notices})
    with db.write() as session:
        sent = set().union(*(sent_keys(session, policy.id, v) for v in versions))
        plan = plan_push(notices, sent)
        new = insert_notices(session, plan.new, policy=policy, pushed_by=actor.username, at=at)
        outcome = PushOutcome(policy.id, versions[-1] if versions else None, len(notices), new,
                              len(notices) - plan.without_recipient - new, plan.without_recipient)
        record(session, actor=actor, action="policies.push", target=f"policy:{policy.id}",
               detail={"version": outcome.version, "eligible": outcome.eligible, "new": new,
                       "already": outcome.already_notified, "without_recipient": plan.without_recipient}, at=at)
    return outcome


def notifications_of(session: Session, uscc: str, *, limit: int = 200) -> list[PolicyNotification]:
    """An enterprise's notifications, newest first."""
    return list(session.scalars(select(PolicyNotification).where(PolicyNotification.uscc == uscc)
                                .order_by(PolicyNotification.pushed_at.desc(), PolicyNotification.id.desc())
                                .limit(limit)))


def unread_count(session: Session, uscc: str) -> int:
    """How many of an enterprise's notifications it has not marked read."""
    return session.scalar(select(func.count()).select_from(PolicyNotification).where(
        PolicyNotification.uscc == uscc, PolicyNotification.read_at.is_(None))) or 0


def mark_read(session: Session, uscc: str, at: dt.datetime | None = None) -> int:
    """Mark all of an enterprise's unread notifications read; how many were."""
    result = session.execute(update(PolicyNotification).where(
        PolicyNotification.uscc == uscc, PolicyNotification.read_at.is_(None)).values(read_at=at or utcnow()))
    return result.rowcount or 0


def notified_count(session: Session, policy: str, version: str) -> int:
    """How many subjects were notified of one policy version."""
    return session.scalar(select(func.count()).select_from(PolicyNotification).where(
        PolicyNotification.policy == policy, PolicyNotification.version == version)) or 0
