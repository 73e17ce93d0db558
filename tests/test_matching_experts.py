"""Expert retrieval on a six-expert pool (tests/data/matching/experts.csv), checked by hand, and
the BM25 arithmetic checked against the formula written out here (not against bm25s)."""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from parkbrain.app import ParkBrain
from parkbrain.importing.templates import load_templates
from parkbrain.matching import service
from parkbrain.matching.experts import (
    ExpertQuery,
    MatchWeights,
    batch_candidates,
    find_experts,
    need_query,
)
from parkbrain.matching.index import K1, B, build_expert_index, document, load_expert_index
from parkbrain.matching.rankers import BM25Ranker, EmbeddingRanker, Ranker, hashed_bigrams
from parkbrain.settings import Settings

DATA = Path(__file__).parent / "data" / "matching"
TODAY = dt.date(2026, 1, 1)


def experts_table():
    template = load_templates()["experts"]
    raw = pacsv.read_csv(DATA / "experts.csv")
    return raw.rename_columns([template.header_map()[c] for c in raw.column_names]).cast(template.arrow_schema)


@pytest.fixture(scope="module")
def index():
    return build_expert_index(experts_table())


def ranked(matches) -> list[str]:
    return [m.expert_id for m in matches]


def test_bm25_scores_are_the_lucene_formula(index):
    """score(q, d) = Σ_t qtf · ln(1 + (N − df + ½)/(df + ½)) · tf / (tf + k1 (1 − b + b·|d|/avg|d|))."""
    docs = [Counter(index.tokenizer.terms(document(r))) for r in experts_table().to_pylist()]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / len(lengths)
    text = "钙钛矿电池与固态电解质"
    query = Counter(index.tokenizer.terms(text))
    expected = []
    for doc, length in zip(docs, lengths, strict=True):
        total = 0.0
        for term, qtf in query.items():
            df = sum(term in d for d in docs)
            if not df or df > 0.5 * len(docs):  # unknown, or in more than half the profiles: skipped
                continue
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf = doc[term]
            total += qtf * idf * tf / (tf + K1 * (1 - B + B * length / avg))
        expected.append(total)
    got = BM25Ranker().scores(index, text)
    assert np.allclose(got, expected, rtol=1e-5)
    assert got[0] > 0 and got[2] > 0 and got[3] == 0  # 钙钛矿 (E-01), 固态电解质 (E-03), not 抗体 (E-04)


def test_the_local_expert_comes_first_when_the_texts_tie(index):
    # E-01 (浙江大学, 杭州) and E-02 (宁波大学, 宁波) have the same fields, keywords and profile
    # apart from the institution's name: equal text scores; the city signal puts E-01 first.
    # E-06 works on 光伏 too, without 钙钛矿: it comes in on the field alone.
    query = ExpertQuery(text="钙钛矿电池稳定性攻关", field="光伏", city="杭州")
    found = find_experts(index, query, k=5)
    assert ranked(found) == ["E-01", "E-02", "E-06"]
    first, second, third = found
    assert first.parts["text"] == second.parts["text"] == 0.7
    assert first.parts["location"] == 0.1 and second.parts["location"] == 0.0
    assert first.score == pytest.approx(0.7 + 0.15 + 0.1) and second.score == pytest.approx(0.85)
    assert third.parts == {"text": 0.0, "field": 0.15, "location": 0.1, "institution": 0.0} and third.terms == []
    assert [t.term for t in first.terms] == ["钙钛矿电池"]  # 钙钛矿 and 电池 folded into the keyword
    assert first.field_match == "光伏" and first.same_city


def test_a_preferred_institution_and_the_weights_count(index):
    query = ExpertQuery(text="钙钛矿电池", institutions=("宁波大学",))
    assert ranked(find_experts(index, query, k=2)) == ["E-02", "E-01"]
    text_only = MatchWeights(text=1, field=0, location=0, institution=0)
    assert ranked(find_experts(index, ExpertQuery(text="固态电解质 钠离子电池"), weights=text_only)) == ["E-03"]


def test_no_evidence_no_match(index):
    assert find_experts(index, ExpertQuery(text="区块链与隐私计算")) == []
    assert find_experts(index, ExpertQuery(text="")) == []


def test_an_embedding_ranker_plugs_in(index):
    ranker = EmbeddingRanker(hashed_bigrams(256), name="bigrams")
    assert isinstance(ranker, Ranker) and isinstance(BM25Ranker(), Ranker)
    found = find_experts(index, ExpertQuery(text="抗体工程与靶点发现平台"), ranker=ranker, k=1)
    assert ranked(found) == ["E-04"]
    # The explanation still lists the shared terms, whatever ranked the experts.
    assert {t.term for t in found[0].terms} >= {"抗体工程", "靶点发现"}


def test_the_batch_agrees_with_one_search_per_need(demo_park):
    """On the 2,000-enterprise demo: the batch's candidates are each need's own top experts."""
    w = demo_park.park.warehouse
    idx = service.expert_index(w)
    needs = demo_park.tables["tech_needs"].slice(0, 40).to_pylist()
    queries = [need_query(n, city="杭州") for n in needs]
    batch = batch_candidates(idx, queries, per_need=5)
    for qi, query in enumerate(queries):
        alone = find_experts(idx, query, k=5, explain=False)
        mine = batch.need == qi
        got = dict(zip(batch.expert[mine].tolist(), batch.score[mine].tolist(), strict=True))
        assert sorted(got.values(), reverse=True) == pytest.approx([m.score for m in alone], abs=1e-4)
        # Ties at the cut may pick different experts of equal score; every pick scores as searched.
        scores = {idx.ids.index(m.expert_id): m.score for m in alone}
        for e, s in got.items():
            assert e not in scores or scores[e] == pytest.approx(s, abs=1e-4)


def test_the_index_is_saved_and_keyed_by_the_pool(tmp_path):
    park = ParkBrain(Settings(home=tmp_path, lang="zh"))
    try:
        park.import_file(DATA / "experts.csv", kind="experts", today=TODAY)
        cache = service.cache_folder(tmp_path)
        first = service.expert_index(park.warehouse, cache_dir=cache)
        saved = list(cache.glob("experts-*"))
        assert [p.name for p in saved] == [f"experts-{first.fingerprint}"]
        loaded = load_expert_index(saved[0])
        text = "钙钛矿电池 固态电解质 抗体工程"
        assert np.allclose(BM25Ranker().scores(loaded, text), BM25Ranker().scores(first, text))
        assert service.expert_index(park.warehouse, cache_dir=cache) is first
        # A changed pool is a new index; the old saved one is cleared away.
        park.warehouse.delete_where("experts", "expert_id", ["E-02"])
        second = service.expert_index(park.warehouse, cache_dir=cache)
        assert second.n == 5 and second.fingerprint != first.fingerprint
        assert [p.name for p in cache.glob("experts-*")] == [f"experts-{second.fingerprint}"]
    finally:
        park.close()


@pytest.fixture
def saved_index(tmp_path):
    """A park with the experts template imported and its index saved in the cache: (index, its folder)."""
    park = ParkBrain(Settings(home=tmp_path, lang="zh"))
    try:
        park.import_file(DATA / "experts.csv", kind="experts", today=TODAY)
        index = service.expert_index(park.warehouse, cache_dir=service.cache_folder(tmp_path))
        yield index, service.cache_folder(tmp_path) / f"experts-{index.fingerprint}"
    finally:
        park.close()


def test_a_second_save_of_the_same_index_leaves_the_first_whole(saved_index, monkeypatch):
    """Two workers saving the same pool: the copy in place stays as it was (not rewritten under a reader),
    the late copy is dropped, no staging folder is left; a save that fails midway leaves nothing."""
    index, folder = saved_index
    cache = folder.parent
    before = {p.relative_to(folder): (p.stat().st_mtime_ns, p.stat().st_ino) for p in folder.rglob("*")}
    service._save_quietly(index, folder)
    assert {p.relative_to(folder): (p.stat().st_mtime_ns, p.stat().st_ino) for p in folder.rglob("*")} == before
    assert sorted(p.name for p in cache.iterdir()) == [folder.name]

    def full_disk(self, target):
        Path(target).mkdir(parents=True)
        (Path(target) / "manifest.json").write_text("{}")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(index), "save", full_disk)
    service._save_quietly(index, cache / "experts-other")
    assert sorted(p.name for p in cache.iterdir()) == []  # the old state cleared, nothing half-saved


def test_a_half_written_index_and_a_left_staging_folder_are_cleared(saved_index):
    """A saved folder without its manifest (a crash of an older version) is replaced by a whole one; a
    staging folder a killed process left an hour ago is removed, a fresh one (another worker saving) is not."""
    index, folder = saved_index
    cache = folder.parent
    (folder / "manifest.json").unlink()
    left, fresh = cache / ".experts-abc.1.deadbeef", cache / ".experts-abc.2.cafebabe"
    for staging in (left, fresh):
        staging.mkdir()
        (staging / "experts.parquet").write_bytes(b"partial")
    hour_ago = time.time() - service.STAGING_LEFT_AFTER - 60
    os.utime(left, (hour_ago, hour_ago))
    service._save_quietly(index, folder)
    assert (folder / "manifest.json").exists()
    assert load_expert_index(folder).ids == index.ids
    assert sorted(p.name for p in cache.iterdir()) == sorted([folder.name, fresh.name])
