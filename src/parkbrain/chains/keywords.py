"""Keyword spotting in 经营范围 and 主要产品 texts: split into items, tokenise each distinct item once.

Texts are split into items on the separators registrations use (、；，。：and brackets); the
distinct items are tokenised with jieba, whose user dictionary holds every chain keyword (so a
keyword comes out as one token, never cut in two), and the tokens that are keywords are kept.
An item that contains no keyword at all (a fast RE2 test over the distinct items) is not
tokenised. The result is a sparse items × keywords matrix; an enterprise's hits are its items'.

>>> index = KeywordIndex(("集成电路设计", "射频芯片", "MCU芯片"))
>>> items, parents = split_items(pa.array(["一般项目：集成电路设计；电子产品销售", None, "射频芯片、MCU芯片"]))
>>> items.to_pylist(), parents.tolist()
(['一般项目', '集成电路设计', '电子产品销售', '射频芯片', 'MCU芯片'], [0, 0, 0, 2, 2])
>>> index.hits(items).toarray().tolist()
[[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 1]]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import jieba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from parkbrain.words import private_tokenizer

ITEM_SEPARATORS = r"[、；;，,。：:（）()\s/|]+"


def keyword_tokenizer(keywords: tuple[str, ...]) -> jieba.Tokenizer:
    """A jieba tokenizer of its own (the global one is left alone) that keeps each keyword whole."""
    return private_tokenizer(keywords)


def split_items(texts: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The non-empty items of each text and the index of the text each came from."""
    parts = pc.split_pattern_regex(pc.fill_null(texts, ""), ITEM_SEPARATORS)
    if isinstance(parts, pa.ChunkedArray):
        parts = parts.combine_chunks() if parts.num_chunks else pa.array([], pa.list_(pa.string()))
    parents = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    items = pc.list_flatten(parts)
    keep = pc.not_equal(pc.utf8_length(items), 0)
    return items.filter(keep), parents[keep.to_numpy(zero_copy_only=False)]


class KeywordIndex:
    """The catalogue's keywords, numbered, with the tokenizer that finds them."""

    def __init__(self, keywords: Sequence[str]) -> None:
        self.keywords: list[str] = list(dict.fromkeys(keywords))
        self.ids = {word: i for i, word in enumerate(self.keywords)}
        self.tokenizer = keyword_tokenizer(tuple(self.keywords))
        longest_first = sorted(self.keywords, key=len, reverse=True)
        self.pattern = "|".join(re.escape(w) for w in longest_first) or "$^"

    def __len__(self) -> int:
        return len(self.keywords)

    def hits(self, items: pa.Array) -> sp.csr_matrix:
        """items × keywords, 1 where the item's tokens include the keyword."""
        candidates = np.flatnonzero(pc.match_substring_regex(items, self.pattern).to_numpy(zero_copy_only=False))
        texts = items.take(pa.array(candidates, pa.int64())).to_pylist()
        rows: list[int] = []
        cols: list[int] = []
        lcut, ids = self.tokenizer.lcut, self.ids
        for row, text in zip(candidates.tolist(), texts, strict=True):
            for token in set(lcut(text, HMM=False)):
                k = ids.get(token)
                if k is not None:
                    rows.append(row)
                    cols.append(k)
        data = np.ones(len(rows), dtype=np.int8)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(items), len(self.keywords)), dtype=np.int8)
