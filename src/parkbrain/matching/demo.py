"""Demo collaborations at the seeds' scale (钱塘 博士入企: 520 experts placed, 584 collaborations).

A batch round proposes experts for every need; a seeded draw then moves some of them on, so
that the board of the 20,000-enterprise demo shows the seeds' figures: 520 experts accepted or
beyond, 584 collaborations signed or completed. The seeds give no completions; we take the 126
横向课题 (contract projects) they report as the completed ones. Smaller demos scale all three.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa

from parkbrain.matching.collaborations import (
    COLLABORATIONS,
    clear_collaborations,
    collaboration_id,
    write_rows,
)
from parkbrain.matching.service import assign_experts
from parkbrain.matching.state import hold
from parkbrain.warehouse import Warehouse

SEED_POOL, SEED_PLACED, SEED_SIGNED, SEED_COMPLETED = 4633, 520, 584, 126  # seeds 004 (钱塘, 2023)
ACCEPTED_NOT_SIGNED = 0.15  # share of accepted collaborations still before signing (a demo choice)
DECLINED = 0.08  # share of the remaining proposals declined (a demo choice)


def targets(pool: int) -> tuple[int, int, int]:
    """(experts placed, collaborations signed or completed, completed) for a pool of `pool` experts."""
    scale = pool / SEED_POOL
    return round(SEED_PLACED * scale), round(SEED_SIGNED * scale), round(SEED_COMPLETED * scale)


def _later(rng: np.random.Generator, start: dt.date, low: int, high: int, today: dt.date) -> dt.date:
    return min(start + dt.timedelta(days=int(rng.integers(low, high))), today)


def seed_demo_collaborations(warehouse: Warehouse, *, seed: int, today: dt.date,
                             cache_dir: Path | None = None) -> dict[str, int]:
    """Replace the collaborations with the demo's; returns the count per status."""
    found = assign_experts(warehouse, k=3, m=2, cache_dir=cache_dir)
    with hold(warehouse):
        needs = warehouse.to_arrow(warehouse.table("tech_needs").select("need_id", "posted_on"))
    posted = dict(zip(needs["need_id"].to_pylist(), needs["posted_on"].to_pylist(), strict=True))
    rng = np.random.default_rng([seed, 6])
    rows = [r | {"status": "proposed", "proposed_on": _later(rng, posted[r["need_id"]] or today, 3, 30, today)}
            for r in found.rows]
    placed_n, signed_n, completed_n = targets(found.experts)
    by_expert: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_expert.setdefault(r["expert_id"], []).append(i)
    experts = sorted(by_expert)
    placed = rng.choice(len(experts), min(placed_n, len(experts)), replace=False)
    first = [by_expert[experts[e]][0] for e in placed]  # every placed expert accepts one
    others = [i for e in placed for i in by_expert[experts[e]][1:]]
    accepted_n = max(len(first), round(signed_n * (1 + ACCEPTED_NOT_SIGNED)))
    extra = rng.choice(others, min(len(others), accepted_n - len(first)), replace=False).tolist() if others else []
    accepted = first + extra
    for i in accepted:
        rows[i] |= {"status": "accepted", "accepted_on": _later(rng, rows[i]["proposed_on"], 5, 40, today)}
    # The earliest accepted sign first, and the earliest signed complete: no stage dated after today.
    signed = sorted(accepted, key=lambda i: (rows[i]["accepted_on"], rng.random()))[:signed_n]
    for i in signed:
        rows[i] |= {"status": "signed", "signed_on": _later(rng, rows[i]["accepted_on"], 10, 90, today)}
    for i in sorted(signed, key=lambda i: (rows[i]["signed_on"], rng.random()))[:completed_n]:
        rows[i] |= {"status": "completed", "completed_on": _later(rng, rows[i]["signed_on"], 60, 300, today)}
    rest = [i for i, r in enumerate(rows) if r["status"] == "proposed"]
    for i in rng.choice(rest, round(len(rest) * DECLINED), replace=False).tolist() if rest else []:
        rows[i] |= {"status": "declined", "declined_on": _later(rng, rows[i]["proposed_on"], 3, 30, today)}
    table = pa.Table.from_pylist([r | {"collaboration_id": collaboration_id(r["need_id"], r["expert_id"])}
                                  for r in rows], schema=COLLABORATIONS.schema)
    with warehouse.transaction():
        clear_collaborations(warehouse)
        write_rows(warehouse, table)
    statuses = table["status"].to_pylist()
    return {s: statuses.count(s) for s in ("proposed", "accepted", "signed", "completed", "declined")}

