"""How good expert retrieval is: a labelled set of needs, NDCG@10 and recall@10, and a baseline.

The labels come from the demo generator's hidden fields (which topics of which chain link each
need and each expert was generated with); they are used here only, never to rank.

Grades (the generator's own, see its meta "need_truth_relevance"):
3 the expert's keywords cover every topic of the need; 2 some of them;
1 same chain link, no shared topic; 0 otherwise (not listed).

>>> round(ndcg_at(["a", "b", "c"], {"a": 3, "c": 2}, 10), 4)  # (7 + 3/2) / (7 + 3/log2(3))
0.9558
>>> round(ndcg_at(["a", "c", "b"], {"a": 3, "c": 2}, 10), 6)
1.0
>>> recall_at(["a", "x", "y"], {"a", "b"}, 2)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from parkbrain.matching.index import ExpertIndex
from parkbrain.matching.text import Tokenizer

STRATA = ("one_topic", "two_topics", "neighbour_link")


def ndcg_at(ranked: Sequence[str], grades: dict[str, int], k: int = 10) -> float:
    """NDCG@k with gain 2^grade − 1; the ideal ranking is over every graded expert."""
    def dcg(gains: Iterable[int]) -> float:
        """Discounted cumulative gain of grades in rank order."""
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg(grades.get(e, 0) for e in ranked[:k]) / ideal if ideal else 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Share of the relevant experts in the top k, out of at most k (so 1.0 is reachable)."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / min(k, len(relevant))


class ContainmentRanker:
    """The plain baseline: how many of the query's words occur verbatim in an expert's text.

    What a `LIKE '%word%'` search does: no term weights, no length normalisation.
    """

    name = "keyword_containment"

    def __init__(self) -> None:
        self._texts: dict[int, np.ndarray] = {}
        self._tokenizer = Tokenizer()

    def _documents(self, index: ExpertIndex) -> np.ndarray:
        if id(index) not in self._texts:
            self._texts = {id(index): np.array([d.lower() for d in index.documents], dtype=np.str_)}
        return self._texts[id(index)]

    def scores(self, index: ExpertIndex, text: str) -> np.ndarray:
        """Count of distinct query words contained in each expert's text."""
        docs = self._documents(index)
        out = np.zeros(len(docs), np.float32)
        for word in dict.fromkeys(self._tokenizer.terms(text)):
            out += np.strings.find(docs, word) >= 0
        return out

    def score_matrix(self, index: ExpertIndex, texts: Sequence[str]) -> np.ndarray:
        """One row of counts per text."""
        return np.vstack([self.scores(index, t) for t in texts]) if texts else np.zeros((0, index.n))


@dataclass(frozen=True)
class Scores:
    """Mean metrics of one method over a set of needs."""

    method: str
    needs: int
    ndcg10: float
    recall10: float
    recall10_full: float


def labels(item: dict) -> tuple[dict[str, int], set[str], set[str]]:
    """An evaluation item's grades, its relevant experts (grade ≥ 2) and full matches (grade 3)."""
    grades = {e: int(g) for g, ids in item["relevant"].items() for e in ids}
    return grades, {e for e, g in grades.items() if g >= 2}, {e for e, g in grades.items() if g == 3}


def evaluate(method: str, ranked: dict[str, list[str]], items: Sequence[dict], k: int = 10) -> Scores:
    """Mean NDCG@k, recall@k (grade ≥ 2) and recall@k of full matches over the items."""
    nd, rec, full = [], [], []
    for item in items:
        grades, relevant, complete = labels(item)
        got = ranked.get(item["need_id"], [])
        nd.append(ndcg_at(got, grades, k))
        rec.append(recall_at(got, relevant, k))
        full.append(recall_at(got, complete, k))
    return Scores(method, len(items), round(float(np.mean(nd)), 4), round(float(np.mean(rec)), 4),
                  round(float(np.mean(full)), 4))


def build_eval_set(demo, *, per_stratum: int = 100, seed: int = 6) -> list[dict]:
    """Needs of a demo park with every expert's grade, `per_stratum` from each stratum.

    Strata: needs on one topic, on two topics, and needs for a chain link other than the firm's
    own (its description names the firm's products, which point elsewhere: the hard case).
    `demo` is a `parkbrain.demo.DemoPark`; only its hidden fields give the grades.
    """
    needs = {r["need_id"]: r for r in demo.tables["tech_needs"].to_pylist()}
    topics = {r["need_id"]: r for r in demo.hidden["need_topics"].to_pylist()}
    own_link = {r["uscc"]: r["chain_link"] for r in demo.hidden["enterprise_truth"].to_pylist()}
    by_link: dict[str, list[str]] = {}
    for r in demo.hidden["expert_topics"].to_pylist():
        by_link.setdefault(r["chain_link"], []).append(r["expert_id"])
    graded: dict[str, dict[str, int]] = {}
    for r in demo.hidden["need_truth"].to_pylist():
        if r["relevance"] >= 2:
            graded.setdefault(r["need_id"], {})[r["expert_id"]] = r["relevance"]

    def stratum(need_id: str) -> str:
        """Which of STRATA a need falls in."""
        t = topics[need_id]
        if own_link.get(needs[need_id]["uscc"]) != t["chain_link"]:
            return "neighbour_link"
        return "one_topic" if len(t["topics"]) == 1 else "two_topics"

    rng = np.random.default_rng(seed)
    items = []
    for name in STRATA:
        pool = sorted(n for n in needs if stratum(n) == name)
        for need_id in sorted(rng.choice(pool, min(per_stratum, len(pool)), replace=False).tolist()):
            t, need, grades = topics[need_id], needs[need_id], graded.get(need_id, {})
            relevant = {str(g): sorted(e for e, v in grades.items() if v == g) for g in (3, 2)}
            relevant["1"] = sorted(e for e in by_link.get(t["chain_link"], []) if e not in grades)
            items.append({"need_id": need_id, "stratum": name, "title": need["title"],
                          "description": need["description"], "field": need["field"],
                          "chain_link": t["chain_link"], "topics": t["topics"], "relevant": relevant})
    return items
