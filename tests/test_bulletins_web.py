"""The facts browser (/facts) and its JSON twins: filters, clause in context, conflicts."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from conftest import FAST_HASH, create_accounts, log_in, people_of
from parkbrain.app import ParkBrain
from parkbrain.bulletins.store import ingest_text
from parkbrain.settings import Settings
from parkbrain.web import create_app

# Two hand-written bulletins that disagree on one figure (2023 GDP of 萧山区) and agree on another.
DOC_A = "发布日期:2024-01-20\n萧山区统计局发布。\n2023年，萧山区实现地区生产总值1200亿元，同比增长6.5%。全区新引进各类人才2.1万人。"
DOC_B = "发布日期:2024-02-01\n2023年，萧山区实现地区生产总值1250亿元，同比增长6.8%。"


def app_for(park: ParkBrain):
    app = create_app(park)
    return app


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    park = ParkBrain(Settings(home=tmp_path_factory.mktemp("facts-web"), lang="zh", **FAST_HASH))
    for doc, text in (("a.txt", DOC_A), ("b.txt", DOC_B)):
        ingest_text(park.warehouse, text, doc=doc, doc_sha256=hashlib.sha256(text.encode()).hexdigest())
    yield park
    park.close()


@pytest.fixture(scope="module")
def client(park):
    people = create_accounts(park, people_of(None))
    client = TestClient(app_for(park))
    log_in(client, people["analyst"])
    return client


def test_facts_json_has_values_in_base_units_and_the_clause_in_its_paragraph(client):
    data = client.get("/api/facts", params={"metric": "地区生产总值", "doc": "a.txt"}).json()
    assert data["total"] == 1
    fact = data["facts"][0]
    assert (fact["subject"], fact["period"], fact["value"], fact["unit"], fact["growth_pct"]) == \
        ("萧山区", "2023", 120_000_000_000, "CNY", 6.5)
    context = fact["context"]
    assert "1200亿元" in context["clause"] and "全区新引进各类人才2.1万人" in context["after"]


def test_conflicts_flag_two_documents_with_different_values(client):
    conflicts = client.get("/api/facts/conflicts").json()
    assert len(conflicts) == 1
    gdp = conflicts[0]
    assert gdp["subject"] == "萧山区" and gdp["period"] == "2023"
    assert sorted((v["doc"], v["value"]) for v in gdp["values"]) == [("a.txt", 1.2e11), ("b.txt", 1.25e11)]


def test_reingesting_a_document_replaces_its_facts(park, client):
    before = client.get("/api/facts").json()["total"]
    ingest_text(park.warehouse, DOC_B, doc="b.txt", doc_sha256="x")
    assert client.get("/api/facts").json()["total"] == before
    assert park.warehouse.count("documents") == 2


def test_facts_page_shows_filters_conflicts_and_highlighted_clause(client):
    html = client.get("/facts", params={"subject": "萧山区"}).text
    assert "公报数据" in html and 'id="conflicts"' in html and "<mark>" in html
    assert "1250亿元" in html and "2.1万人" in html


def test_facts_need_a_park_reader(park):
    anonymous = TestClient(app_for(park))
    assert anonymous.get("/api/facts").status_code in (401, 403)
