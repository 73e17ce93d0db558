"""Evaluate 50 policies for N enterprises x 3 years (default 1,000,000) with per-condition explanations.

The 50 policies are the shipped catalogue (14) and 36 variants of six of them with their condition
thresholds scaled by 0.7 ... 1.3. Prints, for ParkBrain and for an idiomatic pandas implementation of
the same rules in the same run (pivot, merge, nullable dtypes for three-valued logic, explanations
as a long DataFrame built with concat, missing fields per row): wall time, CPU time and peak memory
(max RSS of a child process that runs only that evaluation, after loading its inputs and libraries), the ratio,
and whether the two agree (per policy: status counts, total amount, gaps and missing lists).
Goal: <= 15 s, >= 5x pandas, <= 4 GB. The demo park is generated and loaded first (not timed).

    .venv/bin/python benchmarks/bench_policies.py [--enterprises 1000000] [--home DIR] [--no-pandas]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

FACTORS = (0.7, 0.8, 0.9, 1.1, 1.2, 1.3)
VARIED = ("high_tech_enterprise", "tech_sme", "specialized_sme", "example_gazelle_enterprise",
          "example_rd_growth_subsidy", "example_chuying_enterprise")


def scale(value: float, factor: float) -> float:
    """A threshold of a variant (both implementations use this)."""
    return round(value * factor, 10)


def scale_text(text: str, factor: float) -> str:
    """The expression with every number literal scaled, except `years=N`."""
    from parkbrain.policies.lexer import tokenize

    tokens = tokenize(text)
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    edits = []
    for i, tok in enumerate(tokens):
        if tok.kind == "number" and not (i >= 2 and tokens[i - 2].text == "years"):
            value = float(tok.text.rstrip("%")) / (100 if tok.text.endswith("%") else 1)
            at = starts[tok.line - 1] + tok.col - 1
            edits.append((at, at + len(tok.text), repr(scale(value, factor))))
    for a, b, new in reversed(edits):
        text = text[:a] + new + text[b:]
    return text


def write_variants(folder: Path) -> None:
    """36 variant policy files: six catalogue policies, their condition thresholds scaled."""
    from parkbrain.policies.loader import builtin_policy_files

    shipped = {p.stem: p for p in builtin_policy_files()}
    for base in VARIED:
        data = yaml.safe_load(shipped[base].read_text(encoding="utf-8"))
        for j, factor in enumerate(FACTORS):
            variant = {**data, "id": f"{base}__v{j}", "name": f"{data['name']} ×{factor}"}
            variant["versions"] = [{**v, "conditions": [
                {**c, **{k: scale_text(str(c[k]), factor) for k in ("expr", "value", "threshold") if k in c}}
                for c in v["conditions"]]} for v in data["versions"]]
            (folder / f"{base}__v{j}.yaml").write_text(yaml.safe_dump(variant, allow_unicode=True), encoding="utf-8")


def prepare(home: Path, enterprises: int) -> None:
    """Generate and load the demo park's enterprises and talents (years 2022-2024) unless present."""
    from parkbrain.app import ParkBrain
    from parkbrain.demo import generate_park
    from parkbrain.importing.service import write_batch
    from parkbrain.importing.templates import load_templates
    from parkbrain.settings import Settings

    with ParkBrain(Settings(home=home)) as park:
        if park.warehouse.meta().get("bench_enterprises") == str(enterprises):
            return
        started = time.perf_counter()
        demo = generate_park(enterprises=enterprises, seed=7, years=(2022, 2023, 2024))
        with park.warehouse.transaction():
            for name in ("enterprises", "enterprise_years", "talents"):
                park.warehouse.truncate(name)
            for tid in ("enterprises", "talents"):
                write_batch(park.warehouse, load_templates()[tid], demo.tables[tid])
            park.warehouse.set_meta({"bench_enterprises": str(enterprises)})
        print(f"setup: demo park of {enterprises:,} enterprises generated and loaded in "
              f"{time.perf_counter() - started:.1f}s (not timed)")


def summary_of(table) -> dict:
    """What both implementations must agree on, for one policy's result table."""
    import numpy as np

    status = table["status"].chunk(0)
    codes = np.bincount(status.indices.to_numpy(), minlength=len(status.dictionary))
    counts = {name: int(c) for name, c in zip(status.dictionary.to_pylist(), codes, strict=True) if c}
    amount = table["amount"].chunk(0).to_numpy(zero_copy_only=False)
    eligible = status.indices.to_numpy() == status.dictionary.to_pylist().index("eligible")
    entries = table["conditions"].chunk(0).values
    offsets = entries.field("missing").offsets.to_numpy()
    return {"rows": table.num_rows, **counts, "amount": float(np.nansum(np.where(eligible, amount, 0.0))),
            "entries": len(entries), "gaps": len(entries) - entries.field("gap").null_count,
            "missing": int(np.count_nonzero(offsets[1:] != offsets[:-1]))}  # entries with a non-empty list


def parkbrain_child(home: Path, variants: Path) -> dict:
    """Evaluate the 50 policies with ParkBrain, consuming each policy's explained results."""
    from parkbrain.app import ParkBrain
    from parkbrain.policies import iter_policy_results, load_catalogue
    from parkbrain.settings import Settings

    cat = load_catalogue([variants])
    assert not cat.errors, cat.errors
    out = {}
    with ParkBrain(Settings(home=home), read_only=True) as park:
        park.warehouse.meta()  # Ibis imports pandas on its first result: libraries load before the timer, as for pandas
        started, cpu = time.perf_counter(), time.process_time()
        for table in iter_policy_results(park.warehouse, cat):
            out[table["policy"][0].as_py()] = summary_of(table)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "policies": out}


# --- The pandas baseline: the same rules as a pandas user would write them ---------------------------

TOL = 1e-9  # the same rounding tolerance as ParkBrain's comparisons


def _slack(b):
    return TOL * max(1.0, abs(b)) if isinstance(b, int | float) else b.abs().clip(lower=1.0) * TOL


def ge(a, b):
    return a >= b - _slack(b)


def gt(a, b):
    return a > b + _slack(b)


def le(a, b):
    return a <= b + _slack(b)


def lt(a, b):
    return a < b - _slack(b)


class Panel:
    """The pivoted panel (one row per subject) and the helpers the rules share."""

    def __init__(self, d, year: int, as_of) -> None:
        import pandas as pd

        self.pd, self.d, self.year, self.as_of = pd, d, year, as_of

    def v(self, name, lag=0):
        return self.d[f"{name}__{lag}"]

    def existed(self, lag):
        return self.d.founded_on.dt.year <= self.year - lag

    def sum(self, name, years):
        return sum(self.v(name, k).mask(~self.existed(k), 0.0) if k else self.v(name, k) for k in range(years))

    def div(self, a, b):
        return a / b.where(b != 0)

    def na(self, dtype="Float64"):
        return self.pd.Series(self.pd.NA, index=self.d.index, dtype=dtype)

    def const(self, value, dtype="boolean"):
        return self.pd.Series(value, index=self.d.index, dtype=dtype)

    def case(self, pairs, default):
        """CASE in three-valued logic: an unknown deciding condition gives unknown."""
        out = default if hasattr(default, "index") else self.pd.Series(default, index=self.d.index)
        for cond, value in reversed(pairs):
            out = self.pd.Series(value, index=self.d.index).where(cond.fillna(False), out)
            out = out.mask(cond.isna())
        return out

    def maximum(self, a, b):
        return self.pd.concat([a, b if hasattr(b, "index") else self.const(b, "Float64")], axis=1).max(axis=1, skipna=False)

    def minimum(self, a, b):
        return self.pd.concat([a, b if hasattr(b, "index") else self.const(b, "Float64")], axis=1).min(axis=1, skipna=False)

    def years_since(self, col):
        day = self.d[col]
        before = (day.dt.month > self.as_of.month) | ((day.dt.month == self.as_of.month) & (day.dt.day > self.as_of.day))
        return (self.as_of.year - day.dt.year - before.astype(int)).astype("Float64")

    def days_since(self, col):
        return (self.pd.Timestamp(self.as_of) - self.d[col]).dt.days.astype("Float64")

    def has(self, title):
        if "titles" not in self.d:  # once: `高新技术企业@2021-11-03;科技型中小企业` → `;高新技术企业;科技型中小企业;`
            bare = self.v("certifications").fillna("").str.replace(r"@[0-9-]*", "", regex=True).str.replace(" ", "")
            self.d["titles"] = ";" + bare + ";"
        return self.d["titles"].str.contains(f";{title};", regex=False).astype("boolean")

    def starts(self, col, *prefixes):
        return self.d[col].str.startswith(prefixes).astype("boolean")

    def isin(self, col, values):
        return self.d[col].isin(values).astype("boolean").mask(self.d[col].isna())

    def a(self, name, lag=0):  # a panel field as a possibly missing input
        return (f"{name}[{self.year - lag}]", self.v(name, lag).isna())

    def z(self, name, lag):  # in a sum: a year before founding is not missing
        return (f"{name}[{self.year - lag}]", self.v(name, lag).isna() & self.existed(lag))

    def attr(self, name):
        return (name, self.d[name].isna())


def cond(cid, passed, atoms, value=None, threshold=None, gap=None):
    """One condition: pass/fail (nullable boolean), shown value and threshold, gap, inputs."""
    return {"id": cid, "passed": passed.astype("boolean"), "value": value, "threshold": threshold,
            "gap": gap, "atoms": atoms}


def gap(passed, value, threshold, base=None, integer=None):
    """Where the comparison fails: (threshold - value) [* base], integers rounded for the operator."""
    import numpy as np

    g = (threshold - value) * (1 if base is None else base)
    if integer:
        g = {">=": np.ceil(g - 1e-9), ">": np.floor(g) + 1, "<=": np.floor(g + 1e-9), "<": np.ceil(g) - 1}[integer]
    return g.where(passed == False)  # noqa: E712  (nullable: False, not unknown)


def sme_size(x, S):
    emp, rev = x.v("employees"), x.v("revenue")
    return x.case([(x.starts("industry_code", "B", "C", "D"), lt(emp, S(1000)) | lt(rev, S(40000))),
                   (x.starts("industry_code", "I65"), lt(emp, S(300)) | lt(rev, S(10000))),
                   (x.starts("industry_code", "I63", "I64"), lt(emp, S(2000)) | lt(rev, S(100000)))],
                  lt(emp, S(300)))


def high_tech(x, S, results):
    rev = x.v("revenue")
    days, ip, emp = x.days_since("founded_on"), x.v("ip_class1") + x.v("ip_class2"), x.v("employees")
    staff = x.div(x.v("rd_staff"), emp)
    s_rd, s_rev, s_dom = x.sum("rd_expense", 3), x.sum("revenue", 3), x.sum("rd_expense_domestic", 3)
    r3, dom, ht = x.div(s_rd, s_rev), x.div(s_dom, s_rd), x.div(x.v("high_tech_revenue"), rev)
    req = x.case([(le(rev, 5000), 0.05), (le(rev, 20000), 0.04)], 0.03).astype("Float64")
    score = x.na()
    sums = [x.a("rd_expense"), x.z("rd_expense", 1), x.z("rd_expense", 2)]
    p = [ge(days, S(365)), ge(ip, S(1)), x.na("boolean"), ge(staff, S(0.1)), ge(r3, req), ge(dom, S(0.6)),
         ge(ht, S(0.6)), ge(score, S(71)), ~x.v("major_incident")]
    return [
        cond("registered_one_year", p[0], [x.attr("founded_on")], days, S(365), gap(p[0], days, S(365), None, ">=")),
        cond("core_ip", p[1], [x.a("ip_class1"), x.a("ip_class2")], ip, S(1), gap(p[1], ip, S(1), None, ">=")),
        cond("supported_field", p[2], [("supported_field", True)]),
        cond("rd_staff_share", p[3], [x.a("rd_staff"), x.a("employees")], staff, S(0.1), gap(p[3], staff, S(0.1), emp, ">=")),
        cond("rd_ratio", p[4], sums + [x.a("revenue"), x.z("revenue", 1), x.z("revenue", 2)], r3, req, gap(p[4], r3, req, s_rev)),
        cond("rd_domestic_share", p[5], [x.a("rd_expense_domestic"), x.z("rd_expense_domestic", 1),
                                         x.z("rd_expense_domestic", 2)] + sums, dom, S(0.6), gap(p[5], dom, S(0.6), s_rd)),
        cond("high_tech_revenue_share", p[6], [x.a("high_tech_revenue"), x.a("revenue")], ht, S(0.6),
             gap(p[6], ht, S(0.6), rev)),
        cond("innovation_score", p[7], [("innovation_score", True)], score, S(71), gap(p[7], score, S(71))),
        cond("no_major_incident", p[8], [x.a("major_incident")]),
    ], None


def tech_sme(x, S, results):
    emp, rev, rd, assets = x.v("employees"), x.v("revenue"), x.v("rd_expense"), x.v("total_assets")
    staff, rd_rev = x.div(x.v("rd_staff"), emp), x.div(rd, rev)
    cost = x.div(rd, rev - x.v("profit"))
    staff_pts = x.case([(ge(staff, b), p) for b, p in ((0.3, 20), (0.25, 16), (0.2, 12), (0.15, 8), (0.1, 4))], 0)
    rev_pts = x.case([(ge(rd_rev, b), p) for b, p in ((0.06, 50), (0.05, 40), (0.04, 30), (0.03, 20), (0.02, 10))], 0)
    cost_pts = x.case([(ge(cost, b), p) for b, p in ((0.3, 50), (0.25, 40), (0.2, 30), (0.15, 20), (0.1, 10))], 0)
    ip1, ip2 = x.v("ip_class1"), x.v("ip_class2")
    ip_pts = x.case([(ge(ip1, 1), 30), (ge(ip2, 4), 24), (ge(ip2, 3), 18), (ge(ip2, 2), 12), (ge(ip2, 1), 6)], 0)
    score = (staff_pts.astype("Float64") + x.maximum(rev_pts.astype("Float64"), cost_pts.astype("Float64"))
             + ip_pts.astype("Float64"))
    p = [le(emp, S(500)), le(rev, S(20000)), le(assets, S(20000)), x.const(True), ~x.v("major_incident"),
         ge(staff, S(0.1)), ge(score, S(60)) | False]
    inputs = [x.a(n) for n in ("rd_staff", "employees", "rd_expense", "revenue")] + [("total_costs", True),
              x.a("profit"), x.a("ip_class1"), x.a("ip_class2"), ("direct_confirmation", False)]
    return [
        cond("staff_limit", p[0], [x.a("employees")], emp, S(500), gap(p[0], emp, S(500), None, "<=")),
        cond("revenue_limit", p[1], [x.a("revenue")], rev, S(20000), gap(p[1], rev, S(20000))),
        cond("assets_limit", p[2], [x.a("total_assets")], assets, S(20000), gap(p[2], assets, S(20000))),
        cond("compliant", p[3], [("compliant", False)]),
        cond("no_major_incident", p[4], [x.a("major_incident")]),
        cond("staff_points_nonzero", p[5], [x.a("rd_staff"), x.a("employees")], staff, S(0.1),
             gap(p[5], staff, S(0.1), emp, ">=")),
        cond("score", p[6], inputs, score, S(60)),
    ], None


def specialized(x, S, results):
    rev, rd = x.v("revenue"), x.v("rd_expense")
    years, ratio = x.years_since("founded_on"), x.div(rd, rev)
    avg = x.sum("rd_expense", 2) / (x.existed(0).astype(float) + x.existed(1).astype(float))
    na = x.na()
    p = [sme_size(x, S), ge(years, S(2)), ge(rd, S(100)), ge(ratio, S(0.03)), ge(rev, S(1000)) | ge(na, S(2000)),
         ge(na, S(60)) | ge(avg, S(1000)) | ge(na, S(6000)) | False]
    return [
        cond("sme_size", p[0], [x.attr("industry_code"), x.a("employees"), x.a("revenue")]),
        cond("market_years", p[1], [x.attr("founded_on")], years, S(2), gap(p[1], years, S(2), None, ">=")),
        cond("rd_amount", p[2], [x.a("rd_expense")], rd, S(100), gap(p[2], rd, S(100))),
        cond("rd_ratio", p[3], [x.a("rd_expense"), x.a("revenue")], ratio, S(0.03), gap(p[3], ratio, S(0.03), rev)),
        cond("revenue_or_financing", p[4], [x.a("revenue"), ("equity_financing_2y", True)], rev, S(1000)),
        cond("score_or_route", p[5], [("specialisation_score", True), x.a("rd_expense"), x.z("rd_expense", 1),
                                      ("equity_financing_2y", True), ("other_route", False)]),
    ], None


def growth2(x):
    r0, r1, r2 = x.v("revenue"), x.v("revenue", 1), x.v("revenue", 2)
    return (x.div(r0, r1) + x.div(r1, r2)) / 2 - 1


def little_giant(x, S, results):
    rev, rd, prev_rd = x.v("revenue"), x.v("rd_expense"), x.v("rd_expense", 1)
    share, before = x.div(rd, rev), x.div(prev_rd, x.v("revenue", 1))
    na, years, g = x.na(), x.years_since("founded_on"), growth2(x)
    band = x.case([(ge(rev, 10000), ge(share, 0.03) & ge(before, 0.03)), (ge(rev, 5000), ge(share, 0.06) & ge(before, 0.06))],
                  ge(na, 8000) & ge(rd + prev_rd, 3000) & ge(x.div(x.v("rd_staff"), x.v("employees")), 0.5)).astype("boolean")
    p = [x.has("专精特新中小企业"), sme_size(x, S), ge(years, 3), ge(na, 0.7), ge(g, 0.05), le(na, 0.7), ge(na, 0.1),
         (band & x.na("boolean") & ge(x.v("ip_class1"), 2)) | False, x.na("boolean"), x.na("boolean")]
    innovation = [x.a("revenue"), x.a("rd_expense"), x.a("rd_expense", 1), x.a("revenue", 1), ("equity_financing_2y", True),
                  x.a("rd_staff"), x.a("employees"), ("research_institution", True), x.a("ip_class1"), ("innovation_direct", False)]
    return [
        cond("specialized_sme_title", p[0], []),
        cond("sme_size", p[1], [x.attr("industry_code"), x.a("employees"), x.a("revenue")]),
        cond("market_years", p[2], [x.attr("founded_on")], years, 3, gap(p[2], years, 3, None, ">=")),
        cond("main_business_share", p[3], [("main_business_share", True)], na, 0.7, gap(p[3], na, 0.7)),
        cond("main_business_growth", p[4], [x.a("revenue"), x.a("revenue", 1), x.a("revenue", 2)], g, 0.05),
        cond("debt_ratio", p[5], [("debt_ratio", True)], na, 0.7, gap(p[5], na, 0.7)),
        cond("market_share", p[6], [("market_share", True)], na, 0.1, gap(p[6], na, 0.1)),
        cond("innovation", p[7], innovation),
        cond("chain_role", p[8], [("chain_role", True)]),
        cond("key_field", p[9], [("key_field", True)]),
    ], None


def rd_deduction(x, S, results):
    rd, excluded = x.v("rd_expense"), ("C16", "F51", "F52", "H61", "H62", "K70", "L71", "L72", "R90")
    rate = x.case([(x.has("高新技术企业"), 0.15)], 0.25).astype("Float64")
    p = [~x.starts("industry_code", *excluded), gt(rd, 0)]
    amount = x.minimum(rd * 1.0 * rate, x.maximum(x.v("profit"), 0.0) * rate)
    return [cond("industry_allowed", p[0], [x.attr("industry_code")]),
            cond("has_rd_expense", p[1], [x.a("rd_expense")], rd, 0, gap(p[1], rd, 0))], amount


def tax_rate(x, S, results):
    return [cond("holds_title", x.has("高新技术企业"), [])], x.maximum(x.v("profit"), 0.0) * 0.1


def chuying(x, S, results):
    rd, emp, years = x.v("rd_expense"), x.v("employees"), x.years_since("founded_on")
    staff = x.div(x.v("rd_staff"), emp)
    p = [le(years, S(5)), results["tech_sme"][0] | x.has("科技型中小企业"), ge(rd, S(50)) | ge(x.div(rd, x.v("revenue")), S(0.05)),
         ge(staff, S(0.2))]
    return [
        cond("young", p[0], [x.attr("founded_on")], years, S(5), gap(p[0], years, S(5), None, "<=")),
        cond("tech_sme", p[1], results["tech_sme"][1]),
        cond("rd_effort", p[2], [x.a("rd_expense"), x.a("revenue")], rd, S(50)),
        cond("rd_staff_share", p[3], [x.a("rd_staff"), x.a("employees")], staff, S(0.2), gap(p[3], staff, S(0.2), emp, ">=")),
    ], x.minimum(rd * 0.1, 20.0)


def gazelle(x, S, results):
    rev, years, g = x.v("revenue"), x.years_since("founded_on"), growth2(x)
    ratio = x.div(x.v("rd_expense"), rev)
    p = [ge(years, S(3)) & le(years, S(15)), ge(rev, S(1000)), ge(g, S(0.2)), ge(ratio, S(0.03)), ~x.has("上市企业")]
    amount = x.case([(ge(g, 0.5), 100.0), (ge(g, 0.3), 50.0)], 30.0).astype("Float64")
    return [
        cond("age", p[0], [x.attr("founded_on")]),
        cond("revenue_band", p[1], [x.a("revenue")], rev, S(1000), gap(p[1], rev, S(1000))),
        cond("growth", p[2], [x.a("revenue"), x.a("revenue", 1), x.a("revenue", 2)], g, S(0.2)),
        cond("rd_ratio", p[3], [x.a("rd_expense"), x.a("revenue")], ratio, S(0.03), gap(p[3], ratio, S(0.03), rev)),
        cond("not_listed", p[4], []),
    ], amount


def first_award(x, S, results):
    return [cond("qualifies", results["high_tech_enterprise"][0], results["high_tech_enterprise"][1]),
            cond("first_time", ~x.has("高新技术企业"), [])], x.const(20.0, "Float64")


def rd_growth(x, S, results):
    rd, prev = x.v("rd_expense"), x.v("rd_expense", 1)
    p = [ge(rd, S(100)), gt(rd, prev)]
    return [cond("rd_scale", p[0], [x.a("rd_expense")], rd, S(100), gap(p[0], rd, S(100))),
            cond("rd_increase", p[1], [x.a("rd_expense"), x.a("rd_expense", 1)], rd, prev, gap(p[1], rd, prev))], \
        x.minimum((rd - prev) * 0.1, 100.0)


def _category_amount(x, amounts):
    return x.case([(x.d.category == c, float(a)) for c, a in amounts[:-1]], float(amounts[-1][1])).astype("Float64")


def talent_rules(x, name):
    years = x.years_since("arrival_date")
    cat = x.attr("category")
    if name == "example_talent_housing":
        p = [x.isin("category", ["A", "B", "C", "D", "E"]), le(years, 5)]
        return [cond("category", p[0], [cat]), cond("recent_arrival", p[1], [x.attr("arrival_date")], years, 5,
                                                     gap(p[1], years, 5, None, "<="))], \
            _category_amount(x, [("A", 300), ("B", 200), ("C", 100), ("D", 50), ("E", 20)])
    if name in ("example_talent_medical", "example_talent_school_places"):
        allowed = ["A", "B", "C", "D"] if name == "example_talent_medical" else ["A", "B", "C"]
        return [cond("category", x.isin("category", allowed), [cat])], None
    age = x.year - x.d.birth_year.astype("Float64")
    p = [x.isin("category", ["A", "B", "C"]), le(years, 3), le(age, 55),
         x.isin("education", ["doctorate", "master"]) | (x.d.title == "senior").astype("boolean").mask(x.d.title.isna())]
    return [cond("category", p[0], [cat]), cond("recent_arrival", p[1], [x.attr("arrival_date")], years, 3,
                                                 gap(p[1], years, 3, None, "<=")),
            cond("age", p[2], [x.attr("birth_year")], age, 55),
            cond("degree", p[3], [x.attr("education"), x.attr("title")])], \
        _category_amount(x, [("A", 500), ("B", 300), ("C", 100)])


RULES = {"high_tech_enterprise": high_tech, "tech_sme": tech_sme, "specialized_sme": specialized,
         "little_giant": little_giant, "rd_super_deduction": rd_deduction, "high_tech_tax_rate": tax_rate,
         "example_chuying_enterprise": chuying, "example_gazelle_enterprise": gazelle,
         "example_high_tech_first_award": first_award, "example_rd_growth_subsidy": rd_growth}


def explain(x, conditions, amount) -> tuple[dict, object, list]:
    """Status, amount and the explanations as a long DataFrame (one row per subject and condition)."""
    import numpy as np

    pd = x.pd
    passed = pd.concat([c["passed"] for c in conditions], axis=1)
    all_true = passed.fillna(False).all(axis=1)
    any_false = (~passed.fillna(True)).any(axis=1)
    status = pd.Series(np.select([all_true, any_false], ["eligible", "ineligible"], "unknown"), index=x.d.index)
    long = []
    for c in conditions:
        unknown = c["passed"].isna().to_numpy()
        missing = pd.Series(None, index=x.d.index, dtype=object)
        labels = list(dict.fromkeys(label for label, _ in c["atoms"]))
        if unknown.any() and labels:
            flags = pd.DataFrame(False, index=x.d.index[unknown], columns=labels)
            for label, miss in c["atoms"]:
                flags[label] |= miss[unknown] if hasattr(miss, "index") else bool(miss)
            names = flags.dot(pd.Index(labels) + ";")
            missing[unknown] = names.str.rstrip(";").str.split(";").where(names != "").to_numpy()
        long.append(pd.DataFrame({
            "subject_id": x.d.index, "condition": c["id"], "passed": c["passed"].to_numpy(),
            "value": c["value"] if c["value"] is not None else np.nan,
            "threshold": c["threshold"] if c["threshold"] is not None else np.nan,
            "gap": c["gap"] if c["gap"] is not None else np.nan, "missing": missing.to_numpy()}))
    long = pd.concat(long, ignore_index=True)
    amount = None if amount is None else amount.where(status == "eligible", 0.0).where(status != "unknown")
    counts = status.value_counts().to_dict()
    total = 0.0 if amount is None else float(amount[status == "eligible"].fillna(0.0).sum())
    summary = {"rows": len(status), **counts, "amount": total, "entries": len(long),
               "gaps": int(long.gap.notna().sum()), "missing": int(long.missing.notna().sum())}
    required = (passed.fillna(False).all(axis=1).astype("boolean").mask(status == "unknown"),
                [a for c in conditions for a in c["atoms"]])
    return summary, required, long


def pandas_child(home: Path) -> dict:
    """Read the tables into pandas (not timed), then evaluate the same 50 rules (timed)."""
    import datetime as dt

    import duckdb
    import pandas as pd

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    year = con.sql("SELECT max(year) FROM enterprise_years").fetchall()[0][0]
    panel = con.sql(f"SELECT * FROM enterprise_years WHERE year >= {year - 2}").df()
    firms = con.sql("SELECT uscc, founded_on, industry_code FROM enterprises").df()
    talents = con.sql("SELECT * FROM talents").df()
    con.close()
    as_of = dt.date(year, 12, 31)
    started, cpu = time.perf_counter(), time.process_time()
    fields = [c for c in panel.columns if c not in ("uscc", "year", "name", "founded_on", "district", "park",
                                                    "industry_code", "business_scope", "products")]
    wide = panel.pivot(index="uscc", columns="year", values=fields)
    wide.columns = [f"{f}__{year - y}" for f, y in wide.columns]
    wide = wide.loc[panel.loc[panel.year == year, "uscc"]]
    for c in wide.columns:
        if c.startswith(("certifications", "major_incident")):
            wide[c] = wide[c].astype("string" if c.startswith("cert") else "boolean")
        else:
            wide[c] = wide[c].astype("Float64")
    d = wide.merge(firms, left_index=True, right_on="uscc", how="left").set_index("uscc")
    d["founded_on"] = pd.to_datetime(d.founded_on)
    d["industry_code"] = d.industry_code.astype("string")
    x = Panel(d, year, as_of)
    out, results = {}, {}
    policies = [(pid, rule, 1.0) for pid, rule in RULES.items()]
    policies += [(f"{base}__v{j}", RULES[base], f) for base in VARIED for j, f in enumerate(FACTORS)]
    for pid, rule, factor in policies:
        conditions, amount = rule(x, lambda v, f=factor: scale(v, f), results)
        out[pid], results[pid], _ = explain(x, conditions, amount)
    t = talents.set_index("talent_id")
    t["arrival_date"] = pd.to_datetime(t.arrival_date)
    for c in ("category", "education", "title"):
        t[c] = t[c].astype("string")
    tx = Panel(t, year, as_of)
    for pid in ("example_talent_housing", "example_talent_medical", "example_talent_school_places",
                "example_talent_startup_5050"):
        out[pid] = explain(tx, *talent_rules(tx, pid))[0]
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "policies": out}


def child(kind: str, *args: str) -> dict:
    """Run one implementation in a fresh process (so its peak memory is its own)."""
    result = subprocess.run([sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def agree(ours: dict, theirs: dict) -> list[str]:
    """The policies whose counts or totals differ between the two implementations."""
    out = []
    keys = ("rows", "eligible", "ineligible", "unknown", "entries", "gaps", "missing")
    for pid, mine in ours.items():
        other = theirs.get(pid, {})
        if any(mine.get(k, 0) != other.get(k, 0) for k in keys) or \
                abs(mine["amount"] - other.get("amount", 0.0)) > 1e-6 * max(1.0, abs(mine["amount"])):
            out.append(f"{pid}: parkbrain {mine} pandas {other}")
    return out


def report(name: str, run: dict) -> None:
    rows = sum(p["rows"] for p in run["policies"].values())
    entries = sum(p["entries"] for p in run["policies"].values())
    print(f"{name}: {len(run['policies'])} policies, {rows:,} results, {entries:,} condition explanations: "
          f"{run['seconds']:.1f}s wall, {run['cpu']:.1f}s CPU, peak {run['peak_mb']:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, help="reuse this data directory (default: a temporary one)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--child", choices=("parkbrain", "pandas"), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import resource

        run = parkbrain_child(*map(Path, args.paths)) if args.child == "parkbrain" else pandas_child(Path(args.paths[0]))
        run["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(run))
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        prepare(home, args.enterprises)
        variants = Path(tmp) / "variants"
        variants.mkdir()
        write_variants(variants)
        ours = child("parkbrain", str(home), str(variants))
        report("ParkBrain", ours)
        if args.no_pandas:
            return
        theirs = child("pandas", str(home))
        report("pandas   ", theirs)
        print(f"ParkBrain is {theirs['seconds'] / ours['seconds']:.1f}x faster than pandas "
              f"(goal: <= 15 s, >= 5x, <= 4,096 MB)")
        differences = agree(ours["policies"], theirs["policies"])
        print("the two agree on every policy (status counts, amounts, gaps, missing lists)" if not differences
              else "DIFFERENCES:\n  " + "\n  ".join(differences))


if __name__ == "__main__":  # pragma: no cover
    main()
