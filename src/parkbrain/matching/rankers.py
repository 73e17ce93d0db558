"""Text rankers: how relevant each expert's text is to a need's text.

`BM25Ranker` is the default. Anything with the same two methods plugs in (`Ranker`), e.g. an
embedding model run locally: `EmbeddingRanker(encode)` takes any function from texts to vectors,
so a sentence-embedding model can be added later without ParkBrain downloading anything.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from parkbrain.matching.index import MAX_DF, ExpertIndex


@runtime_checkable
class Ranker(Protocol):
    """Relevance of every expert's text to a query text: scores ≥ 0, larger is more relevant."""

    name: str

    def scores(self, index: ExpertIndex, text: str) -> np.ndarray:
        """One score per expert of the index."""
        ...

    def score_matrix(self, index: ExpertIndex, texts: Sequence[str]) -> sp.spmatrix | np.ndarray:
        """One row of scores per text (a batch); zeros may be left out (sparse)."""
        ...


class BM25Ranker:
    """Okapi BM25 (Lucene variant) over jieba terms; terms in more than `max_df` of profiles skipped."""

    name = "bm25"

    def __init__(self, max_df: float = MAX_DF) -> None:
        self.max_df = max_df

    def _query(self, index: ExpertIndex, text: str) -> tuple[np.ndarray, np.ndarray]:
        return index.term_ids(index.tokenizer.terms(text), self.max_df)

    def scores(self, index: ExpertIndex, text: str) -> np.ndarray:
        """BM25 score of every expert: the query's term weights summed per expert."""
        ids, counts = self._query(index, text)
        if not len(ids):
            return np.zeros(index.n, np.float32)
        starts, ends = index.indptr[ids], index.indptr[ids + 1]
        rows = np.concatenate([index.indices[s:e] for s, e in zip(starts, ends, strict=True)])
        weights = np.concatenate([index.data[s:e] * c for s, e, c in zip(starts, ends, counts, strict=True)])
        return np.bincount(rows, weights=weights, minlength=index.n).astype(np.float32)

    def score_matrix(self, index: ExpertIndex, texts: Sequence[str]) -> sp.csr_matrix:
        """BM25 scores of many texts at once: (query terms) @ (term weights)ᵀ, one sparse product."""
        rows, cols, vals = [], [], []
        for q, text in enumerate(texts):
            ids, counts = self._query(index, text)
            rows.append(np.full(len(ids), q))
            cols.append(ids)
            vals.append(counts)
        queries = sp.csr_matrix((np.concatenate(vals or [np.zeros(0)]),
                                 (np.concatenate(rows or [np.zeros(0)]), np.concatenate(cols or [np.zeros(0)]))),
                                shape=(len(texts), index.term_matrix.shape[1]), dtype=np.float32)
        return (queries @ index.term_matrix.T).tocsr()


class EmbeddingRanker:
    """Cosine similarity of text vectors from any `encode(texts) -> array (n, d)`; negatives count 0."""

    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], name: str = "embedding") -> None:
        self.encode = encode
        self.name = name
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _experts(self, index: ExpertIndex) -> np.ndarray:
        key = index.fingerprint or str(id(index))
        with self._lock:
            if key not in self._vectors:
                self._vectors = {key: _unit(self.encode(index.documents))}  # one pool at a time
            return self._vectors[key]

    def scores(self, index: ExpertIndex, text: str) -> np.ndarray:
        """Similarity of the text to every expert's profile."""
        return np.clip(self._experts(index) @ _unit(self.encode([text]))[0], 0, None).astype(np.float32)

    def score_matrix(self, index: ExpertIndex, texts: Sequence[str]) -> np.ndarray:
        """Similarity of each text to every expert (dense)."""
        return np.clip(_unit(self.encode(list(texts))) @ self._experts(index).T, 0, None).astype(np.float32)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def hashed_bigrams(dim: int = 512) -> Callable[[Sequence[str]], np.ndarray]:
    """A model-free stand-in encoder: counts of hashed character bigrams (tests, and a shape to copy).

    >>> encode = hashed_bigrams(64)
    >>> encode(["光伏组件封装", "光伏组件回收"]).shape
    (2, 64)
    """
    def encode(texts: Sequence[str]) -> np.ndarray:
        """One row of bigram counts per text."""
        out = np.zeros((len(texts), dim), np.float32)
        for i, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                slot = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little") % dim
                out[i, slot] += 1
        return out
    return encode
