"""Cockpit: the JSON twin over 1,000,000 enterprises × 5 years, and forecasts for 10,000 series.

Prints:
1. building the warehouse (the demo generator, N enterprises, 2021–2025, plus its monthly series);
2. the first, uncached /api/cockpit (everything computed: the panel aggregate query, the reported
   figures, the flagged enterprises, forecasts, ratings) and its parts;
3. p50/p95 of /api/cockpit and /cockpit once cached (goal: p95 ≤ 300 ms), of a request for another
   district (state cached, board not), and the baseline in the same run: the uncached request
   again, and the panel aggregates in pandas (read, merge, groupby) instead of DuckDB;
4. forecasts for 10,000 monthly series (goal ≤ 30 s): the vectorised Holt-Winters of
   parkbrain.cockpit.batch, against statsforecast's AutoETS and statsmodels' ExponentialSmoothing
   timed on a sample and extrapolated, with their accuracy (MASE on 12 held-out months) side by side.

Caching: the cockpit's state (aggregates, reported figures, targets, flagged enterprises, forecasts,
finished boards) is kept per warehouse state, recognised by a fingerprint (row counts of the
tables it reads, the import log, the meta notes) checked on every request; see cockpit/state.py.

    .venv/bin/python benchmarks/bench_cockpit.py [--enterprises 1000000] [--home DIR] [--series 10000]
                                                 [--only json|forecasts]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

BUILT = ".cockpit-bench-built"  # the warehouse in --home is complete


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build(home: Path, enterprises: int) -> None:
    """The demo park of N enterprises in `home` (kept for the next run)."""
    from parkbrain.app import ParkBrain
    from parkbrain.demo import generate_park
    from parkbrain.demo.monthly import write_series
    from parkbrain.importing.service import write_batch
    from parkbrain.importing.templates import load_templates
    from parkbrain.settings import Settings

    started = time.perf_counter()
    demo = generate_park(enterprises=enterprises, seed=20231)
    print(f"generated {enterprises:,} enterprises: {demo.tables['enterprises'].num_rows:,} enterprise-years "
          f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with ParkBrain(Settings(home=home)) as park:
        templates = load_templates()
        with park.warehouse.transaction():
            for tid, table in demo.tables.items():
                write_batch(park.warehouse, templates[tid], table)
            write_series(park.warehouse, demo.series)
            park.warehouse.set_meta({"demo": "true", "demo_enterprises": str(enterprises)})
    print(f"loaded into DuckDB in {time.perf_counter() - started:.1f} s")


def timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def bench_json(home: Path, enterprises: int, repeats: int) -> None:
    from fastapi.testclient import TestClient

    from parkbrain.app import ParkBrain
    from parkbrain.cockpit import enterprise_alerts as ea
    from parkbrain.cockpit.alerts import load_rules
    from parkbrain.cockpit.catalogue import load_catalogue
    from parkbrain.cockpit.panel import panel_aggregates
    from parkbrain.cockpit.reported import load_reported
    from parkbrain.cockpit.state import fingerprint, invalidate
    from parkbrain.settings import Settings
    from parkbrain.web import cockpit, create_app

    if not (home / BUILT).exists():
        build(home, enterprises)
        (home / BUILT).touch()
    park = ParkBrain(Settings(home=home))
    w = park.warehouse
    print(f"\n## /api/cockpit over {w.count('enterprises'):,} enterprises, {w.count('enterprise_years'):,} enterprise-years")
    parts = {
        "fingerprint": lambda: fingerprint(w),
        "panel aggregates (one DuckDB query)": lambda: panel_aggregates(w, load_catalogue()),
        "reported figures": lambda: load_reported(w, load_catalogue()),
        "flagged enterprises (one DuckDB query)": lambda: ea.flagged(w, load_rules(), 2025),
    }
    for name, call in parts.items():
        print(f"  {name}: {timed(call, 1)[0]:.0f} ms")
    app = create_app(park)
    app.include_router(cockpit.router)
    client = TestClient(app)
    first = timed(lambda: client.get("/api/cockpit").raise_for_status(), 1)[0]
    print(f"first request, nothing cached (state + forecasts + board): {first:.0f} ms")
    warm = timed(lambda: client.get("/api/cockpit").raise_for_status(), repeats)
    page = timed(lambda: client.get("/cockpit").raise_for_status(), max(5, repeats // 3))
    other = timed(lambda: client.get("/api/cockpit?subject=钱塘区").raise_for_status(), 1)[0]
    print(f"cached /api/cockpit: p50 {_p(warm, .5):.0f} ms, p95 {_p(warm, .95):.0f} ms over {repeats} "
          f"(goal p95 ≤ 300 ms); /cockpit page p95 {_p(page, .95):.0f} ms; another district's first board "
          f"(state cached, its forecasts not) {other:.0f} ms")

    def uncached() -> None:
        invalidate(w)
        client.get("/api/cockpit").raise_for_status()

    cold = timed(uncached, 3)
    print(f"baseline, uncached every time: p50 {_p(cold, .5):.0f} ms, max {max(cold):.0f} ms (×{_p(cold, .5) / _p(warm, .5):.0f})")
    started = time.perf_counter()
    years = w.to_arrow(w.table("enterprise_years")).to_pandas()
    firms = w.to_arrow(w.table("enterprises").select("uscc", "district", "park")).to_pandas()
    merged = years.merge(firms, on="uscc")
    merged["ht"] = merged["certifications"].fillna("").str.contains("高新技术企业")
    merged.groupby(["year", "district", "park"]).agg(revenue=("revenue", "sum"), rd=("rd_expense", "sum"),
                                                     ht=("ht", "sum"), n=("uscc", "count"))
    print(f"baseline, the panel aggregates in pandas (read + merge + groupby, 4 of the ~20 leaves): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")
    park.close()


def series_sample(n: int, seed: int = 0) -> np.ndarray:
    """n positive monthly series of 94 months: the demo's district series, rescaled and re-noised."""
    from parkbrain.demo.monthly import generate_series

    rows = generate_series()["indicator_values"].to_pylist()
    by: dict[tuple, list] = {}
    for r in sorted(rows, key=lambda r: r["period"]):
        by.setdefault((r["indicator_id"], r["subject"]), []).append(r["value"])
    base = [np.array(v) for v in by.values() if len(v) == 94]
    rng = np.random.default_rng(seed)
    return np.array([base[k % len(base)] * rng.uniform(0.2, 5) * np.exp(rng.normal(0, 0.04, 94)) for k in range(n)])


def bench_forecasts(n: int, sample: int) -> None:
    from parkbrain.cockpit.backtest import mase
    from parkbrain.cockpit.batch import holt_winters_batch, seasonal_naive_batch
    from parkbrain.cockpit.forecast import forecast_series

    y = series_sample(n)
    train, test = y[:, :-12], y[:, -12:]
    print(f"\n## Forecasts: {n:,} monthly series of {train.shape[1]} months, 12 months ahead with 80% intervals")
    started = time.perf_counter()
    mean, lo, hi = holt_winters_batch(train, h=12)
    hw = time.perf_counter() - started
    started = time.perf_counter()
    naive = seasonal_naive_batch(train, h=12)
    sn = time.perf_counter() - started
    print(f"vectorised Holt-Winters (parkbrain.cockpit.batch): {hw:.2f} s for all {n:,} (goal ≤ 30 s); "
          f"seasonal naive {sn * 1000:.0f} ms; interval coverage {np.mean((test >= lo) & (test <= hi)) * 100:.0f}% (nominal 80%)")
    idx = np.arange(sample)
    started = time.perf_counter()
    ets = [forecast_series(train[i], h=12, season=12).mean for i in idx]
    per_ets = (time.perf_counter() - started) / sample
    print(f"statsforecast AutoETS, one series at a time: {per_ets * 1000:.0f} ms per series → "
          f"{per_ets * n:.0f} s for {n:,} on one core (timed on {sample})")
    sm_scores, per_sm = _statsmodels(train, test, idx[: max(20, sample // 4)])
    scores = {
        "Holt-Winters batch": [mase(test[i], mean[i], train[i], season=12) for i in idx],
        "AutoETS": [mase(test[i], ets[k], train[i], season=12) for k, i in enumerate(idx)],
        "seasonal naive": [mase(test[i], naive[i], train[i], season=12) for i in idx],
    }
    if sm_scores:
        scores["statsmodels ExponentialSmoothing"] = sm_scores
        print(f"statsmodels ExponentialSmoothing (add. trend, mult. season), a loop: {per_sm * 1000:.0f} ms per series → "
              f"{per_sm * n:.0f} s for {n:,}")
    print("MASE on the 12 held-out months (sample of " + str(sample) + "): " +
          "; ".join(f"{k} {statistics.fmean(v):.3f}" for k, v in scores.items()))


def _statsmodels(train: np.ndarray, test: np.ndarray, idx: np.ndarray) -> tuple[list[float], float]:
    try:
        import warnings

        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        print("statsmodels is not installed: its baseline is skipped")
        return [], 0.0
    from parkbrain.cockpit.backtest import mase

    scores = []
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in idx:
            fit = ExponentialSmoothing(train[i], trend="add", seasonal="mul", seasonal_periods=12).fit()
            scores.append(mase(test[i], fit.forecast(12), train[i], season=12))
    return scores, (time.perf_counter() - started) / len(idx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, default=None, help="Warehouse home (kept; default /tmp/parkbrain-bench-cockpit-N)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200, help="Series timed one by one for the baselines")
    parser.add_argument("--only", choices=("json", "forecasts"))
    args = parser.parse_args()
    home = args.home or Path(f"/tmp/parkbrain-bench-cockpit-{args.enterprises}")
    if args.only != "forecasts":
        bench_json(home, args.enterprises, args.repeats)
    if args.only != "json":
        bench_forecasts(args.series, args.sample)


if __name__ == "__main__":
    main()
