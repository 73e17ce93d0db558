"""Facts in the warehouse: provenance, replacing a document's facts, browsing and conflicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from parkbrain.app import ParkBrain
from parkbrain.bulletins.store import fact_conflicts, ingest_text, list_facts
from parkbrain.settings import Settings

READ_AT = dt.datetime(2024, 3, 1, 8, 30, tzinfo=dt.UTC)
ARTICLE_A = ("发布日期:2023-02-02\n2022年,杭州高新区(滨江)实现地区生产总值2184.8亿元,同比增长1.8%;"
             "规上工业增加值756.4亿元,位列杭州全市第一。\n今年,该区力争技术交易额350亿元。")
ARTICLE_B = "2023-03-01 来源:某报\n2022年,杭州高新区(滨江)地区生产总值2200亿元;规上工业增加值756.4亿元。"


@pytest.fixture()
def park(tmp_path: Path):
    with ParkBrain(Settings(home=tmp_path)) as p:
        yield p


def test_ingest_with_provenance(park):
    assert ingest_text(park.warehouse, ARTICLE_A, doc="a.txt", doc_sha256="aa", read_at=READ_AT) == 3
    page = list_facts(park.warehouse, doc="a.txt")
    assert page.total == 3 and page.pages == 1
    first = page.rows[0]
    assert (first["metric"], first["value"], first["growth_pct"], first["rank"]) == ("地区生产总值", 218480000000.0,
                                                                                   1.8, None)
    assert (first["doc_sha256"], first["read_at"]) == ("aa", READ_AT)
    assert [r["clause_index"] for r in page.rows] == sorted(r["clause_index"] for r in page.rows)
    assert page.rows[1]["rank"] == {"scope": "杭州市", "position": 1}


def test_reingest_replaces_never_duplicates(park):
    ingest_text(park.warehouse, ARTICLE_A, doc="a.txt", doc_sha256="aa", read_at=READ_AT)
    ingest_text(park.warehouse, ARTICLE_A, doc="a.txt", doc_sha256="aa", read_at=READ_AT)
    assert park.warehouse.count("facts") == 3
    ingest_text(park.warehouse, "发布日期:2023-02-02\n2022年,该区新增企业12家。", doc="a.txt", doc_sha256="a2")
    assert [(r["metric"], r["doc_sha256"]) for r in list_facts(park.warehouse).rows] == [("新增企业", "a2")]


def test_filters_and_pages(park):
    ingest_text(park.warehouse, ARTICLE_A, doc="a.txt", doc_sha256="aa")
    ingest_text(park.warehouse, ARTICLE_B, doc="b.txt", doc_sha256="bb")
    wh = park.warehouse
    assert list_facts(wh, metric="gdp").total == 2  # by metric_id
    assert list_facts(wh, metric="工业增加值").total == 2  # by metric text
    assert list_facts(wh, period="2023").total == 1  # the 350亿 target
    assert list_facts(wh, subject="滨江", doc="b.txt").total == 2
    pages = [list_facts(wh, page=n, per_page=2) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [2, 2, 1] and pages[0].pages == 3
    with pytest.raises(ValueError):
        list_facts(wh, page=0)


def test_conflicts_are_different_values_from_two_documents(park):
    ingest_text(park.warehouse, ARTICLE_A, doc="a.txt", doc_sha256="aa")
    ingest_text(park.warehouse, ARTICLE_B, doc="b.txt", doc_sha256="bb")
    (conflict,) = fact_conflicts(park.warehouse)  # the same 756.4亿 in both is no conflict
    assert (conflict["subject"], conflict["metric_key"], conflict["period"]) == ("杭州高新区(滨江)", "gdp", "2022")
    assert [(v["doc"], v["value"]) for v in conflict["values"]] == [("a.txt", 218480000000.0),
                                                                     ("b.txt", 220000000000.0)]


def test_no_conflicts_in_one_document(park):
    ingest_text(park.warehouse, ARTICLE_A, doc="a.txt", doc_sha256="aa")
    assert fact_conflicts(park.warehouse) == []
