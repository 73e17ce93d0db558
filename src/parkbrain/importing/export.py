"""Export warehouse tables in the import templates' layout, as CSV or .xlsx.

What `parkbrain export` writes, `parkbrain import` reads back unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from parkbrain.importing.templates import Template, load_templates
from parkbrain.warehouse.base import Warehouse
from parkbrain.warehouse.schema import ENTERPRISE_FIELDS

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row


def template_rows(warehouse: Warehouse, template: Template) -> pa.Table:
    """The rows of one template, typed, in the template's column order."""
    if template.id == "enterprises":
        years = warehouse.table("enterprise_years")
        firms = warehouse.table("enterprises").select(*ENTERPRISE_FIELDS)
        expr = years.join(firms, "uscc").select(*template.fields).order_by(["uscc", "year"])
    else:
        expr = warehouse.table(template.table).select(*template.fields).order_by(template.key)
    return warehouse.to_arrow(expr).cast(template.arrow_schema.with_metadata(None))


def as_template_text(table: pa.Table, template: Template, *, typed: bool = False) -> pa.Table:
    """The rows as a person fills the template: Chinese headers and labels; all text for CSV,
    numbers and dates kept typed (`typed=True`) for Excel."""
    columns = {}
    for column in template.columns:
        values = table.column(column.field)
        if column.type == "yesno":
            values = pc.if_else(values, "是", "否")
        elif column.type == "enum" and column.choices:
            codes = pa.array(list(column.choices))
            values = pc.take(pa.array(list(column.choices.values())), pc.index_in(values, codes))
        elif typed:
            pass
        elif column.type == "number":
            # Integral amounts as integers (1200, not 1200.0), the rest as they are.
            whole = pc.equal(values, pc.floor(values))
            values = pc.if_else(whole, pc.cast(pc.cast(values, pa.int64(), safe=False), pa.string()),
                                pc.cast(values, pa.string()))
        columns[column.zh] = values if typed else pc.cast(values, pa.string())
    return pa.table(columns)


def export_template(warehouse: Warehouse, kind: str, path: Path) -> int:
    """Write one template's rows to a .csv (UTF-8 with BOM, for Excel) or .xlsx file; return the row count."""
    template = load_templates()[kind]
    rows = template_rows(warehouse, template)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(as_template_text(rows, template, typed=True), path, template)
    else:
        text = as_template_text(rows, template)
        with path.open("wb") as fh:
            fh.write(("\ufeff" + ",".join(text.column_names) + "\n").encode())
            pacsv.write_csv(text, fh, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return rows.num_rows


def _write_xlsx(text: pa.Table, path: Path, template: Template) -> None:
    if text.num_rows > XLSX_MAX_ROWS:
        raise ValueError(
            f"{template.id}: {text.num_rows} rows do not fit one Excel sheet ({XLSX_MAX_ROWS}); export as .csv"
        )
    write_sheets(path, [(template.title["zh"], text)])


def write_sheets(target: Path | BinaryIO, sheets: Sequence[tuple[str, pa.Table]]) -> None:
    """Write tables as the sheets of one .xlsx workbook (to a path or a binary file): a header row of
    the column names, then the rows, numbers as numbers and text as text; titles cut to Excel's 31."""
    from openpyxl import Workbook

    for title, table in sheets:
        if table.num_rows > XLSX_MAX_ROWS:
            raise ValueError(f"{title}: {table.num_rows} rows do not fit one Excel sheet ({XLSX_MAX_ROWS})")
    workbook = Workbook(write_only=True)
    for title, table in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(table.column_names)
        for batch in table.to_batches(max_chunksize=10_000):
            for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
                sheet.append(list(row))
    workbook.save(target)
