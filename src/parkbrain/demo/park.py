"""generate_park: a deterministic synthetic park, its peers, and the ground truth behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.firms import Firms, Lines, generate_firms, lines_of
from parkbrain.demo.needs import needs_tables
from parkbrain.demo.panel import build_panel
from parkbrain.demo.people import experts_table, talents_table
from parkbrain.demo.places import parks_table, spaces_table
from parkbrain.demo.projects import projects_table
from parkbrain.demo.texts import firm_text
from parkbrain.demo.titles import simulate_titles
from parkbrain.demo.vocab import Vocabulary, load_vocabulary
from parkbrain.importing.templates import load_templates

LATEST = date(2026, 11, 21)  # the generator's "today": no date it writes lies after it
NOTE = "演示数据，系合成生成，非真实企业"
TABLES = ("parks", "spaces", "enterprises", "talents", "experts", "tech_needs", "projects")
DEFAULT_YEARS = (2021, 2022, 2023, 2024, 2025)
_POSITIONS = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}


@dataclass(frozen=True)
class DemoPark:
    """Template tables keyed by template id, hidden ground truth, and a description."""

    tables: dict[str, pa.Table]
    hidden: dict[str, pa.Table] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def series(self) -> dict[str, pa.Table]:
        """Monthly district statistics and targets (demo.monthly), up to the month before the generator's today."""
        from parkbrain.demo.monthly import generate_series

        cutoff = f"{LATEST.year}-{LATEST.month - 1:02d}" if LATEST.month > 1 else f"{LATEST.year - 1}-12"
        return generate_series(seed=int(self.meta.get("seed", 20231)), cutoff=cutoff)


def _check(enterprises: int, seed: int, years: tuple[int, ...]) -> tuple[int, ...]:
    """The years sorted and de-duplicated, after checking the arguments."""
    if isinstance(enterprises, bool) or not isinstance(enterprises, int | np.integer) or enterprises < 20:
        raise ValueError("enterprises must be an integer of at least 20")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError("seed must be a non-negative integer")
    clean = tuple(sorted({int(y) for y in years}))
    if not clean or clean[0] < 2000 or clean[-1] > LATEST.year:
        raise ValueError(f"years must be between 2000 and {LATEST.year}")
    return clean


def _enterprise_truth(vocab: Vocabulary, lines: Lines, firms: Firms, uscc: pa.Array, years: tuple[int, ...]) -> pa.Table:
    """Per enterprise: its ecosystem, chain link, position, sector and presence (null outside the five)."""
    outside = firms.eco < 0
    link = np.where(outside, 0, firms.line)
    sector = np.maximum(firms.line - lines.n_links, 0)
    ys = np.array(years, dtype=np.int32)
    return pa.table({
        "uscc": uscc,
        "district": ak.take([d.name for d in vocab.districts], firms.district),
        "ecosystem": ak.take([e.name for e in vocab.ecosystems], np.maximum(firms.eco, 0), mask=outside),
        "chain_link": ak.take([lk.name for _, lk in vocab.links], link, mask=outside),
        "position": ak.take([_POSITIONS[lk.position] for _, lk in vocab.links], link, mask=outside),
        "sector": ak.take([s.name for s in vocab.sectors], sector, mask=~outside),
        "chain_leader": pa.array(firms.leader),
        "first_year": pa.array(ys[firms.first]),
        "last_year": pa.array(ys[firms.last]),
        "left_park": pa.array(firms.last < len(years) - 1),
    })


def generate_park(*, enterprises: int = 20_000, seed: int = 20231,
                  years: tuple[int, ...] = DEFAULT_YEARS) -> DemoPark:
    """A synthetic 滨江-like park with 钱塘 / 西湖 peers: same arguments, same tables."""
    years = _check(enterprises, seed, years)
    as_of = min(date(years[-1], 12, 31), LATEST)
    vocab = load_vocabulary()
    lines = lines_of(vocab)
    schemas = {t: load_templates()[t].arrow_schema for t in TABLES}

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([int(seed), stream])

    firms = generate_firms(rng(1), vocab, lines, int(enterprises), years, as_of)
    titles = simulate_titles(rng(2), vocab, firms, years, as_of)
    listed = titles.held[:, titles.names.index("上市企业")].any(axis=0) | firms.leader
    text = firm_text(rng(3), vocab, lines, firms, listed)
    letters = np.array([c[0] for c in vocab.industry_names])
    experts = experts_table(rng(7), vocab, schemas["experts"], firms.n)
    needs, need_truth, need_topics = needs_tables(rng(8), vocab, firms, text.uscc.values, text.products, experts,
                                                  schemas["tech_needs"], len(years), as_of)
    tables = {
        "parks": parks_table(vocab, schemas["parks"]),
        "spaces": spaces_table(rng(5), vocab, schemas["spaces"], firms.n, as_of),
        "enterprises": build_panel(rng(4), firms, lines, titles, text, schemas["enterprises"], years, letters,
                                   np.array([d.rd_factor for d in vocab.districts]), as_of),
        "talents": talents_table(rng(6), vocab, lines, firms, text.uscc.values, schemas["talents"], len(years), as_of),
        "experts": experts.table,
        "tech_needs": needs,
        "projects": projects_table(rng(9), vocab, schemas["projects"], firms.n, as_of),
    }
    expert_topics = pa.table({
        "expert_id": experts.table.column("expert_id").combine_chunks(),
        "ecosystem": ak.take([e.name for e, _ in vocab.links], experts.link),
        "chain_link": ak.take([lk.name for _, lk in vocab.links], experts.link),
        "topics": pa.array(experts.topics, pa.list_(pa.string())),
    })
    hidden = {
        "enterprise_truth": _enterprise_truth(vocab, lines, firms, text.uscc.values, years),
        "need_truth": need_truth,
        "need_topics": need_topics,
        "expert_topics": expert_topics,
    }
    meta = {
        "synthetic": True,
        "note": NOTE,
        "seed": int(seed),
        "enterprises": int(enterprises),
        "years": list(years),
        "as_of": as_of.isoformat(),
        "home_district": next(d.name for d in vocab.districts if d.home),
        "peer_districts": [d.name for d in vocab.districts if not d.home],
        "sizes": {name: t.num_rows for name, t in tables.items()},
        "hidden_sizes": {name: t.num_rows for name, t in hidden.items()},
        "need_truth_relevance": "3 = the expert's keywords cover every topic of the need, 2 = some of "
                                "them (all such pairs listed); 1 = same chain link, no shared topic; 0 = "
                                "another ecosystem (a few of each listed per need); an unlisted pair is 1 "
                                "when need_topics and expert_topics share the chain link, else 0",
    }
    return DemoPark(tables=tables, hidden=hidden, meta=meta)
