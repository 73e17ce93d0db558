"""Small vectorised helpers: strings, ids, dates and nullable columns as Arrow arrays."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = date(1970, 1, 1)


def day(d: date) -> int:
    """Days since 1970-01-01 of a date."""
    return (d - EPOCH).days


def strings(values: Sequence[str]) -> pa.Array:
    """A string array of Python strings."""
    return pa.array(list(values), type=pa.string())


def take(values: Sequence[str] | pa.Array, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """values[idx] as a string array; null where mask is True."""
    arr = values if isinstance(values, pa.Array) else strings(values)
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64), mask=mask))


def null_where(arr: pa.Array, mask: np.ndarray | None) -> pa.Array:
    """arr with nulls where mask is True."""
    if mask is None or not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.nulls(len(arr), arr.type), arr)


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation; null parts count as empty strings."""
    # Not null_handling="skip": pyarrow 26 drops the rows where every part is null.
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def empty_to_null(arr: pa.Array) -> pa.Array:
    """Empty strings become nulls."""
    return null_where(arr, pc.equal(arr, "").to_numpy(zero_copy_only=False))


def ascii_rows(mat: np.ndarray) -> pa.Array:
    """An (n, w) uint8 matrix of ASCII bytes as n strings of width w."""
    n, w = mat.shape
    data = pa.py_buffer(np.ascontiguousarray(mat, dtype=np.uint8).tobytes())
    offsets = pa.py_buffer(np.arange(0, (n + 1) * w, w, dtype=np.int32).tobytes())
    return pa.StringArray.from_buffers(n, offsets, data)


def padded(numbers: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded decimal strings."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (np.asarray(numbers, dtype=np.int64)[:, None] // powers) % 10
    return ascii_rows((digits + 48).astype(np.uint8))


def ids(prefix: str, n: int, width: int | None = None) -> pa.Array:
    """prefix-000001 … style identifiers, numbered from 1."""
    width = width or max(4, len(str(n)))
    return join(prefix, padded(np.arange(1, n + 1), width))


def dates(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Days since the epoch as a date32 array; null where mask is True."""
    return pa.array(np.asarray(days, dtype=np.int32), mask=mask).cast(pa.date32())


def numbers(values: np.ndarray, mask: np.ndarray | None = None, kind: str = "number") -> pa.Array:
    """A float64 ('number') or int64 ('integer') array; null where mask is True."""
    dtype, typ = (np.float64, pa.float64()) if kind == "number" else (np.int64, pa.int64())
    return pa.array(np.asarray(values, dtype=dtype), type=typ, mask=mask)


def table(schema: pa.Schema, columns: dict[str, pa.Array]) -> pa.Table:
    """A table with exactly this schema from named columns."""
    arrays = [columns[f.name].cast(f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def weighted(rng: np.random.Generator, weights: Sequence[float], size: int) -> np.ndarray:
    """size indices drawn with probability proportional to weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def rank_weights(n: int, offset: float = 5.0) -> np.ndarray:
    """Zipf-like weights 1/(rank+offset) for n items in frequency order."""
    return 1.0 / (np.arange(n) + offset)
