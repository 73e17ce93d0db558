"""Backtests of the cockpit's forecasts: rolling origins, MASE against the seasonal naive forecast.

MASE (Hyndman & Koehler 2006) divides a forecast's mean absolute error by the in-sample mean
absolute error of the seasonal naive forecast (y_t − y_{t−m}) on the training data, so a value
below 1 beats last year's same month on average, and values compare across series of any size.

>>> round(mase([12.0, 14.0], [11.0, 15.0], [10.0, 11.0, 12.0, 13.0], season=1), 6)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parkbrain.cockpit.forecast import forecast_series


def mase(actual, forecast, history, *, season: int) -> float:
    """Mean absolute scaled error of `forecast` against `actual`, scaled on `history`'s seasonal naive errors."""
    actual, forecast, history = (np.asarray(x, dtype=float) for x in (actual, forecast, history))
    if len(history) <= season:
        raise ValueError(f"MASE needs more than {season} points of history to scale by; got {len(history)}")
    scale = np.mean(np.abs(history[season:] - history[:-season]))
    if scale == 0:
        raise ValueError("the history does not move: MASE is undefined")
    return float(np.mean(np.abs(actual - forecast)) / scale)


@dataclass(frozen=True)
class Backtest:
    """One series' mean MASE over its origins, for a model and for the seasonal naive benchmark."""

    name: str
    model: str
    origins: int
    horizon: int
    mase_model: float
    mase_naive: float

    @property
    def relative(self) -> float:
        """The model's MASE over the naive one (below 1: the model is better)."""
        return self.mase_model / self.mase_naive if self.mase_naive else float("nan")


def backtest(name: str, y, *, season: int, horizon: int, origins: int, model: str = "auto_ets") -> Backtest:
    """Forecast `horizon` steps from each of the last `origins` cut points of `y`; average the MASEs."""
    values = np.asarray(y, dtype=float)
    model_scores, naive_scores = [], []
    used = model
    for k in range(origins):
        cut = len(values) - horizon - k
        if cut <= season + 1:
            break
        train, test = values[:cut], values[cut:cut + horizon]
        fitted = forecast_series(train, h=horizon, season=season, model=model)
        naive = forecast_series(train, h=horizon, season=season, model="seasonal_naive")
        used = fitted.model
        model_scores.append(mase(test, fitted.mean, train, season=season))
        naive_scores.append(mase(test, naive.mean, train, season=season))
    if not model_scores:
        raise ValueError(f"{name}: {len(values)} points leave no origin for a {horizon}-step backtest")
    return Backtest(name, used, len(model_scores), horizon, float(np.mean(model_scores)), float(np.mean(naive_scores)))


def summary(results: list[Backtest]) -> dict:
    """Mean and median MASE of the model and of seasonal naive, and how often the model wins."""
    model = np.array([r.mase_model for r in results])
    naive = np.array([r.mase_naive for r in results])
    return {"series": len(results), "mean_mase_model": float(model.mean()), "mean_mase_naive": float(naive.mean()),
            "median_mase_model": float(np.median(model)), "median_mase_naive": float(np.median(naive)),
            "model_wins": int((model < naive).sum())}
