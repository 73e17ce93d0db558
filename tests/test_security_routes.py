"""Authorisation on every route (default deny, checked at build and at start-up), CSRF, sessions over HTTP,
headers, redirects and errors."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from parkbrain.accounts.roles import ROLE_PERMISSIONS, Permission, Role
from parkbrain.accounts.service import set_active
from parkbrain.audit import Actor
from parkbrain.web import create_app
from parkbrain.web.security import (
    PUBLIC_PATHS,
    UnprotectedRoute,
    check_routes,
    require,
    route_permissions,
    served_routes,
)

ROLES = ("admin", "officer", "leader", "analyst", "enterprise", "expert")


def filled(path: str, people) -> str:
    values = {"uscc": people["enterprise"].uscc, "request_id": "1", "attachment_id": "1"}
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: values.get(m.group(1), "1"), path)


def test_a_route_without_a_permission_stops_the_app(web_park):
    app = create_app(web_park.park)
    extra = APIRouter()

    @extra.get("/api/secret")
    def secret() -> dict:
        return {"secret": 42}

    app.include_router(extra)  # added after create_app, as a later router would be
    with pytest.raises(UnprotectedRoute, match="/api/secret names no permission"):
        check_routes(app)
    with pytest.raises(UnprotectedRoute), TestClient(app):  # start-up checks again
        pass


def test_a_public_route_off_the_allow_list_stops_the_app(web_park):
    app = create_app(web_park.park)
    extra = APIRouter()

    @extra.get("/api/open", dependencies=[Depends(require(Permission.PUBLIC))])
    def open_() -> dict:
        return {}

    app.include_router(extra)
    with pytest.raises(UnprotectedRoute, match="/api/open is public but not on the allow-list"):
        check_routes(app)


def test_a_router_included_with_a_permission_is_guarded(web_park, login):
    """How the lead adds a capability's router: `include_router(router, dependencies=[...])`."""
    app = create_app(web_park.park)
    extra = APIRouter()

    @extra.get("/api/chains-like")
    def chains_like() -> dict:
        return {"park": "figures"}

    app.include_router(extra, dependencies=[Depends(require(Permission.PARK_READ))])
    check_routes(app)
    with TestClient(app) as client:
        assert client.get("/api/chains-like").status_code == 401
        login(client, web_park.people["enterprise"])
        assert client.get("/api/chains-like").status_code == 403
    with TestClient(app) as client:
        login(client, web_park.people["analyst"])
        assert client.get("/api/chains-like").json() == {"park": "figures"}


def test_every_route_is_refused_to_roles_without_its_permission(web_park, client_for):
    clients = {role: client_for(role) for role in ROLES}
    anonymous = client_for(None)
    checked = 0
    for route in served_routes(web_park.app.routes):
        wanted = route_permissions(route.dependant) if route.dependant else None
        if not wanted or "GET" not in route.methods or Permission.PUBLIC in wanted:
            continue
        url = filled(route.path, web_park.people)
        answer = anonymous.get(url, follow_redirects=False)
        assert answer.status_code in (401, 303), f"{url} open to anonymous callers"
        for role in ROLES:
            answer = clients[role].get(url, follow_redirects=False)
            if wanted & ROLE_PERMISSIONS[Role(role)]:
                assert answer.status_code not in (401, 403), f"{url} refused to {role}"
            else:
                assert answer.status_code == 403, f"{url} answers {answer.status_code} to {role}"
            checked += 1
    assert checked >= 6 * 15


def test_every_state_changing_route_wants_the_csrf_token(web_park, client_for):
    posts = [r.path for r in served_routes(web_park.app.routes) if "POST" in r.methods]
    assert len(posts) >= 10
    for role in ("officer", "enterprise"):
        client = client_for(role)
        token = client.headers.pop("X-CSRF-Token")
        for path in posts:
            url = filled(path, web_park.people)
            for headers in ({}, {"X-CSRF-Token": "not-the-token-" + token[:4]}):
                answer = client.post(url, headers=headers, data={"text": "x"}, follow_redirects=False)
                assert answer.status_code == 403, f"POST {url} as {role} without the token: {answer.status_code}"
        assert client.get("/api/me").status_code == 200  # the session survived all that


def test_the_login_form_wants_its_token_too(client_for, web_park):
    client = client_for(None)
    account = web_park.people["analyst"]
    refused = client.post("/login", data={"username": account.username, "password": account.password})
    assert refused.status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert "HttpOnly" in client.get("/login").headers["set-cookie"]
    answer = client.post("/login", data={"username": account.username, "password": account.password,
                                         "csrf_token": token, "next": "//evil.example/x"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"  # no open redirect
    cookie = answer.headers["set-cookie"]
    assert "pb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


def test_a_wrong_password_gets_the_same_generic_message_as_an_unknown_name(client_for):
    client = client_for(None)
    texts = []
    for name in ("analyst1", "nobody-at-all"):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        answer = client.post("/login", data={"username": name, "password": "wrong-password", "csrf_token": token})
        assert answer.status_code == 401
        texts.append(re.search(r'id="login-error"[^>]*>([^<]+)<', answer.text).group(1))
    assert texts[0] == texts[1] == "用户名或密码错误。"


def test_pages_send_the_anonymous_to_login_and_back(client_for, web_park):
    client = client_for(None)
    answer = client.get("/desk?status=submitted", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/desk%3Fstatus%3Dsubmitted"
    assert client.get("/api/desk/requests").status_code == 401
    htmx = client.get("/enterprises", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")


def test_logout_and_disabling_end_the_session_at_once(web_park, client_for):
    client = client_for("leader")
    assert client.get("/api/me").status_code == 200
    assert client.post("/api/logout").status_code == 204
    assert client.get("/api/me").status_code == 401
    client = client_for("leader")
    with web_park.park.db.write() as session:
        set_active(session, username="leader1", active=False, actor=Actor("t", "admin", "-"))
    try:
        assert client.get("/api/me").status_code == 401
    finally:
        with web_park.park.db.write() as session:
            set_active(session, username="leader1", active=True, actor=Actor("t", "admin", "-"))


def test_security_headers(client_for):
    client = client_for("officer")
    for url in ("/", "/api/me", "/desk", "/login"):
        headers = client.get(url).headers
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_errors_say_what_happened_without_a_stack_trace(web_park, client_for, monkeypatch):
    from parkbrain import overview

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/parkbrain/db password=hunter2")

    monkeypatch.setattr(overview, "park_overview", broken)
    client = TestClient(web_park.app, raise_server_exceptions=False)
    from conftest import log_in

    log_in(client, web_park.people["officer"])
    for url in ("/", "/api/overview"):
        answer = client.get(url)
        assert answer.status_code == 500
        assert "Traceback" not in answer.text and "hunter2" not in answer.text and "服务器内部错误" in answer.text


def test_the_public_allow_list_is_small():
    assert PUBLIC_PATHS == {"/healthz", "/login", "/api/login", "/openapi.json", "/spaces", "/api/spaces"}


def test_repeated_failures_lock_the_account_over_http(web_park, client_for):
    from parkbrain.accounts.roles import Role
    from parkbrain.accounts.service import NewUser, create_user

    with web_park.park.db.write() as session:  # an account of its own: the lock lasts the window
        create_user(session, new=NewUser("locked1", "locked-password-1", Role.ANALYST), hasher=web_park.park.hasher,
                    actor=Actor("t", "admin", "-"))
    client = client_for(None)
    token = client.get("/api/login").json()["csrf_token"]
    attempt = lambda password: client.post("/api/login", json={"username": "locked1", "password": password},  # noqa: E731
                                           headers={"X-CSRF-Token": token})
    limit = web_park.park.settings.login_max_failures_per_account
    assert [attempt("wrong-password").status_code for _ in range(limit)] == [401] * limit
    locked = attempt("locked-password-1")
    assert locked.status_code == 429 and "过多" in locked.json()["detail"]


def test_reads_of_enterprise_figures_by_park_staff_are_audited(web_park, client_for):
    from sqlalchemy import select

    from parkbrain.audit.models import AuditEntry

    def last_reads() -> list[tuple[str, str, str]]:
        with web_park.park.db.read() as session:
            rows = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target)
                                   .where(AuditEntry.action.like("enterprise.%")).order_by(AuditEntry.seq)).all()
        return [tuple(r) for r in rows]

    firm = web_park.people["enterprise"].uscc
    before = len(last_reads())
    client_for("officer").get(f"/enterprises/{firm}")
    client_for("analyst").get(f"/api/enterprises/{firm}")
    client_for("leader").get("/api/enterprises", params={"q": "科技"})
    client_for("enterprise").get(f"/api/enterprises/{firm}")  # its own: not logged
    reads = last_reads()[before:]
    assert reads == [("officer1", "enterprise.read", f"enterprise:{firm}"),
                     ("analyst1", "enterprise.read", f"enterprise:{firm}"),
                     ("leader1", "enterprise.list", "enterprises")]
    with web_park.park.db.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.actor == "officer1")
                                .order_by(AuditEntry.seq.desc())).first()
    assert entry.ip == "testclient" and entry.at.endswith("Z")
