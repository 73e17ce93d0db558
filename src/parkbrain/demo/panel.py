"""The yearly enterprise panel (企业数据填报模板): finances, staff, patents and titles by year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.firms import Firms, Lines
from parkbrain.demo.titles import Titles

# Share of empty cells per optional column: firms leave a few figures blank in their reports.
MISSING = {
    "revenue": 0.004, "rd_expense": 0.008, "rd_expense_domestic": 0.03, "high_tech_revenue": 0.03,
    "profit": 0.01, "tax_paid": 0.01, "exports": 0.04, "total_assets": 0.015, "employees": 0.003,
    "rd_staff": 0.015, "invention_patents_granted": 0.02, "invention_patents_held": 0.02,
    "utility_patents_granted": 0.025, "ip_class1": 0.03, "ip_class2": 0.03, "major_incident": 0.005,
}
# A blank total blanks the figure capped by it (so max_field never compares against an empty cell).
_CAPPED_BY = {"rd_expense_domestic": "rd_expense", "high_tech_revenue": "revenue", "rd_staff": "employees"}


@dataclass(frozen=True)
class Coded:
    """A text column as its distinct values and a per-enterprise index (null where missing)."""

    values: pa.Array
    index: np.ndarray
    missing: np.ndarray | None = None

    def rows(self, rows: np.ndarray) -> pa.Array:
        """The column for these enterprises (taking from few distinct values is cheap)."""
        return ak.take(self.values, self.index[rows], None if self.missing is None else self.missing[rows])


@dataclass(frozen=True)
class FirmText:
    """Per-enterprise text columns."""

    uscc: Coded
    name: Coded
    district: Coded
    park: Coded
    industry_code: Coded
    business_scope: Coded
    products: Coded


@dataclass
class _Traits:
    """Per-firm constants of the yearly model."""

    rpe: np.ndarray  # revenue per employee, 万元
    min_staff: np.ndarray
    rd_share: np.ndarray  # share of staff in R&D
    rd_floor: np.ndarray  # R&D spend of a start-up without revenue
    vat: np.ndarray
    exports: np.ndarray  # export share of revenue (0 for non-exporters)
    turnover: np.ndarray  # assets per revenue
    capital: np.ndarray
    hitech: np.ndarray  # high-tech share of revenue without the 高企 title
    domestic: np.ndarray  # domestic share of R&D
    utility: np.ndarray  # utility-model propensity
    software: np.ndarray  # software-copyright propensity
    margin: np.ndarray


def _traits(rng: np.random.Generator, firms: Firms, lines: Lines, code_letters: np.ndarray,
            rd_factor: np.ndarray) -> _Traits:
    """Draw the per-firm constants."""
    n, tech, leader = firms.n, firms.tech, firms.leader
    letter = np.where(firms.code >= 0, code_letters[np.maximum(firms.code, 0)], "")
    return _Traits(
        rpe=np.exp(rng.normal(np.log(55.0), 0.45, n)) * np.where(leader, 2.4, 1.0),
        min_staff=rng.integers(3, 20, n),
        rd_share=np.where(tech, rng.beta(4, 6, n), rng.beta(1, 15, n)),
        rd_floor=np.where(tech & (rng.random(n) < 0.8), np.exp(rng.normal(np.log(8.0), 1.0, n)), 0.0)
        * np.where(firms.eco == 1, 3.0, 1.0) * rd_factor[firms.district],
        vat=rng.uniform(0.015, 0.05, n),
        exports=np.where(rng.random(n) < lines.export[firms.line], rng.beta(2, 5, n), 0.0),
        turnover=np.exp(rng.normal(np.log(1.4), 0.5, n)) * np.where(leader, 1.6, 1.0),
        capital=np.exp(rng.normal(np.log(100.0), 1.0, n)),
        hitech=np.where(tech & (rng.random(n) < 0.5), rng.uniform(0.05, 0.6, n), 0.0),
        domestic=np.where(rng.random(n) < 0.85, 1.0, rng.uniform(0.6, 0.99, n)),
        utility=np.where(letter == "C", 1.2, 0.4),
        software=np.where((letter == "I") | (firms.eco == 0), 1.0, 0.15),
        margin=lines.margin[firms.line] + 0.04 * firms.quality + rng.normal(0, 0.06, n),
    )


def _certifications(titles: Titles, k: int, rows: np.ndarray) -> pa.Array:
    """资质 text of year k: 高新技术企业@2021-11-03;科技型中小企业@… for the given rows."""
    parts = []
    for c, name in enumerate(titles.names):
        held = titles.held[k, c, rows]
        when = ak.dates(titles.granted[k, c, rows], mask=~held).cast(pa.string())
        parts.append(pc.binary_join_element_wise(name + "@", when, ";", "", null_handling="emit_null"))
    return ak.empty_to_null(pc.utf8_rtrim(ak.join(*parts), characters=";"))


def build_panel(rng: np.random.Generator, firms: Firms, lines: Lines, titles: Titles, text: FirmText,
                schema: pa.Schema, years: tuple[int, ...], code_letters: np.ndarray, rd_factor: np.ndarray,
                as_of: date) -> pa.Table:
    """One row per enterprise and data year, from founding until the firm leaves."""
    n, end = firms.n, max(years)
    t = _traits(rng, firms, lines, code_letters, rd_factor)
    shock = rng.normal(0.0, 0.15, n)
    inv_held = util_held = soft_held = None
    hitech_title = titles.names.index("高新技术企业")
    batches = []
    for k, y in enumerate(years):
        age = y - firms.founded_year
        year_end = min(ak.day(date(y, 12, 31)), ak.day(as_of))
        part = np.clip((year_end - firms.founded) / 365.0, 0.05, 1.0)
        shock = 0.6 * shock + rng.normal(0.0, 0.12, n)
        ramp = 1.0 - np.exp(-(np.maximum(age, 0) + 0.5) / 3.0)
        revenue = np.exp(firms.log_size + np.log(ramp) + firms.growth * (y - end) + shock) * part
        idle = ~firms.leader & (rng.random(n) < np.where(age == 0, 0.25, np.where(age == 1, 0.05, 0.0)))
        revenue = np.round(np.where(idle, 0.0, revenue), 2)

        young_bio = np.where(firms.eco == 1, 1.0 + 2.0 * np.exp(-np.maximum(age, 0) / 2.0), 1.0)
        intensity = firms.rd * young_bio * np.exp(rng.normal(0.0, 0.1, n))
        rd = np.round(np.maximum(revenue * intensity, t.rd_floor * (age <= 3)), 2)
        rd_dom = np.minimum(np.round(rd * t.domestic, 2), rd)
        staff = np.maximum(t.min_staff, np.round(revenue / t.rpe * np.exp(rng.normal(0, 0.05, n)))).astype(np.int64)
        rd_staff = np.round(staff * np.clip(t.rd_share * np.exp(rng.normal(0, 0.05, n)), 0, 1)).astype(np.int64)
        gaoqi = titles.held[k, hitech_title]
        share = np.where(gaoqi, rng.uniform(0.62, 0.98, n), t.hitech)
        high_tech = np.minimum(np.round(revenue * share, 2), revenue)
        margin = t.margin + rng.normal(0, 0.03, n) - 0.2 * (age < 2)
        profit = np.round(revenue * margin - 0.7 * np.maximum(0.0, rd - 0.25 * revenue), 2) + 0.0  # no -0.0
        tax = np.round(revenue * t.vat + np.maximum(profit, 0) * np.where(gaoqi, 0.15, 0.25), 2)
        exports = np.round(np.minimum(revenue * t.exports * np.exp(rng.normal(0, 0.1, n)), revenue), 2)
        assets = np.round(revenue * t.turnover + t.capital, 2)

        spend = (age >= 0) * rd  # patents grow less than proportionally with R&D spend
        lam_inv = 0.007 * spend**0.8 * np.exp(0.3 * firms.quality)
        lam_util, lam_soft = 0.014 * spend**0.8 * t.utility, 0.04 * spend**0.75 * t.software
        inv = rng.poisson(lam_inv)
        util = rng.poisson(lam_util)
        soft = rng.poisson(lam_soft)
        if inv_held is None:
            past = np.clip(age, 0, 15) * 0.6
            inv_held, util_held, soft_held = (rng.poisson(lam * past) for lam in (lam_inv, lam_util, lam_soft))
        inv_held = inv_held - rng.binomial(inv_held, 0.03) + inv
        util_held = util_held - rng.binomial(util_held, 0.08) + util
        soft_held = soft_held - rng.binomial(soft_held, 0.05) + soft
        ip1 = inv_held + rng.poisson(0.15 * inv_held)

        rows = np.flatnonzero((firms.first <= k) & (firms.last >= k))
        values = {
            "revenue": revenue, "rd_expense": rd, "rd_expense_domestic": rd_dom, "high_tech_revenue": high_tech,
            "profit": profit, "tax_paid": tax, "exports": exports, "total_assets": assets,
            "employees": staff, "rd_staff": rd_staff, "invention_patents_granted": inv,
            "invention_patents_held": inv_held, "utility_patents_granted": util, "ip_class1": ip1,
            "ip_class2": util_held + soft_held, "major_incident": rng.random(n) < 0.003,
        }
        masks = {f: rng.random(len(rows)) < rate for f, rate in MISSING.items()}
        for capped, total in _CAPPED_BY.items():
            masks[capped] |= masks[total]
        cols = {f: getattr(text, f).rows(rows) for f in FirmText.__dataclass_fields__}
        cols["founded_on"] = ak.dates(firms.founded[rows])
        cols["year"] = pa.array(np.full(len(rows), y, dtype=np.int32))
        cols["certifications"] = _certifications(titles, k, rows)
        for f, v in values.items():
            kind = "number" if v.dtype == np.float64 else "integer"
            arr = pa.array(v[rows], mask=masks[f]) if v.dtype == bool else ak.numbers(v[rows], masks[f], kind)
            cols[f] = arr
        batches.append(ak.table(schema, cols))
    return pa.concat_tables(batches)
