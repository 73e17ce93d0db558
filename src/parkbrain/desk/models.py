"""Tables of the service desk (企业服务): requests, their thread, attachments, meetings, reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parkbrain.opdb.base import Base, utcnow


class CoordinationMeeting(Base):
    """A coordination meeting (协调会) that takes up escalated requests."""

    __tablename__ = "desk_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeskRequest(Base):
    """One enterprise's request (诉求) to the desk, from filing to the enterprise's confirmation."""

    __tablename__ = "desk_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    classification: Mapped[str | None] = mapped_column(String(32))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("desk_meetings.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(500))

    messages: Mapped[list[DeskMessage]] = relationship(order_by="DeskMessage.id", cascade="all, delete-orphan",
                                                       passive_deletes=True)
    attachments: Mapped[list[DeskAttachment]] = relationship(order_by="DeskAttachment.id",
                                                             cascade="all, delete-orphan", passive_deletes=True)
    meeting: Mapped[CoordinationMeeting | None] = relationship()


class DeskMessage(Base):
    """One entry of a request's thread: a message, or an event (accepted, reassigned, …)."""

    __tablename__ = "desk_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("desk_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    author_role: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(32))   # 'message' or the action taken
    body: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeskAttachment(Base):
    """A file attached to a request (type checked by its first bytes, size capped)."""

    __tablename__ = "desk_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("desk_requests.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeskReminder(Base):
    """A reminder sent for a request at one SLA step (day 7, 14, …); one per step, ever."""

    __tablename__ = "desk_reminders"
    __table_args__ = (UniqueConstraint("request_id", "step_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("desk_requests.id", ondelete="CASCADE"))
    step_days: Mapped[int]
    department: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
