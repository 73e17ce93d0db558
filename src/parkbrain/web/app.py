"""`create_app(park)`: the FastAPI app over one ParkBrain, with its error pages and headers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from parkbrain.accounts.roles import Permission
from parkbrain.app import ParkBrain
from parkbrain.desk.errors import DeskError
from parkbrain.i18n import translate
from parkbrain.settings import load_settings
from parkbrain.web import api, auth, desk, pages
from parkbrain.web.language import COOKIE, request_language, requested_language, translator
from parkbrain.web.render import page_context, templates
from parkbrain.web.security import CsrfFailed, Forbidden, LoginRequired, check_routes, require

log = logging.getLogger(__name__)

# Everything comes from the app itself: no CDN, no outside request, even by mistake.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
ONE_YEAR = 365 * 24 * 3600
# Messages of statuses the web catalogue does not name (by the catalogue key that says them).
STATUS_MESSAGES = {401: "accounts.error.login_required", 403: "accounts.error.forbidden",
                   413: "desk.error.body_too_large", 415: "desk.error.attachment_type"}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up, check again that every route names a permission (routers may be added after create_app),
    and open the warehouse: held by another process, it stops the start, not a request."""
    check_routes(app)
    if app.state.park is not None:
        app.state.park.warehouse  # noqa: B018
    yield


def _upload_limit(park: ParkBrain | None) -> int:
    """The largest request body: the attachments allowed at once plus 1 MiB of form fields."""
    if park is None:
        return 1024 * 1024
    return park.settings.desk_attachment_max_files * park.settings.desk_attachment_max_bytes + 1024 * 1024


def _include_capabilities(app: FastAPI) -> None:
    """Each capability's pages and JSON twins; routes name their own permissions, and the
    cockpit's (read-only, park-wide) get park.read here."""
    from parkbrain.web import bulletins, chains, cockpit, matching, policies
    from parkbrain.web.api import DENIED
    from parkbrain.web.models import Problem

    # What any capability route may answer besides its result: not logged in or not allowed,
    # a request that cannot be answered as asked, or nothing by that name (a district, a need).
    answers = DENIED | {400: {"model": Problem, "description": "The request contradicts itself"},
                        404: {"model": Problem, "description": "Nothing by that name or id"}}
    app.include_router(bulletins.router, responses=answers)
    app.include_router(chains.router, responses=answers)
    app.include_router(matching.router, responses=answers)
    app.include_router(policies.router, responses=answers)
    app.include_router(cockpit.router, responses=answers, dependencies=[Depends(require(Permission.PARK_READ))])


def create_app(park: ParkBrain) -> FastAPI:
    """The web app and JSON API over `park` (kept on app.state.park); every route checked for a permission."""
    app = FastAPI(title="ParkBrain 园区产业大脑", version="0.1.0", docs_url=None, redoc_url=None,
                  description="园区产业大脑 JSON API: every page has a twin under /api. Money in 万元. "
                              "Log in with POST /api/login (session cookie); send the returned csrf_token "
                              "as X-CSRF-Token with every POST.",
                  lifespan=_lifespan, max_body_size=_upload_limit(park))
    app.state.park = park
    app.state.templates = templates()
    static = Path(str(resources.files("parkbrain.web") / "static"))
    if not (static / "vendor" / "echarts.min.js").exists():
        log.warning("%s lacks echarts/htmx: run `make assets`; charts will not draw", static / "vendor")
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(api.router)
    app.include_router(auth.router)
    app.include_router(desk.router)
    app.include_router(pages.router)
    _include_capabilities(app)
    _add_error_handlers(app)
    _add_security_handlers(app)
    app.add_middleware(SecurityHeaders)
    check_routes(app)
    return app


def app_from_env() -> FastAPI:
    """The app over the park the PARKBRAIN_* environment names (for `uvicorn --factory`).

    With several workers (PARKBRAIN_WORKERS > 1) each opens the warehouse read-only: DuckDB allows
    one writing process, or several reading ones.
    """
    settings = load_settings()
    return create_app(ParkBrain(settings, read_only=settings.workers > 1))


class SecurityHeaders:
    """Security headers on every answer; ?lang= is remembered in a cookie (plain ASGI: cheap per request)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        lang = requested_language(Request(scope))

        async def with_headers(message) -> None:
            """Add the headers to the start of the answer."""
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                                    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"),
                                    # pages and JSON show one user's data: keep them out of shared caches
                                    ("Cache-Control", "public, max-age=3600" if static else "no-store")):
                    if name not in headers:
                        headers[name] = value
                if lang:
                    cookie = Response()
                    cookie.set_cookie(COOKIE, lang, max_age=ONE_YEAR, samesite="lax", httponly=True)
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/openapi.json")


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    ctx = page_context(request, active="", status=status, message=message)
    return request.app.state.templates.TemplateResponse(request, "error.html", ctx, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    """404/422/500 as JSON under /api, as pages elsewhere; never a stack trace."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """404 and friends, in the request's language."""
        lang = request_language(request)
        t = translator(lang)
        generic = exc.status_code in (404, 405) and exc.detail in ("Not Found", "Method Not Allowed")
        message = t(f"error.http_{exc.status_code}") if generic else str(exc.detail)
        if exc.status_code in STATUS_MESSAGES and exc.detail in ("Content Too Large", "Unauthorized", "Forbidden"):
            message = translate(STATUS_MESSAGES[exc.status_code], lang, name="", limit="")
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=exc.status_code, headers=exc.headers)
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """422: FastAPI's JSON under /api, a page naming the bad parameters elsewhere."""
        if _wants_json(request):
            return await request_validation_exception_handler(request, exc)
        t = translator(request_language(request))
        fields = [str(e["loc"][-1]) for e in exc.errors()]
        if "uscc" in fields:
            return _error_page(request, 422, t("error.invalid_uscc", uscc=request.path_params.get("uscc", "")))
        return _error_page(request, 422, t("error.invalid", fields=", ".join(fields)))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """500 without a stack trace; the trace goes to the log."""
        log.exception("error serving %s", request.url.path)
        t = translator(request_language(request))
        if _wants_json(request):
            return JSONResponse({"detail": t("error.http_500")}, status_code=500)
        return _error_page(request, 500, t("error.http_500"))


def _add_security_handlers(app: FastAPI) -> None:
    """Not logged in: a redirect to /login (pages) or 401 (API); no permission or bad CSRF token: 403."""

    def answer(request: Request, status: int, key: str) -> Response:
        """The refusal as JSON (API) or as an error page."""
        message = translate(key, request_language(request))
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        return _error_page(request, status, message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        """Pages send the browser to the login form and back; the API says 401."""
        if _wants_json(request):
            return answer(request, 401, "accounts.error.login_required")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/login?next={quote(target, safe='/')}"
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        """The role may not see this."""
        return answer(request, 403, "accounts.error.forbidden")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        """A state-changing request without the page's token."""
        return answer(request, 403, "accounts.error.csrf")

    @app.exception_handler(DeskError)
    async def desk_refused(request: Request, exc: DeskError) -> Response:
        """A refused desk operation (nothing stored): its 4xx and reason."""
        message = exc.message(request_language(request))
        if _wants_json(request) and exc.status == 422:  # the shape FastAPI's own 422s have
            problem = {"type": "value_error", "loc": ["body", exc.key], "msg": message}
            return JSONResponse({"detail": [problem]}, status_code=422)
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=exc.status)
        return _error_page(request, exc.status, message)
