"""Unified social credit codes, company names and person names, drawn in bulk."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.demo import arrowkit as ak
from parkbrain.uscc import CHARSET, WEIGHTS

_ASCII = np.frombuffer(CHARSET.encode("ascii"), dtype=np.uint8)
_INDEX = {ch: i for i, ch in enumerate(CHARSET)}
# GB 11714 organisation-code values: digits as themselves, letters A=10 … Z=35.
_ORG_VALUE = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in CHARSET], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_USCC_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_NEW_STYLE_FOURTH = np.array([_INDEX[c] for c in "789ABCDEFGHJK"])
_DIGITS = np.array([_INDEX[c] for c in "0123456789"])


def _fill_bodies(rng: np.random.Generator, body: np.ndarray, rows: np.ndarray, new_style: np.ndarray) -> None:
    """Draw the 8-character organisation-code bodies of the given rows in place."""
    k = len(rows)
    fresh = np.empty((k, 8), dtype=np.int64)
    # Codes issued since 2016 look like MA2xxxxx; older ones are 8 digits.
    fresh[:, 0], fresh[:, 1], fresh[:, 2] = _INDEX["M"], _INDEX["A"], _INDEX["2"]
    fresh[:, 3] = rng.choice(_NEW_STYLE_FOURTH, size=k)
    fresh[:, 4:] = rng.integers(0, len(CHARSET), size=(k, 4))
    old = ~new_style
    n_old = int(old.sum())
    fresh[old, 0] = rng.choice(np.array([_INDEX[c] for c in "15679"]), size=n_old)
    fresh[old, 1:] = rng.choice(_DIGITS, size=(n_old, 7))
    body[rows] = fresh


def _repeats(keys: np.ndarray) -> np.ndarray:
    """True where a key repeats one seen earlier in the array."""
    _, first = np.unique(keys, return_index=True)
    dup = np.ones(len(keys), dtype=bool)
    dup[first] = False
    return dup


def uscc_codes(rng: np.random.Generator, regions: list[str], region_idx: np.ndarray,
               founded_year: np.ndarray) -> pa.Array:
    """Unique valid 18-character codes: 91 + region + organisation code + GB 32100 check."""
    n = len(region_idx)
    new_style = founded_year >= 2016
    body = np.zeros((n, 8), dtype=np.int64)
    rows = np.arange(n)
    powers = len(CHARSET) ** np.arange(8, dtype=np.int64)
    while len(rows):
        _fill_bodies(rng, body, rows, new_style[rows])
        keys = region_idx.astype(np.int64) * len(CHARSET) ** 8 + body @ powers
        rows = np.flatnonzero(_repeats(keys))
    org = 11 - (_ORG_VALUE[body] @ _ORG_WEIGHTS) % 11
    org_check = np.where(org == 10, _INDEX["X"], np.where(org == 11, 0, org))
    region_chars = np.array([[_INDEX[c] for c in "91" + r] for r in regions], dtype=np.int64)
    first17 = np.concatenate([region_chars[region_idx], body, org_check[:, None]], axis=1)
    check = (len(CHARSET) - (first17 @ _USCC_WEIGHTS) % len(CHARSET)) % len(CHARSET)
    codes = np.concatenate([first17, check[:, None]], axis=1)
    return ak.ascii_rows(_ASCII[codes])


def company_names(rng: np.random.Generator, brands: str, words: list[str], word_idx: np.ndarray,
                  joint_stock: np.ndarray, city: str = "杭州") -> pa.Array:
    """Unique names: city + 2–3 brand characters + industry word + 有限公司 / 股份有限公司."""
    n = len(word_idx)
    chars = ak.strings(list(brands))
    brand = rng.integers(0, len(brands), size=(n, 3))
    short = rng.random(n) < 0.7
    suffix = np.where(joint_stock, 1, 0)
    word_arr, suffix_arr = ak.strings(words), ak.strings(["有限公司", "股份有限公司"])
    while True:
        names = ak.join(city, ak.take(chars, brand[:, 0]), ak.take(chars, brand[:, 1]),
                        ak.take(chars, brand[:, 2], mask=short), ak.take(word_arr, word_idx),
                        ak.take(suffix_arr, suffix))
        codes = pc.dictionary_encode(names).indices.to_numpy(zero_copy_only=False)
        dup = np.flatnonzero(_repeats(codes))
        if not len(dup):
            return names
        brand[dup] = rng.integers(0, len(brands), size=(len(dup), 3))
        short[dup] = False  # redraws take three characters, where there is room


def person_names(rng: np.random.Generator, surnames: str, given: str, n: int) -> pa.Array:
    """Chinese personal names: a surname weighted by frequency and one or two given characters."""
    sur = ak.weighted(rng, ak.rank_weights(len(surnames)), n)
    chars = ak.strings(list(dict.fromkeys(given)))
    g = rng.integers(0, len(chars), size=(n, 2))
    single = rng.random(n) < 0.3
    return ak.join(ak.take(list(surnames), sur), ak.take(chars, g[:, 0]), ak.take(chars, g[:, 1], mask=single))
