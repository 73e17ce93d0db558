"""The two warehouse tables of the chains: placements (recomputed) and officers' overrides (kept).

Their specs live in ``parkbrain/warehouse/schema.py`` with every other table's.
"""

from __future__ import annotations

from parkbrain.warehouse.base import Warehouse
from parkbrain.warehouse.schema import CHAIN_OVERRIDE_SCHEMA, CHAIN_PLACEMENT_SCHEMA, TABLES

PLACEMENTS = "chain_placements"
OVERRIDES = "chain_overrides"
ACTIONS = ("confirm", "override", "exclude")

PLACEMENT_SCHEMA = CHAIN_PLACEMENT_SCHEMA
OVERRIDE_SCHEMA = CHAIN_OVERRIDE_SCHEMA

CHAIN_TABLE_SPECS = (TABLES[PLACEMENTS], TABLES[OVERRIDES])


class ChainTablesMissing(RuntimeError):
    """The warehouse lacks the chain tables (schema.py does not list them yet)."""


def missing_tables(warehouse: Warehouse) -> list[str]:
    """The chain tables the warehouse's schema does not declare."""
    return [s.name for s in CHAIN_TABLE_SPECS if s.name not in TABLES]


def require_tables(warehouse: Warehouse) -> None:
    """Raise ChainTablesMissing, naming the tables and the fix, when the schema lacks them."""
    missing = missing_tables(warehouse)
    if missing:
        raise ChainTablesMissing(
            f"the warehouse has no table {', '.join(missing)}: add the TableSpecs of "
            "parkbrain.chains.tables.CHAIN_TABLE_SPECS to parkbrain/warehouse/schema.py")
