"""Forecasts for many series at once: additive Holt-Winters on logs, vectorised over the series.

statsforecast's AutoETS searches some thirty models per series (about 80 ms each here): right for
the cockpit's few dozen series, too slow for ten thousand (enterprise or park series) in seconds.
This module fits one model family to all of them at once in numpy: ETS(A,A,A) on the logarithm
(multiplicative trend and season on the original scale), its smoothing parameters chosen per
series from a small grid by the in-sample one-step error, and the ETS(A,A,A) forecast variance
for the interval (Hyndman et al., *Forecasting with Exponential Smoothing*, 2008, table 6.1).
Series must be positive and of equal length. benchmarks/bench_cockpit.py compares its accuracy
(MASE) with AutoETS and seasonal naive on the same series.

>>> import numpy as np
>>> t = np.arange(48)
>>> y = 100 * 1.01 ** t * (1 + 0.2 * np.sin(2 * np.pi * t / 12))
>>> mean, lo, hi = holt_winters_batch(y[None, :], h=3, season=12)
>>> ahead = np.arange(48, 51)
>>> bool(np.allclose(mean[0], 100 * 1.01 ** ahead * (1 + 0.2 * np.sin(2 * np.pi * ahead / 12)), rtol=0.005))
True
>>> bool((lo < mean).all() and (mean < hi).all())
True
"""

from __future__ import annotations

import itertools

import numpy as np

GRID = {"alpha": (0.05, 0.2, 0.4, 0.7), "beta": (0.0, 0.02, 0.1), "gamma": (0.01, 0.1, 0.3)}
Z = {80: 1.2815515655446004, 90: 1.6448536269514722, 95: 1.959963984540054}


def _initial(logs: np.ndarray, season: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level, trend and seasonal states from the first two seasons (classical decomposition)."""
    first, second = logs[:, :season].mean(axis=1), logs[:, season:2 * season].mean(axis=1)
    trend = (second - first) / season
    level = first + trend * (season - 1) / 2
    seasonal = logs[:, :season] - (level[:, None] + trend[:, None] * (np.arange(season) - (season - 1) / 2))
    return level - trend * (season - 1) / 2 - trend, trend, seasonal - seasonal.mean(axis=1, keepdims=True)


def _run(logs: np.ndarray, season: int, alpha: float, beta: float, gamma: float):
    """One pass of the recursions over every series: final states and the one-step errors."""
    level, trend, seasonal = _initial(logs, season)
    seasonal = seasonal.copy()
    errors = np.empty_like(logs)
    for t in range(logs.shape[1]):
        s = seasonal[:, t % season]
        error = logs[:, t] - (level + trend + s)
        errors[:, t] = error
        level, trend = level + trend + alpha * error, trend + beta * alpha * error
        seasonal[:, t % season] = s + gamma * error
    return level, trend, seasonal, errors


def holt_winters_batch(y, *, h: int, season: int = 12, level: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point forecasts and interval bounds, each (series, h), for positive series `y` (series, time)."""
    values = np.asarray(y, dtype=float)
    if values.ndim != 2 or values.shape[1] < 2 * season + 2:
        raise ValueError(f"give a (series, time) array with at least {2 * season + 2} points per series")
    if (values <= 0).any():
        raise ValueError("Holt-Winters on logs needs positive values")
    logs = np.log(values)
    warm = season  # the first season only sets the states: score the rest
    best = np.full(len(logs), np.inf)
    chosen: dict[str, np.ndarray] = {}
    for alpha, beta, gamma in itertools.product(*GRID.values()):
        lv, tr, se, err = _run(logs, season, alpha, beta, gamma)
        mse = np.mean(err[:, warm:] ** 2, axis=1)
        better = mse < best
        best = np.where(better, mse, best)
        for name, state in (("level", lv), ("trend", tr), ("alpha", np.full(len(logs), alpha)),
                            ("beta", np.full(len(logs), beta)), ("gamma", np.full(len(logs), gamma))):
            chosen[name] = np.where(better, state, chosen.get(name, state))
        chosen["seasonal"] = np.where(better[:, None], se, chosen.get("seasonal", se))
    steps = np.arange(1, h + 1)
    n = logs.shape[1]
    seasonal = chosen["seasonal"][:, (n + steps - 1) % season]
    mu = chosen["level"][:, None] + chosen["trend"][:, None] * steps + seasonal
    a, b, g = chosen["alpha"][:, None], chosen["beta"][:, None], chosen["gamma"][:, None]
    j = np.arange(1, h)
    c = a + a * b * j + g * ((j % season) == 0)  # ETS(A,A,A): weights of past errors in the h-step error
    var = best[:, None] * (1 + np.concatenate([np.zeros((len(logs), 1)), np.cumsum(c ** 2, axis=1)], axis=1))
    z = Z[level] * np.sqrt(var)
    return np.exp(mu), np.exp(mu - z), np.exp(mu + z)


def seasonal_naive_batch(y, *, h: int, season: int = 12) -> np.ndarray:
    """Last season's values repeated, for every series at once."""
    values = np.asarray(y, dtype=float)
    last = values[:, -season:]
    return last[:, np.arange(h) % season]
