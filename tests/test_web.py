"""The web app through FastAPI's in-process client, against the 2,000-enterprise demo park.

Expectations are recomputed here in plain Python from the generator's tables (the rows that were
imported), never taken from parkbrain.overview.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from importlib import resources

import pytest
import yaml
from fastapi.testclient import TestClient

from parkbrain import numbers
from parkbrain.app import ParkBrain
from parkbrain.i18n import catalogue
from parkbrain.settings import Settings
from parkbrain.uscc import check_character
from parkbrain.web import create_app

LADDER = [("listed", "上市企业"), ("little_giant", "专精特新小巨人"), ("specialised_sme", "专精特新中小企业"),
          ("high_tech_enterprise", "高新技术企业"), ("tech_sme", "科技型中小企业")]
SUMMED = ("revenue", "rd_expense", "tax_paid", "employees", "invention_patents_held")


# ---- independent expectations -------------------------------------------------------------

def cert_names(text: str | None) -> set[str]:
    return {part.split("@")[0] for part in (text or "").split(";") if part}


def tier(text: str | None) -> str:
    names = cert_names(text)
    return next((t for t, name in LADDER if name in names), "none")


@cache
def ecosystem_prefixes() -> dict[str, str]:
    data = yaml.safe_load((resources.files("parkbrain") / "data" / "ecosystems.yaml").read_text("utf-8"))
    return {p: e["id"] for e in data["ecosystems"] for p in e["prefixes"]}


def ecosystem(code: str | None) -> str:
    prefixes = ecosystem_prefixes()
    matches = [p for p in prefixes if code and code.startswith(p)]
    return prefixes[max(matches, key=len)] if matches else "other"


def total(rows: list[dict], column: str) -> float:
    return sum(r[column] for r in rows if r[column] is not None)


@pytest.fixture(scope="module")
def rows(demo_park) -> list[dict]:
    return demo_park.tables["enterprises"].to_pylist()


@pytest.fixture(scope="module")
def latest(rows) -> dict[str, dict]:
    """Each enterprise's row of its latest year (where its attributes come from)."""
    out: dict[str, dict] = {}
    for r in rows:
        if r["uscc"] not in out or r["year"] > out[r["uscc"]]["year"]:
            out[r["uscc"]] = r
    return out


@pytest.fixture(scope="module")
def year(rows) -> int:
    return max(r["year"] for r in rows)


def by_year(rows, year, district=None, latest=None):
    return [r for r in rows if r["year"] == year and (district is None or latest[r["uscc"]]["district"] == district)]


@pytest.fixture
def client(demo_park, demo_people, login):
    """A client logged in as an officer (who sees the whole park)."""
    with TestClient(create_app(demo_park.park)) as c:
        login(c, demo_people["officer"])
        yield c


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-6)


def indicators(payload: dict) -> dict[str, dict]:
    return {i["id"]: i for i in payload["indicators"]}


# ---- JSON twins --------------------------------------------------------------------------

def test_overview_totals_and_growth_match_sums_of_the_imported_rows(client, rows, year):
    got = indicators(client.get("/api/overview").json())
    cur, prev = by_year(rows, year), by_year(rows, year - 1)
    assert got["enterprises"]["value"] == len(cur) and got["enterprises"]["previous"] == len(prev)
    for m in SUMMED:
        assert got[m]["value"] == approx(total(cur, m)), m
        assert got[m]["previous"] == approx(total(prev, m)), m
        assert got[m]["change"] == approx((total(cur, m) / total(prev, m) - 1) * 100), m
    intensity = total(cur, "rd_expense") / total(cur, "revenue") * 100
    before = total(prev, "rd_expense") / total(prev, "revenue") * 100
    assert got["rd_intensity"]["value"] == approx(intensity)
    assert got["rd_intensity"]["change"] == approx(intensity - before)
    assert got["rd_intensity"]["change_unit"] == "pp"
    high_tech = sum("高新技术企业" in cert_names(r["certifications"]) for r in cur)
    assert got["high_tech_enterprises"]["value"] == high_tech > 0


def test_comparable_basis_counts_only_enterprises_with_the_figure_in_both_years(client, rows, year):
    got = indicators(client.get("/api/overview").json())
    cur = {r["uscc"]: r for r in by_year(rows, year)}
    prev = {r["uscc"]: r for r in by_year(rows, year - 1)}
    both = cur.keys() & prev.keys()
    assert got["enterprises"]["comparable"]["enterprises"] == len(both)
    for m in SUMMED:
        pairs = [(cur[u][m], prev[u][m]) for u in both if cur[u][m] is not None and prev[u][m] is not None]
        c = got[m]["comparable"]
        assert c["enterprises"] == len(pairs), m
        assert c["value"] == approx(sum(a for a, _ in pairs)) and c["previous"] == approx(sum(b for _, b in pairs))
        assert c["change"] == approx((sum(a for a, _ in pairs) / sum(b for _, b in pairs) - 1) * 100)
    # New and leaving enterprises are what tells the two bases apart.
    assert len(cur.keys() - prev.keys()) > 0
    assert got["revenue"]["comparable"]["value"] < got["revenue"]["value"]


def test_tiers_count_each_enterprise_once_by_its_highest_certification(client, rows, year):
    tiers = client.get("/api/overview").json()["tiers"]
    cur = by_year(rows, year)
    expected = Counter(tier(r["certifications"]) for r in cur)
    for t, _ in [*LADDER, ("none", "")]:
        assert tiers[t] == expected[t], t
    assert sum(tiers[t] for t, _ in LADDER) + tiers["none"] == len(cur)
    assert tiers["gazelle"] == sum("瞪羚企业" in cert_names(r["certifications"]) for r in cur)
    assert tiers["unicorn"] == sum("独角兽企业" in cert_names(r["certifications"]) for r in cur)


def test_ecosystems_follow_the_industry_code_prefixes(client, rows, latest, year):
    got = {e["id"]: e for e in client.get("/api/overview").json()["ecosystems"]}
    cur = by_year(rows, year)
    counts = Counter(ecosystem(latest[r["uscc"]]["industry_code"]) for r in cur)
    revenue = defaultdict(float)
    for r in cur:
        revenue[ecosystem(latest[r["uscc"]]["industry_code"])] += r["revenue"] or 0
    assert {k: v["enterprises"] for k, v in got.items() if v["enterprises"]} == dict(counts)
    for eco, value in revenue.items():
        assert got[eco]["revenue"] == approx(value)
    assert list(got)[-1] == "other" and len(got) == 6


@pytest.mark.parametrize(("code", "expected"), [
    ("C2710", "biomedicine"), ("C3581", "biomedicine"), ("C3511", "high_end_equipment"),
    ("I6513", "smart_iot"), ("C3985", "smart_iot"), ("C3841", "green_energy"), ("C3849", "other"),
    ("M7513", "new_materials"), ("F5179", "other"), (None, "other"),
])
def test_ecosystem_of_hand_checked_codes(code, expected):
    from parkbrain.overview import ecosystem_of
    assert ecosystem_of(code) == expected == ecosystem(code)


def test_district_filter_and_comparison(client, rows, latest, year):
    districts = sorted({r["district"] for r in latest.values()})
    assert len(districts) >= 2
    district = districts[-1]
    payload = client.get("/api/overview", params={"district": district}).json()
    got = indicators(payload)
    mine = by_year(rows, year, district, latest)
    assert payload["district"] == district
    assert got["enterprises"]["value"] == len(mine)
    assert got["revenue"]["value"] == approx(total(mine, "revenue"))
    compared = {d["district"]: d for d in payload["by_district"]}
    assert set(compared) == {latest[r["uscc"]]["district"] for r in by_year(rows, year)}
    for d in districts:
        these = by_year(rows, year, d, latest)
        assert compared[d]["enterprises"] == len(these)
        assert compared[d]["revenue"] == approx(total(these, "revenue"))
    revenues = [d["revenue"] for d in payload["by_district"]]
    assert revenues == sorted(revenues, reverse=True)


def test_overview_of_an_earlier_year(client, rows, year):
    payload = client.get("/api/overview", params={"year": year - 2}).json()
    assert (payload["year"], payload["previous_year"]) == (year - 2, year - 3)
    assert indicators(payload)["revenue"]["value"] == approx(total(by_year(rows, year - 2), "revenue"))


def test_register_lists_every_enterprise_largest_revenue_first(client, latest):
    page = client.get("/api/enterprises", params={"per_page": 5}).json()
    assert page["total"] == len(latest) == 2000
    assert page["pages"] == 400 and len(page["items"]) == 5
    by_revenue = sorted((r for r in latest.values() if r["revenue"] is not None), key=lambda r: -r["revenue"])
    assert [i["uscc"] for i in page["items"]] == [r["uscc"] for r in by_revenue[:5]]
    first = page["items"][0]
    assert first["tier"] == tier(latest[first["uscc"]]["certifications"])


def all_pages(client, **params) -> list[dict]:
    items, page = [], 1
    while True:
        body = client.get("/api/enterprises", params=params | {"page": page, "per_page": 200}).json()
        items += body["items"]
        if page >= body["pages"]:
            return items
        page += 1


def test_paging_covers_the_register_once(client, latest):
    items = all_pages(client, sort="name")
    assert len(items) == len({i["uscc"] for i in items}) == len(latest)
    names = [i["name"] for i in items]
    assert names == sorted(names)


def test_search_matches_name_code_products_and_scope(client, latest):
    word = "传感"
    expected = {u for u, r in latest.items()
                if any(word in (r[c] or "") for c in ("name", "uscc", "products", "business_scope"))}
    assert 0 < len(expected) < len(latest)
    assert {i["uscc"] for i in all_pages(client, q=word)} == expected
    some = next(iter(latest))
    assert [i["uscc"] for i in client.get("/api/enterprises", params={"q": some.lower()}).json()["items"]] == [some]


def test_filters_combine(client, latest):
    district = sorted({r["district"] for r in latest.values()})[0]
    expected = {u for u, r in latest.items() if r["district"] == district and tier(r["certifications"]) == "high_tech_enterprise"}
    got = all_pages(client, district=district, tier="high_tech_enterprise")
    assert {i["uscc"] for i in got} == expected and expected
    eco = {u for u, r in latest.items() if ecosystem(r["industry_code"]) == "biomedicine"}
    assert {i["uscc"] for i in all_pages(client, ecosystem="biomedicine")} == eco
    industry = {u for u, r in latest.items() if (r["industry_code"] or "").startswith("C39")}
    assert {i["uscc"] for i in all_pages(client, industry="c39")} == industry


def test_empty_form_fields_mean_no_filter(client, latest):
    empty = {"q": "", "district": "", "park": "", "tier": "", "ecosystem": "", "industry": ""}
    assert client.get("/api/enterprises", params=empty).json()["total"] == len(latest)
    assert client.get("/enterprises", params=empty).status_code == 200
    assert indicators(client.get("/api/overview", params={"district": ""}).json())["enterprises"]["value"] > 0


def test_enterprise_detail_json(client, rows, latest):
    uscc = next(u for u, r in latest.items() if len(cert_names(r["certifications"])) >= 2)
    body = client.get(f"/api/enterprises/{uscc}").json()
    mine = sorted((r for r in rows if r["uscc"] == uscc), key=lambda r: r["year"])
    assert body["demo"] is True
    assert body["enterprise"]["name"] == latest[uscc]["name"]
    assert [y["year"] for y in body["years"]] == [r["year"] for r in mine]
    assert [y["revenue"] for y in body["years"]] == [r["revenue"] for r in mine]
    assert [y["tier"] for y in body["years"]] == [tier(r["certifications"]) for r in mine]
    held = {c["name"]: c for c in body["certifications"]}
    assert set(held) == set().union(*(cert_names(r["certifications"]) for r in mine))
    for part in latest[uscc]["certifications"].split(";"):
        name, _, day = part.partition("@")
        if day:
            assert held[name]["granted_on"] == day


def test_unknown_and_malformed_codes(client):
    absent = "91330108MA0000001" + check_character("91330108MA0000001")
    assert client.get(f"/api/enterprises/{absent}").status_code == 404
    assert "detail" in client.get(f"/api/enterprises/{absent}").json()
    for bad in ("914403001922038217", "123", "91330108ma2cjq9x3e", "91330108MA2CJQ9X3I"):
        r = client.get(f"/api/enterprises/{bad}")
        assert r.status_code == 422, bad
        assert r.json()["detail"][0]["loc"] == ["path", "uscc"]
    page = client.get(f"/enterprises/{absent}")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert absent in page.text and "Traceback" not in page.text
    page = client.get("/enterprises/914403001922038217")
    assert page.status_code == 422 and "GB 32100-2015" in page.text
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/api/enterprises", params={"sort": "revenue; drop table"}).status_code == 422
    assert client.get("/api/enterprises", params={"per_page": 0}).status_code == 422


def test_healthz_counts_the_tables(client, rows, latest):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["tables"]["enterprises"] == len(latest)
    assert body["tables"]["enterprise_years"] == len(rows)


# ---- pages -----------------------------------------------------------------------------------

def test_home_page_shows_the_figures_in_report_style(client, rows, year):
    html = client.get("/").text
    cur, prev = by_year(rows, year), by_year(rows, year - 1)
    revenue = total(cur, "revenue")
    assert numbers.money_zh(revenue) in html
    assert numbers.growth_zh((revenue / total(prev, "revenue") - 1) * 100) in html
    assert numbers.count_zh(len(cur)) in html
    assert numbers.people_zh(total(cur, "employees")) in html
    assert f"{year}年" in html and '<html lang="zh-CN">' in html
    assert html.count("data-chart=") == 3 and "/static/vendor/echarts.min.js" in html
    assert "演示数据" in html  # the demo park is labelled


def test_enterprise_page_shows_its_file(client, latest):
    uscc, firm = next((u, r) for u, r in latest.items() if r["revenue"])
    html = client.get(f"/enterprises/{uscc}").text
    assert firm["name"] in html and uscc in html
    assert numbers.money_zh(firm["revenue"]) in html
    assert 'id="chart-trend"' in html and 'id="trend-data"' in html


def test_enterprise_list_page_and_htmx_partial(client, latest):
    html = client.get("/enterprises", params={"q": "传感"}).text
    expected = sum("传感" in " ".join(r[c] or "" for c in ("name", "uscc", "products", "business_scope"))
                   for r in latest.values())
    assert f'data-total="{expected}"' in html and 'hx-get="/enterprises"' in html
    partial = client.get("/enterprises", params={"q": "传感"}, headers={"HX-Request": "true"}).text
    assert "<html" not in partial and f'data-total="{expected}"' in partial
    assert client.get("/enterprises", params={"q": "不存在的企业名称xyz"}, headers={"HX-Request": "true"}).text.count(
        'id="no-results"') == 1


def test_language_switch_by_query_cookie_and_header(client):
    zh = client.get("/").text
    assert "园区概览" in zh and "Overview" not in zh
    en = client.get("/", params={"lang": "en"})
    assert "The park in" in en.text and '<html lang="en">' in en.text
    assert "lang=en" in en.headers["set-cookie"]
    assert "Enterprises" in client.get("/enterprises").text  # remembered by the cookie
    assert "Revenue" in client.get("/api/overview").json()["indicators"][1]["label"]
    client.cookies.delete("lang")
    assert "企业名录" in client.get("/enterprises").text
    # Chinese first: an English browser locale alone does not switch the language.
    assert "企业名录" in client.get("/enterprises", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "企业名录" in client.get("/enterprises", headers={"Accept-Language": "zh-CN,en;q=0.5"}).text


def test_pages_load_nothing_from_outside(client, latest):
    uscc = next(iter(latest))
    for url in ("/", "/?lang=en", "/enterprises", f"/enterprises/{uscc}", "/enterprises/914403001922038217", "/x"):
        r = client.get(url)
        assert not re.search(r"https?://", r.text), url
        assert all(src.startswith("/static/") for src in re.findall(r'<script[^>]*src="([^"]+)"', r.text))
        assert "default-src 'self'" in r.headers["content-security-policy"]
    for asset in ("/static/css/parkbrain.css", "/static/js/charts.js", "/static/js/app.js"):
        r = client.get(asset)
        assert r.status_code == 200 and not re.search(r"https?://", r.text), asset
    for vendor in ("/static/vendor/echarts.min.js", "/static/vendor/htmx.min.js"):
        assert client.get(vendor).status_code == 200, "run `make assets`"
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN


def test_openapi_describes_the_json_twins(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/overview", "/api/enterprises", "/api/enterprises/{uscc}", "/healthz"} <= set(spec["paths"])
    assert "/" not in spec["paths"]
    ok = spec["paths"]["/api/overview"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Overview"}
    assert "404" in spec["paths"]["/api/enterprises/{uscc}"]["get"]["responses"]


def test_imported_data_is_not_labelled_demo(tmp_path, login, make_accounts, fast_hash):
    first = "91330108MA0000002"
    csv = tmp_path / "firms.csv"
    csv.write_text("统一社会信用代码,企业名称,成立日期,所属区县,年度,营业收入\n"
                   f"{first + check_character(first)},杭州真实测试有限公司,2015-06-01,滨江区,2023,1234.5\n",
                   encoding="utf-8")
    with ParkBrain(Settings(home=tmp_path / "home", **fast_hash)) as park:
        park.import_file(csv)
        officer = make_accounts(park)["officer"]
        with TestClient(create_app(park)) as c:
            login(c, officer)
            html = c.get("/").text
            assert "演示数据" not in html and "1234.5万元" in html
            assert c.get("/api/overview").json()["demo"] is False


def test_every_web_message_exists_in_both_languages():
    zh = {k for k in catalogue("zh") if k.startswith("web.")}
    en = {k for k in catalogue("en") if k.startswith("web.")}
    assert zh == en
    data = yaml.safe_load((resources.files("parkbrain") / "data" / "ecosystems.yaml").read_text("utf-8"))
    for eco in [*data["ecosystems"], data["other"]]:
        assert catalogue("zh")[f"web.ecosystem.{eco['id']}"] == eco["zh"]
