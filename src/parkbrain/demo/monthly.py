"""Monthly district statistics for the demo (演示数据，系合成生成): seasonal, deterministic, labelled synthetic.

District-level series for the home district 滨江区 and its peers 钱塘区 / 西湖区, in the
indicator catalogue's ids and units (data/indicators.yaml): monthly flows (规上工业增加值,
数字经济核心产业增加值, 技术交易额, 固定资产投资, 工业投资, 新增市场主体, 新引进人才, 新增授权专利),
quarterly GDP, monthly stocks (人才资源总量, 在孵企业) and yearly figures (常住人口, 全社会R&D经费).

Seasonality: the Spring Festival dip falls in January or February as the festival does
(its date each year), output peaks in December, investment starts slowly and ends high,
technology contracts are registered at mid-year and year-end, talent arrives with the
graduates (June–August). Yearly levels are anchored on the seeds' figures (2022 GDP
2184.8亿元, 规上工业增加值 756.4亿元, 数字经济核心产业增加值 1723亿元, 2024 GDP 2887.8亿元, 新引进
人才 3.8万, 授权专利 23236件 — shared/seeds 000, 001, 003; 钱塘 1-6月 2023 规上工业增加值 352.4亿元,
seeds 004); the other years and the peers are invented around them. The series stop at a
cut-off month (the statistics published by the generator's "today"); the months after it are
kept apart as the truth a forecast can be scored against. Targets for the cut-off year are
synthetic too, set around that truth so that the cockpit shows every warning level.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from parkbrain.warehouse.base import Warehouse
from parkbrain.warehouse.schema import INDICATOR_VALUE_SCHEMA, TARGET_SCHEMA

SOURCE = "demo:synthetic"
HOME, PEERS = "滨江区", ("钱塘区", "西湖区")
SPRING_FESTIVAL = {2015: "02-19", 2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05", 2020: "01-25",
                   2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29", 2026: "02-17",
                   2027: "02-06", 2028: "01-26", 2029: "02-13", 2030: "02-03"}
# Monthly shares before the festival's dip (normalised later).
PATTERNS = {
    "production": [0.080, 0.072, 0.083, 0.081, 0.083, 0.089, 0.082, 0.081, 0.087, 0.082, 0.087, 0.103],
    "investment": [0.045, 0.045, 0.075, 0.080, 0.085, 0.100, 0.080, 0.080, 0.090, 0.085, 0.095, 0.140],
    "contracts": [0.050, 0.045, 0.070, 0.070, 0.075, 0.110, 0.070, 0.070, 0.085, 0.075, 0.090, 0.190],
    "registrations": [0.075, 0.060, 0.100, 0.090, 0.090, 0.090, 0.085, 0.080, 0.085, 0.075, 0.085, 0.085],
    "talent": [0.045, 0.035, 0.060, 0.065, 0.070, 0.150, 0.190, 0.140, 0.075, 0.060, 0.055, 0.055],
    "patents": [0.075, 0.065, 0.085, 0.080, 0.085, 0.090, 0.085, 0.080, 0.085, 0.085, 0.085, 0.100],
}
# Flows: id -> (pattern, unit, 滨江 yearly levels in 亿元 or units, peers' size vs 滨江 (钱塘, 西湖)).
# Seed-anchored years are marked in the module docstring; exact there, perturbed elsewhere.
FLOWS = {
    "industrial_value_added": ("production", "万元", {2019: 560, 2020: 620, 2021: 720, 2022: 756.4, 2023: 820,
                                                    2024: 950, 2025: 1080, 2026: 1180}, (0.88, 0.22)),
    "digital_core_value_added": ("production", "万元", {2019: 1300, 2020: 1450, 2021: 1680, 2022: 1723, 2023: 1950,
                                                      2024: 2250, 2025: 2450, 2026: 2650}, (0.08, 0.36)),
    "technology_transactions": ("contracts", "万元", {2019: 150, 2020: 190, 2021: 240, 2022: 290, 2023: 330,
                                                    2024: 380, 2025: 420, 2026: 460}, (0.27, 0.6)),
    "fixed_asset_investment": ("investment", "万元", {2019: 600, 2020: 650, 2021: 720, 2022: 800, 2023: 860,
                                                    2024: 900, 2025: 950, 2026: 1000}, (1.05, 0.58)),
    "industrial_investment": ("investment", "万元", {2019: 120, 2020: 135, 2021: 160, 2022: 180, 2023: 196,
                                                   2024: 215, 2025: 235, 2026: 255}, (1.8, 0.4)),
    "new_market_entities": ("registrations", "家", {2019: 15000, 2020: 15500, 2021: 17500, 2022: 18000, 2023: 19500,
                                                   2024: 20000, 2025: 21000, 2026: 21500}, (0.8, 1.1)),
    "new_talent": ("talent", "人", {2019: 28000, 2020: 31000, 2021: 35883, 2022: 38000, 2023: 41000, 2024: 44000,
                                   2025: 46000, 2026: 48000}, (0.75, 0.9)),
    "patents_granted": ("patents", "件", {2019: 12000, 2020: 15000, 2021: 17874, 2022: 23236, 2023: 24500,
                                         2024: 26000, 2025: 27500, 2026: 29000}, (0.38, 0.66)),
    "gdp": ("production", "万元", {2019: 1750, 2020: 1900, 2021: 2146.2, 2022: 2184.8, 2023: 2500, 2024: 2887.8,
                                  2025: 3100, 2026: 3330}, (0.44, 0.6)),
}
SEEDED = {("industrial_value_added", 2022), ("digital_core_value_added", 2022), ("gdp", 2022), ("gdp", 2024),
          ("gdp", 2021), ("new_talent", 2022), ("new_talent", 2021), ("patents_granted", 2022),
          ("patents_granted", 2021)}
# Stocks at December: id -> (unit, 滨江 levels, peers' size), filled month by month in between.
STOCKS = {
    "talent_total": ("人", {2018: 330000, 2019: 360000, 2020: 385000, 2021: 410000, 2022: 440000, 2023: 460000,
                           2024: 478000, 2025: 495000, 2026: 515000}, (0.55, 0.85)),
    "incubated_enterprises": ("家", {2018: 2800, 2019: 3000, 2020: 3200, 2021: 3450, 2022: 3820, 2023: 3950,
                                    2024: 4100, 2025: 4250, 2026: 4400}, (0.4, 0.55)),
    "resident_population": ("人", {2018: 465000, 2019: 480000, 2020: 500000, 2021: 512000, 2022: 520700, 2023: 530000,
                                  2024: 540000, 2025: 548000, 2026: 555000}, (1.55, 2.1)),
}
RD_SHARE = {HOME: 0.100, "钱塘区": 0.038, "西湖区": 0.052}  # 全社会R&D经费 / GDP (seeds 000/001: 滨江 ≈ 10%)
# Targets of the cut-off year for 滨江区 as a multiple of the (hidden) truth: a mix of levels.
TARGET_FACTORS = {"gdp": 1.0, "industrial_value_added": 0.97, "digital_core_value_added": 1.03,
                  "technology_transactions": 1.12, "fixed_asset_investment": 0.95, "new_market_entities": 1.08,
                  "new_talent": 0.98, "patents_granted": 1.0, "talent_total": 1.01, "incubated_enterprises": 0.99}
YI = 10_000  # 万元 per 亿元


def shares(pattern: str, year: int) -> np.ndarray:
    """Twelve monthly shares of a year's flow, with the Spring Festival's dip where it falls."""
    base = np.array(PATTERNS[pattern], dtype=float)
    festival = dt.date.fromisoformat(f"{year}-{SPRING_FESTIVAL.get(year, '02-05')}")
    days = [festival + dt.timedelta(days=d) for d in range(-7, 15)]  # the slowdown around the holiday
    in_jan = sum(d.month == 1 for d in days) / len(days)
    loss = 0.35 * base.mean()
    base[0] -= loss * in_jan
    base[1] -= loss * (1 - in_jan)
    return base / base.sum()


def _levels(rng: np.random.Generator, levels: dict[int, float], scale: float, anchored: set[int]) -> dict[int, float]:
    """Yearly levels: exact where a seed gives them, else perturbed by a percent or two."""
    return {y: v * scale * (1.0 if y in anchored else float(np.exp(rng.normal(0, 0.015)))) for y, v in levels.items()}


def _flow_rows(rng: np.random.Generator, indicator: str, district: str, scale: float) -> list[tuple[str, float]]:
    """(month, value) of one flow for one district over every year of its levels."""
    pattern, unit, levels, _ = FLOWS[indicator]
    anchored = {y for (i, y) in SEEDED if i == indicator} if district == HOME else set()
    per_unit = YI if unit == "万元" else 1
    out = []
    for year, level in _levels(rng, levels, scale, anchored).items():
        months = shares(pattern, year) * np.exp(rng.normal(0, 0.04, 12))
        months = months / months.sum() * level * per_unit
        out += [(f"{year}-{m + 1:02d}", float(v)) for m, v in enumerate(months)]
    return out


def _stock_rows(rng: np.random.Generator, indicator: str, scale: float) -> list[tuple[str, float]]:
    """(month, value) of a stock: December levels, moving in between with the talent season and a little noise."""
    unit, levels, _ = STOCKS[indicator]
    years = sorted(levels)
    out = []
    for prev, year in zip(years, years[1:], strict=False):
        a, b = levels[prev] * scale, levels[year] * scale
        path = np.cumsum(shares("talent", year))
        noise = np.exp(rng.normal(0, 0.003, 12))
        noise[-1] = 1.0
        out += [(f"{year}-{m + 1:02d}", float(round((a + (b - a) * path[m]) * noise[m]))) for m in range(12)]
    return out


def _round(indicator: str, value: float) -> float:
    unit = FLOWS[indicator][1] if indicator in FLOWS else STOCKS[indicator][0]
    return round(value, 2) if unit == "万元" else float(round(value))


def _series(seed: int) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Every district's monthly values of every flow and stock, before the cut-off."""
    rng = np.random.default_rng([int(seed), 20])
    out: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for district, k in ((HOME, None), (PEERS[0], 0), (PEERS[1], 1)):
        for indicator, spec in FLOWS.items():
            scale = 1.0 if k is None else spec[3][k] * float(np.exp(rng.normal(0, 0.05)))
            out[(indicator, district)] = [(m, _round(indicator, v)) for m, v in _flow_rows(rng, indicator, district, scale)]
        for indicator, spec in STOCKS.items():
            scale = 1.0 if k is None else spec[2][k]
            out[(indicator, district)] = _stock_rows(rng, indicator, scale)
    return out


def _periods(indicator: str, rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Rows at the indicator's reported frequency: GDP by quarter, population by year, the rest by month."""
    if indicator == "gdp":
        quarters: dict[str, float] = {}
        for month, value in rows:
            key = f"{month[:4]}Q{(int(month[5:]) - 1) // 3 + 1}"
            quarters[key] = round(quarters.get(key, 0.0) + value, 2)
        return list(quarters.items())
    if indicator == "resident_population":
        return [(m[:4], v) for m, v in rows if m.endswith("-12")]
    return rows


def _reported(period: str, cutoff: str) -> bool:
    """Whether a period's figure is published by the cut-off month."""
    if "Q" in period:
        return f"{period[:4]}-{int(period[-1]) * 3:02d}" <= cutoff
    return (period if "-" in period else f"{period}-12") <= cutoff


def _table(rows: list[tuple[str, str, str, float, str]], schema: pa.Schema) -> pa.Table:
    names = ("indicator_id", "subject", "period", "value", "unit")
    cols = {n: [r[i] for r in rows] for i, n in enumerate(names)} | {"source": [SOURCE] * len(rows)}
    return pa.table(cols, schema=schema)


def generate_series(*, seed: int = 20231, cutoff: str = "2026-10") -> dict[str, pa.Table]:
    """indicator_values up to `cutoff` (YYYY-MM), the later truth (``future``), and the cut-off year's targets."""
    units = {i: s[1] for i, s in FLOWS.items()} | {i: s[0] for i, s in STOCKS.items()}
    published, future = [], []
    for (indicator, district), rows in sorted(_series(seed).items()):
        for period, value in _periods(indicator, rows):
            (published if _reported(period, cutoff) else future).append(
                (indicator, district, period, value, units[indicator]))
    gdp = [r for r in published + future if r[0] == "gdp"]
    for row in _yearly_rd(gdp):
        (published if _reported(row[2], cutoff) else future).append(row)
    return {"indicator_values": _table(published, INDICATOR_VALUE_SCHEMA),
            "future": _table(future, INDICATOR_VALUE_SCHEMA),
            "targets": _targets(published + future, int(cutoff[:4]))}


def _yearly_rd(quarterly: list[tuple[str, str, str, float, str]]) -> list[tuple[str, str, str, float, str]]:
    """全社会R&D经费 of each whole year: the district's share of its GDP."""
    years: dict[tuple[str, str], list[float]] = {}
    for _i, district, period, value, _u in quarterly:
        years.setdefault((district, period[:4]), []).append(value)
    wiggle = {y: 1 + 0.01 * ((int(y) * 7) % 5 - 2) for (_d, y) in years}  # the share moves a little by year
    return [("rd_expenditure", d, y, round(sum(v) * RD_SHARE[d] * wiggle[y], 2), "万元")
            for (d, y), v in years.items() if len(v) == 4]


def _targets(rows: list[tuple[str, str, str, float, str]], year: int) -> pa.Table:
    """The cut-off year's targets for the home district, a multiple of the truth, rounded as plans are."""
    out = []
    for indicator, factor in TARGET_FACTORS.items():
        mine = [r for r in rows if r[0] == indicator and r[1] == HOME and r[2].startswith(str(year))]
        if indicator in STOCKS:
            truth, period = next(r[3] for r in mine if r[2] == f"{year}-12"), f"{year}-12-31"
        else:
            truth, period = sum(r[3] for r in mine), str(year)
        unit = mine[0][4]
        step = YI if unit == "万元" else 100
        out.append((indicator, HOME, period, float(round(truth * factor / step) * step), unit))
    out.append(("industrial_investment", HOME, str(year), 10.0, "growth_pct"))
    return _table(out, TARGET_SCHEMA)


def write_series(warehouse: Warehouse, series: dict[str, pa.Table]) -> None:
    """Replace the demo's rows of indicator_values and targets with `series` (imported rows stay)."""
    for name in ("indicator_values", "targets"):
        warehouse.delete_where(name, "source", [SOURCE])
        warehouse.append(name, series[name])
