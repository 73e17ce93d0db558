"""What officers and enterprises do with a request, as a state machine with who-may-do-what.

Officers accept, reply, reassign, escalate to a coordination meeting, classify and resolve;
accepting, escalating and resolving belong to the request's department (or the enterprise
service centre, which coordinates). The enterprise replies, confirms and rates, or reopens.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from parkbrain.accounts.roles import Role
from parkbrain.accounts.sessions import Principal
from parkbrain.audit import record
from parkbrain.desk.errors import Conflict, Invalid, NotAllowed
from parkbrain.desk.models import CoordinationMeeting, DeskRequest
from parkbrain.desk.routing import RoutingRules
from parkbrain.desk.schemas import (
    AcceptAction,
    ClassifyAction,
    ConfirmAction,
    DeskAction,
    EscalateAction,
    ReassignAction,
    ReopenAction,
    ReplyAction,
    ResolveAction,
    Status,
)
from parkbrain.desk.service import get_request, thread_entry
from parkbrain.opdb.base import utcnow

S = Status
_ANY_BUT_CLOSED = {S.SUBMITTED, S.ACCEPTED, S.ESCALATED, S.RESOLVED}
# action -> the states it may be taken in, per role
MAY: dict[Role, dict[str, set[Status]]] = {
    Role.OFFICER: {"accept": {S.SUBMITTED}, "reply": _ANY_BUT_CLOSED, "reassign": {S.SUBMITTED, S.ACCEPTED},
                   "escalate": {S.SUBMITTED, S.ACCEPTED}, "classify": set(S), "resolve": {S.ACCEPTED, S.ESCALATED}},
    Role.ENTERPRISE: {"reply": _ANY_BUT_CLOSED, "confirm": {S.RESOLVED}, "reopen": {S.RESOLVED}},
}
DEPARTMENT_ONLY = {"accept", "escalate", "resolve"}


def _own_department(request: DeskRequest, viewer: Principal, rules: RoutingRules) -> bool:
    return viewer.department in (request.department, rules.default_department)


def allowed_actions(request: DeskRequest, viewer: Principal, rules: RoutingRules) -> list[str]:
    """The actions the viewer may take on the request now."""
    status = Status(request.status)
    return [action for action, states in MAY.get(viewer.role, {}).items()
            if status in states and (action not in DEPARTMENT_ONLY or _own_department(request, viewer, rules))]


def _check(request: DeskRequest, viewer: Principal, action: str, rules: RoutingRules) -> None:
    states = MAY.get(viewer.role, {}).get(action)
    if states is None:
        raise NotAllowed("action_not_allowed", action=action)
    if action in DEPARTMENT_ONLY and not _own_department(request, viewer, rules):
        raise NotAllowed("not_your_department", action=action)
    if Status(request.status) not in states:
        raise Conflict("action_conflict", action=action, status=request.status)


def _meeting(session: Session, action: EscalateAction, viewer: Principal, now: dt.datetime) -> CoordinationMeeting:
    """The meeting named by id, or a new one from a title and a date."""
    if action.meeting_id is not None:
        meeting = session.get(CoordinationMeeting, action.meeting_id)
        if meeting is None:
            raise Invalid("no_such_meeting", id=action.meeting_id)
        return meeting
    if not action.meeting_title or action.held_on is None:
        raise Invalid("meeting_required")
    meeting = CoordinationMeeting(title=action.meeting_title, held_on=action.held_on, created_by=viewer.user_id,
                                  created_at=now)
    session.add(meeting)
    session.flush()
    return meeting


def _apply(session: Session, request: DeskRequest, action: DeskAction, viewer: Principal, rules: RoutingRules,
           now: dt.datetime) -> tuple[str, dict]:
    """Change the request; return the thread text and the audit detail."""
    match action:
        case AcceptAction():
            request.status, request.accepted_at, request.assignee_id = S.ACCEPTED.value, now, viewer.user_id
            if action.classification:
                request.classification = action.classification.value
            return action.note or "", {"classification": request.classification}
        case ReplyAction():
            return action.text, {"length": len(action.text)}
        case ReassignAction():
            if action.department not in rules.departments or action.department == request.department:
                raise Invalid("bad_department", department=action.department)
            before = request.department
            request.department, request.status = action.department, S.SUBMITTED.value
            request.accepted_at = request.assignee_id = None
            return action.note or "", {"from": before, "to": action.department}
        case EscalateAction():
            meeting = _meeting(session, action, viewer, now)
            request.meeting_id, request.status = meeting.id, S.ESCALATED.value
            return action.note or meeting.title, {"meeting_id": meeting.id}
        case ClassifyAction():
            request.classification = action.classification.value
            return "", {"classification": request.classification}
        case ResolveAction():
            request.status, request.resolved_at = S.RESOLVED.value, now
            return action.text, {}
        case ConfirmAction():
            request.status, request.closed_at = S.CLOSED.value, now
            request.rating, request.rating_comment = action.rating, action.comment
            return action.comment or "", {"rating": action.rating}
        case ReopenAction():
            request.status, request.resolved_at = S.ACCEPTED.value, None
            return action.text, {}
    raise Invalid("unknown_action")  # pragma: no cover - the union is closed


def apply_action(session: Session, *, viewer: Principal, request_id: int, action: DeskAction,
                 rules: RoutingRules, ip: str, now: dt.datetime | None = None) -> DeskRequest:
    """Take one action on a request the viewer may see, or raise (nothing changes then)."""
    now = now or utcnow()
    request = get_request(session, request_id, viewer, for_update=True)
    _check(request, viewer, action.action, rules)
    body, detail = _apply(session, request, action, viewer, rules, now)
    thread_entry(session, request, viewer=viewer, event="message" if action.action == "reply" else action.action,
                 body=body, at=now)
    record(session, actor=viewer.actor(ip), action=f"desk.{action.action}", target=f"desk_request:{request.id}",
           detail=detail | {"status": request.status}, at=now)
    session.flush()
    return request
