"""The warehouse's tables: their arrow schemas and keys, one place for every backend.

The template-fed tables take their columns from the import templates (parkbrain/data/templates),
so a template and its table cannot drift apart. The enterprise template fills two tables: the
enterprise's attributes (as of its latest year) and its yearly panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from parkbrain.importing.templates import load_templates

# Columns of the enterprise template that describe the enterprise, not one of its years.
ENTERPRISE_FIELDS = ("uscc", "name", "founded_on", "district", "park", "industry_code",
                     "business_scope", "products")


@dataclass(frozen=True)
class TableSpec:
    """A warehouse table: name, arrow schema and the columns that identify a row."""

    name: str
    schema: pa.Schema
    key: tuple[str, ...]


def _template_schema(template_id: str, fields: tuple[str, ...] | None = None,
                     extra: list[pa.Field] | None = None) -> pa.Schema:
    schema = load_templates()[template_id].arrow_schema
    chosen = [schema.field(f) for f in (fields or schema.names)]
    return pa.schema([pa.field(f.name, f.type) for f in chosen] + (extra or []))


def _enterprise_year_fields() -> tuple[str, ...]:
    names = load_templates()["enterprises"].fields
    return ("uscc", *[n for n in names if n not in ENTERPRISE_FIELDS])


FACT_SCHEMA = pa.schema([
    ("doc", pa.string()), ("text", pa.string()), ("subject", pa.string()), ("metric", pa.string()),
    ("metric_id", pa.string()), ("period", pa.string()), ("kind", pa.string()),
    ("measure", pa.string()), ("value", pa.float64()), ("unit", pa.string()),
    ("value_text", pa.string()), ("qualifier", pa.string()), ("growth_pct", pa.float64()),
    ("rank_scope", pa.string()), ("rank_position", pa.int32()),
    ("doc_sha256", pa.string()), ("clause_index", pa.int32()), ("read_at", pa.timestamp("s", tz="UTC")),
])

# The bulletins read into facts: their kept text (boilerplate dropped), to show each fact's
# clause in context.
DOCUMENT_SCHEMA = pa.schema([
    ("doc", pa.string()), ("doc_sha256", pa.string()), ("year", pa.int32()), ("text", pa.string()),
    ("read_at", pa.timestamp("s", tz="UTC")),
])

INDICATOR_VALUE_SCHEMA = pa.schema([
    ("indicator_id", pa.string()), ("subject", pa.string()), ("period", pa.string()),
    ("value", pa.float64()), ("unit", pa.string()), ("source", pa.string()),
])

TARGET_SCHEMA = pa.schema([
    ("indicator_id", pa.string()), ("subject", pa.string()), ("period", pa.string()),
    ("value", pa.float64()), ("unit", pa.string()), ("source", pa.string()),
])

IMPORT_SCHEMA = pa.schema([
    ("import_id", pa.string()), ("kind", pa.string()), ("file_name", pa.string()),
    ("file_sha256", pa.string()), ("rows", pa.int64()), ("inserted", pa.int64()),
    ("updated", pa.int64()), ("unchanged", pa.int64()), ("rejected", pa.int64()),
    ("started_at", pa.timestamp("s", tz="UTC")), ("finished_at", pa.timestamp("s", tz="UTC")),
])


# 校企 / 博士入企 collaborations: proposed → accepted → signed → completed (or declined).
COLLABORATION_SCHEMA = pa.schema([
    ("collaboration_id", pa.string()), ("need_id", pa.string()), ("uscc", pa.string()),
    ("expert_id", pa.string()), ("score", pa.float64()), ("status", pa.string()),
    ("proposed_on", pa.date32()), ("accepted_on", pa.date32()), ("signed_on", pa.date32()),
    ("completed_on", pa.date32()), ("declined_on", pa.date32()), ("note", pa.string()),
])


# Chain placements (recomputed from the register) and officers' overrides (kept across runs).
CHAIN_PLACEMENT_SCHEMA = pa.schema([
    ("uscc", pa.string()), ("chain", pa.string()), ("link", pa.string()), ("rank", pa.int32()),
    ("score", pa.float64()), ("confidence", pa.float64()), ("source", pa.string()),
    ("code_evidence", pa.string()), ("scope_words", pa.string()), ("product_words", pa.string()),
    ("placed_at", pa.timestamp("s", tz="UTC")),
])
CHAIN_OVERRIDE_SCHEMA = pa.schema([
    ("uscc", pa.string()), ("chain", pa.string()), ("link", pa.string()), ("action", pa.string()),
    ("officer", pa.string()), ("note", pa.string()), ("decided_at", pa.timestamp("s", tz="UTC")),
])


def _tables() -> dict[str, TableSpec]:
    specs = [
        TableSpec("enterprises", _template_schema("enterprises", ENTERPRISE_FIELDS,
                                                  [pa.field("as_of_year", pa.int32())]), ("uscc",)),
        TableSpec("enterprise_years", _template_schema("enterprises", _enterprise_year_fields()),
                  ("uscc", "year")),
        *(TableSpec(t.table, _template_schema(t.id), tuple(t.key))
          for t in load_templates().values() if t.id != "enterprises"),
        TableSpec("facts", FACT_SCHEMA, ("doc", "clause_index", "metric", "period", "subject")),
        TableSpec("documents", DOCUMENT_SCHEMA, ("doc",)),
        TableSpec("indicator_values", INDICATOR_VALUE_SCHEMA, ("indicator_id", "subject", "period")),
        TableSpec("targets", TARGET_SCHEMA, ("indicator_id", "subject", "period")),
        TableSpec("imports", IMPORT_SCHEMA, ("import_id",)),
        TableSpec("meta", pa.schema([("key", pa.string()), ("value", pa.string())]), ("key",)),
        TableSpec("collaborations", COLLABORATION_SCHEMA, ("collaboration_id",)),
        TableSpec("chain_placements", CHAIN_PLACEMENT_SCHEMA, ("uscc", "chain", "link")),
        TableSpec("chain_overrides", CHAIN_OVERRIDE_SCHEMA, ("uscc",)),
    ]
    return {s.name: s for s in specs}


TABLES: dict[str, TableSpec] = _tables()
