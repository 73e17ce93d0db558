"""The 政策计算器 pages and their JSON twins: the officers' figures against counts made by hand from the
demo tables, an enterprise's policies explained, the what-if (HTMX and plain form), its refusals,
tenant scoping, and the evaluation kept until an import changes the warehouse.

The expectations come from two example policies whose rules are short enough to apply by hand:
example_rd_growth_subsidy (R&D ≥ 100万元 and above last year's; 10% of the increase, at most 100万元)
and example_talent_housing (categories A–E, arrived at most 5 years ago; 300/200/100/50/20万元).
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import create_accounts, load_park, log_in, people_of, small_tables
from parkbrain.audit.models import AuditEntry
from parkbrain.importing.export import export_template
from parkbrain.importing.templates import load_templates
from parkbrain.policies.results import evaluated, home_catalogue
from parkbrain.uscc import check_character
from parkbrain.web import create_app

RD = "example_rd_growth_subsidy"
HOUSING = "example_talent_housing"
ABSENT = "91330108MA9999999" + check_character("91330108MA9999999")
HOUSING_AMOUNTS = {"A": 300, "B": 200, "C": 100, "D": 50, "E": 20}


def latest_year(tables) -> int:
    return max(tables["enterprises"]["year"].to_pylist())


def kleene_and(*values: bool | None) -> bool | None:
    """Three-valued and, written out."""
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def status_of(passed: bool | None) -> str:
    return {True: "eligible", False: "ineligible", None: "unknown"}[passed]


def rd_growth_by_hand(tables) -> dict[str, tuple[str, float | None, float | None, float | None]]:
    """example_rd_growth_subsidy per enterprise reporting the latest year: status, amount, R&D now, a year before."""
    year = latest_year(tables)
    rd = {(r["uscc"], r["year"]): r["rd_expense"] for r in tables["enterprises"].to_pylist()}
    out = {}
    for (uscc, y), now in rd.items():
        if y != year:
            continue
        before = rd.get((uscc, year - 1))
        scale = None if now is None else now >= 100
        increase = None if now is None or before is None else now > before
        status = status_of(kleene_and(scale, increase))
        amount = {"eligible": None if status != "eligible" else min((now - before) * 0.1, 100),
                  "ineligible": 0.0, "unknown": None}[status]
        out[uscc] = (status, amount, now, before)
    return out


def whole_years(since: dt.date, on: dt.date) -> int:
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def housing_by_hand(tables) -> dict[str, tuple[str, float | None]]:
    """example_talent_housing per talent at 31 December of the latest year: status and amount."""
    on = dt.date(latest_year(tables), 12, 31)
    out = {}
    for t in tables["talents"].to_pylist():
        category = None if t["category"] is None else t["category"] in HOUSING_AMOUNTS
        recent = None if t["arrival_date"] is None else whole_years(t["arrival_date"], on) <= 5
        status = status_of(kleene_and(category, recent))
        amount = {"eligible": HOUSING_AMOUNTS.get(t["category"], 20), "ineligible": 0.0, "unknown": None}[status]
        out[t["talent_id"]] = (status, amount)
    return out


def policy_row(client, policy_id: str) -> dict:
    return next(p for p in client.get("/api/policies").json()["policies"] if p["id"] == policy_id)


def result_of(page: dict, policy_id: str) -> dict:
    return next(r for r in page["results"] if r["policy"] == policy_id)


# ---- the officers' pages -------------------------------------------------------------------------

def test_the_overview_counts_and_sums_as_the_rules_say(web_park, client_for):
    officer = client_for("officer")
    rd, housing = rd_growth_by_hand(web_park.tables), housing_by_hand(web_park.tables)
    for policy_id, expected in ((RD, rd), (HOUSING, housing)):
        row = policy_row(officer, policy_id)
        statuses = [s for s, *_ in expected.values()]
        assert row["subjects"] == len(expected)
        assert (row["eligible"], row["unknown"], row["ineligible"]) == \
            (statuses.count("eligible"), statuses.count("unknown"), statuses.count("ineligible"))
        assert row["total_amount"] == pytest.approx(sum(a for s, a, *_ in expected.values() if s == "eligible"))
    assert rd and [s for s, *_ in rd.values()].count("eligible") > 0  # the case is not empty
    page = officer.get("/policies")
    assert page.status_code == 200 and f'data-policy="{RD}"' in page.text and "政策总览" in page.text


def test_a_policy_lists_its_eligible_subjects_paged_and_sorted(web_park, client_for):
    officer = client_for("officer")
    eligible = sorted(((a, u) for u, (s, a, *_) in rd_growth_by_hand(web_park.tables).items() if s == "eligible"),
                      key=lambda x: (-x[0], x[1]))
    listed = officer.get(f"/api/policies/{RD}", params={"status": "eligible", "per_page": 200}).json()
    assert [(i["amount"], i["subject_id"]) for i in listed["items"]] == [pytest.approx(e) for e in eligible]
    assert listed["total"] == len(eligible)
    second = officer.get(f"/api/policies/{RD}", params={"status": "eligible", "per_page": 3, "page": 2}).json()
    assert [i["subject_id"] for i in second["items"]] == [u for _, u in eligible[3:6]]
    assert second["pages"] == -(-len(eligible) // 3)
    names = {r["uscc"]: r["name"] for r in web_park.tables["enterprises"].to_pylist()}
    by_name = officer.get(f"/api/policies/{RD}", params={"status": "eligible", "sort": "name", "per_page": 200}).json()
    assert [i["subject_id"] for i in by_name["items"]] == sorted((u for _, u in eligible), key=lambda u: (names[u], u))
    unknown = officer.get(f"/api/policies/{RD}", params={"status": "unknown", "per_page": 200}).json()
    assert all(i["status"] == "unknown" and i["missing"] for i in unknown["items"])
    page = officer.get(f"/policies/{RD}", params={"sort": "amount"})
    assert page.status_code == 200 and eligible[-1][1] in page.text


def test_reading_a_policys_enterprises_is_audited(web_park, client_for):
    officer = client_for("leader")
    with web_park.park.db.read() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "policies.subjects"))
    assert officer.get(f"/api/policies/{RD}").status_code == 200
    with web_park.park.db.read() as session:
        after = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "policies.subjects"))
    assert after == before + 1


def test_the_automatic_list_holds_the_granted_subjects_of_automatic_policies(web_park, client_for):
    officer = client_for("analyst")
    rd = rd_growth_by_hand(web_park.tables)
    listed = officer.get("/api/policies/automatic", params={"policy": RD, "per_page": 200}).json()
    assert {i["subject_id"]: i["amount"] for i in listed["items"]} == \
        {u: pytest.approx(a) for u, (s, a, *_) in rd.items() if s == "eligible"}
    every = officer.get("/api/policies/automatic", params={"per_page": 1}).json()
    assert {p["mode"] for p in every["policies"]} == {"automatic"}
    assert every["total"] == sum(p["eligible"] for p in every["policies"])
    assert officer.get("/api/policies/automatic", params={"policy": "high_tech_enterprise"}).status_code == 404
    assert officer.get("/policies/automatic").status_code == 200


def test_an_unknown_policy_is_a_404_naming_it(client_for):
    officer = client_for("officer")
    answer = officer.get("/api/policies/no_such_policy")
    assert answer.status_code == 404 and "no_such_policy" in answer.json()["detail"]


# ---- one enterprise ----------------------------------------------------------------------------

def test_an_enterprise_page_explains_each_condition_and_the_gap(web_park, client_for):
    officer = client_for("officer")
    short = next((u, now) for u, (s, _, now, before) in sorted(rd_growth_by_hand(web_park.tables).items())
                 if s == "ineligible" and now is not None and now < 100)
    uscc, now = short
    page = officer.get(f"/api/policies/enterprise/{uscc}").json()
    scale = next(c for c in result_of(page, RD)["conditions"] if c["id"] == "rd_scale")
    assert (scale["passed"], scale["value"], scale["threshold"]) == (False, pytest.approx(now), 100)
    assert scale["gap"] == pytest.approx(100 - now)
    assert scale["gap_text"] == f"研发费用 {100 - now:+,.1f}万元，达到 100"
    assert scale["text"] == "上年度研发费用不低于100万元"
    english = officer.get(f"/api/policies/enterprise/{uscc}", params={"lang": "en"}).json()
    assert next(c for c in result_of(english, RD)["conditions"] if c["id"] == "rd_scale")["gap_text"] == \
        f"rd_expense {100 - now:+,.1f}万元 to reach 100"
    html = officer.get(f"/policies/enterprise/{uscc}", params={"lang": "zh"}).text
    assert scale["gap_text"] in html and 'data-policy="example_rd_growth_subsidy"' in html


def test_unknown_says_what_is_missing_and_never_hides_a_failure(web_park, client_for):
    officer = client_for("officer")
    listed = officer.get("/api/policies/high_tech_enterprise", params={"status": "unknown", "per_page": 5}).json()
    assert listed["items"]
    for item in listed["items"]:
        result = result_of(officer.get(f"/api/policies/enterprise/{item['subject_id']}").json(), "high_tech_enterprise")
        assert result["status"] == "unknown" and result["missing"] == item["missing"]
        assert not any(c["passed"] is False for c in result["conditions"])  # one failure would make it ineligible
        assert {m for c in result["conditions"] if c["passed"] is None for m in c["missing"]} == set(result["missing"])
        assert "innovation_score" in result["missing"]  # an expert's score the warehouse never holds


def test_an_enterprise_sees_its_talents_policies(web_park, client_for):
    officer = client_for("officer")
    b = web_park.people["enterprise_b"].uscc
    mine = sorted(t["talent_id"] for t in web_park.tables["talents"].to_pylist() if t["employer_uscc"] == b)
    page = client_for("enterprise_b").get("/api/policies/mine").json()
    assert page["uscc"] == b and [t["talent_id"] for t in page["talents"]] == mine and mine
    housing = housing_by_hand(web_park.tables)
    for talent in page["talents"]:
        got = result_of(talent, HOUSING)
        assert (got["status"], got["amount"]) == housing[talent["talent_id"]]
    assert officer.get(f"/api/policies/enterprise/{b}").json()["talents"] == page["talents"]


def test_an_enterprise_sees_only_its_own_policies(web_park, client_for):
    a, b = web_park.people["enterprise"].uscc, web_park.people["enterprise_b"].uscc
    firm = client_for("enterprise")
    assert firm.get("/api/policies/mine").json()["uscc"] == a
    assert firm.get(f"/api/policies/enterprise/{a}").status_code == 200
    other, absent = firm.get(f"/api/policies/enterprise/{b}"), firm.get(f"/api/policies/enterprise/{ABSENT}")
    assert other.status_code == absent.status_code == 404 and other.json() == absent.json()
    assert firm.post(f"/api/policies/enterprise/{b}/what-if", json={"values": {"rd_expense": 1}}).status_code == 404
    assert firm.get(f"/policies/enterprise/{b}/what-if", params={"rd_expense": 1}).status_code == 404
    for url in ("/api/policies", f"/api/policies/{RD}", "/api/policies/automatic", "/policies", "/policies/export.xlsx"):
        assert firm.get(url).status_code == 403, url
    assert firm.post(f"/api/policies/{RD}/push").status_code == 403
    b_name = next(r["name"] for r in web_park.tables["enterprises"].to_pylist() if r["uscc"] == b)
    assert b_name not in firm.get("/policies/mine").text
    staff = client_for("officer")
    assert staff.get("/policies/mine", follow_redirects=False).headers["location"] == "/policies"
    assert staff.get("/api/policies/mine").status_code == 404


def test_the_nav_links_the_calculator_for_each_role(client_for):
    assert 'href="/policies/mine"' in client_for("enterprise").get("/desk").text
    assert 'href="/policies"' in client_for("officer").get("/desk").text
    assert "/policies" not in client_for("expert").get("/me").text


# ---- what-if ------------------------------------------------------------------------------------

def _rd_case(tables) -> tuple[str, float, float]:
    """An enterprise refused the R&D subsidy for R&D under 100万元 whose R&D did grow (before < now < 100)."""
    return next((u, now, before) for u, (s, _, now, before) in sorted(rd_growth_by_hand(tables).items())
                if s == "ineligible" and before is not None and now is not None and before < now < 100)


def test_what_if_more_rd_flips_the_subsidy(web_park, client_for):
    officer = client_for("officer")
    uscc, now, before = _rd_case(web_park.tables)
    answer = officer.post(f"/api/policies/enterprise/{uscc}/what-if", json={"values": {"rd_expense": 150}})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    flip = next(c for c in data["changed"] if c["policy"] == RD)
    assert (flip["before_status"], flip["after_status"], flip["flipped"]) == ("ineligible", "eligible", True)
    assert flip["after_amount"] == pytest.approx(min((150 - before) * 0.1, 100))
    before_by, after_by = ({r["policy"]: r for r in data[k]} for k in ("before", "after"))
    changed = {c["policy"] for c in data["changed"]}
    assert changed == {p for p in before_by if (before_by[p]["status"], before_by[p]["amount"])
                       != (after_by[p]["status"], after_by[p]["amount"])}
    by_add = officer.post(f"/api/policies/enterprise/{uscc}/what-if", json={"add": {"rd_expense": 150 - now}}).json()
    assert next(c for c in by_add["changed"] if c["policy"] == RD)["after_amount"] == pytest.approx(flip["after_amount"])
    again = officer.get(f"/api/policies/enterprise/{uscc}").json()
    assert result_of(again, RD)["status"] == "ineligible"  # nothing was saved


def test_what_if_a_low_expert_score_settles_an_unknown_high_tech_answer(web_park, client_for):
    officer = client_for("officer")
    uscc = officer.get("/api/policies/high_tech_enterprise", params={"status": "unknown"}).json()["items"][0]["subject_id"]
    data = officer.post(f"/api/policies/enterprise/{uscc}/what-if", json={"values": {"innovation_score": 60}}).json()
    flip = next(c for c in data["changed"] if c["policy"] == "high_tech_enterprise")
    assert (flip["before_status"], flip["after_status"]) == ("unknown", "ineligible")  # 60 < 71: false wins


def test_the_what_if_form_works_without_javascript_and_with_htmx(web_park, client_for):
    officer = client_for("officer")
    uscc, now, before = _rd_case(web_park.tables)
    plain = officer.get(f"/policies/enterprise/{uscc}/what-if", params={"rd_expense": "150"})
    assert plain.status_code == 200 and "<html" in plain.text and 'id="what-if-form"' in plain.text
    assert f'data-policy="{RD}" class="flipped" data-before="ineligible" data-after="eligible"' in plain.text
    partial = officer.get(f"/policies/enterprise/{uscc}/what-if", params={"rd_expense": "150"},
                          headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and 'id="what-if-table"' in partial.text
    untouched = officer.get(f"/policies/enterprise/{uscc}/what-if", params={"rd_expense": f"{now:g}"})
    assert 'id="what-if-nothing"' in untouched.text  # the prefilled figure unchanged is no change


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"rd_expense": "abc"}, "rd_expense", "数字"),
    ({"rd_expense": "-5"}, "rd_expense", "负数"),
    ({"revenue": "1e20"}, "revenue", "合理范围"),
    ({"revenue": "inf"}, "revenue", "数字"),
    ({"employees": "3.5"}, "employees", "整数"),
    ({"supported_field": "maybe"}, "supported_field", "是"),
])
def test_a_bad_what_if_value_is_a_422_naming_the_field_and_changes_nothing(web_park, client_for, values, field, words):
    officer = client_for("officer")
    uscc, *_ = _rd_case(web_park.tables)
    with web_park.park.db.read() as session:
        logged = session.scalar(select(func.count()).select_from(AuditEntry))
    page = officer.get(f"/policies/enterprise/{uscc}/what-if", params=values)
    assert page.status_code == 422 and field in page.text and words in page.text
    assert 'id="what-if-table"' not in page.text
    partial = officer.get(f"/policies/enterprise/{uscc}/what-if", params=values, headers={"HX-Request": "true"})
    assert partial.status_code == 422 and 'id="what-if-error"' in partial.text and field in partial.text
    with web_park.park.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == logged


@pytest.mark.parametrize(("body", "loc"), [
    ({"values": {"rd_expense": "abc"}}, "rd_expense"),
    ({"values": {"rd_expense": -5}}, "rd_expense"),
    ({"values": {"rd_expense": 1e20}}, "rd_expense"),
    ({"add": {"rd_expense": -1e6}}, "rd_expense"),
    ({"values": {"employees": 3.5}}, "employees"),
    ({"values": {"no_such_figure": 1}}, "no_such_figure"),
    ({"values": {"rd_expense": 1}, "add": {"rd_expense": 1}}, "rd_expense"),
    ({"value": {"rd_expense": 1}}, "value"),
])
def test_a_bad_what_if_body_is_a_422_naming_the_field(web_park, client_for, body, loc):
    officer = client_for("officer")
    uscc, *_ = _rd_case(web_park.tables)
    answer = officer.post(f"/api/policies/enterprise/{uscc}/what-if", json=body)
    assert answer.status_code == 422, answer.text
    assert any(loc in map(str, problem["loc"]) for problem in answer.json()["detail"]), answer.json()


def test_a_nan_in_the_body_is_refused(web_park, client_for):
    officer = client_for("officer")
    uscc, *_ = _rd_case(web_park.tables)
    answer = officer.post(f"/api/policies/enterprise/{uscc}/what-if", content='{"values": {"rd_expense": NaN}}',
                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 422


# ---- the evaluation is kept until the warehouse changes ------------------------------------------

def test_the_evaluation_is_kept_until_an_import_changes_the_data(tmp_path):
    tables = small_tables()
    park = load_park(tmp_path / "home", tables)
    try:
        people = create_accounts(park, {"officer": people_of(tables)["officer"]})
        catalogue, signature = home_catalogue(park.settings.home)
        first = evaluated(park.warehouse, catalogue, catalogue_key=signature)
        assert evaluated(park.warehouse, catalogue, catalogue_key=signature) is first
        uscc, now, before = _rd_case(tables)
        year = latest_year(tables)
        _import_rd(park, tmp_path, uscc, year, 150.0)
        second = evaluated(park.warehouse, catalogue, catalogue_key=signature)
        assert second is not first
        with TestClient(create_app(park)) as officer:
            log_in(officer, people["officer"])
            result = result_of(officer.get(f"/api/policies/enterprise/{uscc}").json(), RD)
        assert result["status"] == "eligible" and result["amount"] == pytest.approx(min((150 - before) * 0.1, 100))
        scale = next(c for c in result["conditions"] if c["id"] == "rd_scale")
        assert scale["value"] == pytest.approx(150.0)
    finally:
        park.close()


def _import_rd(park, folder, uscc: str, year: int, rd: float) -> None:
    """Import the enterprise template with one enterprise-year's R&D expense changed."""
    template = load_templates()["enterprises"]
    exported = folder / "all.csv"
    export_template(park.warehouse, "enterprises", exported)
    with exported.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    code, year_col, rd_col = (template.column(f).zh for f in ("uscc", "year", "rd_expense"))
    row = next(r for r in rows if r[code] == uscc and r[year_col] == str(year))
    row[rd_col] = f"{rd:g}"
    changed = folder / "changed.csv"
    with changed.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(row)
    report = park.import_file(changed, kind="enterprises")
    assert (report.written, report.counts.updated) == (True, 1), report
