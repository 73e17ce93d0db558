"""Facts in the warehouse: ingesting a document's facts with their provenance, and browsing them.

Everything goes through the `Warehouse` interface: writes with `delete_where` and `append` in a
transaction (re-ingesting a document replaces its facts), reads with Ibis expressions over
``warehouse.table("facts")``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pyarrow as pa

from parkbrain.bulletins.extract import ReadFact, facts_of, read_document
from parkbrain.bulletins.facts import FIELDS
from parkbrain.warehouse import Warehouse
from parkbrain.warehouse.schema import DOCUMENT_SCHEMA, FACT_SCHEMA

PROVENANCE = ("doc_sha256", "clause_index", "read_at")


def facts_table(read: list[ReadFact], *, doc_sha256: str, read_at: dt.datetime) -> pa.Table:
    """The facts of one document as rows of the warehouse's facts table."""
    rows = []
    for item in read:
        row = item.fact.model_dump()
        rank = row.pop("rank")
        row.update(rank_scope=rank["scope"] if rank else None, rank_position=rank["position"] if rank else None,
                   doc_sha256=doc_sha256, clause_index=item.clause_index, read_at=read_at)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=FACT_SCHEMA)


def ingest_facts(warehouse: Warehouse, read: list[ReadFact], *, doc: str, doc_sha256: str,
                 read_at: dt.datetime | None = None, content: str | None = None, year: int | None = None) -> int:
    """Store a document's facts (and its kept text), replacing those it had; returns how many."""
    read_at = (read_at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    table = facts_table(read, doc_sha256=doc_sha256, read_at=read_at)
    document = pa.Table.from_pylist([{"doc": doc, "doc_sha256": doc_sha256, "year": year, "text": content,
                                      "read_at": read_at}], schema=DOCUMENT_SCHEMA)
    with warehouse.transaction():
        warehouse.delete_where("facts", "doc", [doc])
        warehouse.delete_where("documents", "doc", [doc])
        warehouse.append("documents", document)
        if table.num_rows:
            warehouse.append("facts", table)
    return table.num_rows


def ingest_text(warehouse: Warehouse, text: str, *, doc: str, doc_sha256: str, date: dt.date | None = None,
                read_at: dt.datetime | None = None) -> int:
    """Read a bulletin's text and store its facts (see ingest_facts)."""
    document = read_document(text, doc=doc, date=date)
    content = "\n".join(line.text for line in document.lines if line.kept)
    return ingest_facts(warehouse, facts_of(document), doc=doc, doc_sha256=doc_sha256, read_at=read_at,
                        content=content, year=document.year)


def clause_in_context(warehouse: Warehouse, doc: str, clause: str) -> dict:
    """The paragraph of a document that holds a clause, split around it for highlighting."""
    t = warehouse.table("documents")
    rows = warehouse.to_pylist(t.filter(t.doc == doc).select("text"))
    paragraphs = (rows[0]["text"] or "").split("\n") if rows else []
    paragraph = next((p for p in paragraphs if clause in p), clause)
    before, _, after = paragraph.partition(clause)
    return {"before": before, "clause": clause, "after": after}


@dataclass(frozen=True)
class FactPage:
    """One page of facts: rows in the contract's shape plus provenance, and the total count."""

    rows: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _as_fact(row: dict) -> dict:
    scope, position = row.pop("rank_scope"), row.pop("rank_position")
    out = {k: row[k] for k in FIELDS if k != "rank"}
    out["rank"] = None if position is None else {"scope": scope, "position": position}
    out.update({k: row[k] for k in PROVENANCE})
    return out


def list_facts(warehouse: Warehouse, *, subject: str | None = None, metric: str | None = None,
               period: str | None = None, doc: str | None = None, page: int = 1, per_page: int = 50) -> FactPage:
    """Facts filtered by subject (contains), metric (contains, or the metric_id), period and doc, paged."""
    if page < 1 or not 1 <= per_page <= 1000:
        raise ValueError("page starts at 1 and per_page is between 1 and 1000")
    t = warehouse.table("facts")
    if subject:
        t = t.filter(t.subject.contains(subject))
    if metric:
        t = t.filter(t.metric.contains(metric) | (t.metric_id == metric))
    if period:
        t = t.filter(t.period == period)
    if doc:
        t = t.filter(t.doc == doc)
    total = int(warehouse.scalar(t.count()))
    rows = warehouse.to_pylist(t.order_by([t.doc, t.clause_index, t.metric]).limit(per_page, offset=(page - 1) * per_page))
    return FactPage([_as_fact(r) for r in rows], total, page, per_page)


def fact_conflicts(warehouse: Warehouse) -> list[dict]:
    """Figures that disagree: same subject, metric (its id where known) and period, with different
    values from two or more documents; each with the documents' values."""
    t = warehouse.table("facts")
    t = t.filter(t.subject.notnull() & t.period.notnull())
    t = t.mutate(metric_key=ibis.coalesce(t.metric_id, t.metric))
    keys = ["subject", "metric_key", "period", "unit", "measure"]
    groups = t.group_by(keys).aggregate(docs=t.doc.nunique(), values=t.value.nunique())
    clashing = groups.filter((groups.docs > 1) & (groups.values > 1)).select(keys)
    detail = t.join(clashing, keys).select(*keys, "metric", "doc", "value", "value_text", "clause_index")
    out: dict[tuple, dict] = {}
    for row in warehouse.to_pylist(detail.order_by([*keys, "doc", "clause_index"])):
        key = tuple(row[k] for k in keys)
        entry = out.setdefault(key, {"subject": row["subject"], "metric": row["metric"], "metric_key": row["metric_key"],
                                     "period": row["period"], "unit": row["unit"], "measure": row["measure"],
                                     "values": []})
        entry["values"].append({"doc": row["doc"], "value": row["value"], "value_text": row["value_text"]})
    return list(out.values())
