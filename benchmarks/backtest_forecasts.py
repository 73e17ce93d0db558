"""Backtest the cockpit's forecasts: MASE of AutoETS (as the cockpit runs it) against the seasonal naive forecast.

    .venv/bin/python benchmarks/backtest_forecasts.py [--origins 12] [--horizon 6]

1. The demo's monthly district series (demo/monthly.py, 3 districts): rolling origins over the
   published months, `horizon` months ahead.
2. The same series' hidden truth after the cut-off month (the months the cockpit forecasts).
3. Quarterly GDP (season 4) and the yearly totals of the demo series (season 1: naive).
4. The seeds' annual figures (tests/data/cockpit/seed_annual.yaml): too short for a statistic;
   the one out-of-sample step they allow is shown as an error in percent.
MASE < 1 beats last year's same month on average; "relative" is the model's MASE over naive's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import yaml

from parkbrain.cockpit.backtest import Backtest, backtest, mase, summary
from parkbrain.cockpit.forecast import forecast_series
from parkbrain.demo.monthly import FLOWS, STOCKS, generate_series

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "cockpit" / "seed_annual.yaml"


def demo_series(seed: int) -> tuple[dict, dict]:
    """(indicator, district) -> published values in period order, and -> the hidden later values."""
    tables = generate_series(seed=seed)
    out: dict[str, dict] = {"indicator_values": {}, "future": {}}
    for name in out:
        for row in sorted(tables[name].to_pylist(), key=lambda r: r["period"]):
            out[name].setdefault((row["indicator_id"], row["subject"]), []).append(row["value"])
    return out["indicator_values"], out["future"]


def show(title: str, results: list[Backtest]) -> None:
    s = summary(results)
    print(f"\n## {title}: {s['series']} series")
    print(f"{'series':44} {'model':16} {'origins':>7} {'h':>3} {'MASE model':>10} {'MASE naive':>10} {'relative':>8}")
    for r in results:
        print(f"{r.name:44} {r.model:16} {r.origins:>7} {r.horizon:>3} {r.mase_model:>10.3f} {r.mase_naive:>10.3f} "
              f"{r.relative:>8.3f}")
    print(f"mean MASE: model {s['mean_mase_model']:.3f}, seasonal naive {s['mean_mase_naive']:.3f}; median "
          f"{s['median_mase_model']:.3f} vs {s['median_mase_naive']:.3f}; model better on {s['model_wins']}/{s['series']}")


def monthly(published: dict, origins: int, horizon: int) -> list[Backtest]:
    return [backtest(f"{i} {d}", v, season=12, horizon=horizon, origins=origins)
            for (i, d), v in published.items() if i in FLOWS and i != "gdp" or i in STOCKS and i != "resident_population"]


def future(published: dict, hidden: dict) -> list[Backtest]:
    """Forecast the months after the cut-off (as the cockpit does) and score them on the generator's truth."""
    out = []
    for key, truth in hidden.items():
        indicator, district = key
        if indicator in ("gdp", "resident_population", "rd_expenditure") or key not in published:
            continue
        history = published[key]
        fitted = forecast_series(history, h=len(truth), season=12)
        naive = forecast_series(history, h=len(truth), season=12, model="seasonal_naive")
        out.append(Backtest(f"{indicator} {district}", fitted.model, 1, len(truth),
                            mase(truth, fitted.mean, history, season=12), mase(truth, naive.mean, history, season=12)))
    return out


def yearly(published: dict) -> list[Backtest]:
    out = []
    for (indicator, district), values in published.items():
        if indicator in FLOWS and indicator != "gdp":
            years = [sum(values[i:i + 12]) for i in range(0, len(values) - 11, 12)]
            out.append(backtest(f"{indicator} {district} (yearly)", years, season=1, horizon=1, origins=3))
    return out


def seeds() -> None:
    print("\n## The seeds' annual figures (one out-of-sample step at most)")
    for s in yaml.safe_load(SEEDS.read_text(encoding="utf-8"))["series"]:
        points = [(v["year"], v["value"]) for v in s["values"]]
        if len(points) < 3:
            print(f"{s['name']}: {len(points)} years ({points[0][0]}-{points[-1][0]}): nothing left to test out of sample")
            continue
        (y0, a), (y1, b), (y2, c) = points[-3:]
        h = y2 - y1
        naive = b
        drift = b + (b - a) / (y1 - y0) * h
        print(f"{s['name']}: from {y0},{y1} to {y2} (h={h}): actual {c}; naive {naive} (error {abs(naive / c - 1) * 100:.1f}%), "
              f"drift {drift:.1f} (error {abs(drift / c - 1) * 100:.1f}%); with two points the cockpit's model is naive. "
              f"MASE (scaled on the one in-sample step): naive {abs(c - naive) / abs(b - a):.1f}, drift {abs(c - drift) / abs(b - a):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--origins", type=int, default=12)
    parser.add_argument("--horizon", type=int, default=6)
    args = parser.parse_args()
    started = time.perf_counter()
    published, hidden = demo_series(args.seed)
    show(f"Demo monthly series, {args.origins} rolling origins, {args.horizon} months ahead",
         monthly(published, args.origins, args.horizon))
    show("Demo monthly series: the months after the cut-off, against the generator's truth", future(published, hidden))
    gdp = [backtest(f"gdp {d} (quarterly)", v, season=4, horizon=2, origins=8)
           for (i, d), v in published.items() if i == "gdp"]
    show("Quarterly GDP, 8 origins, 2 quarters ahead", gdp)
    show("Yearly totals of the demo flows (season 1: the benchmark is the naive forecast)", yearly(published))
    seeds()
    print(f"\n({time.perf_counter() - started:.0f} s; numpy {np.__version__})")


if __name__ == "__main__":
    main()
