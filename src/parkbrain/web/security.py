"""Who the request is and what it may do: sessions, permissions on every route (default deny), CSRF.

Every route names what it needs with `require(...)` (a dependency, so it guards pages and
JSON alike). `check_routes` refuses an app with a route that does not, except the public
allow-list, at build time and again at start-up (so routers added later are checked too).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.routing import BaseRoute, Mount, Route

from parkbrain.accounts.roles import Permission
from parkbrain.accounts.sessions import Principal, SessionPolicy, resolve

SESSION_COOKIE = "pb_session"
CSRF_COOKIE = "pb_csrf"          # double-submit token of the login form (before a session exists)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The only paths that may be reached without logging in. 一键找园 is for anyone, a founder with
# no company and no account included (issue 6); it shows listings, never an enterprise's data.
PUBLIC_PATHS = frozenset({"/healthz", "/login", "/api/login", "/openapi.json", "/spaces", "/api/spaces"})
PUBLIC_MOUNTS = frozenset({"/static"})
_UNRESOLVED = object()


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """The role lacks the permission the route needs: 403."""


class CsrfFailed(Exception):
    """A state-changing request without the right CSRF token: 403."""


class UnprotectedRoute(RuntimeError):
    """A route names no permission (or a public one off the allow-list); the app refuses to start."""


def client_ip(request: Request) -> str:
    """The address the request came from (the direct peer; no proxy header is trusted)."""
    return request.client.host if request.client else "-"


def session_policy(request: Request) -> SessionPolicy:
    """The app's session policy (from the park's settings, computed once)."""
    state = request.app.state
    if getattr(state, "session_policy", None) is None:
        state.session_policy = SessionPolicy.from_settings(state.park.settings)
    return state.session_policy


async def current_principal(request: Request) -> Principal | None:
    """The logged-in user of the request (resolved once per request), or None."""
    found = getattr(request.state, "principal", _UNRESOLVED)
    if found is _UNRESOLVED:
        token = request.cookies.get(SESSION_COOKIE)
        found = None
        if token:
            park = request.app.state.park
            found = await run_in_threadpool(resolve, park.db, token, policy=session_policy(request))
        request.state.principal = found
    return found


def anonymous_csrf_token(request: Request) -> str:
    """The login form's double-submit token: the cookie's, or a new one (the login page sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE)
    return token if token and 20 <= len(token) <= 100 else secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """The token a form of this page must carry: the session's, else the login form's."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.csrf_token
    if not getattr(request.state, "anonymous_csrf", None):
        request.state.anonymous_csrf = anonymous_csrf_token(request)
    return request.state.anonymous_csrf


async def request_form(request: Request) -> FormData:
    """The request's form, parsed once (later calls get the same), its files closed after the response."""
    already = getattr(request, "_form", None)
    form = await request.form()
    if already is None:
        closing = request.scope.get("fastapi_middleware_astack")  # FastAPI's per-request exit stack
        if closing is not None:
            closing.push_async_callback(form.close)
    return form


async def check_csrf(request: Request, principal: Principal | None) -> None:
    """Refuse a state-changing request whose token (header or form field) does not match."""
    expected = principal.csrf_token if principal else request.cookies.get(CSRF_COOKIE)
    presented = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if not presented and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request_form(request)).get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not expected or not presented or not hmac.compare_digest(expected.encode(), presented.encode()):
        raise CsrfFailed()


def require(*permissions: Permission) -> Callable:
    """A dependency letting the request through when the user holds any of `permissions` (and CSRF passes)."""
    wanted = frozenset(permissions)
    if not wanted:
        raise ValueError("require() needs at least one permission")

    async def dependency(request: Request) -> Principal | None:
        """Authenticate, authorise and, for a state-changing method, check the CSRF token."""
        principal = await current_principal(request)
        if Permission.PUBLIC not in wanted:
            if principal is None:
                raise LoginRequired()
            if not wanted & principal.permissions:
                raise Forbidden()
        if request.method not in SAFE_METHODS:
            await check_csrf(request, principal)
        return principal

    dependency.__name__ = "require_" + "_or_".join(sorted(p.value.replace(".", "_") for p in wanted))
    dependency.permissions = wanted  # type: ignore[attr-defined] - read by check_routes
    return dependency


@dataclass(frozen=True)
class RouteInfo:
    """A route as the app serves it: full path, methods, kind and dependency tree (None for mounts)."""

    path: str
    methods: frozenset[str]
    kind: type
    dependant: object | None
    route: BaseRoute


def served_routes(routes: Sequence[BaseRoute]) -> Iterator[RouteInfo]:
    """Every route of an app as served, routers included (also those FastAPI includes lazily)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    for context in contexts(routes) if contexts else routes:
        original = getattr(context, "original_route", context)
        yield RouteInfo(str(getattr(context, "path", None) or getattr(original, "path", "?")),
                        frozenset(getattr(context, "methods", None) or ()), type(original),
                        getattr(context, "dependant", None), original)


def route_permissions(dependant: object | None) -> frozenset[Permission] | None:
    """The permissions a route's dependency tree requires (None when it names none)."""
    stack, found = [dependant] if dependant is not None else [], None
    while stack:
        node = stack.pop()
        wanted = getattr(node.call, "permissions", None)
        if wanted is not None:
            found = (found or frozenset()) | wanted
        stack.extend(node.dependencies)
    return found


def unprotected_routes(routes: Sequence[BaseRoute]) -> list[str]:
    """Routes breaking the rule: every route names a permission; public ones only on the allow-list."""
    problems = []
    for info in served_routes(routes):
        if issubclass(info.kind, Mount):
            if info.path not in PUBLIC_MOUNTS:
                problems.append(f"mount {info.path} is not on the public allow-list")
        elif issubclass(info.kind, APIRoute | APIWebSocketRoute):
            wanted = route_permissions(info.dependant)
            if not wanted:
                problems.append(f"{info.path} names no permission: add Depends(require(Permission...))")
            elif Permission.PUBLIC in wanted and info.path not in PUBLIC_PATHS:
                problems.append(f"{info.path} is public but not on the allow-list {sorted(PUBLIC_PATHS)}")
        elif not (issubclass(info.kind, Route) and info.path in PUBLIC_PATHS):
            problems.append(f"{info.path} ({info.kind.__name__}) cannot carry a permission; remove it")
    return problems


def check_routes(app: FastAPI) -> None:
    """Raise UnprotectedRoute naming every route that breaks the rule (default deny)."""
    problems = unprotected_routes(app.routes)
    if problems:
        raise UnprotectedRoute("routes without a permission:\n  " + "\n  ".join(problems))
