"""Turn a policy's query result into result rows, vectorised (numpy and arrow, no row loops).

One row per subject: subject_id, policy, version, status, amount, and the conditions as a list
of structs (id, passed, value, threshold, gap, missing). The status is the Kleene "and" of the
conditions; the amount is the benefit's when eligible, 0 when not, unknown when the status is.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from parkbrain.policies.compiled import CompiledCondition, CompiledPolicy, Side
from parkbrain.policies.missing import Inputs, missing_names
from parkbrain.policies.panel import ROW

STATUSES = ("eligible", "ineligible", "unknown")
_DICT = pa.dictionary(pa.int8(), pa.string())
CONDITION = pa.struct([
    ("id", _DICT), ("passed", pa.bool_()), ("value", pa.float64()), ("threshold", pa.float64()),
    ("gap", pa.float64()), ("missing", pa.list_(pa.dictionary(pa.int32(), pa.string()))),
])
NAMES = pa.list_(pa.dictionary(pa.int32(), pa.string()))
RESULT_SCHEMA = pa.schema([
    ("subject_id", pa.string()), ("policy", _DICT), ("version", _DICT), ("status", _DICT),
    ("amount", pa.float64()), ("amount_missing", NAMES), ("conditions", pa.list_(CONDITION)),
])
Column = tuple[np.ndarray, np.ndarray]  # values, valid
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="policy-explain")


def _bits(buffer: pa.Buffer | None, offset: int, n: int) -> np.ndarray | None:
    """An arrow bitmap as numpy bools."""
    if buffer is None:
        return None
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little", count=offset + n)
    return bits[offset:].view(bool)  # 0/1 bytes read as bools, no copy


def _numpy(col: pa.ChunkedArray | pa.Array) -> Column:
    """Values (nulls as NaN or False) and validity of a float or bool column."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    parts = []
    for arr in chunks:
        n = len(arr)
        valid = _bits(arr.buffers()[0], arr.offset, n) if arr.null_count else np.ones(n, dtype=bool)
        if pa.types.is_boolean(arr.type):
            parts.append((_bits(arr.buffers()[1], arr.offset, n) & valid, valid))
        else:
            parts.append((arr.to_numpy(zero_copy_only=False).astype(np.float64, copy=False), valid))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _one(table: pa.Table, name: str) -> pa.Array:
    col = table[name]
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _arrow(values: np.ndarray, valid: np.ndarray, kind: pa.DataType) -> pa.Array:
    """An arrow array from numpy values and validity, without a per-value copy."""
    nulls = int(len(valid) - np.count_nonzero(valid))
    mask = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    data = pa.py_buffer(np.packbits(values, bitorder="little")) if pa.types.is_boolean(kind) \
        else pa.py_buffer(np.ascontiguousarray(values, dtype=np.float64))
    return pa.Array.from_buffers(kind, len(valid), [mask, data], null_count=nulls)


def _rows_first(columns: list[np.ndarray]) -> np.ndarray:
    """k columns of n values → n*k values, subject by subject (a transposing copy)."""
    return np.vstack(columns).ravel(order="F")


class Flat:
    """A policy query's result, its columns turned into numpy once."""

    def __init__(self, table: pa.Table) -> None:
        self.table, self.n = table, table.num_rows
        self._cache: dict[str, Column] = {}
        self._arrays: dict[str, pa.Array] = {}

    def __getitem__(self, name: str) -> Column:
        if name not in self._cache:
            self._cache[name] = _numpy(self.table[name])
        return self._cache[name]

    def arrow(self, name: str) -> pa.Array:
        """A column as one arrow array."""
        key = "arrow:" + name
        if key not in self._arrays:
            self._arrays[key] = _one(self.table, name)
        return self._arrays[key]

    def at(self, side: Side, rows: np.ndarray) -> np.ndarray:
        """A side's values at some rows (unknown as NaN)."""
        if isinstance(side, str):
            return self.arrow(side).take(pa.array(rows)).to_numpy(zero_copy_only=False).astype(np.float64)
        return np.full(len(rows), np.nan if side is None else float(side))

    def side(self, side: Side) -> Column:
        """A condition's side as values and validity: a column, a constant, or nothing."""
        if isinstance(side, str):
            return self[side]
        if side is None:
            return np.zeros(self.n), np.zeros(self.n, dtype=bool)
        return np.full(self.n, float(side)), np.ones(self.n, dtype=bool)


def _child(flat: Flat, sides: list[Side], inputs: Inputs) -> pa.Array:
    """A float child of the conditions from per-condition columns or constants."""
    n, k = flat.n, len(sides)
    if all(not isinstance(s, str) for s in sides):  # constants (or nothing): no copy of columns
        values = np.tile(np.array([0.0 if s is None else float(s) for s in sides]), n)
        valid = np.tile(np.array([s is not None for s in sides]), n)
        return _arrow(values, valid, pa.float64())
    columns = [flat.arrow(s) if isinstance(s, str) else pa.nulls(n, pa.float64()) if s is None
               else pa.array(np.full(n, float(s))) for s in sides]
    return pa.concat_arrays(columns).take(inputs.transpose(k))


def _gaps(flat: Flat, conds: list[CompiledCondition], columns: list[Column]) -> pa.Array:
    """The gap child: where a comparison fails, how much its field must change (see gaps.py)."""
    k, n = len(conds), flat.n
    gap = np.zeros(n * k)  # laid out subject by subject; written only where a comparison fails
    valid = np.zeros(n * k, dtype=bool)
    for i, cc in enumerate(conds):
        plan = cc.checked.gap
        if plan is None:
            continue
        passed, known = columns[i]
        at = np.flatnonzero(known & ~passed)
        with np.errstate(invalid="ignore", over="ignore"):
            g = flat.at(cc.threshold, at) - flat.at(cc.value, at)
            if cc.base:
                g = g * flat.at(cc.base, at)
            if plan.integer:
                g = {">=": np.ceil(g - 1e-9), ">": np.floor(g) + 1, "<=": np.floor(g + 1e-9),
                     "<": np.ceil(g) - 1}[plan.op]
        gap[at * k + i] = g
        valid[at * k + i] = np.isfinite(g)  # an unknown side gives no gap
    return _arrow(gap, valid, pa.float64())


def status_of(columns: list[Column]) -> np.ndarray:
    """0 eligible, 1 ineligible, 2 unknown: the Kleene 'and' of each subject's conditions."""
    any_false = np.zeros(len(columns[0][0]), dtype=bool)
    all_true = np.ones(len(columns[0][0]), dtype=bool)
    for passed, known in columns:
        any_false |= known & ~passed
        all_true &= passed  # a value that is not known reads as False here
    status = np.full(len(any_false), 2, dtype=np.int8)
    status[any_false] = 1
    status[all_true] = 0
    return status


def amount_of(flat: Flat, compiled: CompiledPolicy, status: np.ndarray) -> pa.Array:
    """The amount: the capped formula when eligible, 0 when not, unknown when the status is."""
    if not compiled.has_amount:
        return pa.nulls(len(status), pa.float64())
    raw, valid = flat["amount"]
    return _arrow(np.where(status == 1, 0.0, raw), (status == 1) | ((status == 0) & valid), pa.float64())


def passed_columns(flat: Flat, compiled: CompiledPolicy) -> list[Column]:
    """Each condition's pass/fail and whether it is known."""
    return [flat[cc.passed] for cc in compiled.conditions]


def in_order(table: pa.Table) -> pa.Table:
    """The query's rows in panel order (they normally are: then this costs a comparison)."""
    rows = _one(table, ROW).to_numpy()
    return table if np.array_equal(rows, np.arange(len(rows))) else table.take(pa.array(np.argsort(rows)))


def requirement(flat: Flat, compiled: CompiledPolicy) -> tuple[pa.Array, pa.Array]:
    """A policy's status (true/false/unknown) and amount per subject, as other policies read them."""
    status = status_of(passed_columns(flat, compiled))
    return pa.array(status == 0, mask=status == 2), amount_of(flat, compiled, status)


def _constant(text: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int8)), pa.array([text]))


def conditions_array(flat: Flat, compiled: CompiledPolicy, columns: list[Column], inputs: Inputs) -> pa.ListArray:
    """The list<struct> column of one policy's conditions."""
    conds = compiled.conditions
    indices, offsets = inputs.layout(len(conds))
    ids = pa.DictionaryArray.from_arrays(indices, pa.array([cc.checked.id for cc in conds]))
    for cc in conds:  # read the columns once, before the threads share them
        for side in (cc.value, cc.threshold, cc.base):
            if isinstance(side, str):
                flat.arrow(side)
    # The children are built side by side: numpy and arrow release the GIL while they copy.
    jobs = [_POOL.submit(_child, flat, [cc.value for cc in conds], inputs),
            _POOL.submit(_child, flat, [cc.threshold for cc in conds], inputs),
            _POOL.submit(_gaps, flat, conds, columns),
            _POOL.submit(missing_names, conds, [c[1] for c in columns], inputs)]
    passed = _arrow(_rows_first([c[0] for c in columns]), _rows_first([c[1] for c in columns]), pa.bool_())
    children = [ids, passed, *(job.result() for job in jobs)]
    return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(children, fields=list(CONDITION)))


def result_table(flat: Flat, subject_ids: pa.ChunkedArray, compiled: CompiledPolicy, inputs: Inputs) -> pa.Table:
    """The result rows of one explained policy (its query's rows in the panel's order)."""
    n = flat.n
    columns = passed_columns(flat, compiled)
    status = status_of(columns)
    amount = amount_of(flat, compiled, status)
    unknown_amount = (status == 0) & amount.is_null().to_numpy(zero_copy_only=False)
    return pa.Table.from_arrays([
        subject_ids, _constant(compiled.id, n), _constant(compiled.checked.version.key, n),
        pa.DictionaryArray.from_arrays(pa.array(status), pa.array(STATUSES)), amount,
        missing_names([compiled.amount_atoms], [~unknown_amount], inputs),
        conditions_array(flat, compiled, columns, inputs),
    ], schema=RESULT_SCHEMA)


def empty_result() -> pa.Table:
    """A result table with no rows."""
    return RESULT_SCHEMA.empty_table()
