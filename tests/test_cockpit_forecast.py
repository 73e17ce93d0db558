"""Forecasts, period outlooks and backtests on constructed series, and the demo's monthly series."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from parkbrain.app import ParkBrain
from parkbrain.cockpit.backtest import backtest, mase
from parkbrain.cockpit.batch import holt_winters_batch, seasonal_naive_batch
from parkbrain.cockpit.forecast import choose_model, forecast_many, forecast_series
from parkbrain.cockpit.outlook import period_outlook
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.state import cockpit_state
from parkbrain.demo.monthly import HOME, SOURCE, generate_series, shares
from parkbrain.settings import Settings
from parkbrain.warehouse.schema import INDICATOR_VALUE_SCHEMA

PATTERN = np.array([70, 55, 90, 85, 88, 95, 86, 84, 92, 87, 93, 115], dtype=float)


def trended(years: int, slope: float = 0.5) -> np.ndarray:
    """The pattern repeated, on a straight-line trend of `slope` per month."""
    t = np.arange(12 * years)
    return np.tile(PATTERN, years) + slope * t


def test_seasonal_naive_repeats_last_year():
    f = forecast_series(trended(2)[:20], h=3, season=12)  # 20 months: too few for ETS
    assert f.model == "seasonal_naive"
    assert f.mean == pytest.approx(list(trended(2)[8:11]))
    assert all(lo <= m <= hi for lo, m, hi in zip(f.lo, f.mean, f.hi, strict=True))


def test_ets_finds_trend_and_season():
    y = trended(5)
    f = forecast_series(y[:-6], h=6, season=12)
    assert f.model == "auto_ets"
    assert np.allclose(f.mean, y[-6:], rtol=0.02)


def test_short_yearly_series_use_drift():
    assert choose_model(5, 1) == "drift"
    f = forecast_series([10.0, 12.0, 14.0, 16.0, 18.0], h=2, season=1)
    assert f.mean == pytest.approx([20.0, 22.0])  # last value plus the mean yearly change (2)


def test_forecast_many_matches_one_at_a_time():
    series = {"a": trended(3), "b": trended(3, slope=1.0) + 10}
    many = forecast_many(series, h=4, season=12, model="seasonal_naive")
    for key, y in series.items():
        assert many[key].mean == pytest.approx(forecast_series(y, h=4, season=12, model="seasonal_naive").mean)


def test_mase_by_hand():
    # History 10, 11, 12, 13: naive steps of 1; errors 1 and 1 → MASE 1.
    assert mase([12.0, 14.0], [11.0, 15.0], [10.0, 11.0, 12.0, 13.0], season=1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="does not move"):
        mase([1.0], [1.0], [5.0, 5.0, 5.0], season=1)


def test_backtest_on_a_trended_seasonal_series():
    """On pattern + straight trend, last year's month is off by exactly one year of trend, as is the
    in-sample scale: seasonal naive scores MASE 1; ETS, which sees the trend, does far better."""
    result = backtest("t", trended(6), season=12, horizon=6, origins=4)
    assert result.mase_naive == pytest.approx(1.0)
    assert result.mase_model < 0.3 and result.origins == 4


def test_holt_winters_batch_on_many_series():
    t = np.arange(72)
    growing = np.tile(PATTERN / PATTERN.mean(), 6) * 100 * 1.01 ** t  # multiplicative: the model's own shape
    y = np.stack([trended(6) + 50, 2 * trended(6) + 50, trended(6, slope=0.0) + 50, growing])
    mean, lo, hi = holt_winters_batch(y[:, :-12], h=12)
    assert mean.shape == (4, 12) and (lo <= mean).all() and (mean <= hi).all()  # a perfect fit has no width
    assert np.allclose(mean[3], y[3, -12:], rtol=0.001) and np.allclose(mean[2], y[2, -12:])
    assert np.allclose(mean[:2], y[:2, -12:], rtol=0.04)  # additive series through a log model: close
    assert seasonal_naive_batch(y[:, :-12], h=12) == pytest.approx(y[:, -24:-12])
    with pytest.raises(ValueError, match="positive"):
        holt_winters_batch(-y, h=3)


def test_period_outlook_adds_the_forecast_to_what_is_reported(tmp_path):
    y = trended(4) * 100  # 2023-01 .. 2026-12
    months = [f"{2023 + i // 12}-{i % 12 + 1:02d}" for i in range(len(y))]
    known = 12 * 3 + 8  # reported through 2026-08
    with ParkBrain(Settings(home=tmp_path, lang="zh")) as park:
        park.warehouse.append("indicator_values", pa.table({
            "indicator_id": ["industrial_value_added"] * known, "subject": ["滨江区"] * known,
            "period": months[:known], "value": list(y[:known]), "unit": ["万元"] * known, "source": ["t"] * known},
            schema=INDICATOR_VALUE_SCHEMA))
        ev = cockpit_state(park.warehouse).evaluator
        o = period_outlook(ev, "industrial_value_added", "滨江区", Period(2026, 1, 12), first_year=2023)
        assert (o.complete, o.steps_ahead, str(o.through)) == (False, 4, "2026-08")
        assert o.actual == pytest.approx(y[36:44].sum())
        assert o.mean == pytest.approx(y[36:].sum(), rel=0.01)  # the truth of the whole year, within 1%
        assert o.lo < o.mean < o.hi
        done = period_outlook(ev, "industrial_value_added", "滨江区", Period(2025, 1, 12), first_year=2023)
        assert done.complete and done.mean == pytest.approx(y[24:36].sum())


# ---- the demo's monthly series ------------------------------------------------------------------

@pytest.fixture(scope="module")
def series():
    return generate_series(seed=20231, cutoff="2026-10")


def home_values(table: pa.Table, indicator: str, prefix: str) -> list[float]:
    mask = pc.and_(pc.and_(pc.equal(table["indicator_id"], indicator), pc.equal(table["subject"], HOME)),
                   pc.starts_with(table["period"], prefix))
    return table.filter(mask)["value"].to_pylist()


def test_the_demo_series_are_deterministic_and_labelled(series):
    again = generate_series(seed=20231, cutoff="2026-10")
    assert all(series[k].equals(again[k]) for k in series)
    assert not generate_series(seed=1, cutoff="2026-10")["indicator_values"].equals(series["indicator_values"])
    assert set(series["indicator_values"]["source"].to_pylist()) == {SOURCE}


def test_the_demo_series_are_calibrated_on_the_seeds(series):
    t = series["indicator_values"]
    # seeds 000: 2022年…规上工业增加值756.4亿元; 地区生产总值2184.8亿元 (万元 here; months rounded to 0.01).
    assert sum(home_values(t, "industrial_value_added", "2022-")) == pytest.approx(7_564_000, abs=1)
    assert sum(home_values(t, "gdp", "2022Q")) == pytest.approx(21_848_000, abs=1)
    assert sum(home_values(t, "gdp", "2024Q")) == pytest.approx(28_878_000, abs=1)  # seeds 003


def test_the_spring_festival_dip_moves_with_the_festival():
    jan23, feb23 = shares("production", 2023)[:2]  # 春节 2023-01-22: the dip in January
    jan26, feb26 = shares("production", 2026)[:2]  # 春节 2026-02-17: the dip in February
    assert jan23 < feb23 and feb26 < jan26
    assert shares("production", 2023)[11] == max(shares("production", 2023))  # the year-end peak


def test_the_cutoff_splits_published_from_future_and_sets_targets(series):
    published = home_values(series["indicator_values"], "industrial_value_added", "2026-")
    future = home_values(series["future"], "industrial_value_added", "2026-")
    assert (len(published), len(future)) == (10, 2)
    assert len(home_values(series["indicator_values"], "gdp", "2026Q")) == 3  # Q4 ends after October
    targets = series["targets"].to_pylist()
    assert {r["period"][:4] for r in targets} == {"2026"} and {r["subject"] for r in targets} == {HOME}
    assert any(r["unit"] == "growth_pct" for r in targets)
