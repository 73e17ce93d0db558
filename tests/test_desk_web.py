"""The desk through the web app: pages and their JSON twins, on SQLite and PostgreSQL; bad input refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from parkbrain.desk.models import DeskAttachment, DeskRequest

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"category": "finance", "title": "申请贷款贴息", "description": "我司申请科技贷款贴息，请告知材料。"}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def stored(web_park) -> tuple[int, int]:
    with web_park.park.db.read() as session:
        return (session.scalar(select(func.count()).select_from(DeskRequest)),
                session.scalar(select(func.count()).select_from(DeskAttachment)))


def file_by_form(client, *, files=(), **fields) -> object:
    token = csrf_of(client.get("/desk/new").text)
    return client.post("/desk/requests", data={"csrf_token": token} | FORM | fields, files=list(files),
                       follow_redirects=False)


def test_an_enterprise_files_through_the_form_with_an_attachment(web_park, client_for):
    firm = client_for("enterprise")
    answer = file_by_form(firm, files=[("files", ("贴息申请.pdf", PDF, "application/pdf"))])
    assert answer.status_code == 303
    page = firm.get(answer.headers["location"])
    assert page.status_code == 200 and "申请贷款贴息" in page.text and "财政金融局" in page.text
    request_id = int(answer.headers["location"].rsplit("/", 1)[1])
    twin = firm.get(f"/api/desk/requests/{request_id}").json()
    assert twin["department"] == "finance" and twin["status"] == "submitted"
    assert twin["allowed_actions"] == ["reply"] and twin["messages"][0]["event"] == "filed"
    download = firm.get(twin["attachments"][0]["url"])
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert twin["uscc"] == web_park.people["enterprise"].uscc


def test_the_request_reaches_its_departments_queue_and_is_handled_through_the_forms(web_park, client_for):
    firm, finance, coordinator = client_for("enterprise"), client_for("officer_finance"), client_for("officer")
    created = firm.post("/api/desk/requests", json=FORM | {"title": "队列测试"})
    assert created.status_code == 201
    rid = created.json()["id"]
    assert rid in [r["id"] for r in finance.get("/api/desk/queue").json()["items"]]
    assert rid not in [r["id"] for r in coordinator.get("/api/desk/queue").json()["items"]]
    assert rid in [r["id"] for r in coordinator.get("/api/desk/queue", params={"department": "finance"}).json()["items"]]
    assert "队列测试" in finance.get("/desk/queue").text

    def submit(client, **fields):
        page = client.get(f"/desk/requests/{rid}")
        answer = client.post(f"/desk/requests/{rid}/actions", data={"csrf_token": csrf_of(page.text)} | fields,
                             follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return client.get(f"/api/desk/requests/{rid}").json()

    assert submit(finance, action="accept", classification="hard_individual_issue")["status"] == "accepted"
    assert submit(finance, action="reply", text="请补充近三年财务报表。")["messages"][-1]["body"] == "请补充近三年财务报表。"
    assert submit(finance, action="resolve", text="已兑现贴息。")["status"] == "resolved"
    done = submit(firm, action="confirm", rating="5", comment="很及时")
    assert (done["status"], done["rating"], done["classification"]) == ("closed", 5, "hard_individual_issue")
    html = firm.get(f"/desk/requests/{rid}").text
    assert "已确认办结" in html and "★★★★★" in html and "难点个性问题" in html


@pytest.mark.parametrize("case", ["too_large", "wrong_type", "renamed_executable", "too_many", "missing_title",
                                  "unknown_category", "no_csrf", "whole_body_too_large"])
def test_a_bad_form_gets_a_clear_4xx_and_stores_nothing(web_park, client_for, case):
    firm = client_for("enterprise")
    before = stored(web_park)
    big = PDF + b"0" * web_park.park.settings.desk_attachment_max_bytes
    files = {"too_large": [("files", ("大.pdf", big, "application/pdf"))],
             "wrong_type": [("files", ("x.gif", b"GIF89a" + b"0" * 20, "image/gif"))],
             "renamed_executable": [("files", ("报告.pdf", b"MZ\x90\x00" + b"0" * 60, "application/pdf"))],
             "too_many": [("files", (f"{i}.pdf", PDF, "application/pdf")) for i in range(6)]}.get(case, [])
    fields = {"missing_title": {"title": ""}, "unknown_category": {"category": "bribery"}}.get(case, {})
    if case == "no_csrf":
        answer = firm.post("/desk/requests", data=FORM, headers={"X-CSRF-Token": ""}, follow_redirects=False)
    elif case == "whole_body_too_large":
        limit = 5 * web_park.park.settings.desk_attachment_max_bytes + 1024 * 1024
        answer = firm.post("/desk/requests", content=b"x" * (limit + 1), follow_redirects=False,
                           headers={"content-type": "multipart/form-data; boundary=zz"})
    else:
        answer = file_by_form(firm, files=files, **fields)
    expected = {"too_large": 413, "wrong_type": 415, "renamed_executable": 415, "too_many": 413,
                "missing_title": 422, "unknown_category": 422, "no_csrf": 403, "whole_body_too_large": 413}[case]
    assert answer.status_code == expected, answer.text[:500]
    assert "Traceback" not in answer.text
    assert stored(web_park) == before
    if case in ("missing_title", "wrong_type"):
        assert 'id="form-errors"' in answer.text and FORM["description"] in answer.text  # the form comes back filled


@pytest.mark.parametrize(("method", "url", "body", "status"), [
    ("get", "/api/desk/requests/abc", None, 422),
    ("get", "/api/desk/requests/0", None, 422),
    ("get", "/api/desk/requests/99999999999", None, 422),
    ("get", "/api/desk/requests/123456", None, 404),
    ("get", "/desk/requests/1/attachments/x", None, 422),
    ("get", "/api/desk/requests?status=lost", None, 422),
    ("post", "/api/desk/requests", {"category": "finance", "title": "x"}, 422),
    ("post", "/api/desk/requests", FORM | {"uscc": "91330100716105852F"}, 422),  # no filing for someone else
    ("post", "/api/desk/requests", FORM | {"category": "bribery"}, 422),
    ("post", "/api/desk/requests", FORM | {"description": "x" * 5001}, 422),
    ("post", "/api/desk/requests/1/actions", {"action": "explode"}, 422),
    ("post", "/api/desk/requests/1/actions", {"action": "confirm", "rating": 9}, 422),
])
def test_malformed_ids_and_bodies_get_a_clear_4xx(web_park, client_for, method, url, body, status):
    firm = client_for("enterprise")
    before = stored(web_park)
    answer = firm.post(url, json=body) if method == "post" else firm.get(url)
    assert answer.status_code == status, answer.text
    assert (answer.json()["detail"] if url.startswith("/api/") else "Traceback" not in answer.text)
    assert stored(web_park) == before


def test_the_api_refuses_a_missing_or_wrong_csrf_token(web_park, client_for):
    firm = client_for("enterprise")
    before = stored(web_park)
    for token in ("", "forged-token-0123456789abcdef"):
        answer = firm.post("/api/desk/requests", json=FORM, headers={"X-CSRF-Token": token})
        assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
    assert stored(web_park) == before


def test_attachments_through_the_api_are_checked_as_well(web_park, client_for):
    firm = client_for("enterprise")
    rid = firm.post("/api/desk/requests", json=FORM).json()["id"]
    ok = firm.post(f"/api/desk/requests/{rid}/attachments", files=[("files", ("现场.png", PNG, "image/png"))])
    assert ok.status_code == 201 and ok.json()["attachments"][0]["media_type"] == "image/png"
    refused = firm.post(f"/api/desk/requests/{rid}/attachments", files=[("files", ("a.png", PDF, "image/png"))])
    assert refused.status_code == 415
    assert len(firm.get(f"/api/desk/requests/{rid}").json()["attachments"]) == 1


def test_statistics_and_overdue_pages_with_their_twins(web_park, client_for):
    from parkbrain.accounts.sessions import resolve
    from parkbrain.desk import service
    from parkbrain.desk.routing import load_routing
    from parkbrain.desk.schemas import RequestCreate

    firm = client_for("enterprise")
    principal = resolve(web_park.park.db, firm.cookies["pb_session"], policy=firm.app.state.session_policy)
    with web_park.park.db.write() as session:  # a request filed 40 days ago, still open
        old = service.file_request(session, viewer=principal, enterprise_name="旧诉求企业",
                                   data=RequestCreate(category="approval", title="四十天前的诉求", description="审批还没有结果"),
                                   policy=service.DeskPolicy(), rules=load_routing(), ip="-",
                                   now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).id
    analyst = client_for("analyst")
    overdue = analyst.get("/api/desk/overdue").json()
    assert old in [r["id"] for r in overdue["items"]] and all(r["overdue"] for r in overdue["items"])
    assert "四十天前的诉求" in analyst.get("/desk/overdue").text
    figures = analyst.get("/api/desk/stats").json()
    assert figures["overdue"] >= 1 and figures["total"] >= 1
    page = analyst.get("/desk/stats").text
    assert f'id="stat-total">{figures["total"]}<' in page and "钱塘" in page
    assert firm.get("/api/desk/stats").status_code == 403  # statistics are for park staff


def test_the_desk_speaks_english_on_request(client_for):
    officer = client_for("officer")
    assert "Service requests" in officer.get("/desk", params={"lang": "en"}).text
    assert "企业服务诉求" in officer.get("/desk", params={"lang": "zh"}).text


def test_the_form_and_its_twin_offer_the_same_categories(client_for):
    firm = client_for("enterprise")
    twin = firm.get("/api/desk/categories").json()
    html = firm.get("/desk/new").text
    assert [c["id"] for c in twin["categories"]] == re.findall(r'<option value="([a-z_]+)"', html)
    land = next(c for c in twin["categories"] if c["id"] == "land_space")
    assert land["department_label"] == "规划建设局" and "application/pdf" in twin["attachment_types"]
    assert "8590" in twin["source"]


def test_the_answer_to_a_filing_is_what_reading_the_request_gives(web_park, client_for):
    """The detail answered at filing is built from what was written (no second read): it must match a
    later read of the request field by field, and the new request heads its enterprise's list."""
    firm = client_for("enterprise")
    filed = firm.post("/api/desk/requests", json=FORM | {"title": "回读一致", "category": "talent"})
    assert filed.status_code == 201
    answer = filed.json()
    again = firm.get(f"/api/desk/requests/{answer['id']}").json()
    assert answer.pop("days_open") in (0.0, 0.1) and again.pop("days_open") in (0.0, 0.1)
    assert answer == again
    assert (answer["title"], answer["department"], answer["department_label"], answer["status"]) == (
        "回读一致", "talent", "人才工作办公室", "submitted")
    assert [m["event"] for m in answer["messages"]] == ["filed"] and answer["attachments"] == []
    assert answer["uscc"] == web_park.people["enterprise"].uscc and answer["allowed_actions"] == ["reply"]
    listed = firm.get("/api/desk/requests", params={"per_page": 5}).json()
    assert listed["items"][0]["id"] == answer["id"] and listed["items"][0]["title"] == "回读一致"
