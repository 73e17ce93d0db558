"""Turn the policies' query result into each policy's result rows, vectorised (numpy and arrow,
no row loops).

One row per subject: subject_id, policy, version, status, amount, and the conditions as a list
of structs (id, passed, value, threshold, gap, missing). The status is the Kleene "and" of the
conditions; the amount is the benefit's when eligible, 0 when not, unknown when the status is.
The children of the list are written subject by subject in blocks that stay in the cache; a
child that several policies have in common (a base policy's and its variants' values) is built once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from parkbrain.policies.compiled import CompiledCondition, CompiledPolicy, Side
from parkbrain.policies.missing import Inputs, interleave, missing_names
from parkbrain.policies.nodes import Ref
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
Values = tuple[np.ndarray | float, np.ndarray | bool]  # a column's values and validity, or a constant's
_GAP_BLOCK = 1 << 16  # subjects per block of gaps
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="policy-explain")


def _bits(buffer: pa.Buffer | None, offset: int, n: int) -> np.ndarray | None:
    """An arrow bitmap as numpy bools."""
    if buffer is None:
        return None
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little", count=offset + n)
    return bits[offset:].view(bool)  # 0/1 bytes read as bools, no copy


def _numpy(arr: pa.Array) -> Column:
    """Values and validity of a float or bool array (a null's value is undefined: read the validity)."""
    n = len(arr)
    valid = _bits(arr.buffers()[0], arr.offset, n) if arr.null_count else np.ones(n, dtype=bool)
    if pa.types.is_boolean(arr.type):
        return _bits(arr.buffers()[1], arr.offset, n) & valid, valid
    if pa.types.is_float64(arr.type):
        return np.frombuffer(arr.buffers()[1], dtype=np.float64, count=n, offset=arr.offset * 8), valid
    return arr.to_numpy(zero_copy_only=False).astype(np.float64), valid


def _one(col: pa.ChunkedArray) -> pa.Array:
    """A column as one arrow array (no copy when it is one chunk already)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _arrow(values: np.ndarray, valid: np.ndarray, kind: pa.DataType) -> pa.Array:
    """An arrow array from numpy values and validity, without a per-value copy."""
    nulls = int(len(valid) - np.count_nonzero(valid))
    mask = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    data = pa.py_buffer(np.packbits(values, bitorder="little")) if pa.types.is_boolean(kind) \
        else pa.py_buffer(np.ascontiguousarray(values, dtype=np.float64))
    return pa.Array.from_buffers(kind, len(valid), [mask, data], null_count=nulls)


def _child_keys(policy: CompiledPolicy) -> list[tuple]:
    """The children a policy's result may share with others': the same sides in the same order,
    the same inputs (their missing lists are shared when the conditions are unknown alike)."""
    return [("value", *(cc.value for cc in policy.conditions)),
            ("threshold", *(cc.threshold for cc in policy.conditions)),
            ("missing", *(tuple(cc.atoms) for cc in policy.conditions)),
            ("amount_missing", tuple(policy.amount_atoms))]


class Flat:
    """The policies' query result: each column as one arrow array and as numpy, and the children
    that several policies share (a base policy and its variants show the same values); each is
    dropped after the last policy that reads it (`done`)."""

    def __init__(self, table: pa.Table, policies: list[CompiledPolicy] = ()) -> None:
        self.n = table.num_rows
        self._table: dict[str, pa.ChunkedArray] = {name: table[name] for name in table.column_names}
        self._uses = Counter(name for p in policies for name in p.columns())
        self._uses.update(key for p in policies for key in _child_keys(p))
        self._cache: dict[str, Column] = {}
        self._arrays: dict[str, pa.Array] = {}
        self._children: dict[tuple, pa.Array | tuple[list[np.ndarray], pa.Array]] = {}

    def __getitem__(self, name: str) -> Column:
        if name not in self._cache:
            self._cache[name] = _numpy(self.arrow(name))
        return self._cache[name]

    def arrow(self, name: str) -> pa.Array:
        """A column as one arrow array."""
        if name not in self._arrays:
            self._arrays[name] = _one(self._table[name])
        return self._arrays[name]

    def side(self, side: Side) -> Values:
        """A condition's side as values and validity: a column's arrays, or a constant's scalars."""
        if isinstance(side, str):
            return self[side]
        return (0.0, False) if side is None else (float(side), True)

    def child(self, key: tuple, build: Callable[[], pa.Array]) -> pa.Array:
        """A child shared by the policies with the same key, built once."""
        if key not in self._children:
            self._children[key] = build()
        return self._children[key]  # type: ignore[return-value]

    def missing(self, key: tuple, atoms: list[list[Ref]], known: list[np.ndarray], inputs: Inputs) -> pa.Array:
        """The missing lists of conditions with these inputs, shared when they are unknown for the
        same subjects as the last ones with the same inputs (a policy's variants often are)."""
        last = self._children.get(key)
        if last is None or not all(np.array_equal(a, b) for a, b in zip(last[0], known, strict=True)):
            last = self._children[key] = (known, missing_names(atoms, known, inputs))  # type: ignore[assignment]
        return last[1]  # type: ignore[index]

    def done(self, policy: CompiledPolicy) -> None:
        """Drop what no policy still to be assembled reads."""
        for key in [*policy.columns(), *_child_keys(policy)]:
            self._uses[key] -= 1
            if self._uses[key] <= 0:
                for store in (self._table, self._cache, self._arrays, self._children):
                    store.pop(key, None)  # type: ignore[call-overload]


def _child(flat: Flat, sides: list[Side]) -> pa.Array:
    """A float child of the conditions (subject by subject) from per-condition columns or constants."""
    n = flat.n
    if all(not isinstance(s, str) for s in sides):  # constants (or nothing): no copy of columns
        values = np.tile(np.array([0.0 if s is None else float(s) for s in sides]), n)
        valid = np.tile(np.array([s is not None for s in sides]), n)
        return _arrow(values, valid, pa.float64())
    columns = [flat.side(s) for s in sides]
    return _arrow(interleave([c[0] for c in columns], n, np.float64),
                  interleave([c[1] for c in columns], n, np.bool_), pa.float64())


def _gaps(flat: Flat, conds: list[CompiledCondition], columns: list[Column]) -> pa.Array:
    """The gap child: where a comparison fails, how much its field must change (see gaps.py):
    threshold - value, times the base of a ratio, whole units rounded towards passing.

    Computed block by block, straight into the child's layout, so the temporaries stay in the cache."""
    n, k = flat.n, len(conds)
    gap, valid = np.empty((n, k)), np.empty((n, k), dtype=bool)
    todo, none = [], [i for i, cc in enumerate(conds) if cc.checked.gap is None]
    for i, cc in enumerate(conds):
        if cc.checked.gap is None:
            continue
        sides = [flat.side(cc.threshold), flat.side(cc.value)] + ([flat.side(cc.base)] if cc.base is not None else [])
        failed = columns[i][1] & ~columns[i][0]  # known and not passed: where a gap is shown
        for _, ok in sides:  # ... and every side is known
            failed &= ok
        todo.append((i, cc.checked.gap, [values for values, _ in sides], failed))
    with np.errstate(all="ignore"):  # a null's undefined value, or an overflow: not a gap
        for lo in range(0, n, _GAP_BLOCK):
            rows = slice(lo, lo + _GAP_BLOCK)
            gap[rows, none], valid[rows, none] = 0.0, False
            for i, plan, sides, failed in todo:
                t, v, *base = (x[rows] if isinstance(x, np.ndarray) else x for x in sides)
                g = np.subtract(t, v, dtype=np.float64)
                if base:
                    g = g * base[0]
                if plan.integer:
                    g = {">=": np.ceil(g - 1e-9), ">": np.floor(g) + 1, "<=": np.floor(g + 1e-9),
                         "<": np.ceil(g) - 1}[plan.op]
                gap[rows, i] = g
                valid[rows, i] = failed[rows] & np.isfinite(g)
    return _arrow(gap.ravel(), valid.ravel(), pa.float64())


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
    if compiled.amount is None:
        return pa.nulls(len(status), pa.float64())
    raw, valid = flat[compiled.amount]
    return _arrow(np.where(status == 1, 0.0, raw), (status == 1) | ((status == 0) & valid), pa.float64())


def passed_columns(flat: Flat, compiled: CompiledPolicy) -> list[Column]:
    """Each condition's pass/fail and whether it is known."""
    return [flat[cc.passed] for cc in compiled.conditions]


def in_order(table: pa.Table) -> pa.Table:
    """The query's rows in panel order (they normally are: then this costs a comparison)."""
    rows = _one(table[ROW]).to_numpy()
    return table if np.array_equal(rows, np.arange(len(rows))) else table.take(pa.array(np.argsort(rows)))


def _constant(text: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int8)), pa.array([text]), safe=False)


def conditions_array(flat: Flat, compiled: CompiledPolicy, columns: list[Column], inputs: Inputs) -> pa.ListArray:
    """The list<struct> column of one policy's conditions."""
    conds = compiled.conditions
    indices, offsets = inputs.layout(len(conds))
    ids = pa.DictionaryArray.from_arrays(indices, pa.array([cc.checked.id for cc in conds]), safe=False)
    for cc in conds:  # read the columns once, before the threads share them
        for side in (cc.value, cc.threshold, cc.base):
            if isinstance(side, str):
                flat[side]
    values, thresholds, missing, _ = _child_keys(compiled)
    # The children are built side by side: numpy and arrow release the GIL while they copy.
    jobs = [_POOL.submit(flat.child, values, lambda: _child(flat, [cc.value for cc in conds])),
            _POOL.submit(flat.child, thresholds, lambda: _child(flat, [cc.threshold for cc in conds])),
            _POOL.submit(_gaps, flat, conds, columns),
            _POOL.submit(flat.missing, missing, [cc.atoms for cc in conds], [c[1] for c in columns], inputs)]
    passed = _arrow(interleave([c[0] for c in columns], flat.n, np.bool_),
                    interleave([c[1] for c in columns], flat.n, np.bool_), pa.bool_())
    children = [ids, passed, *(job.result() for job in jobs)]
    return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(children, fields=list(CONDITION)))


def result_table(flat: Flat, subject_ids: pa.ChunkedArray, compiled: CompiledPolicy, inputs: Inputs) -> pa.Table:
    """The result rows of one explained policy (the query's rows in the panel's order)."""
    n = flat.n
    columns = passed_columns(flat, compiled)
    status = status_of(columns)
    amount = amount_of(flat, compiled, status)
    unknown_amount = (status == 0) & amount.is_null().to_numpy(zero_copy_only=False)
    table = pa.Table.from_arrays([
        subject_ids, _constant(compiled.id, n), _constant(compiled.checked.version.key, n),
        pa.DictionaryArray.from_arrays(pa.array(status), pa.array(STATUSES), safe=False), amount,
        flat.missing(_child_keys(compiled)[3], [compiled.amount_atoms], [~unknown_amount], inputs),
        conditions_array(flat, compiled, columns, inputs),
    ], schema=RESULT_SCHEMA)
    flat.done(compiled)
    return table


def empty_result() -> pa.Table:
    """A result table with no rows."""
    return RESULT_SCHEMA.empty_table()
