"""The investment-attraction pipeline (招商项目模板): 洽谈 → 签约 → 落地 → 开工 → 投产."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.vocab import Vocabulary

STAGES = ["negotiating", "signed", "landed", "construction", "operating"]
DATE_FIELDS = ["negotiated_on", "signed_on", "landed_on", "started_on", "operating_on"]
_STAGE_SHARE = [30, 20, 20, 15, 15]
# Days from one stage to the next: (shortest, longest).
_GAPS = [(30, 300), (30, 240), (30, 300), (180, 720)]


def project_count(enterprises: int) -> int:
    """50–150 projects, more for a larger park (seeds 000: 95 new projects in a year)."""
    return int(np.clip(round(40 + enterprises / 400), 50, 150))


def projects_table(rng: np.random.Generator, vocab: Vocabulary, schema: pa.Schema, enterprises: int,
                   as_of: date) -> pa.Table:
    """Projects with stage-consistent dates and several ≥ 1亿元 investments."""
    n = project_count(enterprises)
    eco_names = [e.name for e in vocab.ecosystems]
    brands = vocab.brands()
    cols: dict[str, list] = {f: [] for f in ("name", "investor", "ecosystem", "chain_link", "district", "park_id")}
    for _ in range(n):
        d = vocab.districts[0] if rng.random() < 0.8 else vocab.districts[int(rng.integers(1, len(vocab.districts)))]
        mix = [d.mix[e] for e in eco_names]
        eco = vocab.ecosystems[int(ak.weighted(rng, mix, 1)[0])]
        lk = eco.links[int(ak.weighted(rng, [x.weight * d.link_bias.get(x.name, 1.0) for x in eco.links], 1)[0])]
        brand = "".join(brands[int(i)] for i in rng.integers(0, len(brands), 2))
        city = vocab.investor_cities[int(rng.integers(len(vocab.investor_cities)))]
        word = lk.name_words[int(rng.integers(len(lk.name_words)))]
        form = "控股有限公司" if city in ("香港", "新加坡") else "集团有限公司"
        product = lk.products[int(rng.integers(len(lk.products)))]
        kind = vocab.project_kinds[int(rng.integers(len(vocab.project_kinds)))]
        parks = [p for p in vocab.parks if p.district == d.name]
        w = [p.weight * (4.0 if eco.name in p.orientation else 1.0) for p in parks]
        park = parks[int(ak.weighted(rng, w, 1)[0])].id if rng.random() < 0.9 else None
        for f, v in zip(cols, (f"{brand}{product}{kind}", f"{city}{brand}{word}{form}", eco.name, lk.name,
                               d.name, park), strict=True):
            cols[f].append(v)

    stage = ak.weighted(rng, _STAGE_SHARE, n)
    gaps = np.stack([rng.integers(lo, hi + 1, n) for lo, hi in _GAPS], axis=1)
    # The latest reached stage happened within the past year; earlier ones precede it in order.
    latest = ak.day(as_of) - rng.integers(0, 366, n)
    days = np.zeros((n, len(STAGES)), dtype=np.int64)
    for s in range(len(STAGES)):
        before = np.where(np.arange(len(_GAPS))[None, :] >= s, 1, 0) * gaps
        back = np.where(np.arange(len(_GAPS))[None, :] < stage[:, None], before, 0).sum(axis=1)
        days[:, s] = latest - back
    investment = np.round(np.clip(np.exp(rng.normal(np.log(8000), 1.1, n)), 500, 500000), -2)
    table = {
        "project_id": ak.ids("PRJ-", n, 4), "name": ak.strings(cols["name"]),
        "investor": ak.strings(cols["investor"]),
        "investment": ak.numbers(investment, rng.random(n) < 0.05),
        "ecosystem": ak.strings(cols["ecosystem"]), "chain_link": ak.strings(cols["chain_link"]),
        "stage": ak.take(STAGES, stage), "district": ak.strings(cols["district"]),
        "park_id": pa.array(cols["park_id"], pa.string()),
    }
    for s, f in enumerate(DATE_FIELDS):
        table[f] = ak.dates(days[:, s], mask=stage < s)
    return ak.table(schema, table)
