"""Placing enterprises on chain links from industry code, business scope and products, vectorised.

Each link scores an enterprise by its evidence:

- industry code: 1 when the enterprise's GB/T 4754-2017 class is one of the link's classes
  (0.8 / 0.5 when the link lists the group / division it belongs to, 0.3 when the enterprise
  gives only a coarser code), split evenly between the links claiming the same code;
- words: every distinct keyword of the link found in the 经营范围 or the 主要产品 counts 1
  (a word the chain file marks `generic`, such as 软件开发, counts 0.5), split evenly between
  the links sharing that keyword.

The best link places the enterprise when its score reaches `min_score`; a second link is kept
as well when it scores at least `secondary_ratio` of the best. Confidence = agreement ×
strength, where agreement = s / (s1 + s2) (how much the best beats the runner-up) and strength
= 1 − exp(−s / scale) (how much evidence there is). The evidence is kept: the code and the
words that scored for the chosen link.

Every step runs over arrays: texts split into items with Arrow, distinct items tokenised once
(parkbrain.chains.keywords), each distinct text split once, hits and scores as scipy sparse
matrices, codes looked up once per distinct code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from parkbrain.chains.catalogue import Catalogue, Link
from parkbrain.chains.keywords import KeywordIndex, split_items

GENERIC_WEIGHT = 0.5
PLACED_COLUMNS = ("uscc", "chain", "link", "rank", "score", "confidence", "source",
                  "code_evidence", "scope_words", "product_words")


@dataclass(frozen=True)
class PlacementRules:
    """Weights and thresholds of the placement (see the module docstring)."""

    code_weight: float = 1.0
    scope_weight: float = 1.0
    products_weight: float = 1.0
    min_score: float = 1.0
    secondary_ratio: float = 0.6
    strength_scale: float = 1.5


@dataclass(frozen=True)
class CompiledCatalogue:
    """The catalogue as matrices: keywords × links weights and the keyword index."""

    links: tuple[Link, ...]
    index: KeywordIndex
    keyword_links: sp.csr_matrix  # keywords × links, 1/df where the link lists the keyword

    @property
    def link_keys(self) -> list[str]:
        """`chain/link` of each column."""
        return [lk.key for lk in self.links]


@cache
def compile_catalogue(catalogue: Catalogue) -> CompiledCatalogue:
    """Number the keywords and weigh each by the number of links that share it."""
    words = [(j, w, 1.0) for j, lk in enumerate(catalogue.links) for w in dict.fromkeys(lk.keywords)]
    words += [(j, w, GENERIC_WEIGHT) for j, lk in enumerate(catalogue.links) for w in dict.fromkeys(lk.generic)]
    index = KeywordIndex([w for _, w, _ in words])
    rows, cols, vals = [index.ids[w] for _, w, _ in words], [j for j, _, _ in words], [v for _, _, v in words]
    shape = (len(index), len(catalogue.links))
    hits = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    df = np.asarray((hits > 0).sum(axis=1)).ravel()
    weights = sp.diags(1.0 / np.maximum(df, 1)) @ hits
    return CompiledCatalogue(catalogue.links, index, sp.csr_matrix(weights))


def code_weights(code: str, links: tuple[Link, ...]) -> dict[int, float]:
    """Link column -> weight of one industry code (see the module docstring).

    >>> from parkbrain.chains.catalogue import load_catalogue
    >>> links = load_catalogue().links
    >>> {links[j].id: w for j, w in code_weights("C3581", links).items()}
    {'medical_devices': 0.5, 'ivd': 0.5}
    """
    found: dict[int, float] = {}
    for j, lk in enumerate(links):
        best = 0.0
        for entry in lk.codes:
            if code == entry:
                best = 1.0
            elif code.startswith(entry):
                best = max(best, 0.8 if len(entry) == 4 else 0.5)
            elif entry.startswith(code):
                best = max(best, 0.3)
        if best:
            found[j] = best
    return {j: w / len(found) for j, w in found.items()}


def _encoded(column: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """The column dictionary-encoded: each distinct text once, and where each row's text is."""
    encoded = pc.dictionary_encode(column)
    return encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded


def _one_hot(indices: pa.Array, width: int) -> sp.csr_matrix:
    """rows × width, 1 at each row's index (no 1 where the index is null)."""
    valid = indices.is_valid().to_numpy(zero_copy_only=False)
    idx = indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    rows = np.flatnonzero(valid)
    return sp.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, idx[valid])), shape=(len(idx), max(width, 1)))


def _code_scores(codes: pa.Array | pa.ChunkedArray, links: tuple[Link, ...]) -> tuple[sp.csr_matrix, pa.Array]:
    """enterprises × links code scores (each distinct code looked up once), and the cleaned codes."""
    clean = pc.utf8_upper(pc.utf8_trim_whitespace(codes))
    encoded = _encoded(clean)
    distinct = encoded.dictionary.to_pylist()
    found = [(i, j, w) for i, code in enumerate(distinct) for j, w in code_weights(code, links).items()]
    per_code = sp.csr_matrix(([w for _, _, w in found], ([i for i, _, _ in found], [j for _, j, _ in found])),
                             shape=(max(len(distinct), 1), len(links)))
    return sp.csr_matrix(_one_hot(encoded.indices, len(distinct)) @ per_code), clean


def _word_hits(columns: list[pa.Array], index: KeywordIndex) -> list[sp.csr_matrix]:
    """Per text column, enterprises × keywords (1 = found).

    Each distinct text is split once, each distinct item (over all columns) tokenised once.
    """
    texts = [_encoded(col) for col in columns]
    split = [split_items(t.dictionary) for t in texts]
    every = pa.concat_arrays([items for items, _ in split]) if split else pa.array([], pa.string())
    items = _encoded(every)
    item_hits = index.hits(items.dictionary)
    ids = items.indices.to_numpy(zero_copy_only=False)
    out, start = [], 0
    for text, (col_items, parents) in zip(texts, split, strict=True):
        if not len(items.dictionary):
            out.append(sp.csr_matrix((len(text), len(index)), dtype=np.int8))
            continue
        mine = ids[start:start + len(col_items)]
        start += len(col_items)
        text_items = sp.csr_matrix((np.ones(len(mine), dtype=np.int8), (parents, mine)),
                                   shape=(max(len(text.dictionary), 1), len(items.dictionary)))
        found = sp.csr_matrix(_one_hot(text.indices, len(text.dictionary)) @ (text_items @ item_hits))
        found.data[:] = 1
        out.append(found)
    return out


def _top_two(scores: sp.csr_matrix) -> tuple[np.ndarray, ...]:
    """Per enterprise with any score: row, best column and score, runner-up column and score (-1, 0)."""
    coo = scores.tocoo()
    order = np.lexsort((coo.col, -coo.data, coo.row))
    rows, cols, vals = coo.row[order], coo.col[order], coo.data[order]
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.array([], dtype=np.int64)
    has_second = np.r_[first[1:], len(rows)] - first >= 2
    second = np.where(has_second, first + 1, first)
    return (rows[first], cols[first], vals[first], np.where(has_second, cols[second], -1),
            np.where(has_second, vals[second], 0.0))


def _words(hits: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, compiled: CompiledCatalogue) -> pa.Array:
    """For each (enterprise, link) pair, the link's keywords the enterprise's text holds, ';'-joined."""
    mine = sp.csr_matrix(hits[rows]).multiply(sp.csr_matrix(compiled.keyword_links.T)[cols])
    mine = sp.csr_matrix(mine)
    mine.sort_indices()
    names = pa.array(compiled.index.keywords, pa.string()).take(pa.array(mine.indices, pa.int64()))
    lists = pa.ListArray.from_arrays(pa.array(mine.indptr, pa.int32()), names)
    joined = pc.binary_join(lists, ";")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


def place_enterprises(firms: pa.Table, catalogue: Catalogue, rules: PlacementRules = PlacementRules()) -> pa.Table:
    """Placements of enterprises (uscc, industry_code, business_scope, products) on the catalogue's links."""
    compiled = compile_catalogue(catalogue)
    code_scores, codes = _code_scores(firms.column("industry_code"), compiled.links)
    scope, products = _word_hits([firms.column(c) for c in ("business_scope", "products")], compiled.index)
    weights = compiled.keyword_links
    scores = sp.csr_matrix(rules.code_weight * code_scores + rules.scope_weight * (scope @ weights)
                           + rules.products_weight * (products @ weights))
    row, best, s1, runner, s2 = _top_two(scores)
    first = s1 >= rules.min_score
    second = first & (runner >= 0) & (s2 >= rules.min_score) & (s2 >= rules.secondary_ratio * s1)
    rows = np.r_[row[first], row[second]]
    cols = np.r_[best[first], runner[second]]
    score = np.r_[s1[first], s2[second]]
    rank = np.r_[np.ones(int(first.sum()), np.int32), np.full(int(second.sum()), 2, np.int32)]
    agreement = np.r_[s1[first] / (s1[first] + s2[first]), s2[second] / (s1[second] + s2[second])]
    confidence = np.round(agreement * (1 - np.exp(-score / rules.strength_scale)), 3)
    order = np.lexsort((rank, rows))
    rows, cols, score, rank, confidence = rows[order], cols[order], score[order], rank[order], confidence[order]
    had_code = (np.asarray(code_scores[rows, cols]).ravel() > 0) if len(rows) else np.zeros(0, dtype=bool)
    row_idx = pa.array(rows, pa.int64())
    chain_ids = np.array([lk.chain for lk in compiled.links], dtype=object)[cols]
    link_ids = np.array([lk.id for lk in compiled.links], dtype=object)[cols]
    return pa.table({
        "uscc": firms.column("uscc").take(row_idx),
        "chain": pa.array(chain_ids, pa.string()),
        "link": pa.array(link_ids, pa.string()),
        "rank": pa.array(rank, pa.int32()),
        "score": pa.array(np.round(score, 3), pa.float64()),
        "confidence": pa.array(confidence, pa.float64()),
        "source": pa.array(np.full(len(rows), "auto", dtype=object), pa.string()),
        "code_evidence": pc.if_else(pa.array(had_code), codes.take(row_idx), pa.scalar(None, pa.string())),
        "scope_words": _words(scope, rows, cols, compiled),
        "product_words": _words(products, rows, cols, compiled),
    })
