"""The Excel export of the policy pages: a real .xlsx read back with openpyxl (Chinese headers, numbers
as numbers), its rows against the rules applied by hand, audited; the same from the CLI."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
import typer
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import load_park, small_tables
from parkbrain.audit.models import AuditEntry
from parkbrain.cli.policies import policies_app
from test_policies_web import HOUSING, RD, housing_by_hand, rd_growth_by_hand

SUMMARY_HEADER = ["政策编号", "政策名称", "对象", "兑现方式", "版本", "评估对象数", "符合", "待补充信息", "不符合", "金额合计（万元）"]
POLICY_HEADER = ["类型", "统一社会信用代码或人才编号", "名称", "所属企业统一社会信用代码", "状态", "金额（万元）", "缺少的信息", "政策版本"]
STATUS = {"eligible": "符合", "unknown": "待补充信息"}


def rows_of(sheet) -> tuple[list, list[tuple]]:
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def exported(client, **params):
    answer = client.get("/policies/export.xlsx", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return answer, load_workbook(io.BytesIO(answer.content))


def audit_count(park, action: str) -> int:
    with park.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_the_workbook_has_a_summary_and_a_sheet_per_policy(web_park, client_for):
    officer = client_for("officer")
    overview = officer.get("/api/policies").json()["policies"]
    answer, book = exported(officer)
    assert unquote(answer.headers["content-disposition"]).endswith(".xlsx")
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 1 + len(overview)
    header, rows = rows_of(book["汇总"])
    assert header == SUMMARY_HEADER
    by_id = {r[0]: r for r in rows}
    for p in overview:
        row = by_id[p["id"]]
        assert row[5:9] == (p["subjects"], p["eligible"], p["unknown"], p["ineligible"])
        assert isinstance(row[9], int | float) and row[9] == pytest.approx(p["total_amount"] or 0.0)
    sheet = book["企业研发投入增量补助（示例）"]
    header, rows = rows_of(sheet)
    assert header == POLICY_HEADER
    expected = {u: (STATUS[s], a) for u, (s, a, *_) in rd_growth_by_hand(web_park.tables).items() if s in STATUS}
    assert {r[1]: (r[4], r[5]) for r in rows} == {u: (s, pytest.approx(a) if a is not None else None)
                                                 for u, (s, a) in expected.items()}
    amounts = [r[5] for r in rows if r[4] == "符合"]
    assert amounts == sorted(amounts, reverse=True) and all(isinstance(a, int | float) for a in amounts)
    assert all(r[6] for r in rows if r[4] == "待补充信息")  # what an unknown one lacks
    assert {r[0] for r in rows} == {"企业"} and {r[7] for r in rows} == {"2023-01-01"}


def test_one_policy_exports_alone_with_talents_employers(web_park, client_for):
    officer = client_for("analyst")
    _, book = exported(officer, policy=HOUSING)
    assert book.sheetnames == ["汇总", "人才安居购房补贴（示例）"]
    _, rows = rows_of(book["人才安居购房补贴（示例）"])
    employers = {t["talent_id"]: t["employer_uscc"] for t in web_park.tables["talents"].to_pylist()}
    expected = {t: (STATUS[s], a) for t, (s, a) in housing_by_hand(web_park.tables).items() if s in STATUS}
    assert {r[1]: (r[4], r[5]) for r in rows} == expected
    assert all(r[0] == "人才" and r[3] == employers[r[1]] for r in rows)


def test_an_export_is_audited_and_for_park_staff_only(web_park, client_for):
    before = audit_count(web_park.park, "policies.export")
    exported(client_for("officer"), policy=RD)
    assert audit_count(web_park.park, "policies.export") == before + 1
    with web_park.park.db.read() as session:
        last = session.execute(select(AuditEntry.actor, AuditEntry.detail).where(AuditEntry.action == "policies.export")
                               .order_by(AuditEntry.seq.desc())).first()
    assert last.actor == web_park.people["officer"].username and RD in last.detail
    assert client_for("enterprise").get("/policies/export.xlsx").status_code == 403
    assert client_for(None).get("/policies/export.xlsx", follow_redirects=False).status_code == 303
    missing = client_for("officer").get("/policies/export.xlsx", params={"policy": "no_such_policy"})
    assert missing.status_code == 404 and "no_such_policy" in missing.text
    assert audit_count(web_park.park, "policies.export") == before + 1  # refused: nothing written, nothing logged


def test_the_cli_writes_the_same_workbook_and_logs_it(tmp_path, monkeypatch):
    tables = small_tables()
    park = load_park(tmp_path / "home", tables)
    park.close()
    monkeypatch.setenv("PARKBRAIN_HOME", str(tmp_path / "home"))
    cli = typer.Typer()
    cli.add_typer(policies_app, name="policies")
    out = tmp_path / "out" / "policies.xlsx"
    done = CliRunner().invoke(cli, ["policies", "export", "--out", str(out), "--policy", RD])
    assert done.exit_code == 0, done.output
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "企业研发投入增量补助（示例）"]
    _, rows = rows_of(book["企业研发投入增量补助（示例）"])
    assert len(rows) == sum(s in STATUS for s, *_ in rd_growth_by_hand(tables).values())
    bad = CliRunner().invoke(cli, ["policies", "export", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and ".xlsx" in bad.output
    from parkbrain.app import ParkBrain
    from parkbrain.settings import Settings

    with ParkBrain(Settings(home=tmp_path / "home")) as again:
        assert audit_count(again, "policies.export") == 1
