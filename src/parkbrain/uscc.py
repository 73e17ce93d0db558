"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015.

The code has 18 characters from a 31-character set (digits and upper-case letters without
I, O, Z, S, V). The 18th is a check character: with the positions' weights
3^(i) mod 31 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), the check
value is 31 - (sum of value x weight mod 31), with 31 written as 0.

>>> uscc_problem("914403001922038216")
>>> uscc_problem("914403001922038217")
'check_digit'
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}

# Byte -> value lookup for the vectorised check; -1 marks a character outside the set.
_LOOKUP = np.full(256, -1, dtype=np.int16)
for _ch, _v in _VALUE.items():
    _LOOKUP[ord(_ch)] = _v
_WEIGHTS = np.array(WEIGHTS, dtype=np.int32)


def check_character(first17: str) -> str:
    """The check character of the first 17 characters of a code."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None for a valid code, else the kind of problem: 'length', 'charset' or 'check_digit'."""
    if len(code) != 18:
        return "length"
    if any(ch not in _VALUE for ch in code):
        return "charset"
    return None if check_character(code[:17]) == code[17] else "check_digit"


def is_valid_uscc(code: str) -> bool:
    """True when the code passes GB 32100-2015's length, charset and check-digit rules."""
    return uscc_problem(code) is None


def normalize_uscc(codes: pa.Array) -> pa.Array:
    """Codes as stored: surrounding spaces removed, letters upper-cased."""
    return pc.utf8_upper(pc.utf8_trim_whitespace(codes))


def uscc_problems(codes: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised `uscc_problem` over a string column: null where valid (or null), else the problem.

    Runs in numpy over the column's bytes, so a million codes take a few tens of milliseconds.
    """
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    codes = normalize_uscc(codes)
    present = pc.is_valid(codes).to_numpy(zero_copy_only=False)
    chars = pc.fill_null(pc.utf8_length(codes), 18).to_numpy(zero_copy_only=False)
    nbytes = pc.fill_null(pc.binary_length(codes), 18).to_numpy(zero_copy_only=False)
    problems = np.full(len(codes), None, dtype=object)
    bad_len = present & (chars != 18)
    problems[bad_len] = "length"
    problems[present & ~bad_len & (nbytes != 18)] = "charset"  # non-ASCII characters
    ok = present & (chars == 18) & (nbytes == 18)
    idx = np.flatnonzero(ok)
    if len(idx):
        subset = pc.take(codes, pa.array(idx)).cast(pa.large_binary())
        offsets = np.frombuffer(subset.buffers()[1], dtype=np.int64)[subset.offset : subset.offset + len(subset) + 1]
        data = np.frombuffer(subset.buffers()[2], dtype=np.uint8)
        positions = offsets[:-1, None] + np.arange(18)[None, :]
        values = _LOOKUP[data[positions]]
        bad_chars = (values < 0).any(axis=1)
        total = (values[:, :17].astype(np.int32) * _WEIGHTS).sum(axis=1)
        expected = (31 - total % 31) % 31
        bad_check = ~bad_chars & (expected != values[:, 17])
        problems[idx[bad_chars]] = "charset"
        problems[idx[bad_check]] = "check_digit"
    return pa.array(problems, type=pa.string())
