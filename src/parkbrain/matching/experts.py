"""校企 / 博士入企: find the experts for a technology need, and say why each one.

The pool is indexed once (BM25 over jieba terms, with bm25s); a query is scored against every
expert as a weighted sum of four signals, each in [0, 1]:

- text: the ranker's relevance (BM25 by default), divided by the best expert's;
- field: the need's technology field is one of the expert's fields;
- location: the expert works in the enterprise's city (博士入企 means being on site);
- institution: the expert's institution is one the enterprise prefers (e.g. a past partner).

Only experts with some topical evidence (a text match or the field) are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from parkbrain.matching.index import MAX_DF, ExpertIndex
from parkbrain.matching.rankers import BM25Ranker, Ranker


@dataclass(frozen=True)
class MatchWeights:
    """How much each signal counts; they need not sum to one."""

    text: float = 0.70
    field: float = 0.15
    location: float = 0.10
    institution: float = 0.05


@dataclass(frozen=True)
class ExpertQuery:
    """What is sought: the need's text, its field, the enterprise's city and preferred institutions."""

    text: str
    field: str | None = None
    city: str | None = None
    institutions: tuple[str, ...] = ()
    need_id: str | None = None


@dataclass(frozen=True)
class MatchedTerm:
    """A term found in both the need and the expert's profile, and what it added to the BM25 score."""

    term: str
    weight: float


@dataclass(frozen=True)
class ExpertMatch:
    """One expert for a query: the score, its parts (weighted signals) and the matching terms."""

    rank: int
    expert_id: str
    name: str
    institution: str | None
    title: str | None
    city: str | None
    fields: list[str]
    keywords: list[str]
    score: float
    parts: dict[str, float]
    terms: list[MatchedTerm] = field(default_factory=list)
    field_match: str | None = None
    same_city: bool = False
    preferred_institution: bool = False


@dataclass(frozen=True)
class Signals:
    """The four signals of a set of (query, expert) pairs, and their weighted sum."""

    text: np.ndarray
    field: np.ndarray
    location: np.ndarray
    institution: np.ndarray
    weights: MatchWeights

    @property
    def score(self) -> np.ndarray:
        """The weighted sum of the four signals."""
        w = self.weights
        return (w.text * self.text + w.field * self.field + w.location * self.location
                + w.institution * self.institution)

    def parts(self, i: int) -> dict[str, float]:
        """Pair `i`'s weighted signals (they add up to its score)."""
        w = self.weights
        return {"text": round(float(w.text * self.text[i]), 4), "field": round(float(w.field * self.field[i]), 4),
                "location": round(float(w.location * self.location[i]), 4),
                "institution": round(float(w.institution * self.institution[i]), 4)}


def _signals(index: ExpertIndex, rows: np.ndarray, text: np.ndarray, field_hit: np.ndarray, query: ExpertQuery,
             weights: MatchWeights) -> Signals:
    """Signals for experts `rows` of one query, given their normalised text scores and field hits."""
    city = index.city_codes.get(_city(query.city), -2)
    location = (index.city[rows] == city).astype(np.float32)
    wanted = [index.institution_codes[i] for i in query.institutions if i in index.institution_codes]
    institution = np.isin(index.institution[rows], wanted).astype(np.float32)
    return Signals(text, field_hit.astype(np.float32), location, institution, weights)


def _city(name: str | None) -> str:
    return (name or "").strip().removesuffix("市")


def _best(score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores, best first; ties go to the earlier position."""
    if len(score) > k:
        kth = score[np.argpartition(-score, k - 1)[k - 1]]
        pick = np.flatnonzero(score >= kth)
    else:
        pick = np.arange(len(score))
    return pick[np.lexsort((pick, -score[pick]))][:k]


def find_experts(index: ExpertIndex, query: ExpertQuery, *, k: int = 10, ranker: Ranker | None = None,
                 weights: MatchWeights | None = None, explain: bool = True) -> list[ExpertMatch]:
    """The best `k` experts of the pool for a query, best first, each with its explanation."""
    ranker = ranker or BM25Ranker()
    weights = weights or MatchWeights()
    raw = ranker.scores(index, query.text)
    best = float(raw.max(initial=0.0))
    field_hit = np.zeros(index.n, bool)
    field_hit[index.field_rows(query.field)] = True
    rows = np.flatnonzero((raw > 0) | field_hit)
    if not len(rows):
        return []
    text = (raw[rows] / best).astype(np.float32) if best > 0 else np.zeros(len(rows), np.float32)
    signals = _signals(index, rows, text, field_hit[rows], query, weights)
    score = signals.score
    top = _best(score, k)
    terms = index.matched_terms(index.tokenizer.terms(query.text), rows[top],
                                max_df=getattr(ranker, "max_df", MAX_DF)) if explain else {}
    out = []
    for rank, i in enumerate(top, start=1):
        row = int(rows[i])
        out.append(ExpertMatch(
            rank=rank, expert_id=index.ids[row], name=index.names[row], institution=index.institutions[row],
            title=index.titles[row], city=index.cities[row], fields=list(index.fields[row]),
            keywords=list(index.keywords[row]), score=round(float(score[i]), 4), parts=signals.parts(i),
            terms=[MatchedTerm(t, round(w, 3)) for t, w in terms.get(row, [])],
            field_match=query.field if signals.field[i] else None, same_city=bool(signals.location[i]),
            preferred_institution=bool(signals.institution[i])))
    return out


@dataclass(frozen=True)
class Candidates:
    """Candidate (need, expert) pairs of a batch, with their scores, as parallel arrays."""

    need: np.ndarray
    expert: np.ndarray
    score: np.ndarray


def batch_candidates(index: ExpertIndex, queries: Sequence[ExpertQuery], *, per_need: int = 20,
                     ranker: Ranker | None = None, weights: MatchWeights | None = None,
                     min_score: float = 0.0) -> Candidates:
    """The best `per_need` experts of every query at once (one sparse product, not one search each).

    Same scores and order as `find_experts` for each query (ties at the cut aside).
    """
    ranker = ranker or BM25Ranker()
    w = weights or MatchWeights()
    raw = sp.csr_matrix(ranker.score_matrix(index, [q.text for q in queries]), dtype=np.float32)
    raw.eliminate_zeros()
    best = raw.max(axis=1).toarray().ravel()
    text = (sp.diags(np.divide(w.text, best, out=np.zeros(len(best)), where=best > 0).astype(np.float32))
            @ raw).tocsr()
    # A pair scores at least its weighted text and at most that plus the other weights, so a
    # pair whose text + slack cannot reach the need's per_need-th best text is dropped (exact).
    slack = w.field + w.location + w.institution
    floor = _kth_per_row(text.indptr, text.data, per_need)
    rows = np.repeat(np.arange(len(queries)), np.diff(text.indptr))
    keep = text.data + slack >= floor[rows] - 1e-6
    text = sp.csr_matrix((text.data[keep], text.indices[keep],
                          np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=len(queries)))]), shape=text.shape)
    # Pairs sharing only the field (no term) score at most the slack: kept where that can reach the floor.
    fields = index.field_matrix(q.field for q in queries)
    pattern = (text != 0).astype(np.float32) + sp.diags((floor <= slack).astype(np.float32)) @ fields
    score = (text + w.field * fields.multiply(pattern > 0)).tocsr()
    score.sum_duplicates()
    need = np.repeat(np.arange(len(queries)), np.diff(score.indptr))
    expert = score.indices.astype(np.int64)
    values = score.data.astype(np.float64)
    cities = np.array([index.city_codes.get(_city(q.city), -2) for q in queries])
    values += w.location * (index.city[expert] == cities[need])
    values += w.institution * _preferred_pairs(index, queries, score.indptr, expert)
    keep = _top_per_row(score.indptr, values, per_need) & (values > min_score)
    return Candidates(need[keep], expert[keep], values[keep])


def _kth_per_row(indptr: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """The k-th largest value of each row of a CSR layout (0 for rows with fewer than k values)."""
    out = np.zeros(len(indptr) - 1)
    for row, (start, end) in enumerate(zip(indptr[:-1].tolist(), indptr[1:].tolist(), strict=True)):
        if end - start >= k:
            out[row] = -np.partition(-values[start:end], k - 1)[k - 1]
    return out


def _preferred_pairs(index: ExpertIndex, queries: Sequence[ExpertQuery], indptr: np.ndarray,
                     expert: np.ndarray) -> np.ndarray:
    """1 where the pair's expert is at one of its query's preferred institutions (CSR row order)."""
    out = np.zeros(len(expert), np.float32)
    for qi, q in enumerate(queries):
        if q.institutions:
            codes = [index.institution_codes[i] for i in q.institutions if i in index.institution_codes]
            start, end = indptr[qi], indptr[qi + 1]
            out[start:end] = np.isin(index.institution[expert[start:end]], codes)
    return out


def _top_per_row(indptr: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """A mask of the `n` largest values within each row of a CSR layout (ties: the earlier entry)."""
    mask = np.zeros(len(values), bool)
    for start, end in zip(indptr[:-1].tolist(), indptr[1:].tolist(), strict=True):
        if end - start <= n:
            mask[start:end] = True
        else:
            mask[start + np.argpartition(-values[start:end], n - 1)[:n]] = True
    return mask


def need_query(need: dict, *, city: str | None = None, institutions: Sequence[str] = ()) -> ExpertQuery:
    """The query of a tech_needs row: its title and description, its field."""
    text = "。".join(p for p in (need.get("title"), need.get("description")) if p)
    return ExpertQuery(text=text, field=need.get("field"), city=city, institutions=tuple(institutions),
                       need_id=need.get("need_id"))


def needs_queries(needs: pa.Table, *, city: str | None = None) -> list[ExpertQuery]:
    """One query per row of a tech_needs table."""
    return [need_query(row, city=city) for row in needs.select(["need_id", "title", "description", "field"]).to_pylist()]
