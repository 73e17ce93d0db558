"""The chain pages and their JSON twins through the in-process client; the CLI commands."""

from __future__ import annotations

import json
import re

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import create_accounts, log_in, people_of
from parkbrain.audit.models import AuditEntry
from parkbrain.chains.models import Diagnosis, LinkPage
from parkbrain.chains.report_models import MovementPage, PipelinePage, TierPage
from parkbrain.cli import chains as chains_cli
from parkbrain.cli.common import State
from parkbrain.web import create_app
from test_chains_fixtures import SMALL_PARK, demo_chain_park, park_from_csv, small_park_usccs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from demo_chain_park(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def people(demo):
    return create_accounts(demo.park, people_of(demo.tables))


@pytest.fixture(scope="module")
def app(demo):
    return create_app(demo.park)


@pytest.fixture(scope="module")
def client(app, people):
    """An officer: reads the chains and may confirm or move placements."""
    with TestClient(app) as c:
        log_in(c, people["officer"])
        yield c


@pytest.fixture
def visitor(app):
    with TestClient(app) as c:
        yield c


def test_reading_needs_park_read_and_editing_park_edit(app, visitor, people, demo):
    assert visitor.get("/api/chains").status_code == 401
    page = visitor.get("/chains/tiers", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    log_in(visitor, people["enterprise"])
    assert visitor.get("/api/chains/pipeline").status_code == 403
    with TestClient(app) as analyst:
        log_in(analyst, people["analyst"])
        assert analyst.get("/api/chains/tiers").status_code == 200
        page = analyst.get("/chains/smart_iot/chip_design")
        assert page.status_code == 200 and 'action="/chains/overrides"' not in page.text
        uscc = analyst.get("/api/chains/smart_iot/chip_design").json()["enterprises"]["items"][0]["uscc"]
        r = analyst.post("/api/chains/overrides", json={"uscc": uscc, "action": "exclude"})
        assert r.status_code == 403


def test_the_chain_map_and_its_twin(client):
    data = client.get("/api/chains").json()
    Diagnosis.model_validate(data)
    assert data["district"] == "滨江区" and data["demo"] is True
    assert [c["id"] for c in data["chains"]] == ["smart_iot", "biomedicine", "high_end_equipment", "green_energy",
                                                  "new_materials"]
    page = client.get("/chains?chain=biomedicine")
    assert page.status_code == 200 and 'id="chain-graph"' in page.text
    graph = json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>',
                                 page.text, re.S).group(1))
    nodes = {n["id"]: n for n in graph["series"][0]["data"]}
    bio = next(c for c in data["chains"] if c["id"] == "biomedicine")
    for link in bio["links"]:  # every link drawn, coloured by its status, clickable to its page
        assert nodes[link["key"]]["url"].startswith(f"/chains/{link['key']}")
    assert nodes["biomedicine/pharma_equipment"]["itemStyle"]["borderType"] == "dashed"
    for action, found in data["findings"].items():
        for f in found:
            assert f"data-link=\"{f['key']}\"" in page.text or f["chain"] != "biomedicine", action


def test_reasons_are_written_in_the_requests_language(client):
    zh = client.get("/api/chains").json()["findings"]["extend_chain"][0]["reasons"][0]["text"]
    en = client.get("/api/chains?lang=en").json()["findings"]["extend_chain"][0]["reasons"][0]["text"]
    assert "本地无该环节企业" in zh and en.startswith("no enterprise here")
    assert "Chain diagnosis" in client.get("/chains?lang=en").text


def test_a_link_page_and_its_twin(client):
    data = client.get("/api/chains/smart_iot/chip_design").json()
    LinkPage.model_validate(data)
    assert data["link"]["key"] == "smart_iot/chip_design" and data["enterprises"]["total"] == data["link"]["enterprises"]
    first = data["enterprises"]["items"][0]
    assert first["confidence"] > 0 and (first["code_evidence"] or first["scope_words"] or first["product_words"])
    assert len(data["candidates"]) == 10 and all(c["synthetic"] for c in data["candidates"])
    page = client.get("/chains/smart_iot/chip_design")
    assert page.status_code == 200 and first["name"] in page.text and 'action="/chains/overrides"' in page.text


def test_unknown_links_are_404_with_the_reason(client):
    r = client.get("/api/chains/smart_iot/quantum")
    assert r.status_code == 404 and "no link 'smart_iot/quantum'" in r.json()["detail"]
    assert client.get("/chains/smart_iot/quantum").status_code == 404
    assert client.get("/api/chains/Smart/x").status_code == 422


def test_an_officer_moves_an_enterprise_from_the_page(client, demo):
    link = client.get("/api/chains/smart_iot/smart_devices").json()
    uscc = link["enterprises"]["items"][-1]["uscc"]
    back = "/chains/smart_iot/smart_devices"
    r = client.post("/chains/overrides", data={"uscc": uscc, "action": "override",
                                               "link": "smart_iot/system_integration", "back": back},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == back
    moved = client.get("/api/chains/smart_iot/system_integration?page=1").json()
    assert uscc in {e["uscc"] for e in moved["enterprises"]["items"]} or moved["enterprises"]["total"] > 50
    r = client.post("/api/chains/overrides", json={"uscc": uscc, "action": "confirm", "link": "smart_iot/smart_devices"})
    assert r.status_code == 200 and r.json()["action"] == "confirm" and r.json()["officer"] == "officer1"
    again = client.get("/api/chains/smart_iot/smart_devices").json()["enterprises"]["items"]
    assert any(e["uscc"] == uscc and e["source"] == "confirmed" for e in again) or len(again) == 50
    bad = client.post("/chains/overrides", data={"uscc": uscc, "action": "override", "link": "x",
                                                 "back": "https://elsewhere.example/"})
    assert bad.status_code == 422
    with demo.park.db.write() as session:
        logged = session.execute(select(AuditEntry.action, AuditEntry.actor).where(
            AuditEntry.target == f"enterprise:{uscc}")).all()
    assert [tuple(r) for r in logged] == [("chains.override", "officer1"), ("chains.confirm", "officer1")]
    no_token = client.post("/api/chains/overrides", json={"uscc": uscc, "action": "exclude"},
                           headers={"X-CSRF-Token": "forged"})
    assert no_token.status_code == 403


def test_the_tier_page_and_its_twin(client):
    data = client.get("/api/chains/tiers").json()
    TierPage.model_validate(data)
    assert data["movement"]["previous_year"] == data["year"] - 1
    assert sum(data["movement"]["summary"].values()) == sum(f["enterprises"] for f in data["movement"]["flows"])
    page = client.get("/chains/tiers")
    assert page.status_code == 200 and 'id="chart-movement"' in page.text
    flow = next(f for f in data["movement"]["flows"] if f["kind"] == "promoted")
    arrow = client.get(f"/api/chains/tiers/movement?from_tier={flow['from_tier']}&to_tier={flow['to_tier']}").json()
    MovementPage.model_validate(arrow)
    assert arrow["total"] == flow["enterprises"]
    assert client.get(f"/chains/tiers/movement?from_tier={flow['from_tier']}&to_tier={flow['to_tier']}").status_code == 200
    assert client.get("/api/chains/tiers/movement?from_tier=king&to_tier=none").status_code == 422


def test_the_pipeline_page_and_its_twin(client):
    data = client.get("/api/chains/pipeline").json()
    PipelinePage.model_validate(data)
    assert [t["target"] for t in data["targets"]] == [25, 20, 18]
    page = client.get("/chains/pipeline")
    assert page.status_code == 200 and "引进亿元以上项目" in page.text and 'id="chart-funnel"' in page.text


def test_the_api_schema_lists_the_twins(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chains", "/api/chains/{chain_id}/{link_id}", "/api/chains/tiers", "/api/chains/tiers/movement",
            "/api/chains/pipeline", "/api/chains/overrides"} <= set(paths)
    assert "/chains" not in paths
    assert "officer" not in paths["/api/chains/overrides"]["post"]["requestBody"]["content"]["application/json"][
        "schema"].get("properties", {})


@pytest.fixture
def cli(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("cli")
    for park in park_from_csv(home, SMALL_PARK):
        park.close()
        root = typer.Typer()
        root.add_typer(chains_cli.app, name="chains")
        monkeypatch.setattr(State, "home", home)
        monkeypatch.setattr(State, "lang", "en")

        def run(*args: str, app: typer.Typer = root):
            return CliRunner().invoke(app, ["chains", *args])

        yield run


def test_the_cli(cli):
    listed = cli("list")
    assert listed.exit_code == 0 and "smart_iot/chip_design" in listed.output
    placed = cli("place")
    assert placed.exit_code == 0 and "placed 36 of 46 enterprises" in placed.output
    dx = cli("diagnose", "--format", "json")
    assert dx.exit_code == 0
    data = json.loads(dx.output)
    assert [f["key"] for f in data["findings"]["strengthen_link"]] == ["smart_iot/chip_design"]
    table = cli("diagnose")
    assert table.exit_code == 0 and "Extend" in table.output and "Sensors" in table.output
    uscc = small_park_usccs()["钱感1"]
    moved = cli("override", uscc, "smart_iot/smart_devices", "--note", "实为整机")
    assert moved.exit_code == 0 and "override smart_iot/smart_devices" in moved.output
    assert cli("override", uscc, "--remove").exit_code == 0
    wrong = cli("override", uscc, "量子")
    assert wrong.exit_code == 1 and "matches no link" in wrong.output
    assert cli("diagnose", "--format", "xml").exit_code == 2
