"""Filing, finding and listing requests, scoped to the viewer: an enterprise sees only its own.

Everything is checked before anything is stored, so a refused filing leaves no trace but
its 4xx; each change writes its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, func, insert, select, true
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value

from parkbrain.accounts.roles import Permission, Role
from parkbrain.accounts.sessions import Principal
from parkbrain.audit import Event, record, record_many
from parkbrain.desk.attachments import CheckedAttachment, check_attachment
from parkbrain.desk.errors import Invalid, NotAllowed, NotFound, TooLarge
from parkbrain.desk.models import CoordinationMeeting, DeskAttachment, DeskMessage, DeskRequest
from parkbrain.desk.routing import RoutingRules
from parkbrain.desk.schemas import OPEN, RequestCreate, Status
from parkbrain.opdb.base import utcnow

M = TypeVar("M", DeskRequest, DeskMessage, DeskAttachment)


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


def _insert_many(session: Session, model: type[M], rows: list[dict]) -> list[M]:
    """Insert rows with one Core statement (no unit of work: filings pay for this inside the write
    lock); the rows as `model`s outside the session, with their ids."""
    if not rows:
        return []
    table = model.__table__
    keys = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars()
    return [model(id=key, **row) for key, row in zip(keys, rows, strict=True)]


def _message(request: DeskRequest, viewer: Principal | None, event: str, body: str, at: dt.datetime) -> dict:
    return dict(request_id=request.id, author_id=viewer.user_id if viewer else None,
                author_name=(viewer.display_name or viewer.username) if viewer else "system",
                author_role=viewer.role.value if viewer else "system", event=event, body=body, at=at)


def thread_entry(session: Session, request: DeskRequest, *, viewer: Principal | None, event: str,
                 body: str = "", at: dt.datetime | None = None) -> DeskMessage:
    """Add a message or an event to a request's thread (viewer None: the system)."""
    return _insert_many(session, DeskMessage, [_message(request, viewer, event, body, at or utcnow())])[0]


def _store(session: Session, request: DeskRequest, files: list[CheckedAttachment], viewer: Principal,
           now: dt.datetime) -> list[DeskAttachment]:
    return _insert_many(session, DeskAttachment, [
        dict(request_id=request.id, filename=f.filename, media_type=f.media_type, size=f.size, sha256=f.sha256,
             content=f.data, uploaded_by=viewer.user_id, at=now) for f in files])


@dataclass(frozen=True)
class Filing:
    """One enterprise's new request, as `file_requests` takes it."""

    viewer: Principal
    enterprise_name: str
    data: RequestCreate
    policy: DeskPolicy
    rules: RoutingRules
    ip: str
    files: Sequence[tuple[str, bytes]] = ()
    now: dt.datetime | None = None


def file_request(session: Session, *, viewer: Principal, enterprise_name: str, data: RequestCreate,
                 files: Sequence[tuple[str, bytes]] = (), policy: DeskPolicy, rules: RoutingRules, ip: str,
                 now: dt.datetime | None = None) -> DeskRequest:
    """An enterprise files a request; it is routed to a department by its category (see `file_requests`)."""
    return file_requests(session, [Filing(viewer, enterprise_name, data, policy, rules, ip, files, now)])[0]


def file_requests(session: Session, filings: list[Filing]) -> list[DeskRequest]:
    """File requests (a group commit brings many): each is checked, then all are written with a few
    statements. Each request comes back as filed (a copy outside the session) with its thread and
    attachments: the detail shown after filing needs no second read.
    """
    checked = [_checked(filing) for filing in filings]
    stamps = [filing.now or utcnow() for filing in filings]
    requests = _insert_many(session, DeskRequest, [
        dict(uscc=f.viewer.uscc, enterprise_name=f.enterprise_name[:200], filed_by=f.viewer.user_id,
             category=f.data.category, title=f.data.title, description=f.data.description,
             department=f.rules.route(f.data.category), status=Status.SUBMITTED.value, filed_at=now)
        for f, now in zip(filings, stamps, strict=True)])
    # Attachments one request at a time: a statement never carries more than one request's files.
    attached = [_store(session, r, files, f.viewer, now)
                for f, r, files, now in zip(filings, requests, checked, stamps, strict=True)]
    filed = _insert_many(session, DeskMessage, [_message(r, f.viewer, "filed", "", now)
                                                for f, r, now in zip(filings, requests, stamps, strict=True)])
    record_many(session, [
        Event(f.viewer.actor(f.ip), "desk.file", f"desk_request:{r.id}", at=now,
              detail={"uscc": f.viewer.uscc, "category": f.data.category, "department": r.department,
                      "attachments": [a.sha256 for a in mine]})
        for f, r, mine, now in zip(filings, requests, attached, stamps, strict=True)])
    for request, message, mine in zip(requests, filed, attached, strict=True):
        set_committed_value(request, "messages", [message])
        set_committed_value(request, "attachments", mine)
        set_committed_value(request, "meeting", None)
    return requests


def _checked(filing: Filing) -> list[CheckedAttachment]:
    """What filing needs before anything is written: an enterprise, a known category, acceptable files."""
    if filing.viewer.role is not Role.ENTERPRISE or not filing.viewer.uscc:
        raise NotAllowed("file_enterprise_only")
    if filing.data.category not in filing.rules.categories:
        raise Invalid("unknown_category", category=filing.data.category, known=", ".join(filing.rules.categories))
    return check_files(filing.files, filing.policy)


def own_uscc(viewer: Principal) -> str | None:
    """The enterprise whose requests alone the viewer may see; None for park staff (who see all).

    Anyone else may see none (NotAllowed).
    """
    if viewer.role is Role.ENTERPRISE and viewer.uscc:
        return viewer.uscc
    if viewer.can(Permission.DESK_READ) and viewer.role is not Role.ENTERPRISE:
        return None
    raise NotAllowed("desk_not_allowed")


def scope(viewer: Principal) -> ColumnElement[bool]:
    """The requests a viewer may see: an enterprise its own, park staff all, anyone else none."""
    uscc = own_uscc(viewer)
    return DeskRequest.uscc == uscc if uscc else true()


def get_request(session: Session, request_id: int, viewer: Principal, *, for_update: bool = False) -> DeskRequest:
    """One request the viewer may see; NotFound (not 'forbidden') when it is another enterprise's."""
    query = select(DeskRequest).where(DeskRequest.id == request_id, scope(viewer))
    found = session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise NotFound("request_not_found", id=request_id)
    return found


@dataclass(frozen=True)
class RequestThread:
    """A request with its thread, attachments (without their content) and meeting, as its detail shows them.

    Each part is a row or an ORM object: anything with the columns as attributes.
    """

    request: DeskRequest | Row
    messages: Sequence[DeskMessage | Row]
    attachments: Sequence[DeskAttachment | Row]
    meeting: CoordinationMeeting | Row | None

    @classmethod
    def of(cls, request: DeskRequest) -> RequestThread:
        """The thread of an ORM request (its relationships loaded, or loadable)."""
        return cls(request, request.messages, request.attachments, request.meeting)


# The hot reads are built once per shape with their values as bound parameters: building a
# statement and computing its cache key costs more than running it on SQLite.
@cache
def _thread_statements(own: bool) -> tuple[Select, Select, Select, Select]:
    """The statements reading a request (of one enterprise when `own`), its thread, attachments and meeting."""
    where = [DeskRequest.id == bindparam("id")] + ([DeskRequest.uscc == bindparam("uscc")] if own else [])
    attachment_fields = [c for c in DeskAttachment.__table__.c if c.name != "content"]
    return (select(DeskRequest.__table__).where(*where),
            select(DeskMessage.__table__).where(DeskMessage.request_id == bindparam("id")).order_by(DeskMessage.id),
            select(*attachment_fields).where(DeskAttachment.request_id == bindparam("id")).order_by(DeskAttachment.id),
            select(CoordinationMeeting.__table__).where(CoordinationMeeting.id == bindparam("id")))


def read_thread(db: Connection | Session, request_id: int, viewer: Principal) -> RequestThread:
    """One request the viewer may see, with its thread: rows read with Core statements (no ORM objects).

    NotFound (not 'forbidden') when it is another enterprise's.
    """
    uscc = own_uscc(viewer)
    request_q, messages_q, attachments_q, meeting_q = _thread_statements(uscc is not None)
    request = db.execute(request_q, {"id": request_id} | ({"uscc": uscc} if uscc else {})).first()
    if request is None:
        raise NotFound("request_not_found", id=request_id)
    messages = db.execute(messages_q, {"id": request_id}).all()
    attachments = db.execute(attachments_q, {"id": request_id}).all()
    meeting = db.execute(meeting_q, {"id": request.meeting_id}).first() if request.meeting_id is not None else None
    return RequestThread(request, messages, attachments, meeting)


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


@cache
def _list_statements(own: bool, status: bool, category: bool, department: bool, open_only: bool,
                     overdue: bool) -> tuple[Select, Select]:
    """The count, and the page with the count beside each row, of a list with these filters (values
    bound at execution). The count is an uncorrelated subquery: computed once, in the page's round trip."""
    conditions = [column == bindparam(name) for column, name, wanted in (
        (DeskRequest.uscc, "uscc", own), (DeskRequest.status, "status", status),
        (DeskRequest.category, "category", category), (DeskRequest.department, "department", department)) if wanted]
    if open_only or overdue:
        conditions.append(DeskRequest.status.in_([s.value for s in OPEN]))
    if overdue:
        conditions.append(DeskRequest.filed_at < bindparam("before"))
    listed = [c for c in DeskRequest.__table__.c if c.name not in ("description", "rating_comment")]
    order = DeskRequest.filed_at.asc() if overdue else DeskRequest.id.desc()
    count = select(func.count()).select_from(DeskRequest.__table__).where(*conditions)
    return (count, select(*listed, count.scalar_subquery().label("listed_total")).where(*conditions)
            .order_by(order, DeskRequest.id).limit(bindparam("limit")).offset(bindparam("offset")))


def list_requests(db: Connection | Session, viewer: Principal, *, where: RequestFilter = RequestFilter(),
                  page: int = 1, per_page: int = 50) -> tuple[list[Row], int]:
    """One page of the requests the viewer may see (rows, without the long texts), newest first, and how
    many there are: one statement, or two for a page past the end (which has no row to carry the count)."""
    values = {"uscc": own_uscc(viewer), "status": where.status, "category": where.category,
              "department": where.department, "before": where.overdue_before}
    count, rows = _list_statements(*(bool(values[k]) for k in ("uscc", "status", "category", "department")),
                                   where.open_only, where.overdue_before is not None)
    params = {k: v for k, v in values.items() if v}
    offset = (page - 1) * per_page
    found = db.execute(rows, params | {"limit": per_page, "offset": offset}).all()
    if found:
        return found, int(found[0].listed_total)
    return found, int(db.scalar(count, params) or 0) if offset else 0


def overdue_requests(session: Session, *, now: dt.datetime, policy: DeskPolicy) -> list[DeskRequest]:
    """Every open request past its due day, oldest first (for the command line and reminders)."""
    cutoff = now - dt.timedelta(days=policy.due_days)
    return list(session.scalars(select(DeskRequest).where(
        DeskRequest.status.in_([s.value for s in OPEN]), DeskRequest.filed_at < cutoff).order_by(DeskRequest.filed_at)))
