"""The service desk's pages and their JSON twins: thin shells over parkbrain.desk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BeforeValidator, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from parkbrain.accounts.roles import Permission
from parkbrain.accounts.sessions import Principal
from parkbrain.desk import service
from parkbrain.desk.errors import DeskError, Invalid
from parkbrain.desk.schemas import (
    Classification,
    DeskAction,
    DeskStatistics,
    RequestCreate,
    RequestDetail,
    RequestPage,
    Routing,
    Status,
)
from parkbrain.desk.workbench import DeskWork
from parkbrain.opdb.base import utcnow
from parkbrain.web.language import request_language
from parkbrain.web.models import Problem
from parkbrain.web.render import page_context, render_page
from parkbrain.web.security import client_ip, request_form, require

ERRORS = {code: {"model": Problem, "description": text} for code, text in (
    (400, "Malformed body"), (401, "Not logged in"), (403, "Not allowed for this role"), (404, "No such request (or not yours)"),
    (409, "Not possible in the request's state"), (413, "Too large"), (415, "Attachment type not accepted"))}
router = APIRouter(responses=ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.DESK_READ))]
Filer = Annotated[Principal, Depends(require(Permission.DESK_FILE))]
Actor = Annotated[Principal, Depends(require(Permission.DESK_FILE, Permission.DESK_HANDLE))]
Handler = Annotated[Principal, Depends(require(Permission.DESK_HANDLE))]
Watcher = Annotated[Principal, Depends(require(Permission.DESK_STATS))]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Request number")]
AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
JSON_LIMIT = 1024 * 1024
_action = TypeAdapter(DeskAction)


def _blank(value: object) -> object:
    return None if value == "" else value


@dataclass
class DeskQuery:
    """Filters and page of a request list (a form's empty choice means no filter)."""

    status: Annotated[Status | None, BeforeValidator(_blank), Query()] = None
    category: Annotated[str | None, Query(pattern=r"^[a-z_]{0,32}$")] = None
    department: Annotated[str | None, Query(pattern=r"^[a-z_]{0,64}$")] = None
    page: Annotated[int, Query(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Query(ge=1, le=200)] = 50

    def __post_init__(self) -> None:
        self.category, self.department = self.category or None, self.department or None


class Desk(DeskWork):
    """The desk operations of a request's user, and the desk's pages."""

    def __init__(self, request: Request, viewer: Principal) -> None:
        super().__init__(request.app.state.park, viewer, lang=request_language(request), ip=client_ip(request))
        self.request = request

    def list(self, query: DeskQuery, **where: object) -> RequestPage:
        """One page of a list, as the query asks."""
        filters = service.RequestFilter(status=query.status.value if query.status else None,
                                        category=query.category, department=query.department, **where)
        return self.page(filters, page=query.page, per_page=query.per_page)

    def render(self, name: str, active: str = "desk", status_code: int = 200, **extra: object) -> HTMLResponse:
        """A desk page."""
        ctx = page_context(self.request, active=active, rules=self.rules, statuses=list(Status), **extra)
        return render_page(self.request, f"desk/{name}", ctx, status_code=status_code)


async def _read_files(uploads: list, policy: service.DeskPolicy) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes (at most one byte over the cap is read: enough to refuse)."""
    files = []
    for upload in uploads:
        if not isinstance(upload, StarletteUpload) or (not upload.filename and not upload.size):
            continue  # a form's empty file input
        files.append((upload.filename or "", await upload.read(policy.max_bytes + 1)))
    if len(files) > policy.max_files:
        service.check_files(files, policy)
    return files


def _overdue_before(desk: Desk) -> dt.datetime:
    return utcnow() - dt.timedelta(days=desk.policy.due_days)


# ---- JSON ------------------------------------------------------------------------------------

@router.get("/api/desk/requests", response_model=RequestPage, tags=["desk"])
def list_json(request: Request, query: Annotated[DeskQuery, Depends()], viewer: Reader) -> RequestPage:
    """Requests the account may see (an enterprise: its own), newest first. Twin of `/desk`."""
    return Desk(request, viewer).list(query)


@router.post("/api/desk/requests", response_model=RequestDetail, status_code=201, tags=["desk"],
             max_body_size=JSON_LIMIT)
async def file_json(request: Request, body: RequestCreate, viewer: Filer) -> RequestDetail:
    """File a request (enterprise accounts); attachments follow with `POST .../attachments`."""
    return await run_in_threadpool(Desk(request, viewer).file_and_show, body)


@router.get("/api/desk/requests/{request_id}", response_model=RequestDetail, tags=["desk"])
def detail_json(request: Request, request_id: RequestId, viewer: Reader) -> RequestDetail:
    """One request with its thread and attachments. Twin of `/desk/requests/{request_id}`."""
    return Desk(request, viewer).detail(request_id)


@router.post("/api/desk/requests/{request_id}/actions", response_model=RequestDetail, tags=["desk"],
             max_body_size=JSON_LIMIT)
def action_json(request: Request, request_id: RequestId, body: DeskAction, viewer: Actor) -> RequestDetail:
    """Accept, reply, reassign, escalate, classify, resolve (officers); reply, confirm, reopen (the enterprise)."""
    desk = Desk(request, viewer)
    desk.act(request_id, body)
    return desk.detail(request_id)


@router.post("/api/desk/requests/{request_id}/attachments", response_model=RequestDetail, status_code=201,
             tags=["desk"])
async def attach_json(request: Request, request_id: RequestId, viewer: Actor,
                      files: Annotated[list[UploadFile], File(description="PDF, PNG, JPEG, XLSX or DOCX")]) -> RequestDetail:
    """Attach files to a request (checked by content; all or none are stored)."""
    desk = Desk(request, viewer)
    await run_in_threadpool(desk.attach, request_id, await _read_files(files, desk.policy))
    return await run_in_threadpool(desk.detail, request_id)


@router.get("/api/desk/categories", response_model=Routing, tags=["desk"])
def categories_json(request: Request, viewer: Reader) -> Routing:
    """The categories (each with its department), departments and attachment limits. Twin of `/desk/new`."""
    return Desk(request, viewer).routing()


@router.get("/api/desk/queue", response_model=RequestPage, tags=["desk"])
def queue_json(request: Request, query: Annotated[DeskQuery, Depends()], viewer: Handler) -> RequestPage:
    """Open requests of a department, by default the officer's own. Twin of `/desk/queue`."""
    query.department = query.department or viewer.department
    return Desk(request, viewer).list(query, open_only=True)


@router.get("/api/desk/overdue", response_model=RequestPage, tags=["desk"])
def overdue_json(request: Request, query: Annotated[DeskQuery, Depends()], viewer: Watcher) -> RequestPage:
    """Open requests past their due day, oldest first. Twin of `/desk/overdue`."""
    desk = Desk(request, viewer)
    return desk.list(query, overdue_before=_overdue_before(desk))


@router.get("/api/desk/stats", response_model=DeskStatistics, tags=["desk"])
def stats_json(request: Request, viewer: Watcher) -> DeskStatistics:
    """Resolved rate and median days to resolve, by department and category. Twin of `/desk/stats`."""
    return Desk(request, viewer).statistics()


# ---- pages -----------------------------------------------------------------------------------

@router.get("/desk", include_in_schema=False, response_class=HTMLResponse)
def list_page(request: Request, query: Annotated[DeskQuery, Depends()], viewer: Reader) -> HTMLResponse:
    """The requests the account may see."""
    desk = Desk(request, viewer)
    return desk.render("list.html", result=desk.list(query), query=query, view="all")


@router.get("/desk/queue", include_in_schema=False, response_class=HTMLResponse)
def queue_page(request: Request, query: Annotated[DeskQuery, Depends()], viewer: Handler) -> HTMLResponse:
    """The officer's queue: open requests of a department."""
    query.department = query.department or viewer.department
    desk = Desk(request, viewer)
    return desk.render("list.html", result=desk.list(query, open_only=True), query=query, view="queue")


@router.get("/desk/overdue", include_in_schema=False, response_class=HTMLResponse)
def overdue_page(request: Request, query: Annotated[DeskQuery, Depends()], viewer: Watcher) -> HTMLResponse:
    """Open requests past their due day."""
    desk = Desk(request, viewer)
    result = desk.list(query, overdue_before=_overdue_before(desk))
    return desk.render("list.html", result=result, query=query, view="overdue")


@router.get("/desk/stats", include_in_schema=False, response_class=HTMLResponse)
def stats_page(request: Request, viewer: Watcher) -> HTMLResponse:
    """The desk's statistics."""
    desk = Desk(request, viewer)
    return desk.render("stats.html", stats=desk.statistics(), reference=desk.rules.reference)


@router.get("/desk/new", include_in_schema=False, response_class=HTMLResponse)
def new_page(request: Request, viewer: Filer) -> HTMLResponse:
    """The form for a new request."""
    desk = Desk(request, viewer)
    return desk.render("new.html", form={}, errors=[], policy=desk.policy)


@router.post("/desk/requests", include_in_schema=False, response_class=HTMLResponse)
async def file_page(request: Request, viewer: Filer) -> Response:
    """File a request from the form (with attachments); a bad form comes back with its errors, nothing stored."""
    desk = Desk(request, viewer)
    form = await request_form(request)
    fields = {k: form.get(k) or "" for k in ("category", "title", "description")}
    try:
        data = RequestCreate(**{k: v for k, v in fields.items() if isinstance(v, str)})
        files = await _read_files(form.getlist("files"), desk.policy)
        request_id = await run_in_threadpool(desk.file, data, files)
    except ValidationError as exc:
        errors = [f"field:{e['loc'][0]}" for e in exc.errors()]
        return desk.render("new.html", status_code=422, form=fields, errors=errors, policy=desk.policy)
    except DeskError as exc:
        return desk.render("new.html", status_code=exc.status, form=fields, errors=[exc.message(desk.lang)],
                           policy=desk.policy)
    return RedirectResponse(f"/desk/requests/{request_id}", status_code=303)


@router.get("/desk/requests/{request_id}", include_in_schema=False, response_class=HTMLResponse)
def detail_page(request: Request, request_id: RequestId, viewer: Reader) -> HTMLResponse:
    """One request with its thread, attachments and the forms of the viewer's next actions."""
    desk = Desk(request, viewer)
    return desk.render("detail.html", item=desk.detail(request_id), classifications=list(Classification))


@router.post("/desk/requests/{request_id}/actions", include_in_schema=False, response_class=HTMLResponse)
async def action_page(request: Request, request_id: RequestId, viewer: Actor) -> Response:
    """Take the action a form names, then show the request again."""
    form = await request_form(request)
    data = {k: v for k, v in form.items() if isinstance(v, str) and v.strip() and k != "csrf_token"}
    try:
        action = _action.validate_python(data)
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][-1]) if e["loc"] else "action" for e in exc.errors()}))
        raise Invalid("invalid_form", fields=fields) from None
    await run_in_threadpool(Desk(request, viewer).act, request_id, action)
    return RedirectResponse(f"/desk/requests/{request_id}", status_code=303)


@router.post("/desk/requests/{request_id}/attachments", include_in_schema=False, response_class=HTMLResponse)
async def attach_page(request: Request, request_id: RequestId, viewer: Actor) -> Response:
    """Attach files from the form, then show the request again."""
    desk = Desk(request, viewer)
    files = await _read_files((await request_form(request)).getlist("files"), desk.policy)
    await run_in_threadpool(desk.attach, request_id, files)
    return RedirectResponse(f"/desk/requests/{request_id}", status_code=303)


@router.get("/desk/requests/{request_id}/attachments/{attachment_id}", include_in_schema=False,
            response_class=Response)
def attachment(request: Request, request_id: RequestId, attachment_id: AttachmentId, viewer: Reader) -> Response:
    """Download an attachment (as a file, never shown inline)."""
    content, media_type, name = Desk(request, viewer).attachment(request_id, attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
