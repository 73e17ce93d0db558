"""Placements in the warehouse: place the register, keep officers' overrides, know when to re-place.

Overrides live in their own table, keyed by enterprise, so they survive every re-run of the
placement and every re-import of the register: each run places automatically, then applies
the overrides on top (confirm: the officer's link, confidence 1; override: another link;
exclude: on no chain).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.chains.catalogue import Catalogue
from parkbrain.chains.placement import PlacementRules, place_enterprises
from parkbrain.chains.tables import (
    ACTIONS,
    OVERRIDE_SCHEMA,
    OVERRIDES,
    PLACEMENT_SCHEMA,
    PLACEMENTS,
    require_tables,
)
from parkbrain.warehouse.base import Warehouse

log = logging.getLogger(__name__)
TEXT_COLUMNS = ("uscc", "industry_code", "business_scope", "products")
META_FINGERPRINT, META_TEXTS, META_PLACED_AT = "chains.fingerprint", "chains.texts", "chains.placed_at"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def register_texts(warehouse: Warehouse, usccs: list[str] | None = None) -> pa.Table:
    """The placement inputs of the register (or of some enterprises)."""
    firms = warehouse.table("enterprises").select(*TEXT_COLUMNS)
    if usccs is not None:
        firms = firms.filter(firms.uscc.isin(usccs))
    return warehouse.to_arrow(firms)


def texts_checksum(warehouse: Warehouse) -> str:
    """An order-free checksum of the register's placement inputs (changes when any text does)."""
    f = warehouse.table("enterprises")
    joined = ibis.literal("|").join([f[c].fill_null("") for c in TEXT_COLUMNS])
    value = warehouse.scalar(f.mutate(h=joined.hash()).h.bit_xor())
    return f"{warehouse.count('enterprises')}:{value or 0}"


def read_overrides(warehouse: Warehouse) -> pa.Table:
    """Every override recorded by officers."""
    require_tables(warehouse)
    return warehouse.to_arrow(warehouse.table(OVERRIDES))


def _override_rows(auto: list[dict], override: dict) -> list[dict]:
    """The placement rows of one overridden enterprise."""
    if override["action"] == "exclude":
        return []
    same = [r for r in auto if r["chain"] == override["chain"] and r["link"] == override["link"]]
    base = same[0] if same else {"score": None, "code_evidence": None, "scope_words": None, "product_words": None}
    source = "confirmed" if override["action"] == "confirm" else "override"
    return [base | {"uscc": override["uscc"], "chain": override["chain"], "link": override["link"], "rank": 1,
                    "confidence": 1.0, "source": source}]


def apply_overrides(placed: pa.Table, overrides: pa.Table, catalogue: Catalogue) -> tuple[pa.Table, list[dict]]:
    """Placements with the overrides applied, and the overrides whose link the catalogue lacks."""
    known = {lk.key for lk in catalogue.links}
    rows = overrides.to_pylist()
    stale = [o for o in rows if o["action"] != "exclude" and f"{o['chain']}/{o['link']}" not in known]
    active = [o for o in rows if o not in stale]
    if not active:
        return placed, stale
    touched = pa.array([o["uscc"] for o in active], pa.string())
    hit = pc.is_in(placed.column("uscc"), value_set=touched)
    auto = placed.filter(hit).to_pylist()
    replaced = [row for o in active for row in _override_rows([r for r in auto if r["uscc"] == o["uscc"]], o)]
    schema = placed.schema
    extra = pa.Table.from_pylist(replaced, schema=schema) if replaced else schema.empty_table()
    return pa.concat_tables([placed.filter(pc.invert(hit)), extra]), stale


def _stamped(placed: pa.Table, at: dt.datetime) -> pa.Table:
    stamp = pa.array([at] * placed.num_rows, PLACEMENT_SCHEMA.field("placed_at").type)
    return placed.append_column("placed_at", stamp).select(PLACEMENT_SCHEMA.names).cast(PLACEMENT_SCHEMA)


def place_register(warehouse: Warehouse, catalogue: Catalogue, *, rules: PlacementRules = PlacementRules(),
                   at: dt.datetime | None = None) -> dict:
    """Place every enterprise of the register, apply the overrides, replace the stored placements."""
    require_tables(warehouse)
    started = time.perf_counter()
    firms = register_texts(warehouse)
    overrides = read_overrides(warehouse)
    # An override of an enterprise no longer in the register waits for it to come back.
    overrides = overrides.filter(pc.is_in(overrides.column("uscc"), value_set=firms.column("uscc").combine_chunks()))
    placed, stale = apply_overrides(place_enterprises(firms, catalogue, rules), overrides, catalogue)
    at = at or _now()
    stamped = _stamped(placed, at)
    checksum = texts_checksum(warehouse)
    with warehouse.transaction():
        warehouse.truncate(PLACEMENTS)
        warehouse.append(PLACEMENTS, stamped)
        warehouse.set_meta({META_FINGERPRINT: catalogue.fingerprint, META_TEXTS: checksum,
                            META_PLACED_AT: at.isoformat()})
    primary = placed.filter(pc.equal(placed.column("rank"), 1))
    by_chain = pc.value_counts(primary.column("chain")).to_pylist() if primary.num_rows else []
    return {"enterprises": firms.num_rows, "placed": primary.num_rows, "rows": placed.num_rows,
            "by_chain": {v["values"]: v["counts"] for v in by_chain}, "stale_overrides": stale,
            "seconds": round(time.perf_counter() - started, 2), "placed_at": at.isoformat()}


def is_current(warehouse: Warehouse, catalogue: Catalogue) -> bool:
    """Whether the stored placements were made from this catalogue and these register texts."""
    meta = warehouse.meta()
    return meta.get(META_FINGERPRINT) == catalogue.fingerprint and meta.get(META_TEXTS) == texts_checksum(warehouse)


def ensure_placed(warehouse: Warehouse, catalogue: Catalogue) -> bool:
    """Place the register when the stored placements are missing or out of date; True when it did."""
    require_tables(warehouse)
    if is_current(warehouse, catalogue):
        return False
    summary = place_register(warehouse, catalogue)
    log.info("placed %s of %s enterprises on the chains in %ss", summary["placed"], summary["enterprises"],
             summary["seconds"])
    return True


def _replace_one(warehouse: Warehouse, catalogue: Catalogue, uscc: str) -> None:
    """Re-place one enterprise (after its override changed)."""
    placed = place_enterprises(register_texts(warehouse, [uscc]), catalogue)
    overrides = warehouse.to_arrow(warehouse.table(OVERRIDES).filter(lambda t: t.uscc == uscc))
    placed, _ = apply_overrides(placed, overrides, catalogue)
    with warehouse.transaction():
        warehouse.delete_where(PLACEMENTS, "uscc", [uscc])
        warehouse.append(PLACEMENTS, _stamped(placed, _now()))


def record_override(warehouse: Warehouse, catalogue: Catalogue, *, uscc: str, link: str | None, action: str,
                    officer: str | None = None, note: str | None = None) -> dict:
    """Record an officer's decision on one enterprise and apply it at once; the stored row."""
    require_tables(warehouse)
    if action not in ACTIONS:
        raise ValueError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    if action != "exclude" and not link:
        raise ValueError(f"a {action} needs a link, e.g. smart_iot/chip_design")
    found = catalogue.find_link(link) if link else None
    if not register_texts(warehouse, [uscc]).num_rows:
        raise KeyError(f"no enterprise {uscc} in the register; check the code or import the enterprise first")
    row = {"uscc": uscc, "chain": found.chain if found else None, "link": found.id if found else None,
           "action": action, "officer": officer, "note": note, "decided_at": _now()}
    warehouse.upsert(OVERRIDES, pa.Table.from_pylist([row], schema=OVERRIDE_SCHEMA))
    _replace_one(warehouse, catalogue, uscc)
    return row


def remove_override(warehouse: Warehouse, catalogue: Catalogue, uscc: str) -> bool:
    """Drop an enterprise's override and place it automatically again; False when it had none."""
    require_tables(warehouse)
    removed = warehouse.delete_where(OVERRIDES, "uscc", [uscc])
    if removed:
        _replace_one(warehouse, catalogue, uscc)
    return bool(removed)
