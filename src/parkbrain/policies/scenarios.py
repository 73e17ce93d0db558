"""Scenario tests policy staff can read: one enterprise's (or talent's) figures and the expected answer.

A scenario file (YAML)::

    policy: high_tech_enterprise       # the policy its scenarios test
    period: 2024                       # the data year
    base:                              # figures shared by every scenario (each may change them)
      enterprise: {founded_on: 2015-03-01, industry_code: C3911}
      years:
        2024: {revenue: 5000, rd_expense: 250}
    scenarios:
      - name: 收入恰为5000万元、研发占比恰为5%：研发条件通过
        input:
          years: {2024: {rd_expense: 250}}
          inputs: {innovation_score: 75}
        expected:
          status: eligible
          conditions:
            rd_ratio: {passed: true, threshold: 0.05}
            registered_one_year: true

`run_scenario` writes the figures into a scratch warehouse (give it one of its own), evaluates
the policy and returns the differences from what was expected (none when it passes).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from parkbrain.policies.evaluate import evaluate_policies
from parkbrain.policies.loader import Catalogue, read_yaml
from parkbrain.warehouse.base import Warehouse
from parkbrain.warehouse.schema import TABLES

SUBJECT_ID = {"enterprise": "91330108MA00000019", "talent": "T-SCENARIO"}
_ENTERPRISE = {"name": "场景测试企业", "district": "滨江区", "founded_on": dt.date(2010, 1, 1)}


@dataclass
class Scenario:
    """One scenario: its name, where it is written, the policy, the period, the figures, the expectation."""

    name: str
    file: str
    line: int | None
    policy: str
    period: int
    input: dict
    expected: dict
    as_of: dt.date | None = None
    subject: str = "enterprise"
    tags: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def _merge(base: Mapping, over: Mapping) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) \
            else value
    return out


def load_scenarios(paths: Iterable[Path | str]) -> list[Scenario]:
    """The scenarios of the files (and of the *.yaml files in folders) given."""
    out: list[Scenario] = []
    for path in map(Path, paths):
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            data, lines = read_yaml(file.read_text(encoding="utf-8"), str(file))
            for i, item in enumerate(data.get("scenarios", [])):
                subject = "talent" if "talent" in {**data.get("base", {}), **item.get("input", {})} else "enterprise"
                out.append(Scenario(
                    name=item["name"], file=str(file), line=lines.get(("scenarios", i)),
                    policy=item.get("policy", data.get("policy")), period=int(item.get("period", data.get("period"))),
                    input=_merge(data.get("base", {}), item.get("input", {})), expected=item.get("expected", {}),
                    as_of=item.get("as_of", data.get("as_of")), subject=subject, tags=item.get("tags", [])))
    return out


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name].schema
    return pa.Table.from_pylist([{f: r.get(f) for f in schema.names} for r in rows], schema=schema)


def write_subject(warehouse: Warehouse, scenario: Scenario) -> None:
    """Replace the scratch warehouse's enterprises, years and talents with the scenario's subject."""
    data = scenario.input
    with warehouse.transaction():
        for name in ("enterprises", "enterprise_years", "talents"):
            warehouse.truncate(name)
        if scenario.subject == "talent":
            warehouse.append("talents", _table("talents", [{"talent_id": SUBJECT_ID["talent"], "name": "场景人才",
                                                            **data.get("talent", {})}]))
            years = [{"year": scenario.period}]
        else:
            # `2022: null` removes a year the base has (an enterprise founded later has no row)
            years = [{"year": int(y), **v} for y, v in data.get("years", {}).items() if v is not None]
        uscc = SUBJECT_ID["enterprise"]
        firm = {**_ENTERPRISE, **data.get("enterprise", {}), "uscc": uscc,
                "as_of_year": max((y["year"] for y in years), default=scenario.period)}
        warehouse.append("enterprises", _table("enterprises", [firm]))
        warehouse.append("enterprise_years", _table("enterprise_years", [{"uscc": uscc, **y} for y in years]))


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _compare_condition(cid: str, want: object, got: dict | None) -> list[str]:
    if got is None:
        return [f"condition {cid}: not in the result"]
    want = {"passed": want} if not isinstance(want, Mapping) else want
    out = []
    for key, value in want.items():
        seen = got.get(key)
        same = sorted(seen or []) == sorted(value or []) if key == "missing" else _close(value, seen)
        if not same:
            out.append(f"condition {cid}: {key} expected {value!r}, got {seen!r}")
    return out


def compare(expected: Mapping, row: dict | None) -> list[str]:
    """The differences between an expectation and a result row."""
    if row is None:
        return ["no result row (is the policy in force for the period?)"]
    out = []
    for key in ("status", "amount"):
        if key in expected and not _close(expected[key], row[key]):
            out.append(f"{key}: expected {expected[key]!r}, got {row[key]!r}")
    if "amount_missing" in expected and sorted(expected["amount_missing"] or []) != sorted(row["amount_missing"]):
        out.append(f"amount_missing: expected {expected['amount_missing']!r}, got {row['amount_missing']!r}")
    got = {c["id"]: c for c in row["conditions"]}
    for cid, want in (expected.get("conditions") or {}).items():
        out += _compare_condition(cid, want, got.get(cid))
    return out


def run_scenario(warehouse: Warehouse, catalogue: Catalogue, scenario: Scenario) -> list[str]:
    """Evaluate one scenario in a scratch warehouse; the differences from its expectation."""
    write_subject(warehouse, scenario)
    result = evaluate_policies(warehouse, catalogue, year=scenario.period, as_of=scenario.as_of,
                               select=[scenario.policy], overrides=scenario.input.get("inputs") or {})
    rows = result.to_pylist()
    return compare(scenario.expected, rows[0] if rows else None)
