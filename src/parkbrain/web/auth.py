"""Login, logout and the account page, with JSON twins (/api/login, /api/logout, /api/me)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from parkbrain.accounts.roles import Permission
from parkbrain.accounts.schemas import (
    CsrfToken,
    EnterpriseRef,
    ExpertProfile,
    LoginRequest,
    Me,
    UserPublic,
)
from parkbrain.accounts.sessions import LoginRefused, Principal, login, logout
from parkbrain.desk.routing import load_routing
from parkbrain.i18n import translate
from parkbrain.web.language import request_language
from parkbrain.web.models import Problem
from parkbrain.web.render import page_context, render_page
from parkbrain.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    client_ip,
    csrf_token,
    require,
    session_policy,
)

router = APIRouter(responses={400: {"model": Problem, "description": "Malformed body"},
                              403: {"model": Problem, "description": "CSRF token missing or wrong"},
                              413: {"model": Problem, "description": "Body too large"}})
Public = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
Anyone = Annotated[Principal, Depends(require(Permission.AUTHENTICATED))]
NOT_LOGGED_IN = {401: {"model": Problem, "description": "Not logged in"}}
REFUSED = {401: {"model": Problem, "description": "Wrong name or password (or a disabled account)"},
           429: {"model": Problem, "description": "Too many failed logins; wait"}}


def safe_next(target: str | None) -> str:
    """A local path to go to after login (anything else, e.g. another site, becomes /)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 500:
        return "/"
    return target


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    secure = request.app.state.park.settings.cookie_secure
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def _set_csrf_cookie(request: Request, response: Response) -> None:
    secure = request.app.state.park.settings.cookie_secure
    response.set_cookie(CSRF_COOKIE, csrf_token(request), httponly=True, samesite="strict", secure=secure, path="/")


async def _login(request: Request, username: str, password: str) -> tuple[str, Principal]:
    park = request.app.state.park
    return await run_in_threadpool(login, park.db, username=username, password=password, ip=client_ip(request),
                                   user_agent=request.headers.get("user-agent", ""), policy=session_policy(request),
                                   hasher=park.hasher)


def _login_page(request: Request, *, next_url: str, error: str | None = None, status_code: int = 200) -> Response:
    ctx = page_context(request, active="login", next_url=next_url, error=error, username="")
    response = render_page(request, "auth/login.html", ctx, status_code=status_code)
    _set_csrf_cookie(request, response)
    return response


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
def login_page(request: Request, principal: Public, next: str | None = None) -> Response:
    """The login form (someone already logged in goes on to `next`)."""
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", include_in_schema=False, response_class=HTMLResponse)
async def login_form(request: Request, _: Public, username: Annotated[str, Form(max_length=200)] = "",
                     password: Annotated[str, Form(max_length=1000)] = "",
                     next: Annotated[str, Form(max_length=1000)] = "/") -> Response:
    """Check the name and password; on success open a session and go on, else say so (generically)."""
    lang = request_language(request)
    try:
        token, _principal = await _login(request, username, password)
    except LoginRefused as refused:
        status = 429 if refused.reason == "throttled" else 401
        return _login_page(request, next_url=safe_next(next), status_code=status,
                           error=translate(f"accounts.login.{refused.reason}", lang))
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_session_cookie(request, response, token)
    return response


@router.get("/api/login", response_model=CsrfToken, tags=["accounts"])
def login_token(request: Request, _: Public) -> Response:
    """The CSRF token to send (as X-CSRF-Token) with `POST /api/login`; sets its cookie."""
    response = JSONResponse({"csrf_token": csrf_token(request)})
    _set_csrf_cookie(request, response)
    return response


@router.post("/api/login", response_model=Me, responses=REFUSED, tags=["accounts"])
async def login_json(request: Request, _: Public, body: LoginRequest) -> Response:
    """Log in: sets the session cookie and returns the account with the CSRF token for later calls."""
    lang = request_language(request)
    try:
        token, principal = await _login(request, body.username, body.password)
    except LoginRefused as refused:
        status = 429 if refused.reason == "throttled" else 401
        return JSONResponse({"detail": translate(f"accounts.login.{refused.reason}", lang)}, status_code=status)
    response = JSONResponse(build_me(request, principal).model_dump(mode="json"))
    _set_session_cookie(request, response, token)
    return response


def _end(request: Request, principal: Principal, response: Response) -> Response:
    logout(request.app.state.park.db, principal, ip=client_ip(request))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout_form(request: Request, principal: Anyone) -> Response:
    """End the session and go to the login page."""
    return _end(request, principal, RedirectResponse("/login", status_code=303))


@router.post("/api/logout", status_code=204, tags=["accounts"], responses=NOT_LOGGED_IN)
def logout_json(request: Request, principal: Anyone) -> Response:
    """End the session."""
    return _end(request, principal, Response(status_code=204))


def _expert(park, expert_id: str) -> ExpertProfile:
    table = park.warehouse.table("experts")
    rows = park.warehouse.to_pylist(table.filter(table.expert_id == expert_id).limit(1))
    fields = ExpertProfile.model_fields
    return ExpertProfile(**{k: v for k, v in rows[0].items() if k in fields}) if rows else ExpertProfile(
        expert_id=expert_id)


def _enterprise(park, uscc: str) -> EnterpriseRef:
    table = park.warehouse.table("enterprises")
    rows = park.warehouse.to_pylist(table.filter(table.uscc == uscc).select("name").limit(1))
    return EnterpriseRef(uscc=uscc, name=rows[0]["name"] if rows else None)


def build_me(request: Request, principal: Principal) -> Me:
    """The logged-in user's account, permissions, binding and CSRF token."""
    park = request.app.state.park
    user = UserPublic(username=principal.username, display_name=principal.display_name, role=principal.role,
                      department=principal.department, uscc=principal.uscc, expert_id=principal.expert_id)
    return Me(user=user, permissions=sorted(principal.permissions), csrf_token=principal.csrf_token,
              enterprise=_enterprise(park, principal.uscc) if principal.uscc else None,
              expert=_expert(park, principal.expert_id) if principal.expert_id else None)


@router.get("/api/me", response_model=Me, tags=["accounts"], responses=NOT_LOGGED_IN)
def me_json(request: Request, principal: Anyone) -> Me:
    """The logged-in user; an expert also gets their own profile. Twin of `/me`."""
    return build_me(request, principal)


@router.get("/me", include_in_schema=False, response_class=HTMLResponse)
def me_page(request: Request, principal: Anyone) -> Response:
    """The account page; for an expert, their own profile."""
    lang = request_language(request)
    label = load_routing().department_label(principal.department, lang) if principal.department else ""
    ctx = page_context(request, active="me", me=build_me(request, principal), department_label=label)
    return render_page(request, "auth/me.html", ctx)
