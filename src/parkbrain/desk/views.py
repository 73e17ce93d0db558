"""Requests as their public models, labelled in the viewer's language (for the pages and the JSON)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row

from parkbrain.accounts.sessions import Principal
from parkbrain.desk.actions import allowed_actions
from parkbrain.desk.models import DeskRequest
from parkbrain.desk.routing import RoutingRules
from parkbrain.desk.schemas import (
    OPEN,
    AttachmentPublic,
    MeetingPublic,
    MessagePublic,
    RequestDetail,
    RequestPage,
    RequestPublic,
    Status,
)
from parkbrain.desk.service import DeskPolicy, RequestThread
from parkbrain.i18n import translate
from parkbrain.opdb.base import utcnow


def attachment_url(request_id: int, attachment_id: int) -> str:
    """Where an attachment is downloaded."""
    return f"/desk/requests/{request_id}/attachments/{attachment_id}"


def _public_fields(request: DeskRequest | Row, *, rules: RoutingRules, policy: DeskPolicy, lang: str,
                   now: dt.datetime) -> dict:
    due = policy.due_at(request.filed_at)
    is_open = Status(request.status) in OPEN
    end = request.resolved_at or (now if is_open else request.closed_at or now)
    return dict(
        id=request.id, uscc=request.uscc, enterprise_name=request.enterprise_name, category=request.category,
        category_label=rules.category_label(request.category, lang), title=request.title,
        department=request.department, department_label=rules.department_label(request.department, lang),
        status=Status(request.status), status_label=translate(f"desk.status.{request.status}", lang),
        classification=request.classification,
        classification_label=translate(f"desk.classification.{request.classification}", lang)
        if request.classification else None,
        filed_at=request.filed_at, due_at=due, overdue=is_open and now > due,
        days_open=round((end - request.filed_at).total_seconds() / 86400, 1),
        accepted_at=request.accepted_at, resolved_at=request.resolved_at, closed_at=request.closed_at,
        rating=request.rating)


def request_public(request: DeskRequest | Row, *, rules: RoutingRules, policy: DeskPolicy, lang: str,
                   now: dt.datetime | None = None) -> RequestPublic:
    """A request (an ORM object or a row) as lists show it."""
    return RequestPublic(**_public_fields(request, rules=rules, policy=policy, lang=lang, now=now or utcnow()))


def request_detail(thread: RequestThread, *, viewer: Principal, rules: RoutingRules, policy: DeskPolicy,
                   lang: str, now: dt.datetime | None = None) -> RequestDetail:
    """A request with its description, thread and attachments, and the viewer's next actions."""
    request, meeting = thread.request, thread.meeting
    return RequestDetail(
        **_public_fields(request, rules=rules, policy=policy, lang=lang, now=now or utcnow()),
        description=request.description, rating_comment=request.rating_comment,
        meeting=MeetingPublic(id=meeting.id, title=meeting.title, held_on=meeting.held_on) if meeting else None,
        messages=[MessagePublic(id=m.id, at=m.at, author=m.author_name, author_role=m.author_role, event=m.event,
                                event_label=translate(f"desk.event.{m.event}", lang), body=m.body)
                  for m in thread.messages],
        attachments=[AttachmentPublic(id=a.id, filename=a.filename, media_type=a.media_type, size=a.size,
                                      sha256=a.sha256, at=a.at, url=attachment_url(request.id, a.id))
                     for a in thread.attachments],
        allowed_actions=allowed_actions(request, viewer, rules))


def request_page(requests: list[DeskRequest | Row], total: int, *, page: int, per_page: int, rules: RoutingRules,
                 policy: DeskPolicy, lang: str, now: dt.datetime | None = None) -> RequestPage:
    """One page of a list."""
    now = now or utcnow()
    return RequestPage(total=total, page=page, per_page=per_page, pages=max(1, -(-total // per_page)),
                       items=[request_public(r, rules=rules, policy=policy, lang=lang, now=now) for r in requests])
