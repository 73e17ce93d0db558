"""The enterprises' fixed traits: district, chain link, park, age, size and latent capability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.vocab import OTHER, Vocabulary

FIRST_FOUNDING_YEAR = 1995


@dataclass(frozen=True)
class Lines:
    """Lines of business: the chain links first, then the sectors outside the five ecosystems."""

    names: list[str]
    eco: np.ndarray  # ecosystem index per line, -1 for a sector
    tech: np.ndarray  # may hold 科技型 titles
    rd: np.ndarray  # mean R&D intensity
    margin: np.ndarray
    export: np.ndarray
    codes: list[dict[str, float]]
    n_links: int


def lines_of(vocab: Vocabulary) -> Lines:
    """The links of the five ecosystems followed by the other sectors, as arrays."""
    links = vocab.links
    return Lines(
        names=[lk.name for _, lk in links] + [s.name for s in vocab.sectors],
        eco=np.array([vocab.ecosystems.index(e) for e, _ in links] + [-1] * len(vocab.sectors)),
        tech=np.array([True] * len(links) + [s.tech for s in vocab.sectors]),
        rd=np.array([e.rd for e, _ in links] + [s.rd for s in vocab.sectors]),
        margin=np.array([e.margin for e, _ in links] + [s.margin for s in vocab.sectors]),
        export=np.array([e.export for e, _ in links] + [0.08] * len(vocab.sectors)),
        codes=[lk.codes for _, lk in links] + [s.codes for s in vocab.sectors],
        n_links=len(links),
    )


@dataclass(frozen=True)
class Firms:
    """Per-enterprise traits as parallel numpy arrays (one entry per enterprise)."""

    district: np.ndarray  # index into vocab.districts
    line: np.ndarray  # index into Lines
    eco: np.ndarray  # ecosystem index, -1 outside the five
    tech: np.ndarray
    park: np.ndarray  # index into vocab.parks, -1 when unknown
    code: np.ndarray  # index into vocab.industry_names, -1 when unknown
    founded: np.ndarray  # days since the epoch
    founded_year: np.ndarray
    first: np.ndarray  # index of the first data year with a row
    last: np.ndarray  # index of the last data year with a row
    leader: np.ndarray  # 链主: a very large firm leading its chain
    log_size: np.ndarray  # log of mature yearly revenue, 万元
    quality: np.ndarray  # latent innovation capability, standard normal
    growth: np.ndarray  # trend of yearly revenue growth
    rd: np.ndarray  # R&D intensity (R&D / revenue)

    @property
    def n(self) -> int:
        """Number of enterprises."""
        return len(self.district)


def _lines(rng: np.random.Generator, vocab: Vocabulary, lines: Lines, district: np.ndarray) -> np.ndarray:
    """Each firm's line of business, from its district's ecosystem mix and link bias."""
    n = len(district)
    line = np.empty(n, dtype=np.int64)
    sector_w = [s.weight for s in vocab.sectors]
    for d, dist in enumerate(vocab.districts):
        rows = np.flatnonzero(district == d)
        groups = [e.name for e in vocab.ecosystems] + [OTHER]
        group = ak.weighted(rng, [dist.mix[g] for g in groups], len(rows))
        for g, name in enumerate(groups):
            sub = rows[group == g]
            if name == OTHER:
                line[sub] = lines.n_links + ak.weighted(rng, sector_w, len(sub))
                continue
            candidates = np.flatnonzero(lines.eco == g)
            w = [vocab.links[i][1].weight * dist.link_bias.get(lines.names[i], 1.0) for i in candidates]
            line[sub] = candidates[ak.weighted(rng, w, len(sub))]
    return line


def _parks(rng: np.random.Generator, vocab: Vocabulary, district: np.ndarray, eco: np.ndarray) -> np.ndarray:
    """Each firm's park: one of its district's, favouring parks oriented to its ecosystem."""
    park = np.full(len(district), -1, dtype=np.int64)
    eco_names = [e.name for e in vocab.ecosystems]
    for d, dist in enumerate(vocab.districts):
        choices = [i for i, p in enumerate(vocab.parks) if p.district == dist.name]
        for e in range(-1, len(eco_names)):
            rows = np.flatnonzero((district == d) & (eco == e))
            w = [vocab.parks[i].weight * (4.0 if e >= 0 and eco_names[e] in vocab.parks[i].orientation else 1.0)
                 for i in choices]
            park[rows] = np.array(choices)[ak.weighted(rng, w, len(rows))]
    park[rng.random(len(park)) < 0.02] = -1
    return park


def _codes(rng: np.random.Generator, vocab: Vocabulary, lines: Lines, line: np.ndarray) -> np.ndarray:
    """Each firm's GB/T 4754-2017 class, drawn from its line's plausible classes."""
    all_codes = list(vocab.industry_names)
    code = np.empty(len(line), dtype=np.int64)
    for i, codes in enumerate(lines.codes):
        rows = np.flatnonzero(line == i)
        keys = [all_codes.index(c) for c in codes]
        code[rows] = np.array(keys)[ak.weighted(rng, list(codes.values()), len(rows))]
    code[rng.random(len(code)) < 0.01] = -1
    return code


def _leaders(rng: np.random.Generator, vocab: Vocabulary, district: np.ndarray, eco: np.ndarray,
             quality: np.ndarray) -> np.ndarray:
    """A few 链主 per district and ecosystem: more and at least one at home."""
    leader = np.zeros(len(district), dtype=bool)
    for d, dist in enumerate(vocab.districts):
        for e in range(len(vocab.ecosystems)):
            rows = np.flatnonzero((district == d) & (eco == e))
            want = min(5 if dist.home else 2, int(round(len(rows) * 0.001)))
            if dist.home and len(rows) >= 50:
                want = max(want, 1)
            if want:
                leader[rows[np.argsort(-quality[rows] - rng.gumbel(size=len(rows)), kind="stable")[:want]]] = True
    return leader


def _presence(rng: np.random.Generator, years: tuple[int, ...], founded_year: np.ndarray,
              leader: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last data-year index with a row: from founding until the firm leaves."""
    ys = np.array(years)
    first = np.searchsorted(ys, founded_year, side="left")
    last = first.copy()
    for k in range(1, len(ys)):
        active = (first < k) & (last == k - 1)
        hazard = np.where(ys[k] - founded_year < 5, 0.06, 0.025) * (ys[k] - ys[k - 1])
        last[active & ((rng.random(len(first)) >= hazard) | leader)] = k
    return first, last


def generate_firms(rng: np.random.Generator, vocab: Vocabulary, lines: Lines, n: int,
                   years: tuple[int, ...], as_of: date) -> Firms:
    """Draw n enterprises' traits."""
    district = ak.weighted(rng, [d.share for d in vocab.districts], n)
    line = _lines(rng, vocab, lines, district)
    eco = lines.eco[line]
    quality = rng.standard_normal(n)
    leader = _leaders(rng, vocab, district, eco, quality)

    span = np.arange(FIRST_FOUNDING_YEAR, max(years) + 1)
    founded_year = span[ak.weighted(rng, np.exp(0.08 * (span - span[0])), n)]
    founded_year[leader] = rng.integers(FIRST_FOUNDING_YEAR, 2011, size=int(leader.sum()))
    start = np.array([ak.day(date(int(y), 1, 1)) for y in span])[founded_year - span[0]]
    length = np.where(founded_year % 4 == 0, 366, 365)
    founded = np.minimum(start + (rng.random(n) * length).astype(np.int64), ak.day(as_of))
    first, last = _presence(rng, years, founded_year, leader)

    size_z = 0.5 * quality + np.sqrt(0.75) * rng.standard_normal(n)
    log_size = np.where(eco >= 0, np.log(500.0), np.log(350.0)) + 1.35 * size_z
    # 链主 revenue: 10亿–150亿元, and up to 600亿元 in 智能物联 (seeds 003: a 4,500亿元 ecosystem).
    top = np.where(eco == 0, np.log(6e6), np.log(1.5e6))
    log_size[leader] = rng.uniform(np.log(1e5), top[leader])
    growth = rng.normal(0.06, 0.10, n) + 0.03 * quality
    rd_z = 0.5 * quality + np.sqrt(0.75) * rng.standard_normal(n)
    factor = np.array([d.rd_factor for d in vocab.districts])[district]
    rd = lines.rd[line] * factor * np.exp(0.6 * rd_z - 0.18)
    # 链主 run large R&D departments whatever their chain (seeds 000/001: R&D ≈ 10% of GDP).
    rd[leader] = (np.maximum(lines.rd[line], 0.08) * factor)[leader] * rng.uniform(0.85, 1.2, int(leader.sum()))
    return Firms(
        district=district, line=line, eco=eco, tech=lines.tech[line],
        park=_parks(rng, vocab, district, eco), code=_codes(rng, vocab, lines, line),
        founded=founded, founded_year=founded_year, first=first, last=last, leader=leader,
        log_size=log_size, quality=quality, growth=growth, rd=np.minimum(rd, 1.5),
    )
