"""Shared fixtures: one ParkBrain loaded with a 2,000-enterprise demo park (seed fixed) per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from parkbrain.app import ParkBrain
from parkbrain.importing.service import write_batch
from parkbrain.importing.templates import load_templates
from parkbrain.settings import Settings

DEMO_ENTERPRISES = 2000
DEMO_SEED = 1


@dataclass
class LoadedPark:
    """The fixture park and the tables it was loaded from (for independent expectations)."""

    park: ParkBrain
    tables: dict[str, pa.Table]


def demo_tables(n: int, seed: int) -> dict[str, pa.Table]:
    """The demo generator's tables (template id -> arrow table)."""
    from parkbrain.demo import generate_park

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
def demo_park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedPark]:
    """A ParkBrain loaded with the 2,000-enterprise demo park (seed 1), shared by the session."""
    tables = demo_tables(DEMO_ENTERPRISES, DEMO_SEED)
    park = load_park(tmp_path_factory.mktemp("demo-park"), tables)
    yield LoadedPark(park, tables)
    park.close()
