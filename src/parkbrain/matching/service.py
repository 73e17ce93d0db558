"""Matching over a warehouse: cached catalogues and indexes, one-call searches, the batch round.

The listings catalogue and the expert index are kept per table state (a fingerprint of the
rows), so a let space or an imported expert is seen by the next search, and an unchanged
pool is never indexed twice. The expert index is also saved under `cache_dir` (in the home).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parkbrain.matching.assignment import Assignment, assign
from parkbrain.matching.collaborations import all_collaborations
from parkbrain.matching.experts import (
    ExpertMatch,
    ExpertQuery,
    batch_candidates,
    find_experts,
    need_query,
)
from parkbrain.matching.index import ExpertIndex, build_expert_index, load_expert_index
from parkbrain.matching.rankers import Ranker
from parkbrain.matching.space_needs import SpaceNeeds
from parkbrain.matching.spaces import SpaceCatalogue, SpaceResults, find_spaces
from parkbrain.matching.state import hold, table_fingerprint
from parkbrain.warehouse import Warehouse

_KEEP = 4  # catalogues / indexes kept in memory (a few states of a few homes)
_lock = threading.Lock()
_memory: OrderedDict[tuple[str, str], object] = OrderedDict()


def cache_folder(home: Path) -> Path:
    """Where matching keeps its saved indexes inside a ParkBrain home."""
    return Path(home) / "cache" / "matching"


def _remembered(kind: str, key: str, build):
    with _lock:
        if (kind, key) in _memory:
            _memory.move_to_end((kind, key))
            return _memory[(kind, key)]
    value = build()
    with _lock:
        _memory[(kind, key)] = value
        while len(_memory) > _KEEP:
            _memory.popitem(last=False)
    return value


def space_catalogue(warehouse: Warehouse) -> SpaceCatalogue:
    """The listings and parks as arrays, rebuilt only when either table changed."""
    key = f"{table_fingerprint(warehouse, 'spaces')}/{table_fingerprint(warehouse, 'parks')}"

    def build() -> SpaceCatalogue:
        """Read both tables and lay them out as arrays."""
        with hold(warehouse):
            spaces = warehouse.to_arrow(warehouse.table("spaces").order_by("space_id"))
            parks = warehouse.to_arrow(warehouse.table("parks").order_by("park_id"))
        return SpaceCatalogue(spaces, parks, fingerprint=key)
    return _remembered("spaces", key, build)


def search_spaces(warehouse: Warehouse, needs: SpaceNeeds, *, limit: int = 20,
                  today: dt.date | None = None) -> SpaceResults:
    """一键找园 over the warehouse's listings."""
    return find_spaces(space_catalogue(warehouse), None, needs, limit=limit, today=today)


def expert_index(warehouse: Warehouse, *, cache_dir: Path | None = None) -> ExpertIndex:
    """The BM25 index of the experts table: from memory, else from `cache_dir`, else built (and saved)."""
    fingerprint = table_fingerprint(warehouse, "experts")
    folder = cache_dir / f"experts-{fingerprint}" if cache_dir else None

    def build() -> ExpertIndex:
        """Load the saved index of this state, else index the table."""
        if folder is not None and (index := load_expert_index(folder)) is not None:
            return index
        with hold(warehouse):
            experts = warehouse.to_arrow(warehouse.table("experts").order_by("expert_id"))
        return build_expert_index(experts, fingerprint=fingerprint)
    index = _remembered("experts", fingerprint, build)
    if folder is not None and not (folder / "manifest.json").exists():
        _save_quietly(index, folder)
    return index


STAGING_LEFT_AFTER = 3600.0  # seconds after which a staging folder is taken for one a killed process left


def _save_quietly(index: ExpertIndex, folder: Path) -> None:
    """Save the index; a read-only or full disk only costs the next start a rebuild.

    The index is written to a private folder and renamed into place whole, so that a worker loading it
    never sees a half-written one, and of two workers saving at once, the second one's copy is dropped.
    A folder without its manifest (half-written by an older version) is replaced.
    """
    staging = folder.parent / f".{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        for old in folder.parent.glob("experts-*"):  # earlier states of the pool
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        for left in folder.parent.glob(".experts-*"):
            if time.time() - left.stat().st_mtime > STAGING_LEFT_AFTER:
                shutil.rmtree(left, ignore_errors=True)
        index.save(staging)
        try:
            os.rename(staging, folder)
        except OSError:
            if (folder / "manifest.json").exists():
                return  # another worker's copy is in place
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(staging, folder)
    except OSError:
        pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_CITY = re.compile(r"^(?:\S{2,3}省)?(\S{2,6}?)市")


def park_city(warehouse: Warehouse) -> str | None:
    """The city most of the parks are in, read from their addresses (杭州市滨江区… → 杭州)."""
    with hold(warehouse):
        parks = warehouse.to_pylist(warehouse.table("parks").select("address"))
    cities = Counter(m.group(1) for r in parks if (m := _CITY.match(r["address"] or "")))
    return cities.most_common(1)[0][0] if cities else None


def partner_institutions(warehouse: Warehouse) -> dict[str, tuple[str, ...]]:
    """Per enterprise, the institutions of experts it has worked with (accepted or later): preferred partners."""
    rows = all_collaborations(warehouse)
    worked = [(u, e) for u, e, s in zip(rows["uscc"].to_pylist(), rows["expert_id"].to_pylist(),
                                          rows["status"].to_pylist(), strict=True)
              if u and s in ("accepted", "signed", "completed")]
    if not worked:
        return {}
    with hold(warehouse):
        t = warehouse.table("experts")
        found = warehouse.to_pylist(t.filter(t.expert_id.isin(sorted({e for _, e in worked})))
                                    .select("expert_id", "institution"))
    institution = {r["expert_id"]: r["institution"] for r in found}
    out: dict[str, set[str]] = {}
    for uscc, expert in worked:
        if institution.get(expert):
            out.setdefault(uscc, set()).add(institution[expert])
    return {u: tuple(sorted(v)) for u, v in out.items()}


def need_row(warehouse: Warehouse, need_id: str) -> dict | None:
    """One technology need, or None."""
    with hold(warehouse):
        t = warehouse.table("tech_needs")
        rows = warehouse.to_pylist(t.filter(t.need_id == need_id))
    return rows[0] if rows else None


def match_need(warehouse: Warehouse, need: dict, *, k: int = 10, cache_dir: Path | None = None,
               ranker: Ranker | None = None) -> list[ExpertMatch]:
    """The experts for a tech_needs row (its city: the park's; preferred: its past partners' institutions)."""
    partners = partner_institutions(warehouse).get(need.get("uscc") or "", ())
    query = need_query(need, city=park_city(warehouse), institutions=partners)
    return find_experts(expert_index(warehouse, cache_dir=cache_dir), query, k=k, ranker=ranker)


def match_text(warehouse: Warehouse, text: str, *, field: str | None = None, k: int = 10,
               cache_dir: Path | None = None, ranker: Ranker | None = None) -> list[ExpertMatch]:
    """The experts for a need described in words."""
    query = ExpertQuery(text=text, field=field, city=park_city(warehouse))
    return find_experts(expert_index(warehouse, cache_dir=cache_dir), query, k=k, ranker=ranker)


@dataclass(frozen=True)
class Round:
    """A batch assignment over the warehouse: the pairs by id, and what it took."""

    k: int
    m: int
    needs: int
    experts: int
    candidates: int
    rows: list[dict]
    total: float
    seconds: dict[str, float]


def assign_experts(warehouse: Warehouse, *, k: int = 3, m: int = 2, per_need: int = 20,
                   cache_dir: Path | None = None, ranker: Ranker | None = None) -> Round:
    """Place experts on every open need: at most `k` needs per expert, `m` experts per need."""
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    index = expert_index(warehouse, cache_dir=cache_dir)
    seconds["index"] = time.perf_counter() - clock
    with hold(warehouse):
        needs = warehouse.to_arrow(warehouse.table("tech_needs").select("need_id", "uscc", "title", "description",
                                                                        "field").order_by("need_id"))
    city, partners = park_city(warehouse), partner_institutions(warehouse)
    queries = [need_query(r, city=city, institutions=partners.get(r["uscc"], ())) for r in needs.to_pylist()]
    clock = time.perf_counter()
    pairs = batch_candidates(index, queries, per_need=per_need, ranker=ranker)
    seconds["retrieval"] = time.perf_counter() - clock
    clock = time.perf_counter()
    chosen = assign(pairs.need, pairs.expert, pairs.score, k=k, m=m)
    seconds["assignment"] = time.perf_counter() - clock
    return Round(k=k, m=m, needs=len(queries), experts=index.n, candidates=len(pairs.need),
                 rows=_rows(chosen, needs.to_pylist(), index), total=chosen.total, seconds=seconds)


def _rows(chosen: Assignment, needs: list[dict], index: ExpertIndex) -> list[dict]:
    order = np.lexsort((-chosen.score, chosen.need))
    return [{"need_id": needs[n]["need_id"], "uscc": needs[n]["uscc"], "need_title": needs[n]["title"],
             "expert_id": index.ids[e], "expert_name": index.names[e], "institution": index.institutions[e],
             "score": round(float(s), 4)}
            for n, e, s in zip(chosen.need[order].tolist(), chosen.expert[order].tolist(),
                               chosen.score[order].tolist(), strict=True)]
