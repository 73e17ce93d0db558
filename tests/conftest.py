"""Shared fixtures: one ParkBrain loaded with a 2,000-enterprise demo park (seed fixed) per session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from parkbrain.app import ParkBrain
from parkbrain.importing.service import write_batch
from parkbrain.importing.templates import load_templates
from parkbrain.settings import Settings
from parkbrain.uscc import CHARSET, check_character

DEMO_ENTERPRISES = 2000
DEMO_SEED = 1


@dataclass
class LoadedPark:
    """The fixture park and the tables it was loaded from (for independent expectations)."""

    park: ParkBrain
    tables: dict[str, pa.Table]


def synthetic_enterprises(n: int, seed: int) -> pa.Table:
    """A small enterprise panel in the enterprise template's schema (used until parkbrain.demo exists)."""
    rng = np.random.default_rng(seed)
    codes = ["91330108" + "".join(rng.choice(list(CHARSET), 9)) for _ in range(n)]
    usccs = [c + check_character(c) for c in codes]
    districts = np.array(["滨江区", "西湖区", "余杭区", "钱塘区"])[rng.integers(0, 4, n)]
    industries = np.array(["C3914", "I6513", "C2761", "C3581", "C3511", "C3825", "C2651", "F5191", None],
                          dtype=object)[rng.integers(0, 9, n)]
    certs = np.array(["", "科技型中小企业", "高新技术企业@2021-11-03;科技型中小企业", "专精特新中小企业;高新技术企业",
                      "专精特新小巨人@2022-08-01;高新技术企业;瞪羚企业", "上市企业;独角兽企业"])
    rows: dict[str, list] = {k: [] for k in load_templates()["enterprises"].arrow_schema.names}
    for year in (2021, 2022, 2023):
        present = rng.random(n) < 0.9
        idx = np.flatnonzero(present)
        base = rng.lognormal(8, 1.2, len(idx))
        revenue = np.where(rng.random(len(idx)) < 0.05, np.nan, np.round(base * (1 + 0.05 * (year - 2021)), 1))
        employees = rng.integers(5, 2000, len(idx))
        rows["uscc"] += [usccs[i] for i in idx]
        rows["name"] += [f"杭州示例{i}号科技有限公司" for i in idx]
        rows["founded_on"] += [dt.date(2005 + i % 15, 1 + i % 12, 1 + i % 28) for i in idx]
        rows["district"] += list(districts[idx])
        rows["park"] += [f"{districts[i]}{'一二'[i % 2]}号园" for i in idx]
        rows["industry_code"] += list(industries[idx])
        rows["business_scope"] += ["技术开发、技术服务" if i % 3 else "医疗器械生产" for i in idx]
        rows["products"] += [f"产品{i % 50}" for i in idx]
        rows["year"] += [year] * len(idx)
        rows["revenue"] += [None if np.isnan(v) else float(v) for v in revenue]
        rows["rd_expense"] += [float(round(v * 0.06, 1)) for v in base]
        rows["tax_paid"] += [float(round(v * 0.04, 1)) for v in base]
        rows["employees"] += [int(e) for e in employees]
        rows["invention_patents_held"] += [int(e // 100) for e in employees]
        rows["certifications"] += [certs[(i + year) % 6] or None for i in idx]
        for k in rows:
            rows[k] += [None] * (len(rows["uscc"]) - len(rows[k]))
    return pa.Table.from_pydict(rows, schema=load_templates()["enterprises"].arrow_schema)


def demo_tables(n: int, seed: int) -> dict[str, pa.Table]:
    """The demo generator's tables, or a synthetic enterprise panel while it is not written yet."""
    try:
        from parkbrain.demo import generate_park
    except ImportError:
        return {"enterprises": synthetic_enterprises(n, seed)}
    return dict(generate_park(enterprises=n, seed=seed).tables)


def load_park(home: Path, tables: dict[str, pa.Table]) -> ParkBrain:
    """A ParkBrain on `home` holding `tables` (template id -> validated arrow table)."""
    park = ParkBrain(Settings(home=home, lang="zh"))
    templates = load_templates()
    with park.warehouse.transaction():
        for tid, table in tables.items():
            write_batch(park.warehouse, templates[tid], table)
        park.warehouse.set_meta({"demo": "true", "demo_seed": str(DEMO_SEED)})
    return park


@pytest.fixture(scope="session")
def demo_park(tmp_path_factory: pytest.TempPathFactory) -> LoadedPark:
    """A ParkBrain loaded with the 2,000-enterprise demo park (seed 1), shared by the session."""
    tables = demo_tables(DEMO_ENTERPRISES, DEMO_SEED)
    park = load_park(tmp_path_factory.mktemp("demo-park"), tables)
    yield LoadedPark(park, tables)
    park.close()
