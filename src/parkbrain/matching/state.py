"""What a warehouse table holds right now, as a short fingerprint; and holding the warehouse.

`hold(warehouse)` takes the backend's lock (DuckDB: one connection shared by the web app's
threads) for a whole read, including building the Ibis expressions: `Warehouse.table()` asks
the connection for the table's schema, and a second thread asking at the same moment gets
"connection is busy".
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import ibis

from parkbrain.warehouse import Warehouse

_MODULUS = 2_147_483_647  # keeps the sum of 10⁶ row hashes far inside int64


def hold(warehouse: Warehouse) -> AbstractContextManager:
    """The warehouse's lock when it has one (re-entrant), else nothing."""
    return getattr(warehouse, "lock", None) or nullcontext()


def table_fingerprint(warehouse: Warehouse, name: str) -> str:
    """Row count and an order-free sum of row hashes: any insert, update or delete changes it."""
    with hold(warehouse):
        table = warehouse.table(name)
        row = ibis.struct({c: table[c] for c in table.columns}).hash() % _MODULUS
        total = warehouse.scalar(table.select(h=row).h.sum())
        count = warehouse.count(name)
    return f"{count}-{int(total or 0) % (1 << 62):x}"
