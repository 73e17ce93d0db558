"""The analytical warehouse: tables reached through Ibis, behind a small backend interface."""

from parkbrain.warehouse.base import UpsertCounts, Warehouse, WarehouseBusy
from parkbrain.warehouse.schema import TABLES

__all__ = ["TABLES", "UpsertCounts", "Warehouse", "WarehouseBusy", "open_warehouse"]


def open_warehouse(settings, *, read_only: bool = False) -> Warehouse:
    """The warehouse the settings name: DuckDB by default, Spark with the `spark` extra."""
    if settings.warehouse_backend == "duckdb":
        from parkbrain.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(
            settings.warehouse_path,
            read_only=read_only,
            threads=settings.warehouse_threads,
            memory_limit=settings.warehouse_memory_limit,
        )
    if settings.warehouse_backend == "spark":
        from parkbrain.warehouse.spark import SparkWarehouse, spark_session

        session = spark_session(settings.spark_master, driver_memory=settings.spark_driver_memory,
                                conf=settings.spark_conf)
        return SparkWarehouse(settings.spark_root, session, read_only=read_only)
    raise ValueError(f"unknown warehouse backend {settings.warehouse_backend!r}")
