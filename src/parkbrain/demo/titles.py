"""Certification histories (科技型中小企业 … 上市企业): granted, renewed, lost and promoted by year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.firms import Firms
from parkbrain.demo.vocab import CertSpec, Vocabulary

PRE_HISTORY = 8  # years simulated before the first data year, so titles have a past
BIG = np.log(20000.0)  # 2亿元 revenue: too large for 科技型中小企业

# Who gets a title first among the eligible: weights of capability, size and growth.
_SCORE = {
    "科技型中小企业": (1.0, 0.0, 0.0), "高新技术企业": (1.0, 0.3, 0.0), "专精特新中小企业": (1.0, 0.5, 0.0),
    "专精特新小巨人": (1.0, 0.6, 0.0), "瞪羚企业": (0.5, 0.0, 8.0), "独角兽企业": (1.0, 0.6, 2.0),
    "上市企业": (0.5, 1.0, 0.0),
}


@dataclass(frozen=True)
class Titles:
    """Titles held at each data year's end: held[k, c, i] and the day of the current grant."""

    names: list[str]
    held: np.ndarray  # (years, titles, firms) bool
    granted: np.ndarray  # (years, titles, firms) days since the epoch


def _batch_days(rng: np.random.Generator, spec: CertSpec, first: int, last: int, as_of: date) -> np.ndarray:
    """(years, batches) award days of one title: its lists come out on a few dates a year."""
    out = np.empty((last - first + 1, spec.batches), dtype=np.int64)
    for j, y in enumerate(range(first, last + 1)):
        doy = np.sort(rng.integers(spec.window[0], spec.window[1] + 1, size=spec.batches))
        out[j] = np.minimum(ak.day(date(y, 1, 1)) + doy - 1, ak.day(as_of))
    return out


def _eligible(name: str, firms: Firms, y: int, held0: dict[str, np.ndarray],
              held: dict[str, np.ndarray]) -> np.ndarray:
    """Firms that may receive a title this year."""
    age = y - firms.founded_year
    if name == "科技型中小企业":
        return firms.tech & (age >= 1) & (firms.log_size < BIG)
    if name == "高新技术企业":
        return firms.tech & (age >= 1)
    if name == "专精特新中小企业":
        return firms.tech & (age >= 2) & held["高新技术企业"]
    if name == "专精特新小巨人":
        return held0["专精特新中小企业"] & held["专精特新中小企业"] & (age >= 3)
    if name == "瞪羚企业":
        return firms.tech & (age >= 3) & (age <= 15)
    if name == "独角兽企业":
        return firms.tech & (age >= 1) & (age <= 12) & ~held["上市企业"]
    return age >= 3  # 上市企业


def simulate_titles(rng: np.random.Generator, vocab: Vocabulary, firms: Firms,
                    years: tuple[int, ...], as_of: date) -> Titles:
    """Simulate the title ladder year by year, filling each district's quota by merit."""
    specs, n = vocab.certifications, firms.n
    names = [s.name for s in specs]
    start, end = min(years) - PRE_HISTORY, max(years)
    ys = np.array(years)
    exit_year = np.where(firms.last < len(years) - 1, ys[firms.last], 9999)
    days = {s.name: _batch_days(rng, s, 1990, end, as_of) for s in specs}
    held = {s: np.zeros(n, dtype=bool) for s in names}
    granted = {s: np.zeros(n, dtype=np.int32) for s in names}
    gyear = {s: np.zeros(n, dtype=np.int64) for s in names}
    size_z = (firms.log_size - np.log(500.0)) / 1.35
    listing = np.where(firms.leader, np.maximum(firms.founded_year + 3, rng.integers(2005, 2019, n)), 9999)
    out_held = np.zeros((len(years), len(specs), n), dtype=bool)
    out_day = np.zeros((len(years), len(specs), n), dtype=np.int32)

    def grant(name: str, rows: np.ndarray, year: np.ndarray | int) -> None:
        year = np.broadcast_to(np.asarray(year), rows.shape)
        batch = days[name]
        held[name][rows] = True
        gyear[name][rows] = year
        granted[name][rows] = batch[year - 1990, rng.integers(0, batch.shape[1], len(rows))]

    weights = [_SCORE[s] for s in names]
    scores = [wq * firms.quality + ws * size_z + wg * firms.growth for wq, ws, wg in weights]
    for y in range(start, end + 1):
        alive = (firms.founded_year <= y) & (y <= exit_year)
        districts = [alive & (firms.district == d) for d in range(len(vocab.districts))]
        noise = rng.gumbel(size=n)  # one draw a year: a good year helps with every title
        held0 = {s: h.copy() for s, h in held.items()}
        for spec, score in zip(specs, scores, strict=True):
            name = spec.name
            if y < spec.start:
                continue
            h = held[name]
            h &= alive
            eligible = _eligible(name, firms, y, held0, held)
            hi = np.flatnonzero(h)
            u = rng.random(len(hi))
            due = y - gyear[name][hi] >= spec.valid
            keep = np.where(due, eligible[hi] & (u < spec.renew), u >= spec.loss)
            h[hi[~keep]] = False
            grant(name, hi[due & keep], y)
            if name == "上市企业":
                rows = np.flatnonzero(alive & (listing <= y) & ~h)
                grant(name, rows, np.minimum(listing[rows], y))
            for d, in_d in enumerate(districts):
                share = spec.share[vocab.districts[d].name] * (1 + spec.growth) ** (y - end)
                need = int(np.floor(share * in_d.sum() + rng.random())) - int((h & in_d).sum())
                cand = np.flatnonzero(in_d & eligible & ~h)
                if need <= 0 or not len(cand):
                    continue
                if need < len(cand):
                    cand = cand[np.argpartition(-(score[cand] + noise[cand]), need - 1)[:need]]
                back = 0 if y > start else rng.integers(0, min(spec.valid, PRE_HISTORY), len(cand))
                first_ok = np.maximum(spec.start, firms.founded_year[cand] + (3 if name == "上市企业" else 1))
                grant(name, cand, np.maximum(y - back, np.minimum(first_ok, y)))
        held["独角兽企业"] &= ~held["上市企业"]
        if y in years:
            k = years.index(y)
            for c, s in enumerate(names):
                out_held[k, c] = held[s]
                out_day[k, c] = granted[s]
    return Titles(names=names, held=out_held, granted=out_day)
