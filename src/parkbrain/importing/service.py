"""Import files into the warehouse: read, validate, then write everything or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.importing.errors import ImportFileError, RowError
from parkbrain.importing.readers import read_file
from parkbrain.importing.templates import Template, load_templates, template_for_headers
from parkbrain.importing.validate import validate
from parkbrain.warehouse.base import UpsertCounts, Warehouse
from parkbrain.warehouse.schema import ENTERPRISE_FIELDS, TABLES


@dataclass
class ImportReport:
    """What one import did, or would have done had its file been valid."""

    file: str
    kind: str
    sha256: str
    rows: int
    counts: UpsertCounts = field(default_factory=lambda: UpsertCounts(0, 0, 0))
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    rejects_path: str | None = None
    written: bool = False


class ImportRefused(Exception):
    """The file has invalid rows and nothing was written; the report lists every one."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{report.file}: {len(report.errors)} invalid rows, nothing imported")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_template(kind: str | None, headers: list[str], path: Path) -> Template:
    """The template named by --kind, else the one the headers fit."""
    templates = load_templates()
    if kind:
        if kind not in templates:
            raise ImportFileError(str(path), "unknown_template")
        return templates[kind]
    template = template_for_headers(headers)
    if template is None:
        raise ImportFileError(str(path), "unknown_template")
    return template


def text_headers(template: Template, headers: list[str]) -> list[str]:
    """The headers of a file that name the template's free-text columns."""
    mapping = template.header_map()
    return [h for h in headers if h in mapping and template.column(mapping[h]).type == "text"]


def import_file(warehouse: Warehouse, path: Path, *, kind: str | None = None,
                skip_bad_rows: bool = False, today: dt.date | None = None) -> ImportReport:
    """Import one template file. Raises ImportRefused (nothing written) when a row is invalid
    and skip_bad_rows is off; with it, writes the valid rows and a rejects file beside the input."""
    path = Path(path)
    started = dt.datetime.now(dt.UTC)
    raw = read_file(path, compact=lambda headers: text_headers(resolve_template(kind, headers, path), headers))
    template = resolve_template(kind, raw.headers, path)
    checked = validate(raw, template, path=str(path), today=today)
    report = ImportReport(str(path), template.id, file_sha256(path), raw.table.num_rows + len(raw.errors),
                          errors=checked.errors, unknown_columns=checked.unknown_columns)
    if checked.errors and not skip_bad_rows:
        raise ImportRefused(report)
    if checked.errors:
        report.rejects_path = str(write_rejects(path, raw, checked.errors))
    del raw  # the file's text is no longer needed: free it before the warehouse copies the rows
    pa.default_memory_pool().release_unused()
    with warehouse.transaction():
        report.counts = write_batch(warehouse, template, checked.table)
        record_import(warehouse, report, started)
    report.written = True
    return report


def write_batch(warehouse: Warehouse, template: Template, table: pa.Table) -> UpsertCounts:
    """Upsert validated rows of a template into its table(s); the caller holds the transaction."""
    if template.id != "enterprises":
        return warehouse.upsert(template.table, table)
    years = table.select(TABLES["enterprise_years"].schema.names)
    counts = warehouse.upsert("enterprise_years", years)
    warehouse.upsert("enterprises", latest_enterprise_rows(warehouse, table))
    return counts


def latest_enterprise_rows(warehouse: Warehouse, table: pa.Table) -> pa.Table:
    """Each enterprise's attributes from its latest year in the batch, unless the warehouse
    already holds them from a later year (an old file must not roll a renamed firm back)."""
    # Sort the keys only, then take the chosen rows: sorting the whole table would copy its texts.
    order = pc.sort_indices(table.select(["uscc", "year"]),
                            sort_keys=[("uscc", "ascending"), ("year", "descending")])
    codes = pc.take(table["uscc"], order).combine_chunks()
    first = pa.concat_arrays([pa.array([True]), pc.not_equal(codes[1:], codes[:-1])]) \
        if len(codes) else pa.array([], pa.bool_())
    chosen = pc.filter(order, first)
    latest = table.select([*ENTERPRISE_FIELDS, "year"]).take(chosen).rename_columns([*ENTERPRISE_FIELDS, "as_of_year"])
    stored = warehouse.to_arrow(warehouse.table("enterprises").select("uscc", stored_year="as_of_year"))
    if stored.num_rows:
        joined = latest.join(stored, "uscc", join_type="left outer")
        fresh = pc.fill_null(pc.greater_equal(joined["as_of_year"], joined["stored_year"]), True)
        latest = joined.filter(fresh).drop_columns(["stored_year"])
    return latest.select(TABLES["enterprises"].schema.names)


def record_import(warehouse: Warehouse, report: ImportReport, started: dt.datetime) -> None:
    """One row in the imports table: which file (by hash), which template, what changed."""
    now = dt.datetime.now(dt.UTC)
    row = {
        "import_id": str(uuid.uuid4()), "kind": report.kind, "file_name": Path(report.file).name,
        "file_sha256": report.sha256, "rows": report.rows, "inserted": report.counts.inserted,
        "updated": report.counts.updated, "unchanged": report.counts.unchanged,
        "rejected": len({e.row for e in report.errors}), "started_at": started, "finished_at": now,
    }
    warehouse.append("imports", pa.Table.from_pylist([row], schema=TABLES["imports"].schema))


def write_rejects(path: Path, raw, errors: list[RowError]) -> Path:
    """The invalid rows as they were, with their row number and reasons, beside the input."""
    target = path.with_name(f"{path.stem}.rejects.csv")
    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.row, []).append(f"{error.column}: {error.reason('zh')}")
    index = {int(r): i for i, r in enumerate(raw.rows)}
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["行号", "错误", *raw.headers])
        for row, why in sorted(reasons.items()):
            i = index.get(row)
            cells = [raw.table.column(h)[i].as_py() if i is not None else "" for h in raw.headers]
            writer.writerow([row, "；".join(why), *["" if c is None else c for c in cells]])
    return target
