"""The table of policy notifications: one row per (policy, version, subject), sent to an enterprise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parkbrain.opdb.base import Base, utcnow


class PolicyNotification(Base):
    """An enterprise told it (or one of its talents) qualifies for a policy version.

    The unique key makes a push idempotent: a second push, or two at once, never notify twice.
    """

    __tablename__ = "policy_notifications"
    __table_args__ = (UniqueConstraint("policy", "version", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))      # the version's first day, as results name it
    subject_id: Mapped[str] = mapped_column(String(64))   # 统一社会信用代码, or a talent id
    subject_kind: Mapped[str] = mapped_column(String(16))  # enterprise | talent
    subject_name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), index=True)  # the enterprise notified
    policy_name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))          # application (申报) | automatic (免申即享)
    amount: Mapped[float | None] = mapped_column(Float)    # 万元, when the policy has one
    pushed_by: Mapped[str] = mapped_column(String(64))
    pushed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
