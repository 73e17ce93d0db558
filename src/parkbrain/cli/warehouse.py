"""`parkbrain copy-to-duckdb`: the Spark warehouse's committed tables as the DuckDB file the web app reads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.cli.common import console, err, settings_or_exit


def copy_to_duckdb(
    source: Annotated[str | None, typer.Option("--from", help="The Spark warehouse folder (default: the "
                                               "PARKBRAIN_SPARK_DIR setting, else <home>/spark).")] = None,
    to: Annotated[Path | None, typer.Option(help="The DuckDB file to write (default: <home>/warehouse.duckdb).")] = None,
) -> None:
    """Copy the tables the Spark backend committed into a DuckDB file (no JVM), for the web app to read.

    The copy is written beside the target and renamed over it at the end, so a reader never sees
    half a copy; restart `parkbrain serve` afterwards to read the new file.
    """
    from parkbrain.warehouse.spark import copy_to_duckdb as copy

    settings = settings_or_exit()
    source = source or settings.spark_root
    target = to or settings.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.copying")
    staging.unlink(missing_ok=True)
    try:
        counts = copy(source, staging)
        os.replace(staging, target)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        staging.unlink(missing_ok=True)
    table = Table(title=f"{source} → {target}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
