"""The expert pool as arrays: BM25 term weights (bm25s), fields, institutions and cities.

Build it from the experts table with `build_expert_index`; it can be saved next to the warehouse
and loaded back in milliseconds (`save` / `load_expert_index`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from parkbrain.matching.text import Tokenizer, split_list

FORMAT = 1  # bump when what `save` writes changes
K1, B = 1.2, 0.75  # BM25 (Lucene variant); the usual values, checked on the evaluation set
MAX_DF = 0.5  # a term in more than half the profiles tells experts apart too little to look up
COLUMNS = ("expert_id", "name", "institution", "title", "fields", "keywords", "profile", "city")


def _codes(values: list[str | None]) -> tuple[np.ndarray, dict[str, int]]:
    vocab: dict[str, int] = {}
    codes = np.array([vocab.setdefault(v, len(vocab)) if v else -1 for v in values], dtype=np.int32)
    return codes, vocab


@dataclass(eq=False)
class ExpertIndex:
    """Everything a search needs about the pool, one array entry per expert."""

    table: pa.Table
    bm25: bm25s.BM25
    tokenizer: Tokenizer
    fingerprint: str = ""
    fields: list[tuple[str, ...]] = field(init=False)
    keywords: list[tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        cols = {c: self.table.column(c).to_pylist() for c in COLUMNS}
        self.ids: list[str] = cols["expert_id"]
        self.names: list[str] = cols["name"]
        self.institutions: list[str | None] = cols["institution"]
        self.titles: list[str | None] = cols["title"]
        self.cities: list[str | None] = [(c or "").removesuffix("市") or None for c in cols["city"]]
        self.fields = [tuple(split_list(v)) for v in cols["fields"]]
        self.keywords = [tuple(split_list(v)) for v in cols["keywords"]]
        self.institution, self.institution_codes = _codes(self.institutions)
        self.city, self.city_codes = _codes(self.cities)
        self.field_codes: dict[str, int] = {}
        rows = [r for r, fs in enumerate(self.fields) for _ in fs]
        cols_ = [self.field_codes.setdefault(f, len(self.field_codes)) for fs in self.fields for f in fs]
        self.fields_csc = sp.csc_matrix((np.ones(len(rows), np.float32), (rows, cols_)),
                                        shape=(self.n, max(1, len(self.field_codes))))
        self.vocab: dict[str, int] = self.bm25.vocab_dict
        self.indptr: np.ndarray = self.bm25.scores["indptr"]
        self.indices: np.ndarray = self.bm25.scores["indices"]
        self.data: np.ndarray = self.bm25.scores["data"]
        self.df: np.ndarray = np.diff(self.indptr)

    @property
    def n(self) -> int:
        """Experts in the pool."""
        return self.table.num_rows

    @cached_property
    def term_matrix(self) -> sp.csc_matrix:
        """BM25 weight of each (expert, term): the index as a sparse matrix."""
        return sp.csc_matrix((self.data, self.indices, self.indptr), shape=(self.n, len(self.indptr) - 1))

    @cached_property
    def documents(self) -> list[str]:
        """Each expert's indexed text (fields, keywords, profile), e.g. for an embedding ranker."""
        return [document(r) for r in self.table.select(["fields", "keywords", "profile"]).to_pylist()]

    def term_ids(self, terms: Iterable[str], max_df: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the terms the pool knows (in at most `max_df` of profiles), and how often each was given."""
        ids = [self.vocab[t] for t in terms if t in self.vocab]
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        unique, counts = np.unique(np.asarray(ids, np.int64), return_counts=True)
        keep = self.df[unique] <= max_df * self.n
        return unique[keep], counts[keep].astype(np.float32)

    def field_rows(self, name: str | None) -> np.ndarray:
        """Rows of the experts who list the field."""
        code = self.field_codes.get((name or "").strip())
        if code is None:
            return np.zeros(0, np.int64)
        return self.fields_csc.indices[self.fields_csc.indptr[code]:self.fields_csc.indptr[code + 1]].astype(np.int64)

    def field_matrix(self, names: Iterable[str | None]) -> sp.csr_matrix:
        """(query, expert) = 1 where the expert lists the query's field."""
        codes = [self.field_codes.get((n or "").strip(), -1) for n in names]
        hit = [(q, c) for q, c in enumerate(codes) if c >= 0]
        onehot = sp.csr_matrix((np.ones(len(hit), np.float32), ([q for q, _ in hit], [c for _, c in hit])),
                               shape=(len(codes), self.fields_csc.shape[1]))
        return (onehot @ self.fields_csc.T).tocsr()

    def matched_terms(self, terms: list[str], rows: np.ndarray, limit: int = 10,
                      max_df: float = MAX_DF) -> dict[int, list[tuple[str, float]]]:
        """For each row, the query terms found in the expert's text with their BM25 weight, largest first."""
        ids, counts = self.term_ids(terms, max_df)
        inverse = {v: k for k, v in self.vocab.items() if v in set(ids.tolist())}
        found: dict[int, list[tuple[str, float]]] = {int(r): [] for r in rows}
        for term_id, count in zip(ids.tolist(), counts.tolist(), strict=True):
            start, end = self.indptr[term_id], self.indptr[term_id + 1]
            postings = self.indices[start:end]
            hit = np.flatnonzero(np.isin(postings, rows))
            for h in hit:
                found[int(postings[h])].append((inverse[term_id], float(self.data[start + h]) * count))
        return {r: _collapse(v)[:limit] for r, v in found.items()}

    def save(self, folder: Path) -> None:
        """Write the index to a folder (bm25s files, the experts as parquet, a small manifest)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        pq.write_table(self.table, folder / "experts.parquet")
        manifest = {"format": FORMAT, "fingerprint": self.fingerprint, "phrases": sorted(self.tokenizer.phrases)}
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _collapse(terms: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Fold each term into the longest matched term containing it (线控 into 线控底盘), largest first.

    >>> _collapse([("线控", 2.0), ("线控底盘", 3.0), ("底盘", 2.0), ("车身", 1.0)])
    [('线控底盘', 7.0), ('车身', 1.0)]
    """
    kept: dict[str, float] = {}
    for term, weight in sorted(terms, key=lambda tw: (-len(tw[0]), tw[0])):
        home = next((k for k in kept if term in k), term)
        kept[home] = kept.get(home, 0.0) + weight
    return sorted(kept.items(), key=lambda tw: (-tw[1], tw[0]))


def document(row: dict) -> str:
    """The text indexed for an expert: fields, keywords twice (they are the expert's own words), profile."""
    fields, keywords = row.get("fields") or "", row.get("keywords") or ""
    return "；".join(p for p in (fields, keywords, keywords, row.get("profile") or "") if p)


def _phrases(table: pa.Table) -> set[str]:
    out: set[str] = set()
    for column in ("keywords", "fields"):
        for value in table.column(column).unique().to_pylist():
            out.update(split_list(value))
    return out


def build_expert_index(experts: pa.Table, *, fingerprint: str = "") -> ExpertIndex:
    """Index an experts table (template columns) for BM25 search."""
    table = experts.select(list(COLUMNS)).combine_chunks()
    tokenizer = Tokenizer(phrases=_phrases(table))
    rows = table.select(["fields", "keywords", "profile"]).to_pylist()
    vocab: dict[str, int] = {"": 0}  # bm25s's empty token: a document with no terms still has a row
    corpus = [[vocab.setdefault(t, len(vocab)) for t in tokenizer.terms(document(r))] for r in rows]
    bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
    bm25.index((corpus, vocab), show_progress=False, create_empty_token=False)
    return ExpertIndex(table=table, bm25=bm25, tokenizer=tokenizer, fingerprint=fingerprint)


def load_expert_index(folder: Path) -> ExpertIndex | None:
    """An index saved by `ExpertIndex.save`, or None when the folder holds none of this format."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            return None
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        table = pq.read_table(folder / "experts.parquet")
    except (OSError, ValueError, KeyError):
        return None
    return ExpertIndex(table=table, bm25=bm25, tokenizer=Tokenizer(phrases=manifest["phrases"]),
                       fingerprint=manifest["fingerprint"])
