"""Which inputs are missing: per unknown (subject, condition), the names of the missing inputs.

Built for all subjects at once: the conditions' unknown rows are grouped by the pattern of
missing inputs (few distinct patterns), the list offsets are a running sum of the lengths, and
each pattern's names are written at its entries' offsets; the names are dictionary-encoded.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.nodes import Ref


class Inputs:
    """What every policy of one panel shares: which inputs are missing, row by row, and the
    layout arrays of k conditions (computed once per panel, dropped with it)."""

    def __init__(self, panel: pa.Table, year: int, given: dict[str, object]) -> None:
        self.panel, self.year, self.given = panel, year, given
        self._cache: dict[Ref, np.ndarray | bool] = {}
        self._founded: np.ndarray | None = None
        self.layout = lru_cache(maxsize=None)(self._layout)

    def _layout(self, k: int) -> tuple[pa.Array, pa.Array]:
        """The condition index of each struct and the list offsets (the same for every policy of k conditions)."""
        n = self.panel.num_rows
        return (pa.array(np.tile(np.arange(k, dtype=np.int8), n)),
                pa.array(np.arange(0, (n + 1) * k, k, dtype=np.int32)))

    def missing(self, atom: Ref) -> np.ndarray | bool:
        """True where the input is missing (a panel year before founding is not: it counts as 0)."""
        if atom not in self._cache:
            self._cache[atom] = self._missing(atom)
        return self._cache[atom]

    def _missing(self, atom: Ref) -> np.ndarray | bool:
        if atom.source == "input":
            return self.given.get(atom.name) is None
        if atom.column not in self.panel.column_names:
            return False
        out = self.panel[atom.column].is_null().to_numpy(zero_copy_only=False)
        if atom.zero_before_founding and atom.lag:
            out = out & (self.founded_year() <= self.year - atom.lag)
        return out

    def founded_year(self) -> np.ndarray:
        """Each subject's year of founding (0 when unknown)."""
        if self._founded is None:
            years = pc.year(self.panel["founded_on"]).combine_chunks()
            self._founded = pc.fill_null(years, 0).to_numpy(zero_copy_only=False)
        return self._founded


_BLOCK = 1 << 15  # rows per block: a block of the output stays in the cache while its k columns are written


def interleave(columns: list[np.ndarray | float | bool | int], n: int, dtype: type) -> np.ndarray:
    """k columns (arrays of n values, or scalars) → n*k values, subject by subject.

    >>> interleave([np.array([1, 2]), 0, np.array([3, 4])], 2, np.int32).tolist()
    [1, 0, 3, 2, 0, 4]
    """
    k = len(columns)
    flat = np.empty(n * k, dtype=dtype)
    out = flat.reshape(n, k)
    for lo in range(0, n, _BLOCK):
        block = out[lo:lo + _BLOCK]
        for i, col in enumerate(columns):
            block[:, i] = col[lo:lo + _BLOCK] if isinstance(col, np.ndarray) else col
    return flat


def label(atom: Ref, year: int) -> str:
    """How a missing input is named: `revenue[2023]` for a panel year, else the field or input."""
    return f"{atom.name}[{year - atom.lag}]" if atom.source == "panel" else atom.name


def _codes(bits: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(bits, return_inverse=True), by counting when the bit patterns are few."""
    if width > 16:
        return np.unique(bits, return_inverse=True)
    seen = np.flatnonzero(np.bincount(bits, minlength=1 << width))
    lookup = np.zeros(1 << width, dtype=np.int64)
    lookup[seen] = np.arange(len(seen))
    return seen, lookup[bits]


def _groups(codes: np.ndarray, count: int) -> list[np.ndarray | slice]:
    """The positions of each code 0..count-1."""
    if count == 1:
        return [slice(None)]
    if count <= 8:
        return [np.flatnonzero(codes == c) for c in range(count)]
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.cumsum(np.bincount(codes, minlength=count))[:-1])


def _offsets(lengths: list[np.ndarray | int], n: int) -> np.ndarray:
    """The list offsets of n subjects' k entries, subject by subject, from each condition's lengths:
    the names of the subjects before, plus those of the subject's earlier conditions."""
    k = len(lengths)
    total = sum(lengths)
    before = np.zeros(n + 1, dtype=np.int32)
    if isinstance(total, np.ndarray):
        np.cumsum(total, dtype=np.int32, out=before[1:])
    else:
        before[1:] = np.arange(1, n + 1, dtype=np.int32) * np.int32(total)
    offsets = np.empty(n * k + 1, dtype=np.int32)
    offsets[-1] = before[-1]
    grid, firsts = offsets[:-1].reshape(n, k), before[:-1]
    for lo in range(0, n, _BLOCK):  # written block by block, in the cache
        block = grid[lo:lo + _BLOCK]
        block[:, 0] = firsts[lo:lo + _BLOCK]
        for i in range(1, k):
            step = lengths[i - 1]
            block[:, i] = block[:, i - 1] + (step[lo:lo + _BLOCK] if isinstance(step, np.ndarray) else step)
    return offsets


def _patterns(atoms: list[Ref], rows: np.ndarray | slice, inputs: Inputs) -> tuple[np.ndarray | int, np.ndarray | None]:
    """Each row's pattern of missing atoms (bit j: atom j is missing), as distinct patterns and each
    row's index among them; one pattern and no index when the atoms are missing alike for everyone."""
    bits: np.ndarray | int = 0
    for j, atom in enumerate(atoms):
        miss = inputs.missing(atom)
        if isinstance(miss, np.ndarray):
            bits = bits | miss[rows].astype(np.int64) << j
        elif miss:
            bits = bits | 1 << j
    if isinstance(bits, int):
        return np.array([bits]), None
    return _codes(bits, len(atoms))


def missing_names(conds: list[list[Ref]], known: list[np.ndarray], inputs: Inputs) -> pa.Array:
    """The `missing` child: for each unknown (subject, condition), its inputs that are missing.

    `conds` holds each condition's inputs and `known` whether it is known, per subject; the
    child is laid out subject by subject (entry = subject * k + condition)."""
    k, n = len(known), len(known[0])
    names: dict[str, int] = {}  # the dictionary of input labels
    lengths: list[np.ndarray | int] = [0] * k  # names per subject, of each condition
    found = []
    for i, atoms in enumerate(conds):
        atoms = atoms[:62]
        unknown = np.count_nonzero(~known[i]) if atoms else 0
        if not unknown:
            continue
        rows = slice(None) if unknown == n else np.flatnonzero(~known[i])
        distinct, index = _patterns(atoms, rows, inputs)
        labels = [names.setdefault(label(a, inputs.year), len(names)) for a in atoms]
        patterns = [[labels[j] for j in range(len(atoms)) if int(b) >> j & 1] for b in distinct]
        sizes = np.array([len(p) for p in patterns], dtype=np.int32)
        if index is None and isinstance(rows, slice):
            lengths[i] = int(sizes[0])
        else:
            lengths[i] = np.zeros(n, dtype=np.int32)
            lengths[i][rows] = sizes[0] if index is None else sizes[index]
        found.append((i, rows, index, patterns))
    offsets = _offsets(lengths, n)
    starts = offsets[:-1].reshape(n, k)
    child = np.empty(int(offsets[-1]), dtype=np.int32)
    for i, rows, index, patterns in found:  # each pattern's names at its entries' offsets
        at_rows = starts[rows, i]
        groups = _groups(index, len(patterns)) if index is not None else [slice(None)]
        for at, pattern in zip(groups, patterns, strict=True):
            if pattern:
                first = at_rows[at]
                for j, name in enumerate(pattern):
                    child[first + j] = name
    # safe=False: the indices are built here, each a name's place in `names` (no check of millions)
    values = pa.DictionaryArray.from_arrays(pa.array(child), pa.array(list(names), pa.string()), safe=False)
    return pa.ListArray.from_arrays(pa.array(offsets), values)
