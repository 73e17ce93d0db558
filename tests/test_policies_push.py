"""Pushing a policy (推送): each eligible enterprise is told once per policy version, on SQLite and
PostgreSQL, from the web and the CLI; a second or concurrent push adds nobody; a new version tells
them again; an enterprise sees only its own notifications."""

from __future__ import annotations

import json
import re
import threading

import pyarrow as pa
import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import create_accounts, load_park, log_in, people_of, small_tables
from parkbrain.audit import Actor
from parkbrain.audit.models import AuditEntry
from parkbrain.cli.policies import policies_app
from parkbrain.notify import PolicyNotification, push_policy
from parkbrain.opdb import OperationalDB
from parkbrain.policies import load_catalogue
from parkbrain.policies.push import Notice, plan_push, push_notices
from parkbrain.web import create_app
from test_policies_web import RD, rd_growth_by_hand

MEDICAL = "example_talent_medical"
OFFICER = Actor("officer-test", "officer", "127.0.0.1")


def eligible_rd(tables) -> dict[str, float]:
    return {u: a for u, (s, a, *_) in rd_growth_by_hand(tables).items() if s == "eligible"}


def rows_in(db, policy: str) -> list[tuple[str, str, str]]:
    with db.read() as session:
        return sorted(session.execute(select(PolicyNotification.version, PolicyNotification.subject_id,
                                             PolicyNotification.uscc).where(PolicyNotification.policy == policy)))


# ---- the plan (no database) -----------------------------------------------------------------------

def test_the_plan_tells_each_eligible_subject_once_and_a_talents_employer():
    results = pa.table({"subject_id": ["T1", "T2", "T3", "T4"], "policy": ["p"] * 4, "version": ["2024-01-01"] * 4,
                        "status": ["eligible", "eligible", "unknown", "eligible"], "amount": [300.0, 20.0, None, 50.0]})
    subjects = pa.table({"subject_id": ["T1", "T2", "T3", "T4"], "name": ["甲", "乙", "丙", "丁"],
                         "employer_uscc": ["U1", None, "U1", "U2"]})
    notices = push_notices(results, "p", subject="talent", subjects=subjects)
    assert [(n.subject_id, n.uscc, n.subject_name, n.amount) for n in notices] == \
        [("T1", "U1", "甲", 300.0), ("T2", None, "乙", 20.0), ("T4", "U2", "丁", 50.0)]
    plan = plan_push(notices, sent={("p", "2024-01-01", "T4"), ("p", "2023-01-01", "T1")})
    assert ([n.subject_id for n in plan.new], plan.already, plan.without_recipient) == (["T1"], 1, 1)


# ---- through the web, on both backends ---------------------------------------------------------

def test_a_second_push_notifies_nobody_new(web_park, client_for):
    officer = client_for("officer")
    expected = eligible_rd(web_park.tables)
    first = officer.post(f"/api/policies/{RD}/push").json()
    assert first == {"policy": RD, "version": "2023-01-01", "eligible": len(expected), "notified_new": len(expected),
                     "already_notified": 0, "without_recipient": 0}
    second = officer.post(f"/api/policies/{RD}/push").json()
    assert (second["notified_new"], second["already_notified"]) == (0, len(expected))
    assert [(v, s, u) for v, s, u in rows_in(web_park.park.db, RD)] == sorted(("2023-01-01", u, u) for u in expected)
    with web_park.park.db.read() as session:
        pushes = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "policies.push",
                                                                 AuditEntry.target == f"policy:{RD}")).all()
    assert [json.loads(d)["new"] for d in pushes[-2:]] == [len(expected), 0]


def test_the_push_form_reports_new_and_already_notified(web_park, client_for):
    officer = client_for("officer")
    page = officer.get(f"/policies/{RD}")
    assert 'id="push-button"' in page.text
    done = officer.post(f"/policies/{RD}/push", data={"csrf_token": officer.headers["X-CSRF-Token"]},
                        follow_redirects=False)
    assert done.status_code == 303
    pushed, already = map(int, re.fullmatch(rf"/policies/{RD}\?pushed=(\d+)&already=(\d+)",
                                            done.headers["location"]).groups())
    assert pushed + already == len(eligible_rd(web_park.tables))
    shown = officer.get(done.headers["location"])
    assert f"新通知{pushed}家，此前已通知{already}家" in shown.text
    leader = client_for("leader")
    assert 'id="push-button"' not in leader.get(f"/policies/{RD}").text
    assert leader.post(f"/api/policies/{RD}/push").status_code == 403


def test_a_push_needs_the_csrf_token(web_park, client_for):
    officer = client_for("officer")
    del officer.headers["X-CSRF-Token"]
    assert officer.post(f"/api/policies/{RD}/push").status_code == 403
    assert officer.post(f"/policies/{RD}/push", data={}).status_code == 403


def test_an_enterprise_sees_only_its_own_notifications(web_park, client_for):
    officer = client_for("officer")
    officer.post(f"/api/policies/{MEDICAL}/push")
    b = web_park.people["enterprise_b"].uscc
    staff_of_b = {t["talent_id"] for t in web_park.tables["talents"].to_pylist() if t["employer_uscc"] == b}
    green = {t["talent_id"] for t in web_park.tables["talents"].to_pylist() if t["category"] in ("A", "B", "C", "D")}
    firm_b = client_for("enterprise_b")
    mine = firm_b.get("/api/notifications").json()
    told = {n["subject_id"] for n in mine["items"] if n["policy"] == MEDICAL}
    assert told == staff_of_b & green and told  # A–D category talents: the medical green channel
    assert all(n["subject_id"] in staff_of_b | {b} for n in mine["items"])
    assert mine["unread"] == len(mine["items"])
    firm_a = client_for("enterprise")
    a = web_park.people["enterprise"].uscc
    staff_of_a = {t["talent_id"] for t in web_park.tables["talents"].to_pylist() if t["employer_uscc"] == a}
    theirs = firm_a.get("/api/notifications").json()["items"]
    assert all(n["subject_id"] in staff_of_a | {a} for n in theirs)
    names_of_b = [n["subject_name"] for n in mine["items"]]
    page_a = firm_a.get("/notifications").text
    assert not any(name in page_a for name in names_of_b)
    page_b = firm_b.get("/policies/mine").text
    assert 'class="unread"' in page_b and names_of_b[0] in page_b
    assert client_for("officer").get("/api/notifications").json() == {"items": [], "unread": 0}


def test_marking_read_clears_the_unread_marker(web_park, client_for):
    client_for("officer").post(f"/api/policies/{MEDICAL}/push")
    firm_b = client_for("enterprise_b")
    unread = firm_b.get("/api/notifications").json()["unread"]
    assert unread > 0
    assert firm_b.post("/api/notifications/read").json() == {"marked": unread}
    assert firm_b.get("/api/notifications").json()["unread"] == 0
    assert firm_b.post("/api/notifications/read").json() == {"marked": 0}
    assert 'class="unread"' not in firm_b.get("/notifications").text


# ---- a new version, concurrency, the CLI ---------------------------------------------------------

NEW_VERSION = """
id: example_rd_growth_subsidy
name: 企业研发投入增量补助（示例）
subject: enterprise
mode: automatic
example: true
note: 示例政策，仅作演示：the same rules in two versions, to test that a new version is pushed again.
versions:
""" + "".join(f"""
  - valid_from: {start}
    {end}
    source:
      document: 示例：某高新区《企业研发投入补助办法》（虚构，仅作演示）
    conditions:
      - id: rd_scale
        text: 上年度研发费用不低于100万元
        expr: rd_expense >= 100
      - id: rd_increase
        text: 研发费用较上一年度有增长
        expr: rd_expense > previous(rd_expense, years=1)
    benefit:
      kind: cash_subsidy
      amount: (rd_expense - previous(rd_expense, years=1)) * 10%
      cap: 100
""" for start, end in (("2023-01-01", "valid_to: 2025-06-30"), ("2025-07-01", "")))


@pytest.fixture
def own_park(tmp_path):
    tables = small_tables()
    park = load_park(tmp_path / "home", tables)
    people = create_accounts(park, {"officer": people_of(tables)["officer"]})
    yield park, tables, people
    park.close()


def test_a_new_policy_version_is_pushed_again(own_park):
    park, tables, people = own_park
    expected = eligible_rd(tables)
    with TestClient(create_app(park)) as officer:
        log_in(officer, people["officer"])
        assert officer.post(f"/api/policies/{RD}/push").json()["notified_new"] == len(expected)
        folder = park.settings.home / "policies"
        folder.mkdir()
        (folder / "rd_growth.yaml").write_text(NEW_VERSION, encoding="utf-8")
        again = officer.post(f"/api/policies/{RD}/push").json()
        assert again["version"] == "2025-07-01"
        assert (again["notified_new"], again["already_notified"]) == (len(expected), 0)
        assert officer.post(f"/api/policies/{RD}/push").json()["notified_new"] == 0
    versions = [v for v, _, _ in rows_in(park.db, RD)]
    assert (versions.count("2023-01-01"), versions.count("2025-07-01")) == (len(expected), len(expected))


def test_concurrent_pushes_never_notify_twice(opdb_url):
    catalogue = load_catalogue()
    n = 300
    results = pa.table({"subject_id": [f"9133010800000{i:05d}" for i in range(n)], "policy": [RD] * n,
                        "version": ["2023-01-01"] * n, "status": ["eligible"] * n, "amount": [1.0] * n})
    dbs = [OperationalDB(opdb_url) for _ in range(3)]
    start, outcomes = threading.Barrier(len(dbs)), []

    def push(db):
        start.wait()
        outcomes.append(push_policy(db, results, catalogue[RD], actor=OFFICER))

    try:
        threads = [threading.Thread(target=push, args=(db,)) for db in dbs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(outcomes) == len(dbs)
        assert sum(o.notified_new for o in outcomes) == n
        assert all(o.notified_new + o.already_notified == n for o in outcomes)
        with dbs[0].read() as session:
            assert session.scalar(select(func.count()).select_from(PolicyNotification)) == n
    finally:
        for db in dbs:
            db.close()


def test_the_cli_push_is_the_same_push_and_idempotent(own_park, monkeypatch):
    park, tables, _ = own_park
    expected = eligible_rd(tables)
    home = park.settings.home
    park.close()
    monkeypatch.setenv("PARKBRAIN_HOME", str(home))
    cli = typer.Typer()
    cli.add_typer(policies_app, name="policies")
    runner = CliRunner()
    first = runner.invoke(cli, ["policies", "push", "--policy", RD])
    assert first.exit_code == 0, first.output
    assert f"{len(expected)} eligible, {len(expected)} newly notified, 0 notified before" in first.output
    second = runner.invoke(cli, ["policies", "push", "--policy", RD])
    assert f"0 newly notified, {len(expected)} notified before" in second.output
    wrong = runner.invoke(cli, ["policies", "push", "--policy", "example_rd_growth_subsidie"])
    assert wrong.exit_code == 2 and "example_rd_growth_subsidy" in wrong.output
    with _opdb(home) as db:
        assert len(rows_in(db, RD)) == len(expected)
        with db.read() as session:
            actors = session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "policies.push")).all()
        assert len(actors) == 2 and all(a.startswith("cli:") for a in actors)


def _opdb(home):
    from contextlib import closing

    from parkbrain.settings import Settings

    return closing(OperationalDB(Settings(home=home).operational_url))


def test_a_notice_key_is_policy_version_and_subject():
    notice = Notice("p", "2024-01-01", "T1", "talent", "甲", "U1", 3.0)
    assert notice.key == ("p", "2024-01-01", "T1")
