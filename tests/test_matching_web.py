"""The matching pages and their JSON twins through FastAPI's in-process client.

Orders and reasons are the hand-checked ones of test_matching_spaces / test_matching_experts,
now asked for over HTTP (move-in date 2026-01-01, so the search does not depend on today).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import FAST_HASH, create_accounts, log_in, people_of
from parkbrain.app import ParkBrain
from parkbrain.matching import collaborations as collab
from parkbrain.settings import Settings
from parkbrain.web import create_app, matching

DATA = Path(__file__).parent / "data" / "matching"
NEEDS = "industry=生物医药&area_min=250&area_max=350&budget=3&move_in=2026-01-01"


def app_for(park: ParkBrain):
    app = create_app(park)
    return app


@pytest.fixture(scope="module")
def park(tmp_path_factory) -> ParkBrain:
    park = ParkBrain(Settings(home=tmp_path_factory.mktemp("matching-web"), lang="zh", **FAST_HASH))
    for name in ("parks", "spaces", "experts", "tech_needs"):
        park.import_file(DATA / f"{name}.csv", kind=name, today=dt.date(2026, 1, 1))
    collab.propose(park.warehouse, [{"need_id": "N-01", "uscc": "91330108MA00000013", "expert_id": "E-01",
                                     "score": 0.95}], on=dt.date(2025, 9, 1))
    collab.advance(park.warehouse, collab.collaboration_id("N-01", "E-01"), "accepted", on=dt.date(2025, 9, 9))
    yield park
    park.close()


@pytest.fixture(scope="module")
def people(park):
    # firm_a is bound to 91330108MA00000013, the enterprise of need N-01; firm_b to N-02's.
    return create_accounts(park, people_of(None))


@pytest.fixture(scope="module")
def client(park, people) -> TestClient:
    client = TestClient(app_for(park))
    log_in(client, people["analyst"])
    return client


def test_space_search_json_is_the_hand_checked_order_with_reasons(client):
    data = client.get(f"/api/spaces?{NEEDS}").json()
    assert [r["listing"]["space_id"] for r in data["results"]] == ["S-01", "S-02", "S-03", "S-07"]
    assert [r["score"] for r in data["results"]] == [87.5, 83.3, 76.3, 79.2]
    assert data["excluded"] == {"status": 2, "use": 0, "area": 3, "budget": 1, "timing": 1}
    first = data["results"][0]
    assert first["listing"]["park_name"] == "测试生物医药产业园" and first["listing"]["district"] == "钱塘区"
    assert [r["message"] for r in first["reasons"]][:2] == ["园区主导产业为生物医药", "湿实验室正适合生物医药企业"]
    english = client.get(f"/api/spaces?{NEEDS}&lang=en").json()
    assert english["results"][0]["reasons"][1]["message"] == "a wet lab suits a 生物医药 firm"
    client.get("/api/spaces?lang=zh")  # ?lang= is remembered: back to Chinese for the other tests


def test_empty_form_fields_mean_not_stated_and_contradictions_are_400(client):
    blank = client.get("/api/spaces?area_min=&area_max=&budget=&use=&industry=&move_in=2026-01-01").json()
    assert blank["shown"] == 8  # every available listing ready by then (S-08 is not)
    bad = client.get("/api/spaces?area_min=500&area_max=100")
    assert bad.status_code == 400 and bad.json() == {"detail": "面积下限500㎡大于上限100㎡；请把两者对调或改正"}
    assert client.get("/api/spaces?use=lab").status_code == 422
    page = client.get("/spaces?area_min=500&area_max=100")
    assert page.status_code == 400 and 'id="space-error"' in page.text and "面积下限500㎡" in page.text


def test_space_page_shows_the_same_ranking_and_htmx_gets_the_results_only(client):
    page = client.get(f"/spaces?{NEEDS}")
    assert page.status_code == 200 and "<h1>一键找园</h1>" in page.text
    assert re.findall(r'data-space="([^"]+)"', page.text) == ["S-01", "S-02", "S-03", "S-07"]
    assert "租金3.2元/㎡/天，超出预算3元共0.2元（6.7%）" in page.text
    assert 'option value="生物医药" selected' in page.text  # the form keeps the needs
    partial = client.get(f"/spaces?{NEEDS}", headers={"HX-Request": "true"})
    assert "<html" not in partial.text and re.findall(r'data-space="([^"]+)"', partial.text)[0] == "S-01"


def test_expert_matching_for_a_need_explains_each_expert(client):
    data = client.get("/api/experts?need_id=N-01&k=3").json()
    assert data["need"]["title"] == "钙钛矿电池稳定性攻关" and data["pool"] == 6
    assert [e["expert_id"] for e in data["results"]] == ["E-01", "E-02", "E-06"]
    assert data["results"][0]["terms"][0]["term"] == "钙钛矿电池"
    assert data["results"][0]["field_match"] == "光伏" and data["results"][0]["same_city"]  # parks are in 杭州
    text = client.get("/api/experts?q=固态电解质").json()
    assert text["need"] is None and text["results"][0]["expert_id"] == "E-03"
    missing = client.get("/api/experts?need_id=N-404")
    assert missing.status_code == 404 and missing.json()["detail"] == "没有编号为N-404的技术需求；请核对编号"
    assert client.get("/api/experts").status_code == 400
    page = client.get("/experts?need_id=N-01")
    assert re.findall(r'data-expert="([^"]+)"', page.text)[:3] == ["E-01", "E-02", "E-06"]
    assert 'id="need-panel"' in page.text and '<span class="term"' in page.text
    assert client.get("/experts").status_code == 200  # the empty form, with example needs
    assert "<html" not in client.get("/experts?q=抗体工程", headers={"HX-Request": "true"}).text


def test_collaborations_board_and_its_twin(client):
    data = client.get("/api/collaborations").json()
    assert data["by_status"]["accepted"] == 1 and data["placed_experts"] == 1 and data["pool"] == 6
    assert data["latest"][0]["updated_on"] == "2025-09-09" and data["latest"][0]["expert_name"] == "张明"
    page = client.get("/collaborations")
    assert page.status_code == 200 and 'id="chart-funnel"' in page.text and 'data-value="1"' in page.text


def test_the_api_schema_lists_the_twins(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, model in (("/api/spaces", "SpaceSearch"), ("/api/experts", "ExpertSearch"),
                        ("/api/collaborations", "CollaborationBoard")):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith(model)
    assert "/spaces" not in paths and "/experts" not in paths


def test_who_may_see_what(park, people):
    anonymous = TestClient(app_for(park))
    # 一键找园 is meant for anyone; it is public once the security allow-list names its paths.
    public = matching.SPACES_ACCESS.value == "public"
    assert anonymous.get(f"/api/spaces?{NEEDS}").status_code == (200 if public else 401)
    assert anonymous.get("/api/experts?need_id=N-01").status_code == 401
    assert anonymous.get("/collaborations", follow_redirects=False).status_code in (302, 303)
    firm = TestClient(app_for(park))
    log_in(firm, people["enterprise"])
    assert firm.get(f"/api/spaces?{NEEDS}").status_code == 200
    assert firm.get("/api/experts?need_id=N-01").json()["results"][0]["expert_id"] == "E-01"  # its own need
    assert firm.get("/api/experts?need_id=N-02").status_code == 404  # another enterprise's: as if absent
    assert firm.get("/api/experts?q=固态电解质").status_code == 200
    assert set(re.findall(r'need_id=(N-\d+)', firm.get("/experts").text)) == {"N-01"}  # examples: its own only
    assert firm.get("/api/collaborations").status_code == 403
    expert = TestClient(app_for(park))
    log_in(expert, people["expert"])
    assert expert.get("/api/experts?q=钙钛矿").status_code == 403


def test_a_founder_without_an_account_can_search_space(park):
    anonymous = TestClient(app_for(park))
    data = anonymous.get(f"/api/spaces?{NEEDS}").json()
    assert [r["listing"]["space_id"] for r in data["results"]] == ["S-01", "S-02", "S-03", "S-07"]
    assert anonymous.get("/spaces").status_code == 200
    assert anonymous.get("/api/experts?text=x").status_code == 401  # matching experts needs an account
