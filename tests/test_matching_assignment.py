"""Batch assignment: a tiny case solved by hand, capacities, and the optimum against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from parkbrain.matching import service
from parkbrain.matching.assignment import assign, greedy


def test_a_tiny_assignment_whose_optimum_is_worked_out_by_hand():
    # Needs A=0, B=1; experts X=0, Y=1; each takes one (k = m = 1).
    #   A–X 0.9, A–Y 0.8, B–X 0.85, B–Y 0.1
    # Greedy takes A–X (best pair) and is left with B–Y: 0.9 + 0.1 = 1.0.
    # The optimum gives X to B: A–Y + B–X = 0.8 + 0.85 = 1.65.
    need, expert = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    score = np.array([0.9, 0.8, 0.85, 0.1])
    best = assign(need, expert, score, k=1, m=1)
    assert best.pairs() == [(0, 1), (1, 0)] and best.total == pytest.approx(1.65)
    assert greedy(need, expert, score, k=1, m=1).total == pytest.approx(1.0)
    # With k = 2 expert X can serve both: A–X + B–X = 1.75 beats 1.65.
    assert assign(need, expert, score, k=2, m=1).pairs() == [(0, 0), (1, 0)]
    # With m = 2 too, every pair with a positive score is taken: 2.65.
    assert assign(need, expert, score, k=2, m=2).total == pytest.approx(2.65)


def brute_force(need, expert, score, k, m) -> float:
    best = 0.0
    for chosen in itertools.product((0, 1), repeat=len(need)):
        x = np.array(chosen, bool)
        if (np.bincount(need[x], minlength=need.max() + 1) <= m).all() and \
                (np.bincount(expert[x], minlength=expert.max() + 1) <= k).all():
            best = max(best, float(score[x].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_optimum_matches_brute_force_and_capacities_hold(seed):
    rng = np.random.default_rng(seed)
    pairs = sorted({(int(rng.integers(4)), int(rng.integers(4))) for _ in range(11)})
    need = np.array([p[0] for p in pairs])
    expert = np.array([p[1] for p in pairs])
    score = np.round(rng.random(len(pairs)), 3)
    k, m = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    got = assign(need, expert, score, k=k, m=m)
    assert got.total == pytest.approx(brute_force(need, expert, score, k, m))
    assert np.bincount(got.need).max(initial=0) <= m and np.bincount(got.expert).max(initial=0) <= k
    assert got.total >= greedy(need, expert, score, k=k, m=m).total - 1e-9


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="at least 1"):
        assign(np.array([0]), np.array([0]), np.array([1.0]), k=0, m=1)
    with pytest.raises(ValueError, match="listed twice"):
        assign(np.array([0, 0]), np.array([1, 1]), np.array([1.0, 0.5]), k=1, m=1)
    assert assign(np.array([0]), np.array([0]), np.array([0.0]), k=1, m=1).pairs() == []  # no value, no pair


def test_a_round_over_the_demo_park_respects_the_capacities(demo_park):
    result = service.assign_experts(demo_park.park.warehouse, k=2, m=1, per_need=10)
    per_expert = np.unique([r["expert_id"] for r in result.rows], return_counts=True)[1]
    per_need = np.unique([r["need_id"] for r in result.rows], return_counts=True)[1]
    assert per_expert.max() <= 2 and per_need.max() <= 1
    # 554 needs, 463 experts × 2 = 926 places: nearly every need finds an expert.
    assert result.needs == 554 and len(result.rows) >= 0.95 * result.needs
    assert result.total == pytest.approx(sum(r["score"] for r in result.rows), abs=0.01)
