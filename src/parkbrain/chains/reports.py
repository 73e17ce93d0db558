"""What the pages, their JSON twins and the CLI show, composed from the core functions.

`ChainContext.of(warehouse, home)` gathers the warehouse, the catalogue and targets (package
files plus the officer's in ``<home>/chains``) and the candidate pool; each report is a plain
dict the web layer validates with parkbrain.chains.models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa

from parkbrain.chains.attraction import link_projects, pipeline, rank_candidates
from parkbrain.chains.catalogue import Catalogue, load_catalogue
from parkbrain.chains.diagnosis import diagnose
from parkbrain.chains.figures import default_district, latest_year, link_enterprises
from parkbrain.chains.pool import national_pool
from parkbrain.chains.store import ensure_placed
from parkbrain.chains.targets import Targets, load_targets
from parkbrain.chains.tiers import tier_movement, tier_pyramid
from parkbrain.warehouse.base import Warehouse


@cache
def _catalogue(home: Path | None, stamp: tuple) -> Catalogue:
    return load_catalogue([home / "chains"] if home else [])


@cache
def _pool(catalogue: Catalogue) -> pa.Table:
    return national_pool(catalogue)


def _stamp(home: Path | None) -> tuple:
    """Names and modification times of the officer's chain files (a change reloads the catalogue)."""
    folder = (home / "chains") if home else None
    if not folder or not folder.is_dir():
        return ()
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*.yaml")))


@dataclass
class ChainContext:
    """The warehouse with the chain catalogue, targets and candidate pool in force for it."""

    warehouse: Warehouse
    catalogue: Catalogue
    targets: Targets
    home: Path | None = None
    _placed: bool = field(default=False, repr=False)

    @classmethod
    def of(cls, warehouse: Warehouse, home: Path | None = None) -> ChainContext:
        """The context of a park home (its own chains and targets files, if any, included)."""
        catalogue = _catalogue(home, _stamp(home))
        return cls(warehouse, catalogue, load_targets([home / "chains"] if home else []), home)

    @property
    def pool(self) -> pa.Table:
        """The candidate pool (synthetic national pool)."""
        return _pool(self.catalogue)

    def ready(self) -> ChainContext:
        """Place the register first when the placements are missing or out of date."""
        if not self._placed:
            ensure_placed(self.warehouse, self.catalogue)
            self._placed = True
        return self

    def scope(self, district: str | None, year: int | None) -> tuple[str | None, int | None]:
        """The district and year asked for, else the defaults (largest district, latest year)."""
        return district or default_district(self.warehouse), year or latest_year(self.warehouse)


def diagnosis_report(ctx: ChainContext, *, district: str | None = None, year: int | None = None,
                     benchmark: str = "peers") -> dict:
    """The diagnosis of every chain (the chain map's data)."""
    district, year = ctx.ready().scope(district, year)
    return diagnose(ctx.warehouse, ctx.catalogue, ctx.targets, district=district, year=year, benchmark=benchmark)


def find_link_entry(diagnosis: dict, key: str) -> tuple[dict, dict]:
    """(chain, link) entries of the diagnosis for a link key."""
    chain_id, link_id = key.split("/")
    chain = next(c for c in diagnosis["chains"] if c["id"] == chain_id)
    return chain, next(lk for lk in chain["links"] if lk["id"] == link_id)


def link_report(ctx: ChainContext, key: str, *, district: str | None = None, year: int | None = None,
                benchmark: str = "peers", page: int = 1, per_page: int = 50) -> dict:
    """One link: its figures and reasons, enterprises, tiers, candidates and pipeline projects."""
    link = ctx.catalogue.link(key)
    diagnosis = diagnosis_report(ctx, district=district, year=year, benchmark=benchmark)
    chain, entry = find_link_entry(diagnosis, key)
    district, year = diagnosis["district"], diagnosis["year"]
    firms = link_enterprises(ctx.warehouse, chain=link.chain, link=link.id, district=district, year=year,
                             page=page, per_page=per_page)
    return {"year": year, "district": district, "benchmark": benchmark, "peers": diagnosis["peers"],
            "chain": {k: chain[k] for k in ("id", "zh", "en")}, "link": entry,
            "codes": link.codes, "keywords": list(link.keywords),
            "suppliers": [_neighbour(ctx, k, diagnosis) for k in ctx.catalogue.suppliers(key)],
            "customers": [_neighbour(ctx, k, diagnosis) for k in ctx.catalogue.customers(key)],
            "enterprises": firms,
            "tiers": tier_pyramid(ctx.warehouse, year=year, district=district, chain=link.chain, link=link.id),
            "candidates": rank_candidates(ctx.pool, entry, ctx.catalogue, diagnosis),
            "projects": link_projects(ctx.warehouse, ctx.catalogue, key, district)}


def _neighbour(ctx: ChainContext, key: str, diagnosis: dict) -> dict:
    _, entry = find_link_entry(diagnosis, key)
    link = ctx.catalogue.link(key)
    return {"key": key, "zh": link.zh, "en": link.en, "chain": link.chain, "status": entry["status"],
            "enterprises": entry["enterprises"]}


def tier_report(ctx: ChainContext, *, district: str | None = None, year: int | None = None,
                chain: str | None = None, link: str | None = None) -> dict:
    """The tier pyramid of a year with its movement from the year before."""
    if chain:
        ctx.ready()
    district, year = ctx.scope(district, year)
    if year is None:
        raise ValueError("the register is empty: import enterprises (or build the demo) first")
    scope = {"district": district, "chain": chain, "link": link}
    return {"year": year, "district": district, "chain": chain, "link": link,
            "pyramid": tier_pyramid(ctx.warehouse, year=year, **scope),
            "previous": tier_pyramid(ctx.warehouse, year=year - 1, **scope),
            "movement": tier_movement(ctx.warehouse, year=year, **scope)}


def pipeline_report(ctx: ChainContext, *, district: str | None = None, year: int | None = None) -> dict:
    """The 招商 pipeline with its targets, the gap links marked."""
    diagnosis = diagnosis_report(ctx, district=district, year=year)
    gaps = frozenset(f["key"] for a in ("fill_link", "extend_chain") for f in diagnosis["findings"][a])
    report = pipeline(ctx.warehouse, ctx.catalogue, ctx.targets, year=diagnosis["year"],
                      district=diagnosis["district"], gap_keys=gaps)
    return report | {"targets_name": {"zh": ctx.targets.name.zh, "en": ctx.targets.name.en},
                     "targets_sources": ctx.targets.sources}
