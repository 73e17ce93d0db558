"""Parks (园区信息模板) and their space listings (空间房源模板)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.vocab import Park, Vocabulary

USES = ["office", "wet_lab", "plant", "incubator_seat"]
_HEAVY = {"高端装备", "绿色能源", "新材料"}
_CLEAN = ["ISO 7", "ISO 8", "ISO 6", "ISO 5", "万级", "十万级"]


def parks_table(vocab: Vocabulary, schema: pa.Schema) -> pa.Table:
    """One row per park of the vocabulary."""
    ps = vocab.parks
    return ak.table(schema, {
        "park_id": ak.strings([p.id for p in ps]), "name": ak.strings([p.name for p in ps]),
        "district": ak.strings([p.district for p in ps]), "kind": ak.strings([p.kind for p in ps]),
        "orientation": ak.strings([";".join(p.orientation) for p in ps]),
        "operator": ak.strings([p.operator for p in ps]), "address": ak.strings([p.address for p in ps]),
    })


def _use_weights(p: Park) -> list[float]:
    """How a park's listings split between office, wet lab, plant and incubator seat."""
    wet = 0.25 if "生物医药" in p.orientation else 0.01
    plant = 0.25 if p.kind == "industrial_park" and _HEAVY & set(p.orientation) else 0.03
    seat = 0.35 if p.kind in ("incubator", "accelerator") else 0.05
    return [0.6, wet, plant, seat]


def spaces_table(rng: np.random.Generator, vocab: Vocabulary, schema: pa.Schema, enterprises: int,
                 as_of: date) -> pa.Table:
    """About one listing per ten enterprises (at least 50), spread over the parks."""
    n = max(50, round(enterprises / 10))
    park = ak.weighted(rng, [p.weight for p in vocab.parks], n)
    use = np.empty(n, dtype=np.int64)
    for i, p in enumerate(vocab.parks):
        rows = np.flatnonzero(park == i)
        use[rows] = ak.weighted(rng, _use_weights(p), len(rows))
    office, wet, plant, seat = (use == k for k in range(4))

    def by_use(office_v: np.ndarray, wet_v: np.ndarray, plant_v: np.ndarray, seat_v: np.ndarray) -> np.ndarray:
        return np.select([office, wet, plant], [office_v, wet_v, plant_v], seat_v)

    def lognormal(median: float, sigma: float) -> np.ndarray:
        return np.exp(rng.normal(np.log(median), sigma, n))

    area = by_use(np.clip(lognormal(300, 0.8), 30, 5000), np.clip(lognormal(500, 0.6), 80, 3000),
                  np.clip(lognormal(2000, 0.7), 300, 20000), rng.uniform(6, 30, n))
    rent_range = np.array([vocab.districts[[d.name for d in vocab.districts].index(p.district)].rent
                           for p in vocab.parks])[park]
    office_rent = rng.uniform(rent_range[:, 0], rent_range[:, 1])
    rent = by_use(office_rent, office_rent * rng.uniform(1.3, 1.8, n), rng.uniform(0.8, 1.8, n),
                  np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.5, 2.5, n)))
    load = by_use(rng.choice([2.0, 2.5, 3.0, 3.5], n), rng.choice([4.0, 5.0, 6.0], n),
                  rng.choice([5.0, 8.0, 10.0, 12.0, 15.0], n), np.full(n, 2.0))
    power = by_use(rng.integers(5, 41, n) * 10.0, rng.integers(20, 121, n) * 10.0,
                   rng.integers(25, 251, n) * 10.0, np.zeros(n))
    height = by_use(rng.uniform(3.6, 4.5, n), rng.uniform(4.5, 5.5, n), rng.uniform(6.0, 12.0, n),
                    rng.uniform(3.6, 4.2, n))
    floor = by_use(rng.integers(1, 25, n), rng.integers(1, 11, n), rng.integers(1, 5, n), rng.integers(2, 13, n))
    chip_park = np.array(["智能物联" in p.orientation or "新材料" in p.orientation for p in vocab.parks])[park]
    clean_idx = ak.weighted(rng, [40, 15, 10, 5, 10, 5], n)
    has_clean = (wet & (rng.random(n) < 0.8)) | (plant & chip_park & (rng.random(n) < 0.1))
    letter = rng.integers(0, 18, n)
    building = ak.join(ak.take([str(i) for i in range(1, 13)] + list("ABCDEF"), letter),
                       ak.take(["号楼", "座"], (letter >= 12).astype(np.int64)))
    return ak.table(schema, {
        "space_id": ak.ids("S-", n, max(5, len(str(n)))),
        "park_id": ak.take([p.id for p in vocab.parks], park),
        "building": ak.null_where(building, rng.random(n) < 0.02),
        "floor": ak.numbers(floor, rng.random(n) < 0.02, "integer"),
        "area_sqm": ak.numbers(np.round(area, 1)),
        "rent": ak.numbers(np.round(rent, 2), rng.random(n) < 0.03),
        "use": ak.take(USES, use),
        "floor_load": ak.numbers(load, rng.random(n) < 0.05),
        "clean_room": ak.take(_CLEAN, clean_idx, mask=~has_clean),
        "power_kva": ak.numbers(power, seat | (rng.random(n) < 0.08)),
        "ceiling_height": ak.numbers(np.round(height, 1), rng.random(n) < 0.05),
        "available_from": ak.dates(ak.day(as_of) - rng.integers(0, 721, n)),
        "status": ak.take(["available", "let", "withdrawn"], ak.weighted(rng, [75, 20, 5], n)),
    })
