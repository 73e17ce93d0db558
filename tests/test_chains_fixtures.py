"""Builders the chains tests share (each test module wraps them in its own fixtures).

The chain tables are put into the warehouse schema for the life of a fixture, so that the
tests run before and after parkbrain/warehouse/schema.py lists them, and leave the schema as
they found it for the other test modules.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from parkbrain.app import ParkBrain
from parkbrain.chains.tables import CHAIN_TABLE_SPECS
from parkbrain.settings import Settings
from parkbrain.warehouse.schema import TABLES

DATA = Path(__file__).parent / "data" / "chains"
SMALL_PARK = DATA / "small_park.csv"
TIER_HISTORY = DATA / "tier_history.csv"
LABELS = DATA / "placement_labels.csv"
TODAY = dt.date(2026, 1, 1)
DEMO_SIZE, DEMO_SEED = 2000, 1


@dataclass
class DemoChainPark:
    """The demo park of the session's size and seed, with the generator's hidden truth."""

    park: ParkBrain
    truth: pa.Table
    tables: dict[str, pa.Table]


def _with_chain_tables(mp: pytest.MonkeyPatch) -> None:
    for spec in CHAIN_TABLE_SPECS:
        mp.setitem(TABLES, spec.name, spec)


def park_from_csv(tmp: Path, *files: Path) -> Iterator[ParkBrain]:
    """A park holding the enterprises of template CSV files (chain tables present)."""
    with pytest.MonkeyPatch.context() as mp:
        _with_chain_tables(mp)
        park = ParkBrain(Settings(home=tmp, lang="zh"))
        for f in files:
            park.import_file(f, today=TODAY)
        yield park
        park.close()


def demo_chain_park(tmp: Path) -> Iterator[DemoChainPark]:
    """The 2,000-enterprise demo park (seed 1) with the chain tables."""
    from conftest import load_park
    from parkbrain.demo import generate_park

    demo = generate_park(enterprises=DEMO_SIZE, seed=DEMO_SEED)
    with pytest.MonkeyPatch.context() as mp:
        _with_chain_tables(mp)
        park = load_park(tmp, dict(demo.tables))
        yield DemoChainPark(park, demo.hidden["enterprise_truth"], dict(demo.tables))
        park.close()


def read_labels() -> dict[str, str]:
    """uscc -> hand label (chain/link, or none)."""
    with LABELS.open(encoding="utf-8") as fh:
        return {row["uscc"]: row["label"] for row in csv.DictReader(fh)}


def small_park_usccs() -> dict[str, str]:
    """Short name (杭州…科技有限公司 without the frame) -> USCC in the hand-made park."""
    with SMALL_PARK.open(encoding="utf-8") as fh:
        return {row["企业名称"].removeprefix("杭州").removesuffix("科技有限公司"): row["统一社会信用代码"]
                for row in csv.DictReader(fh)}
