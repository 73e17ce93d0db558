"""`create_app(park)`: the FastAPI app over one ParkBrain, with its error pages and headers."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from parkbrain.app import ParkBrain
from parkbrain.web import api, pages
from parkbrain.web.language import COOKIE, request_language, requested_language, translator
from parkbrain.web.render import page_context, templates

log = logging.getLogger(__name__)

# Everything comes from the app itself: no CDN, no outside request, even by mistake.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
ONE_YEAR = 365 * 24 * 3600


def create_app(park: ParkBrain) -> FastAPI:
    """The web app and JSON API over `park` (kept on app.state.park)."""
    app = FastAPI(title="ParkBrain 园区产业大脑", version="0.1.0", docs_url=None, redoc_url=None,
                  description="园区产业大脑 JSON API: every page has a twin under /api. Money in 万元.")
    app.state.park = park
    app.state.templates = templates()
    static = Path(str(resources.files("parkbrain.web") / "static"))
    if not (static / "vendor" / "echarts.min.js").exists():
        log.warning("%s lacks echarts/htmx: run `make assets`; charts will not draw", static / "vendor")
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _add_error_handlers(app)
    app.middleware("http")(_headers)
    return app


async def _headers(request: Request, call_next) -> Response:
    """Security headers on every answer; ?lang= is remembered in a cookie."""
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
    lang = requested_language(request)
    if lang:
        response.set_cookie(COOKIE, lang, max_age=ONE_YEAR, samesite="lax", httponly=True)
    return response


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
        t = translator(request_language(request))
        generic = exc.status_code in (404, 405) and exc.detail in ("Not Found", "Method Not Allowed")
        message = t(f"error.http_{exc.status_code}") if generic else str(exc.detail)
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
