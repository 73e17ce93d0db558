"""The optimised evaluation (one shared query, vectorised explanations) equals a plain row-by-row
evaluation of the same checked expressions, written here in Python from the language's rules
(Kleene logic, rounding tolerance, years before founding as 0), on random panels full of edge
cases: missing values, zeros under a division, firms founded inside the window or on no known
day, titles with dates and spaces, policies that share sub-expressions or require each other."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from textwrap import dedent

import pyarrow as pa
import pytest

from parkbrain.policies import Delta, evaluate_policies, load_catalogue
from parkbrain.policies.checked import atoms_of
from parkbrain.policies.compiled import expand_atoms
from parkbrain.policies.nodes import (
    Binary,
    Bool,
    Case,
    Compare,
    Existed,
    Fn,
    In,
    Num,
    PolicyRef,
    Ref,
    Str,
    Unary,
)
from parkbrain.warehouse.duckdb import DuckDBWarehouse
from parkbrain.warehouse.schema import TABLES

YEARS = (2022, 2023, 2024)
TITLES = ("高新技术企业", "科技型中小企业", "专精特新中小企业", "上市企业")
CODES = ("C3911", "C1610", "F5123", "F5210", "I6513", "I6310", "I6420", "B0610", "D4411", "M7320", None)

# Policies that share definitions, sides and inputs (as a policy's variants do), require each
# other, and use every function.
SHARED = """\
    id: zz_share_{name}
    name: 研发占比{name}
    subject: enterprise
    versions:
      - valid_from: 2020-01-01
        source: {{document: 测试}}
        definitions:
          share: sum(rd_expense, years=3) / sum(revenue, years=3)
          band: case when revenue <= 5000 then 5% when revenue <= 20000 then 4% else 3% end
        inputs:
          score: {{type: number, text: 评分}}
          route: {{type: bool, text: 其他途径, default: false}}
        conditions:
          - {{id: share, text: 占比, expr: "share >= band * {factor}"}}
          - {{id: staff, text: 人员, expr: "rd_staff / employees >= {staff}"}}
          - {{id: young, text: 年轻, expr: "years_since(founded_on) <= {age} or score >= 60 or route"}}
          - {{id: trade, text: 行业, expr: "not starts_with(industry_code, 'F51', 'F52') and industry_code not in ('C3911')"}}
          - {{id: avg, text: 平均收入, expr: "avg(revenue, years=3) > {revenue}"}}
        benefit: {{kind: cash_subsidy, amount: "min(rd_expense * 10%, 30) + coalesce(previous(profit), 0) * 1%",
                   cap: "max(5, avg(revenue, years=3) * 1%)"}}
    """
TOP = """\
    id: zz_top
    name: 配套
    subject: enterprise
    versions:
      - valid_from: 2020-01-01
        source: {document: 测试}
        conditions:
          - {id: base, text: 先获资助, expr: "requires(zz_share_a)"}
          - {id: enough, text: 资助不少于5万元, expr: "amount_of(zz_share_a) >= 5"}
          - {id: growth, text: 增长, expr: "growth(revenue, years=2) >= 0"}
          - {id: days, text: 成立天数, expr: "days_since(founded_on) >= 400"}
          - {id: title, text: 高企或满三年, expr: "has('高新技术企业') or period - 2020 >= 3"}
          - {id: tech, text: 科小或未上市, expr: "requires(tech_sme) or not has('上市企业')"}
        benefit: {kind: cash_subsidy, amount: amount_of(zz_share_a) * 2 + amount_of(zz_share_b), cap: 50}
    """
MISC = """\
    id: zz_misc
    name: 杂项
    subject: enterprise
    versions:
      - valid_from: 2020-01-01
        source: {document: 测试}
        inputs:
          bonus: {type: number, text: 奖励, default: 3}
        conditions:
          - {id: margin, text: 利润率, expr: "max(profit, 0) / total_assets >= 1%"}
          - {id: ht, text: 高新收入, expr: "coalesce(high_tech_revenue, 0) / revenue > 50%"}
          - {id: date, text: 日期, expr: "as_of >= date('2024-06-30')"}
          - {id: incident, text: 无事故, expr: "major_incident == false"}
          - {id: sums, text: 出口加税收, expr: "exports + tax_paid > 100"}
          - {id: neg, text: 负数, expr: "-profit < 500"}
          - {id: unknowable, text: 未知, expr: "case when revenue > 1000 then unknown else true end"}
          - {id: equal, text: 等于, expr: "rd_staff == 10"}
          - {id: prev, text: 上年, expr: "previous(rd_expense) != 0", value: previous(rd_expense), threshold: '0'}
          - {id: fewer, text: 人数少于, expr: "employees < 800"}
          - {id: more, text: 多于, expr: "ip_class1 > 2"}
          - {id: rounding, text: 恰好57%, expr: "rd_staff / employees * 100 >= 57"}
        benefit: {kind: cash_subsidy, amount: rd_expense * bonus / 100}
    """


def random_tables(seed: int) -> dict[str, pa.Table]:
    """Enterprises, their yearly rows (some years absent, values missing or zero) and talents."""
    rng = random.Random(seed)

    def number(low: float, high: float, missing: float = 0.06, zero: float = 0.03) -> float | None:
        roll = rng.random()
        return None if roll < missing else 0.0 if roll < missing + zero else round(rng.uniform(low, high), 2)

    def count(high: int) -> int | None:
        return None if rng.random() < 0.08 else rng.choice([0, rng.randint(1, high)])

    firms, years = [], []
    for i in range(400):
        uscc = f"91330108TEST{i:05d}X"
        founded = None if rng.random() < 0.06 else rng.choice([
            dt.date(rng.randint(2000, 2024), rng.randint(1, 12), rng.randint(1, 28)),
            dt.date(2023, 12, 31), dt.date(2022, 1, 1), dt.date(2021, 12, 31)])
        firms.append({"uscc": uscc, "name": f"企业{i}", "founded_on": founded, "industry_code": rng.choice(CODES),
                      "as_of_year": 2024})
        for year in YEARS:
            if rng.random() < (0.12 if year < 2024 else 0.05):
                continue  # no row that year
            titles = [t + (f"@{year - 1}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}" if rng.random() < 0.5 else "")
                      for t in TITLES if rng.random() < 0.3]
            revenue, rd, staff = number(0, 40000), number(0, 2000), count(1200)
            if rng.random() < 0.3:  # on thresholds: R&D ratios of 3 ... 7%, band edges; 57/100 * 100 < 57
                revenue = rng.choice([1000.0, 5000.0, 20000.0, 3300.0, 7100.0])
                rd, staff = revenue * rng.choice([0.03, 0.04, 0.05, 0.06, 0.07]), rng.choice([10, 30, 70, 100])
            years.append({
                "uscc": uscc, "year": year, "revenue": revenue, "rd_expense": rd,
                "rd_expense_domestic": number(0, 1500), "high_tech_revenue": number(0, 30000),
                "profit": number(-500, 3000), "tax_paid": number(0, 100), "exports": number(0, 200),
                "total_assets": number(0, 30000), "employees": staff,
                "rd_staff": 57 if staff == 100 else staff // 10 if staff and rng.random() < 0.5 else count(300),
                "ip_class1": count(3), "ip_class2": count(8),
                "certifications": None if rng.random() < 0.2 else " ; ".join(titles).replace(" ; ", rng.choice([";", "; "])),
                "major_incident": rng.choice([True, False, False, None])})
    talents = [{"talent_id": f"T{i:04d}", "name": f"人才{i}", "category": rng.choice("ABCDEF") if rng.random() > 0.1 else None,
                "education": rng.choice(["doctorate", "master", "bachelor", None]),
                "title": rng.choice(["senior", "middle", None]),
                "arrival_date": None if rng.random() < 0.1 else dt.date(rng.randint(2015, 2024), rng.randint(1, 12), 15),
                "birth_year": None if rng.random() < 0.1 else rng.randint(1960, 2000)} for i in range(150)]

    def table(name: str, rows: list[dict]) -> pa.Table:
        schema = TABLES[name].schema
        return pa.Table.from_pylist([{f: r.get(f) for f in schema.names} for r in rows], schema=schema)

    return {"enterprises": table("enterprises", firms), "enterprise_years": table("enterprise_years", years),
            "talents": table("talents", talents)}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """The shipped catalogue and the policies above (two of them variants of one another)."""
    folder = tmp_path_factory.mktemp("equivalence")
    texts = {"zz_share_a": SHARED.format(name="a", factor=0.2, staff="2%", age=30, revenue=1000),
             "zz_share_b": SHARED.format(name="b", factor=1.5, staff="15%", age=5, revenue=6000),
             "zz_top": TOP, "zz_misc": MISC}
    for name, text in texts.items():
        (folder / f"{name}.yaml").write_text(dedent(text), encoding="utf-8")
    cat = load_catalogue([folder])
    assert not cat.errors, cat.errors
    return cat


@pytest.fixture(scope="module", params=[1, 2])
def park(request):
    """A warehouse holding one random park, and its tables."""
    tables = random_tables(request.param)
    wh = DuckDBWarehouse(":memory:")
    for name, data in tables.items():
        wh.append(name, data)
    yield wh, tables
    wh.close()


# ---- the reference: one subject at a time, in Python ----------------------------------------------

class Row:
    """One subject's values: panel fields by (name, lag), attributes by name."""

    def __init__(self, values: dict, attrs: dict, year: int, as_of: dt.date, given: dict) -> None:
        self.values, self.attrs, self.year, self.as_of, self.given = values, attrs, year, as_of, given

    def founded_by(self, lag: int) -> bool:
        founded = self.attrs.get("founded_on")
        return founded is not None and founded.year <= self.year - lag

    def missing(self, atom: Ref) -> bool:
        if atom.source == "input":
            return self.given.get(atom.name) is None
        if self.get(atom) is not None:
            return False
        founded = self.attrs.get("founded_on")
        return not (atom.zero_before_founding and atom.lag) or (founded.year if founded else 0) <= self.year - atom.lag

    def get(self, ref: Ref):
        if ref.source == "attr":
            value = self.attrs.get(ref.name)
        else:
            value = self.values.get((ref.name, ref.lag))
        return float(value) if ref.type == "number" and value is not None else value


def kleene_and(a, b):
    return False if a is False or b is False else None if a is None or b is None else True


def kleene_or(a, b):
    return True if a is True or b is True else None if a is None or b is None else False


def compare(op: str, a, b):
    if a is None or b is None:
        return None
    if isinstance(a, float) and isinstance(b, float):
        slack = 1e-9 * max(1.0, abs(b))
        return {">=": a >= b - slack, ">": a > b + slack, "<=": a <= b + slack, "<": a < b - slack,
                "==": abs(a - b) <= slack, "!=": abs(a - b) > slack}[op]
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b, "!=": a != b}[op]


class Reference:
    """Evaluates checked expressions for one subject, as the language defines them."""

    def __init__(self, row: Row, versions: dict, results: dict) -> None:
        self.row, self.versions, self.results = row, versions, results

    def __call__(self, node):  # one branch per kind of node
        row = self.row
        if isinstance(node, Num):
            return float(node.value)
        if isinstance(node, Str | Bool):
            return node.value
        if isinstance(node, Ref):
            if node.source == "context":
                return float(row.year) if node.name == "period" else row.as_of
            if node.source == "input":
                value = row.given.get(node.name)
                return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
            if node.zero_before_founding and node.lag and not row.founded_by(node.lag):
                return 0.0
            return row.get(node)
        if isinstance(node, Existed):
            return 1.0 if row.founded_by(node.lag) else 0.0
        if isinstance(node, PolicyRef):
            status, amount = self.results[node.policy]
            return status if node.what == "status" else amount
        if isinstance(node, Unary):
            value = self(node.operand)
            return None if value is None else (not value) if node.op == "not" else -value
        if isinstance(node, Binary):
            a, b = self(node.left), self(node.right)
            if node.op in ("and", "or"):
                return kleene_and(a, b) if node.op == "and" else kleene_or(a, b)
            if a is None or b is None or (node.op == "/" and b == 0):
                return None
            if node.op == "/":
                return a / b
            return a + b if node.op == "+" else a - b if node.op == "-" else a * b
        if isinstance(node, Compare):
            return compare(node.op, self(node.left), self(node.right))
        if isinstance(node, In):
            value = self(node.operand)
            return None if value is None else (value in [o.value for o in node.options]) != node.negated
        if isinstance(node, Case):
            for cond, value in node.whens:
                decided = self(cond)
                if decided is None:
                    return None
                if decided:
                    return self(value)
            return self(node.else_)
        return self.function(node)

    def function(self, node: Fn):
        args = node.args
        if node.name == "has":
            raw = self.row.values.get(("certifications", 0)) or ""
            return f";{args[1].value};" in ";" + re.sub(r"@[0-9-]*", "", raw).replace(" ", "") + ";"
        if node.name == "date":
            return dt.date.fromisoformat(args[0].value)
        if node.name == "starts_with":
            text = self(args[0])
            return None if text is None else text.startswith(tuple(a.value for a in args[1:]))
        values = [self(a) for a in args]
        if node.name in ("min", "max"):
            return None if None in values else (min if node.name == "min" else max)(values)
        if node.name == "coalesce":
            return next((v for v in values if v is not None), None)
        day, as_of = values[0], self.row.as_of
        if day is None:
            return None
        if node.name == "days_since":
            return float((as_of - day).days)
        return float(as_of.year - day.year - ((day.month, day.day) > (as_of.month, as_of.day)))


def gap_of(plan, passed, value, threshold, base):
    if plan is None or passed is not False or None in (value, threshold) or (plan.base is not None and base is None):
        return None
    g = (threshold - value) * (base if plan.base is not None else 1.0)
    if plan.integer and math.isfinite(g):
        g = float({">=": math.ceil(g - 1e-9), ">": math.floor(g) + 1, "<=": math.floor(g + 1e-9),
                   "<": math.ceil(g) - 1}[plan.op])
    return g if math.isfinite(g) else None


def label(atom: Ref, year: int) -> str:
    return f"{atom.name}[{year - atom.lag}]" if atom.source == "panel" else atom.name


def expected(tables: dict, cat, *, year: int, as_of: dt.date, overrides: dict | None = None,
             subject_ids: list[str] | None = None, select: list[str] | None = None) -> dict:
    """(policy, subject) -> the result row, evaluated subject by subject."""
    overrides = overrides or {}
    in_force = cat.in_force(as_of)
    needed, todo = set(), list(select or in_force)
    while todo:  # the selected policies and the ones they require
        pid = todo.pop()
        needed.add(pid)
        todo += in_force[pid].requires - needed
    out = {}
    for subject in ("enterprise", "talent"):
        versions = {pid: v for pid, v in in_force.items() if v.policy.subject == subject and pid in needed}
        given: dict = {}  # an input's value: the override, else the first declaring policy's default
        for v in versions.values():
            for name, spec in v.version.inputs.items():
                given.setdefault(name, overrides.get(name, spec.default))
        for sid, row in _rows(tables, subject, year, as_of, given, overrides):
            if subject_ids is not None and sid not in subject_ids:
                continue
            results: dict = {}
            for pid, v in versions.items():  # in dependency order
                out[pid, sid] = _evaluate(v, Reference(row, in_force, results), in_force, row)
                status = {"eligible": True, "ineligible": False, "unknown": None}[out[pid, sid]["status"]]
                results[pid] = (status, out[pid, sid]["amount"])
    return {key: row for key, row in out.items() if select is None or key[0] in select}


def _rows(tables: dict, subject: str, year: int, as_of: dt.date, given: dict, overrides: dict):
    if subject == "talent":
        for t in tables["talents"].to_pylist():
            yield t["talent_id"], Row({}, t, year, as_of, given)
        return
    firms = {f["uscc"]: f for f in tables["enterprises"].to_pylist()}
    panel: dict[str, dict] = {}
    for r in tables["enterprise_years"].to_pylist():
        if year - 9 <= r["year"] <= year:
            panel.setdefault(r["uscc"], {}).update({(k, year - r["year"]): v for k, v in r.items()})
    for uscc, values in panel.items():
        if ("year", 0) not in values:
            continue  # not in the evaluated year
        for key, value in overrides.items():  # a field changed for every subject; inputs are given
            name, _, when = key.partition("[")
            if name in TABLES["enterprise_years"].schema.names:
                lag = year - int(when.rstrip("]")) if when else 0
                old = values.get((name, lag))
                values[name, lag] = (None if old is None else old + value.amount) if isinstance(value, Delta) else value
        yield uscc, Row(values, firms[uscc], year, as_of, given)


def _evaluate(v, ref: Reference, in_force: dict, row: Row) -> dict:
    conditions = []
    status = True
    for c in v.conditions:
        passed = ref(c.tree)
        status = kleene_and(status, passed)
        value = None if c.value is None else ref(c.value)
        threshold = None if c.threshold is None else ref(c.threshold)
        base = None if c.gap is None or c.gap.base is None else ref(c.gap.base)
        atoms = expand_atoms(c.atoms(), in_force)[:62]
        conditions.append({"id": c.id, "passed": passed, "value": value, "threshold": threshold,
                           "gap": gap_of(c.gap, passed, value, threshold, base),
                           "missing": [label(a, row.year) for a in atoms if row.missing(a)] if passed is None else []})
    amount, amount_missing = None, []
    if v.amount is not None and status is False:
        amount = 0.0
    elif v.amount is not None and status:
        values = [ref(v.amount)] + ([ref(v.cap)] if v.cap is not None else [])
        amount = None if None in values else min(values)
        if amount is None:
            atoms = expand_atoms(atoms_of([v.amount, v.cap]), in_force)[:62]
            amount_missing = [label(a, row.year) for a in atoms if row.missing(a)]
    return {"status": {True: "eligible", False: "ineligible", None: "unknown"}[status], "amount": amount,
            "amount_missing": amount_missing, "conditions": conditions}


# ---- the comparison ------------------------------------------------------------------------------

def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b)


def differences(got: pa.Table, want: dict) -> list:
    rows = {(r["policy"], r["subject_id"]): r for r in got.to_pylist()}
    assert rows.keys() == want.keys()
    keys = ("status", "amount", "amount_missing", "conditions")
    return [(key, {k: rows[key][k] for k in keys}, want[key]) for key in want
            if not same({k: rows[key][k] for k in keys}, want[key])]


def test_every_answer_equals_a_row_by_row_evaluation(park, catalogue):
    wh, tables = park
    want = expected(tables, catalogue, year=2024, as_of=dt.date(2024, 12, 31))
    assert len(want) > 350 * 14  # every policy for every subject of the evaluated year
    statuses = {(pid, r["status"]) for (pid, _), r in want.items()}
    assert {("zz_top", "eligible"), ("zz_top", "unknown"), ("zz_share_b", "eligible"), ("zz_misc", "unknown")} <= statuses
    assert sum(bool(r["amount_missing"]) for r in want.values()) > 10
    assert differences(evaluate_policies(wh, catalogue), want) == []


def test_a_what_if_an_earlier_date_and_a_selection_equal_the_reference(park, catalogue):
    wh, tables = park
    some = sorted({r["uscc"] for r in tables["enterprise_years"].to_pylist() if r["year"] == 2024})[::7]
    overrides = {"rd_expense": Delta(50), "revenue[2023]": 900.0, "score": 70}
    select = ["zz_top", "zz_share_b", "zz_misc", "high_tech_enterprise"]
    got = evaluate_policies(wh, catalogue, as_of=dt.date(2024, 6, 30), subject_ids=some, overrides=overrides,
                            select=select)
    want = expected(tables, catalogue, year=2024, as_of=dt.date(2024, 6, 30), overrides=overrides, subject_ids=some,
                    select=select)
    assert len(want) == 4 * len(some)
    assert differences(got, want) == []
