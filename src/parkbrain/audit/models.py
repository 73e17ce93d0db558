"""Tables of the audit log: the entries (append-only, hash-chained) and the head of the chain."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parkbrain.opdb.base import Base


class AuditEntry(Base):
    """One audited event: who, when (UTC), what, on what, from where; chained by hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))       # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(64))    # username, or '-' before login
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(Text)          # canonical JSON
    ip: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash (locked by each writer)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
