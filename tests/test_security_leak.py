"""The cross-tenant leak test: every route of the app (routers added later included), every role.

Path parameters are filled with another enterprise's (B's) ids, query parameters meant for an
enterprise code with B's code. For the tenant roles (enterprise A, expert A) and anonymous callers
the answer must hold nothing of B (its code, name, request title or description, or, for an expert,
another expert's profile), and must answer exactly as for ids that do not exist (no existence oracle).
Park staff are called too and must not fail. The routes are read from `app.routes`, so a route
added later is tested without touching this file.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from parkbrain.uscc import check_character
from parkbrain.web.security import served_routes

ABSENT_USCC = "91330108MA9999999" + check_character("91330108MA9999999")
ABSENT_ID = 2**31 - 2
MARKER = "LEAKMARK-7f3c1e"
ROLES = (None, "admin", "officer", "leader", "analyst", "enterprise", "expert")
TENANTS = (None, "enterprise", "expert")
PDF = b"%PDF-1.4\n% leak test\n"
SKIP_METHODS = {"HEAD", "OPTIONS"}


def walk(dependant):
    stack = [dependant]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.dependencies)


def query_names(dependant) -> list[str]:
    if not dependant:
        return []
    return [p.alias or p.name for node in walk(dependant) for p in node.query_params]


def body_example(dependant) -> dict | None:
    """The first example of the route's JSON body model, if it declares one."""
    for node in walk(dependant):
        for field in node.body_params:
            annotation = getattr(field, "field_info", field).annotation
            schema = getattr(annotation, "model_json_schema", None)
            examples = schema().get("examples") if schema else None
            if examples:
                return examples[0]
    return None


@pytest.fixture(scope="module")
def world(web_park):
    """Enterprise B's data: a request with an attachment and a reply; the ids a caller must not reach."""
    b_firm = next(r for r in web_park.tables["enterprises"].to_pylist() if r["uscc"] == web_park.people["enterprise_b"].uscc)
    with TestClient(web_park.app) as firm_b, TestClient(web_park.app) as firm_a, TestClient(web_park.app) as officer:
        from conftest import log_in

        log_in(firm_b, web_park.people["enterprise_b"])
        log_in(firm_a, web_park.people["enterprise"])
        log_in(officer, web_park.people["officer"])
        title = f"{MARKER} 乙公司的诉求"
        made = firm_b.post("/api/desk/requests", json={"category": "finance", "title": title,
                                                     "description": f"{b_firm['name']} {MARKER} 需要融资"}).json()
        attached = firm_b.post(f"/api/desk/requests/{made['id']}/attachments",
                               files=[("files", (f"{MARKER}.pdf", PDF, "application/pdf"))]).json()
        officer.post(f"/api/desk/requests/{made['id']}/actions", json={"action": "reply", "text": f"回复 {MARKER}"})
        own = firm_a.post("/api/desk/requests", json={"category": "talent", "title": "甲公司的诉求",
                                                     "description": "甲公司需要招聘工程师"}).json()
    experts = sorted(web_park.tables["experts"].to_pylist(), key=lambda r: r["expert_id"])
    expert_b = next(e for e in experts if e["expert_id"] == web_park.people["expert_b"].expert_id)
    return {"b_uscc": b_firm["uscc"], "b_name": b_firm["name"], "title": title, "request_id": made["id"],
            "attachment_id": attached["attachments"][0]["id"], "own_request": own["id"],
            "expert_b": expert_b, "tables": web_park.tables}


def value_for(name: str, world: dict, absent: bool) -> str:
    """A path parameter's value: B's id of that kind (or one that does not exist, for the control)."""
    if "uscc" in name:
        return ABSENT_USCC if absent else world["b_uscc"]
    if name in ("request_id", "attachment_id"):
        return str(ABSENT_ID if absent else world[name])
    if name == "expert_id":
        return "NO-SUCH-EXPERT" if absent else world["expert_b"]["expert_id"]
    for table in world["tables"].values():  # an id of a row belonging to B (a need, a talent, …)
        if name in table.schema.names:
            rows = table.to_pylist()
            owner = [r for r in rows if world["b_uscc"] in (r.get("uscc"), r.get("employer_uscc"))] or rows
            if owner:
                return "NO-SUCH-ROW" if absent else str(owner[0][name])
    return "1"


def forbidden(role: str | None, world: dict) -> list[str]:
    words = [world["b_name"], MARKER, world["title"]]
    if role in (None, "expert"):  # another expert's profile
        words += [world["expert_b"]["name"], world["expert_b"]["expert_id"]]
    return [w for w in words if w]


def call(client, method: str, path: str, route, world: dict, absent: bool):
    filled = re.sub(r"{(\w+)(:\w+)?}", lambda m: value_for(m.group(1), world, absent), path)
    uscc = ABSENT_USCC if absent else world["b_uscc"]
    params = {n: uscc for n in query_names(route.dependant) if "uscc" in n or n == "q"}
    if method == "GET":
        return client.get(filled, params=params, follow_redirects=False)
    body = body_example(route.dependant) if route.dependant else None
    if body is None and "actions" in path:
        body = {"action": "reply", "text": "看看别人的诉求"}
    if body is not None:
        return client.request(method, filled, params=params, json=body, follow_redirects=False)
    return client.request(method, filled, params=params, data={"text": "x", "action": "reply"},
                          files=[("files", ("a.pdf", PDF, "application/pdf"))], follow_redirects=False)


def routes_of(app) -> list[tuple[str, str, object]]:
    found = []
    for route in served_routes(app.routes):
        for method in sorted(route.methods - SKIP_METHODS):
            found.append((method, route.path, route))
    return found


def test_no_route_shows_another_tenants_data(web_park, world):
    from conftest import log_in

    routes = routes_of(web_park.app)
    assert len(routes) >= 30  # pages, JSON twins, login, desk …
    checked = 0
    for role in ROLES:
        with TestClient(web_park.app) as client:
            account = web_park.people[role] if role else None
            if account:
                log_in(client, account)
            for method, path, route in routes:
                # The control (ids that do not exist) matters where a tenant's request names ids.
                filled = "{" in path or any("uscc" in n or n == "q" for n in query_names(route.dependant))
                answers = []
                for absent in (False, True) if role in TENANTS and filled else (False,):
                    answers.append(call(client, method, path, route, world, absent))
                    if path.endswith("logout") and account:  # it ended the session: start another
                        log_in(client, account)
                real, control = answers[0], answers[-1]
                where = f"{method} {path} as {role or 'anonymous'}"
                assert real.status_code < 500, f"{where}: {real.status_code}"
                checked += 1
                if role not in TENANTS:
                    continue
                body = real.text
                for word in forbidden(role, world):
                    assert word not in body, f"{where} shows {word!r} of another tenant"
                assert real.status_code == control.status_code, f"{where}: {real.status_code} for another " \
                    f"tenant's id but {control.status_code} for a missing one (reveals existence)"
                if world["b_uscc"] in body:  # only as an echo of what was asked, like the missing code
                    assert body.count(world["b_uscc"]) == control.text.count(ABSENT_USCC), \
                        f"{where} shows another enterprise's code"
    assert checked == len(routes) * len(ROLES)


def test_each_tenant_does_see_its_own_data(web_park, world, client_for):
    """The leak test would pass if everything were refused: the owners do see their own."""
    firm_a, firm_b, expert = client_for("enterprise"), client_for("enterprise_b"), client_for("expert")
    a = web_park.people["enterprise"].uscc
    assert firm_a.get(f"/api/enterprises/{a}").status_code == 200
    assert [i["uscc"] for i in firm_a.get("/api/enterprises").json()["items"]] == [a]
    assert firm_a.get(f"/api/desk/requests/{world['own_request']}").status_code == 200
    assert MARKER in firm_b.get(f"/desk/requests/{world['request_id']}").text
    assert firm_b.get(f"/desk/requests/{world['request_id']}/attachments/{world['attachment_id']}").content == PDF
    me = expert.get("/api/me").json()
    assert me["expert"]["expert_id"] == web_park.people["expert"].expert_id and me["expert"]["name"]
    assert world["expert_b"]["name"] not in expert.get("/me").text
    home = firm_a.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == f"/enterprises/{a}"
