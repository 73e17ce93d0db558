"""Forecasts to the end of a period, with an interval, by statsforecast (AutoETS; seasonal naive as fallback).

A monthly series is forecast with seasonality 12, a quarterly one with 4, a yearly one
without. AutoETS needs two seasons and a little more to fit; shorter series fall back to
the seasonal naive forecast (last year's same month), short yearly series to the random
walk with drift, each still with its interval. A flow's
period-end value is what has been reported so far plus the forecast of the months still to
come; its interval adds up the months' bounds, which assumes their errors move together (a
conservative band: ETS errors of successive months are positively correlated).

>>> f = forecast_series([10.0, 20.0, 30.0, 10.0, 20.0, 30.0], h=2, season=3)
>>> f.model, [round(v, 6) for v in f.mean]
('seasonal_naive', [10.0, 20.0])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

SEASON = {"month": 12, "quarter": 4, "year": 1}
LEVEL = 80  # percent: the interval shown (as statistics offices show ranges, not a 95% band)


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and interval bounds for the next h steps, and the model that made them."""

    mean: list[float]
    lo: list[float]
    hi: list[float]
    model: str
    level: int


def _model(name: str, season: int):
    from statsforecast.models import AutoETS, Naive, RandomWalkWithDrift, SeasonalNaive

    if name == "seasonal_naive":
        return SeasonalNaive(season_length=season) if season > 1 else Naive()
    if name == "drift":
        return RandomWalkWithDrift()
    if name == "auto_ets":
        return AutoETS(season_length=season)
    return AutoETS(season_length=season, model=name.removeprefix("ets_").upper())


def choose_model(n: int, season: int, preferred: str = "auto_ets") -> str:
    """The model a series of n points can carry: `preferred` ETS with two seasons and a little more (eight
    points for a yearly series: statsforecast refuses fewer); shorter, the seasonal naive forecast, or for a
    yearly series of three points or more the random walk with drift (last value plus the mean yearly change).

    >>> choose_model(94, 12), choose_model(20, 12), choose_model(5, 1), choose_model(8, 1), choose_model(2, 1)
    ('auto_ets', 'seasonal_naive', 'drift', 'auto_ets', 'seasonal_naive')
    """
    if preferred in ("seasonal_naive", "drift"):
        return preferred
    if season > 1:
        return preferred if n >= 2 * season + 2 else "seasonal_naive"
    return preferred if n >= 8 else ("drift" if n >= 3 else "seasonal_naive")


def forecast_series(y, *, h: int, season: int, level: int = LEVEL, model: str = "auto_ets") -> Forecast:
    """Forecast `h` steps after `y` (oldest first); an ETS that fails falls back to seasonal naive."""
    values = np.asarray(y, dtype=float)
    if h <= 0:
        return Forecast([], [], [], "none", level)
    if len(values) < max(season, 1):
        raise ValueError(f"{len(values)} points cannot be forecast with seasonality {season}; need at least {season}")
    name = choose_model(len(values), season, model)
    with warnings.catch_warnings():  # a fit's numerical warnings (a zero variance on a short series) are not ours
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            raw = _model(name, season).forecast(y=values, h=h, level=[level])
        except Exception:  # noqa: BLE001 - ETS can fail to fit a degenerate series; the naive one cannot
            name = "seasonal_naive"
            raw = _model(name, season).forecast(y=values, h=h, level=[level])
    mean = raw["mean"]
    lo, hi = raw.get(f"lo-{level}", mean), raw.get(f"hi-{level}", mean)
    return Forecast([float(v) for v in mean], [float(v) for v in lo], [float(v) for v in hi], name, level)


def trailing_run(points: list[float | None]) -> list[float]:
    """The last unbroken run of known values (a model needs a series without holes).

    >>> trailing_run([1.0, None, 2.0, 3.0, None])
    [2.0, 3.0]
    """
    end = len(points)
    while end and points[end - 1] is None:
        end -= 1
    start = end
    while start and points[start - 1] is not None:
        start -= 1
    return [float(v) for v in points[start:end]]


def forecast_many(series: dict, *, h: int, season: int, level: int = LEVEL, model: str = "auto_ets",
                  n_jobs: int = 1) -> dict:
    """Forecasts of many equally spaced series at once (statsforecast's batch engine): key -> Forecast."""
    import pandas as pd
    from statsforecast import StatsForecast

    keys = list(series)
    lengths = {k: len(series[k]) for k in keys}
    frame = pd.DataFrame({
        "unique_id": np.repeat(np.arange(len(keys)), [lengths[k] for k in keys]),
        "ds": np.concatenate([np.arange(lengths[k]) for k in keys]),
        "y": np.concatenate([np.asarray(series[k], dtype=float) for k in keys]),
    })
    name = choose_model(min(lengths.values()), season, model)
    engine = StatsForecast(models=[_model(name, season)], freq=1, n_jobs=n_jobs)
    out = engine.forecast(df=frame, h=h, level=[level])
    column = [c for c in out.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
    result = {}
    for uid, group in out.groupby("unique_id", sort=False):
        result[keys[int(uid)]] = Forecast(group[column].tolist(), group[f"{column}-lo-{level}"].tolist(),
                                          group[f"{column}-hi-{level}"].tolist(), name, level)
    return result
