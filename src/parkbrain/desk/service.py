"""Filing, finding and listing requests, scoped to the viewer: an enterprise sees only its own.

Everything is checked before anything is stored, so a refused filing leaves no trace but
its 4xx; each change writes its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session, joinedload, selectinload, undefer

from parkbrain.accounts.roles import Permission, Role
from parkbrain.accounts.sessions import Principal
from parkbrain.audit import record
from parkbrain.desk.attachments import CheckedAttachment, check_attachment
from parkbrain.desk.errors import Invalid, NotAllowed, NotFound, TooLarge
from parkbrain.desk.models import DeskAttachment, DeskMessage, DeskRequest
from parkbrain.desk.routing import RoutingRules
from parkbrain.desk.schemas import OPEN, RequestCreate, Status
from parkbrain.opdb.base import utcnow


@dataclass(frozen=True)
class DeskPolicy:
    """The desk's limits and clock, from the settings."""

    max_bytes: int = 10 * 1024 * 1024
    max_files: int = 5
    reminder_days: tuple[int, ...] = (7, 14, 21, 30)
    due_days: int = 30

    @classmethod
    def from_settings(cls, settings) -> DeskPolicy:
        """The policy the settings ask for."""
        return cls(settings.desk_attachment_max_bytes, settings.desk_attachment_max_files,
                   tuple(settings.desk_reminder_days), settings.desk_due_days)

    def due_at(self, filed_at: dt.datetime) -> dt.datetime:
        """When a request filed at `filed_at` should be resolved."""
        return filed_at + dt.timedelta(days=self.due_days)


def check_files(files: Sequence[tuple[str, bytes]], policy: DeskPolicy) -> list[CheckedAttachment]:
    """Check every file (count, size, type) before any is stored."""
    if len(files) > policy.max_files:
        raise TooLarge("too_many_attachments", limit=policy.max_files)
    return [check_attachment(name, data, max_bytes=policy.max_bytes) for name, data in files]


def thread_entry(session: Session, request: DeskRequest, *, viewer: Principal | None, event: str,
                 body: str = "", at: dt.datetime | None = None) -> DeskMessage:
    """Add a message or an event to a request's thread (viewer None: the system)."""
    entry = DeskMessage(request_id=request.id, author_id=viewer.user_id if viewer else None,
                        author_name=(viewer.display_name or viewer.username) if viewer else "system",
                        author_role=viewer.role.value if viewer else "system", event=event, body=body,
                        at=at or utcnow())
    session.add(entry)
    return entry


def _store(session: Session, request: DeskRequest, files: list[CheckedAttachment], viewer: Principal,
           now: dt.datetime) -> list[DeskAttachment]:
    stored = [DeskAttachment(request_id=request.id, filename=f.filename, media_type=f.media_type, size=f.size,
                             sha256=f.sha256, content=f.data, uploaded_by=viewer.user_id, at=now) for f in files]
    session.add_all(stored)
    return stored


def file_request(session: Session, *, viewer: Principal, enterprise_name: str, data: RequestCreate,
                 files: Sequence[tuple[str, bytes]] = (), policy: DeskPolicy, rules: RoutingRules, ip: str,
                 now: dt.datetime | None = None) -> DeskRequest:
    """An enterprise files a request; it is routed to a department by its category."""
    if viewer.role is not Role.ENTERPRISE or not viewer.uscc:
        raise NotAllowed("file_enterprise_only")
    if data.category not in rules.categories:
        raise Invalid("unknown_category", category=data.category, known=", ".join(rules.categories))
    checked = check_files(files, policy)
    now = now or utcnow()
    request = DeskRequest(uscc=viewer.uscc, enterprise_name=enterprise_name[:200], filed_by=viewer.user_id,
                          category=data.category, title=data.title, description=data.description,
                          department=rules.route(data.category), status=Status.SUBMITTED.value, filed_at=now)
    session.add(request)
    session.flush()
    stored = _store(session, request, checked, viewer, now)
    thread_entry(session, request, viewer=viewer, event="filed", at=now)
    record(session, actor=viewer.actor(ip), action="desk.file", target=f"desk_request:{request.id}",
           detail={"uscc": viewer.uscc, "category": data.category, "department": request.department,
                   "attachments": [a.sha256 for a in stored]}, at=now)
    return request


def scope(viewer: Principal) -> ColumnElement[bool]:
    """The requests a viewer may see: an enterprise its own, park staff all, anyone else none."""
    if viewer.role is Role.ENTERPRISE and viewer.uscc:
        return DeskRequest.uscc == viewer.uscc
    if viewer.can(Permission.DESK_READ) and viewer.role is not Role.ENTERPRISE:
        return true()
    raise NotAllowed("desk_not_allowed")


def get_request(session: Session, request_id: int, viewer: Principal, *, for_update: bool = False,
                with_thread: bool = False) -> DeskRequest:
    """One request the viewer may see; NotFound (not 'forbidden') when it is another enterprise's."""
    query = select(DeskRequest).where(DeskRequest.id == request_id, scope(viewer))
    if with_thread:  # what the detail shows, in two more queries
        query = query.options(selectinload(DeskRequest.messages), selectinload(DeskRequest.attachments),
                              joinedload(DeskRequest.meeting))
    found = session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise NotFound("request_not_found", id=request_id)
    return found


def get_attachment(session: Session, request_id: int, attachment_id: int, viewer: Principal) -> DeskAttachment:
    """One attachment of a request the viewer may see, with its content."""
    get_request(session, request_id, viewer)
    found = session.scalar(select(DeskAttachment).options(undefer(DeskAttachment.content)).where(
        DeskAttachment.id == attachment_id, DeskAttachment.request_id == request_id))
    if found is None:
        raise NotFound("attachment_not_found", id=attachment_id)
    return found


def add_attachments(session: Session, *, viewer: Principal, request_id: int, files: Sequence[tuple[str, bytes]],
                    policy: DeskPolicy, ip: str, now: dt.datetime | None = None) -> list[DeskAttachment]:
    """Attach files to an open or resolved request (its enterprise or an officer)."""
    if not (viewer.can(Permission.DESK_FILE) or viewer.can(Permission.DESK_HANDLE)):
        raise NotAllowed("action_not_allowed", action="attach")
    request = get_request(session, request_id, viewer, for_update=True)
    if request.status == Status.CLOSED.value:
        raise NotAllowed("request_closed")
    if not files:
        raise Invalid("no_files")
    present = session.scalar(select(func.count()).where(DeskAttachment.request_id == request_id)) or 0
    checked = check_files(files, DeskPolicy(policy.max_bytes, max(0, policy.max_files - present)))
    now = now or utcnow()
    stored = _store(session, request, checked, viewer, now)
    thread_entry(session, request, viewer=viewer, event="attached", body=", ".join(f.filename for f in checked), at=now)
    record(session, actor=viewer.actor(ip), action="desk.attach", target=f"desk_request:{request.id}",
           detail={"attachments": [a.sha256 for a in stored]}, at=now)
    session.flush()
    return stored


@dataclass(frozen=True)
class RequestFilter:
    """What a list asks for (all optional)."""

    status: str | None = None
    category: str | None = None
    department: str | None = None
    open_only: bool = False
    overdue_before: dt.datetime | None = None  # filed before this and still open


def list_requests(session: Session, viewer: Principal, *, where: RequestFilter = RequestFilter(), page: int = 1,
                  per_page: int = 50) -> tuple[list[DeskRequest], int]:
    """One page of the requests the viewer may see, newest first, and how many there are."""
    conditions = [scope(viewer)]
    for column, value in ((DeskRequest.status, where.status), (DeskRequest.category, where.category),
                          (DeskRequest.department, where.department)):
        if value:
            conditions.append(column == value)
    if where.open_only or where.overdue_before:
        conditions.append(DeskRequest.status.in_([s.value for s in OPEN]))
    if where.overdue_before:
        conditions.append(DeskRequest.filed_at < where.overdue_before)
    total = session.scalar(select(func.count()).select_from(DeskRequest).where(*conditions)) or 0
    order = DeskRequest.filed_at.asc() if where.overdue_before else DeskRequest.id.desc()
    rows = session.scalars(select(DeskRequest).where(*conditions).order_by(order, DeskRequest.id)
                           .limit(per_page).offset((page - 1) * per_page))
    return list(rows), int(total)


def overdue_requests(session: Session, *, now: dt.datetime, policy: DeskPolicy) -> list[DeskRequest]:
    """Every open request past its due day, oldest first (for the command line and reminders)."""
    cutoff = now - dt.timedelta(days=policy.due_days)
    return list(session.scalars(select(DeskRequest).where(
        DeskRequest.status.in_([s.value for s in OPEN]), DeskRequest.filed_at < cutoff).order_by(DeskRequest.filed_at)))
