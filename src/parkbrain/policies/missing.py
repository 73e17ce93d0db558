"""Which inputs are missing: per unknown (subject, condition), the names of the missing inputs.

Built for all subjects at once: the conditions' unknown rows are grouped by the pattern of
missing inputs (few distinct patterns), and the list<string> child is laid out subject by
subject with offsets computed in numpy, its strings dictionary-encoded.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.nodes import Ref

if TYPE_CHECKING:
    from parkbrain.policies.compiled import CompiledCondition


class Inputs:
    """What every policy of one panel shares: which inputs are missing, row by row, and the
    layout arrays of k conditions (computed once per panel, dropped with it)."""

    def __init__(self, panel: pa.Table, year: int, given: dict[str, object]) -> None:
        self.panel, self.year, self.given = panel, year, given
        self._cache: dict[Ref, np.ndarray | bool] = {}
        self._founded: np.ndarray | None = None
        self.layout = lru_cache(maxsize=None)(self._layout)
        self.transpose = lru_cache(maxsize=4)(self._transpose)

    def _layout(self, k: int) -> tuple[pa.Array, pa.Array]:
        """The condition index of each struct and the list offsets (the same for every policy of k conditions)."""
        n = self.panel.num_rows
        return (pa.array(np.tile(np.arange(k, dtype=np.int8), n)),
                pa.array(np.arange(0, (n + 1) * k, k, dtype=np.int32)))

    def _transpose(self, k: int) -> pa.Array:
        """Positions that turn k columns of n values, one after the other, into n rows of k."""
        n = self.panel.num_rows
        return pa.array((np.arange(n, dtype=np.int32)[:, None] + np.arange(k, dtype=np.int32)[None, :] * n).ravel())

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


def missing_names(conds: list[CompiledCondition] | list[list[Ref]], known: list[np.ndarray], inputs: Inputs) -> pa.Array:
    """The `missing` child: for each unknown (subject, condition), its inputs that are missing.

    `known` holds one array per condition; the child is laid out subject by subject."""
    k, n = len(known), len(known[0])
    lists: list[list[str]] = []
    entries, codes = [], []
    for i, cc in enumerate(conds):
        rows = np.flatnonzero(~known[i])
        atoms = (cc if isinstance(cc, list) else cc.atoms)[:62]
        if not len(rows) or not atoms:
            continue
        bits = np.zeros(len(rows), dtype=np.int64)
        for j, atom in enumerate(atoms):
            miss = inputs.missing(atom)
            if isinstance(miss, np.ndarray):
                bits |= miss[rows].astype(np.int64) << j
            elif miss:
                bits |= 1 << j
        distinct, index = _codes(bits, len(atoms))
        names = [label(a, inputs.year) for a in atoms]
        entries.append((i, rows))
        codes.append(len(lists) + index)
        lists += [[nm for j, nm in enumerate(names) if int(b) >> j & 1] for b in distinct]
    values = pa.array([x for sub in lists for x in sub], pa.string())
    sizes = np.array([len(x) for x in lists], dtype=np.int64)
    entry, code = _subject_order(entries, codes, n, k)
    named = sizes[code] > 0 if len(code) else np.zeros(0, dtype=bool)
    entry, code = entry[named], code[named]
    lengths = sizes[code]
    ends = np.cumsum(lengths)
    # offsets: 0 up to the first entry with names, then the running total after each one
    offsets = np.repeat(np.concatenate([[0], ends]).astype(np.int32),
                        np.diff(np.concatenate([[0], entry + 1, [n * k + 1]])))
    starts = np.concatenate([[0], np.cumsum(sizes)])[:-1]
    take = np.repeat(starts[code] - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)
    child = pa.DictionaryArray.from_arrays(pa.array(take.astype(np.int32)), values)
    return pa.ListArray.from_arrays(pa.array(offsets), child)


def _subject_order(entries: list[tuple[int, np.ndarray]], codes: list[np.ndarray], n: int,
                   k: int) -> tuple[np.ndarray, np.ndarray]:
    """The (entry, code) pairs of all conditions merged subject by subject (entry = row * k + i): by
    sorting when they are few, through a (condition, subject) grid when many (an input nobody gave)."""
    if not entries:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(entries) == 1:
        (i, rows), = entries
        return rows * k + i, codes[0]
    if sum(len(rows) for _, rows in entries) * 16 < n * k:
        entry = np.concatenate([rows * k + i for i, rows in entries])
        code = np.concatenate(codes)
        order = np.argsort(entry, kind="stable")
        return entry[order], code[order]
    grid = np.zeros((k, n), dtype=np.int32)  # code + 1; 0 where nothing is missing
    for (i, rows), code in zip(entries, codes, strict=True):
        grid[i, rows] = code + 1
    flat = grid.ravel(order="F")
    entry = np.flatnonzero(flat)
    return entry, flat[entry].astype(np.int64) - 1
