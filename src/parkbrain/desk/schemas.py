"""The desk's model family: what a request is created from, how it is shown, the actions on it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Note = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)]
CategoryId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]{1,32}$")]
DepartmentId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]{1,64}$")]


class Status(StrEnum):
    """Where a request stands."""

    SUBMITTED = "submitted"  # 已提交: routed to a department, waiting to be accepted
    ACCEPTED = "accepted"    # 已受理
    ESCALATED = "escalated"  # 提交协调会
    RESOLVED = "resolved"    # 已办结, waiting for the enterprise's confirmation
    CLOSED = "closed"        # 已确认: the enterprise confirmed and rated


OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.ESCALATED)
DONE = (Status.RESOLVED, Status.CLOSED)


class Classification(StrEnum):
    """The seeds' classes of problem (钱塘 8590: 重点问题 / 难点个性问题 / 难点共性问题)."""

    KEY = "key_issue"                           # 重点问题
    HARD_INDIVIDUAL = "hard_individual_issue"   # 难点个性问题
    HARD_COMMON = "hard_common_issue"           # 难点共性问题


class RequestCreate(BaseModel):
    """What an enterprise files: a category, a short title and a description."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"category": "land_space", "title": "扩产需要新增厂房", "description": "我司计划扩产，需要约2000平方米厂房。"}]})

    category: CategoryId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=5000)]


class AcceptAction(BaseModel):
    """An officer accepts the request (and may classify it at once)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"action": "accept"}]})
    action: Literal["accept"]
    classification: Classification | None = None
    note: Note = None


class ReplyAction(BaseModel):
    """A message in the thread, from the officer or the enterprise."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"action": "reply", "text": "已收到。"}]})
    action: Literal["reply"]
    text: Text


class ReassignAction(BaseModel):
    """An officer hands the request to another department (which must accept it again)."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["reassign"]
    department: DepartmentId
    note: Note = None


class EscalateAction(BaseModel):
    """An officer takes the request to a coordination meeting: an existing one, or a new one."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["escalate"]
    meeting_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    meeting_title: Annotated[str | None, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)] = None
    held_on: dt.date | None = None
    note: Note = None


class ClassifyAction(BaseModel):
    """An officer classifies the problem."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["classify"]
    classification: Classification


class ResolveAction(BaseModel):
    """An officer resolves the request, saying how."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["resolve"]
    text: Text


class ConfirmAction(BaseModel):
    """The enterprise confirms the resolution and rates the service (1-5)."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["confirm"]
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=500)] = None


class ReopenAction(BaseModel):
    """The enterprise says the problem is not solved; the request goes back to its department."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["reopen"]
    text: Text


DeskAction = Annotated[AcceptAction | ReplyAction | ReassignAction | EscalateAction | ClassifyAction
                       | ResolveAction | ConfirmAction | ReopenAction, Field(discriminator="action")]
ACTIONS = ("accept", "reply", "reassign", "escalate", "classify", "resolve", "confirm", "reopen")


class MessagePublic(BaseModel):
    """One entry of the thread."""

    id: int
    at: dt.datetime
    author: str
    author_role: str
    event: str = Field(description="'message', or the action taken (accept, reassign, reminder, …)")
    event_label: str
    body: str


class AttachmentPublic(BaseModel):
    """An attachment's description (the file itself is downloaded from `url`)."""

    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    at: dt.datetime
    url: str


class MeetingPublic(BaseModel):
    """A coordination meeting."""

    id: int
    title: str
    held_on: dt.date


class RequestPublic(BaseModel):
    """A request as lists show it."""

    id: int
    uscc: str
    enterprise_name: str
    category: str
    category_label: str
    title: str
    department: str
    department_label: str
    status: Status
    status_label: str
    classification: Classification | None
    classification_label: str | None
    filed_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    days_open: float = Field(description="Days from filing to resolution, or to now while open")
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    rating: int | None


class RequestDetail(RequestPublic):
    """A request with its description, thread, attachments and what the viewer may do next."""

    description: str
    rating_comment: str | None
    meeting: MeetingPublic | None
    messages: list[MessagePublic]
    attachments: list[AttachmentPublic]
    allowed_actions: list[str]


class RequestPage(BaseModel):
    """One page of requests."""

    total: int
    page: int
    per_page: int
    pages: int
    items: list[RequestPublic]


class GroupFigures(BaseModel):
    """Statistics of one department or category."""

    id: str
    label: str
    total: int
    resolved: int
    resolved_rate: float | None = Field(description="Resolved / total, percent")
    median_days_to_resolve: float | None


class DeskStatistics(BaseModel):
    """The desk's figures for the cockpit (resolved: resolved or confirmed)."""

    since: dt.date | None
    until: dt.date | None
    total: int
    open: int
    resolved: int
    overdue: int
    resolved_rate: float | None = Field(description="Resolved / total, percent")
    median_days_to_resolve: float | None
    by_department: list[GroupFigures]
    by_category: list[GroupFigures]
    by_classification: dict[str, int]
    meetings: int
    average_rating: float | None


class ReminderPublic(BaseModel):
    """A reminder due (or sent) for an open request at one SLA step."""

    request_id: int
    step_days: int
    department: str
    due_at: dt.datetime


class Choice(BaseModel):
    """A department or a category, with its name in the viewer's language."""

    id: str
    label: str


class CategoryChoice(Choice):
    """A category and the department it goes to."""

    department: str
    department_label: str


class Routing(BaseModel):
    """What the new-request form offers: categories (and where each goes), departments, the limits."""

    version: str
    source: str
    categories: list[CategoryChoice]
    departments: list[Choice]
    attachment_types: list[str]
    attachment_max_bytes: int
    attachment_max_files: int
