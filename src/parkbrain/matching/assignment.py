"""Batch assignment (博士入企 rounds): experts to needs with capacities, the best total score.

An expert takes at most `k` needs, a need gets at most `m` experts, and a pair is only
considered when retrieval proposed it. The linear programme

    maximise Σ score·x  subject to  Σ_experts x ≤ m per need,  Σ_needs x ≤ k per expert,  0 ≤ x ≤ 1

has a totally unimodular constraint matrix (a bipartite b-matching), so the simplex method's
vertex optimum is already 0/1; we solve it with HiGHS through scipy and check that it is.

>>> import numpy as np
>>> a = assign(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([3.0, 2.0, 2.5]), k=1, m=1)
>>> a.pairs(), a.total
([(0, 1), (1, 0)], 4.5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

SMALL_GROUP = 5_000  # candidate pairs below which a group is solved with the other small ones


class AssignmentError(RuntimeError):
    """The solver did not return an optimum; the message says what it reported."""


@dataclass(frozen=True)
class Assignment:
    """The chosen (need, expert) pairs as parallel arrays of positions, with their scores."""

    need: np.ndarray
    expert: np.ndarray
    score: np.ndarray

    @property
    def total(self) -> float:
        """Sum of the chosen pairs' scores."""
        return round(float(self.score.sum()), 6)

    def pairs(self) -> list[tuple[int, int]]:
        """(need, expert) positions, sorted."""
        return sorted(zip(self.need.tolist(), self.expert.tolist(), strict=True))


def _check(need: np.ndarray, expert: np.ndarray, score: np.ndarray, k: int, m: int) -> None:
    if not (len(need) == len(expert) == len(score)):
        raise ValueError("need, expert and score must have one entry per candidate pair")
    if k < 1 or m < 1:
        raise ValueError(f"capacities must be at least 1 (k={k}, m={m}): k is per expert, m per need")
    if len(need) and len(np.unique(need * (int(expert.max()) + 1) + expert)) != len(need):
        raise ValueError("a (need, expert) pair is listed twice; keep each candidate pair once")


def assign(need: np.ndarray, expert: np.ndarray, score: np.ndarray, *, k: int, m: int) -> Assignment:
    """The pairs maximising the total score, an expert at most `k` times, a need at most `m` times."""
    need, expert = np.asarray(need, np.int64), np.asarray(expert, np.int64)
    score = np.asarray(score, np.float64)
    _check(need, expert, score, k, m)
    usable = score > 0  # a pair with no value would only fill capacity
    need, expert, score = need[usable], expert[usable], score[usable]
    chosen = np.zeros(len(need), bool)
    # Needs and experts fall into groups no candidate pair links (chain links, mostly):
    # each group is its own smaller programme, and together they solve much faster. Small
    # groups are solved together (still independent blocks), to save the solver's set-up.
    groups = _components(need, expert)
    small = [g for g in groups if len(g) < SMALL_GROUP]
    groups = [g for g in groups if len(g) >= SMALL_GROUP] + ([np.concatenate(small)] if small else [])
    for pairs in groups:
        chosen[pairs] = _solve(need[pairs], expert[pairs], score[pairs], k, m)
    return Assignment(need[chosen], expert[chosen], score[chosen])


def _components(need: np.ndarray, expert: np.ndarray) -> list[np.ndarray]:
    """The candidate pairs split by connected component of the need–expert graph."""
    if not len(need):
        return []
    _, n_row = np.unique(need, return_inverse=True)
    _, e_row = np.unique(expert, return_inverse=True)
    nodes = int(n_row.max()) + 1 + int(e_row.max()) + 1
    graph = sp.csr_matrix((np.ones(len(need)), (n_row, e_row + int(n_row.max()) + 1)), shape=(nodes, nodes))
    _, label = connected_components(graph, directed=False)
    group = label[n_row]
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    return np.split(order, cuts)


def _solve(need: np.ndarray, expert: np.ndarray, score: np.ndarray, k: int, m: int) -> np.ndarray:
    """The optimal 0/1 choice of one connected group of candidate pairs."""
    needs, need_row = np.unique(need, return_inverse=True)
    experts, expert_row = np.unique(expert, return_inverse=True)
    if len(needs) == 1 or len(experts) == 1:  # one side alone: the best pairs up to its capacity
        chosen = np.zeros(len(need), bool)
        chosen[np.argsort(-score, kind="stable")[:m if len(needs) == 1 else k]] = True
        return chosen
    pairs = np.arange(len(need))
    a = sp.vstack([sp.csr_matrix((np.ones(len(need)), (need_row, pairs)), shape=(len(needs), len(need))),
                   sp.csr_matrix((np.ones(len(need)), (expert_row, pairs)), shape=(len(experts), len(need)))])
    b = np.r_[np.full(len(needs), m), np.full(len(experts), k)].astype(np.float64)
    result = linprog(-score, A_ub=a.tocsc(), b_ub=b, bounds=(0, 1), method="highs-ds")
    if result.status != 0:
        raise AssignmentError(f"the assignment solver stopped without an optimum: {result.message}")
    x = result.x
    if np.any(np.minimum(np.abs(x), np.abs(x - 1)) > 1e-6):  # cannot happen for a vertex; say so if it does
        raise AssignmentError("the solver returned a fractional assignment; report this with the input")
    return x > 0.5


def greedy(need: np.ndarray, expert: np.ndarray, score: np.ndarray, *, k: int, m: int) -> Assignment:
    """Best pair first while capacities last: the simple baseline the optimum is compared with."""
    need, expert = np.asarray(need, np.int64), np.asarray(expert, np.int64)
    score = np.asarray(score, np.float64)
    _check(need, expert, score, k, m)
    left_need: dict[int, int] = {}
    left_expert: dict[int, int] = {}
    chosen = []
    for i in np.argsort(-score, kind="stable"):
        n, e = int(need[i]), int(expert[i])
        if score[i] > 0 and left_need.get(n, m) > 0 and left_expert.get(e, k) > 0:
            left_need[n] = left_need.get(n, m) - 1
            left_expert[e] = left_expert.get(e, k) - 1
            chosen.append(i)
    idx = np.array(sorted(chosen), np.int64)
    return Assignment(need[idx], expert[idx], score[idx])
