"""The cockpit over the demo park: the JSON twin, the pages, drill-downs, the briefing and the CLI.

Expected figures are recomputed here from the generator's own rows (pyarrow sums, rounding by
hand), not read back from the cockpit."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import create_accounts, load_park, log_in, people_of
from parkbrain.cockpit.briefing import build_briefing
from parkbrain.cockpit.models import Briefing, CasePage, Cockpit, IndicatorDetail
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.report import write_report
from parkbrain.cockpit.state import cockpit_state
from parkbrain.demo import generate_park
from parkbrain.demo.monthly import SOURCE, write_series
from parkbrain.web import create_app


@pytest.fixture(scope="module")
def loaded(demo_park, tmp_path_factory):
    """The session's demo tables in a home of its own, with the demo's monthly series and targets."""
    series = generate_park(enterprises=20, seed=1).series  # the series depend on the seed only
    park = load_park(tmp_path_factory.mktemp("cockpit"), demo_park.tables)
    write_series(park.warehouse, series)
    yield park, series
    park.close()


@pytest.fixture(scope="module")
def client(loaded, people):
    client = TestClient(create_app(loaded[0]))
    log_in(client, people["analyst"])
    return client


@pytest.fixture(scope="module")
def people(loaded):
    return create_accounts(loaded[0], people_of(None))


def home_sum(series, indicator: str, periods: list[str]) -> float:
    t = series["indicator_values"]
    mask = pc.and_(pc.and_(pc.equal(t["indicator_id"], indicator), pc.equal(t["subject"], "滨江区")),
                   pc.is_in(t["period"], value_set=pa.array(periods)))
    picked = t.filter(mask)
    assert picked.num_rows == len(periods)
    return pc.sum(picked["value"]).as_py()


def one_decimal(x: float) -> str:
    return str(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_the_json_twin_validates_and_holds_every_panel(client):
    response = client.get("/api/cockpit")
    assert response.status_code == 200
    board = Cockpit(**response.json())
    assert (board.subject, board.period, board.demo) == ("滨江区", "2026-01..2026-10", True)
    assert len(board.tiles) == 12 and len(board.trends) == 4 and len(board.ratings) == 2
    assert {t.level for t in board.targets} == {"green", "yellow", "red"}  # the demo's targets mix levels
    assert all(t.cause for t in board.targets)
    assert board.enterprise_warnings and len(board.enterprise_warnings.rules) == 6


def test_a_tile_is_the_sum_of_the_months_and_its_change_is_on_last_years_months(client, loaded):
    series = loaded[1]
    now = home_sum(series, "industrial_value_added", [f"2026-{m:02d}" for m in range(1, 11)])
    before = home_sum(series, "industrial_value_added", [f"2025-{m:02d}" for m in range(1, 11)])
    tile = next(t for t in client.get("/api/cockpit").json()["tiles"] if t["id"] == "industrial_value_added")
    assert tile["period"] == "2026-01..2026-10"
    assert tile["value_text"] == f"{one_decimal(now / 1e4)}亿元"  # 万元 → 亿元, one decimal, half up
    assert tile["change_text"] == f"同比增长{one_decimal((now / before - 1) * 100)}%"
    # GDP is quarterly: its tile stops at the last whole quarter (1-9月).
    gdp = next(t for t in client.get("/api/cockpit").json()["tiles"] if t["id"] == "gdp")
    assert gdp["period"] == "2026-01..2026-09"
    assert gdp["value"] == pytest.approx(home_sum(series, "gdp", ["2026Q1", "2026Q2", "2026Q3"]))


def test_every_tile_drills_down(client, loaded):
    park = loaded[0]
    for tile in client.get("/api/cockpit").json()["tiles"]:
        page = client.get(tile["href"])
        assert page.status_code == 200, tile["href"]
        twin = IndicatorDetail(**client.get("/api" + tile["href"]).json())
        assert twin.value_text == tile["value_text"]
        assert twin.contributors or twin.sources or twin.parts, tile["id"]
    detail = client.get("/api/cockpit/indicators/high_tech_enterprises?subject=滨江区&period=2025").json()
    assert len(detail["contributors"]) == min(50, detail["value"])
    known = {r["uscc"] for r in park.warehouse.to_pylist(park.warehouse.table("enterprises").select("uscc"))}
    assert all(e["href"] == f"/enterprises/{e['uscc']}" and e["uscc"] in known for e in detail["contributors"])


def test_warning_cases_page_through_every_flagged_enterprise(client):
    board = client.get("/api/cockpit").json()
    rule = next(r for r in board["enterprise_warnings"]["rules"] if r["total"] > 3)
    page = CasePage(**client.get(f"/api/cockpit/warnings/{rule['id']}?subject=滨江区&per_page=2&page=2").json())
    assert page.total == rule["total"] and len(page.items) == 2
    assert all(case.evidence_text and case.href.startswith("/enterprises/") for case in page.items)
    assert client.get(f"/cockpit/warnings/{rule['id']}").status_code == 200


def test_both_modes_show_the_same_figures(client):
    board = client.get("/api/cockpit").json()
    laptop = client.get("/cockpit").text
    wall = client.get("/cockpit?mode=wall").text
    assert 'class="cp-wall"' in wall and "cp-screen" in wall and "cp-wall" not in laptop
    for tile in board["tiles"][:8]:
        assert tile["value_text"] in laptop and tile["value_text"] in wall
        assert f'href="{tile["href"].replace("&", "&amp;")}"' in laptop
    assert "数据截至2026-10" in laptop and 'id="wall-link"' in laptop


def test_english_labels(client, people):
    own = TestClient(client.app)  # a client of its own: ?lang sets a cookie
    log_in(own, people["leader"])
    board = own.get("/api/cockpit?lang=en").json()
    assert board["tiles"][0]["label"] == "Gross regional product"
    assert board["tiles"][0]["change_text"].endswith("YoY")


@pytest.mark.parametrize(("url", "status"), [
    ("/api/cockpit?period=2023H3", 422), ("/api/cockpit?subject=火星区", 404),
    ("/api/cockpit/indicators/nothing", 404), ("/api/cockpit/warnings/nothing", 404),
])
def test_errors_say_what_is_wrong(client, url, status):
    response = client.get(url)
    assert response.status_code == status and response.json()["detail"]


def test_a_past_year_shows_the_seeds_targets(client):
    targets = {t["indicator"]: t for t in client.get("/api/cockpit?period=2023").json()["targets"]}
    tech = targets["technology_transactions"]  # 力争全年实现技术交易额350亿元 (seeds 000)
    assert (tech["target_text"], tech["complete"], tech["origin"]) == ("350亿元", True, "file")
    assert "seeds/000" in tech["source"]


def test_the_briefing_in_the_seeds_genre(loaded):
    park, series = loaded
    state = cockpit_state(park.warehouse)
    briefing = Briefing(**build_briefing(state, subject="滨江区", period=Period(2023, 1, 6))).model_dump()
    gdp = home_sum(series, "gdp", ["2023Q1", "2023Q2"])
    gdp_before = home_sum(series, "gdp", ["2022Q1", "2022Q2"])
    first = briefing["paragraphs"][0]["text"]
    assert first.startswith(f"2023年上半年，全区实现地区生产总值{one_decimal(gdp / 1e4)}亿元，"
                            f"同比增长{one_decimal((gdp / gdp_before - 1) * 100)}%，位列对比区县第一")
    assert all(f["value_text"] in "".join(p["text"] for p in briefing["paragraphs"]) for f in briefing["facts"])
    # Written as of June 2023: the year's targets are judged on a forecast, not on the later months.
    targets = {t["indicator"]: t for t in briefing["targets"]}
    assert targets["technology_transactions"]["through"] == "2023-06"
    assert not targets["technology_transactions"]["complete"]


def test_the_reader_finds_the_facts_the_briefing_was_written_from(loaded):
    """Round trip through the bulletin reader (parkbrain.bulletins), compared by facts.md's rules."""
    extract = pytest.importorskip("parkbrain.bulletins.extract")
    score = pytest.importorskip("parkbrain.bulletins.score")
    state = cockpit_state(loaded[0].warehouse)
    briefing = build_briefing(state, subject="滨江区", period=Period(2023, 1, 6))
    text = "\n".join([briefing["title"], f"数据截至{briefing['through']}", *(p["text"] for p in briefing["paragraphs"])])
    doc = briefing["facts"][0]["doc"]
    read = [f.to_dict() for f in extract.extract_facts(text, doc=doc, date=dt.date(2023, 6, 30))]
    result = score.compare(read, briefing["facts"])
    assert not result.unmatched_gold, [g["text"] for g in result.unmatched_gold]
    for field in ("period", "growth_pct", "subject", "kind", "measure"):
        assert result.accuracy[field] == 1.0, field
    assert all((p.get("rank") or {}).get("position") == (g["rank"] or {}).get("position") for p, g in result.pairs)


def test_report_files_without_the_printer(loaded, tmp_path):
    files = write_report(cockpit_state(loaded[0].warehouse), subject="滨江区", period=Period(2023, 1, 6),
                         out=tmp_path, demo=True, pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert "滨江区2023年上半年经济运行成绩单" in html and "echarts" in html and "演示数据" in html
    facts = [json.loads(line) for line in files.facts.read_text(encoding="utf-8").splitlines()]
    assert facts and all(f["doc"] == "滨江区2023年上半年成绩单" for f in facts)
    assert files.pdf is None


def test_the_cli_writes_a_report(tmp_path):
    import typer

    from parkbrain.cli.cockpit import cockpit_app, report
    from parkbrain.cli.main import main

    demo = generate_park(enterprises=20, seed=1)
    home = tmp_path / "home"
    park = load_park(home, dict(demo.tables))
    write_series(park.warehouse, demo.series)
    park.close()
    cli = typer.Typer()  # the lead registers the same two on parkbrain's app
    cli.callback()(main)
    cli.command("report")(report)
    cli.add_typer(cockpit_app, name="cockpit")
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["--home", str(home), "report", "--period", "2023H1", "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert (out / "report-滨江区-2023H1.html").exists()
    listed = runner.invoke(cli, ["--home", str(home), "cockpit", "indicators", "--json"])
    assert listed.exit_code == 0 and "invention_patents_per_10k" in listed.output
    bad = runner.invoke(cli, ["--home", str(home), "report", "--period", "2023H9", "--no-pdf"])
    assert bad.exit_code == 2


def test_demo_series_rows_are_labelled_and_replaced_not_doubled(loaded):
    park, series = loaded
    before = park.warehouse.count("indicator_values")
    write_series(park.warehouse, series)
    assert park.warehouse.count("indicator_values") == before
    t = park.warehouse.table("indicator_values")
    assert park.warehouse.scalar((t.source != SOURCE).sum()) == 0
