"""Talents in the parks (人才信息模板) and university experts (专家信息模板)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from parkbrain.demo import arrowkit as ak
from parkbrain.demo import naming
from parkbrain.demo.firms import Firms, Lines
from parkbrain.demo.vocab import Vocabulary

TALENT_CAP = 100_000
SEED_EXPERTS, SEED_ENTERPRISES = 4633, 20_000  # seeds 004: 4,633 doctoral experts in the pool

CATEGORIES = ["A", "B", "C", "D", "E"]
_CATEGORY_SHARE = [0.003, 0.017, 0.06, 0.22, 0.70]  # a steep pyramid: few A, most E
_EDUCATION = ["doctorate", "master", "bachelor", "college", "other"]
_EDUCATION_BY_CAT = [[85, 15, 0, 0, 0], [60, 35, 5, 0, 0], [30, 50, 20, 0, 0], [8, 50, 40, 2, 0], [2, 30, 60, 7, 1]]
_TITLE = ["senior", "associate_senior", "intermediate", "junior", "none"]
_TITLE_BY_CAT = [[80, 20, 0, 0, 0], [50, 40, 10, 0, 0], [15, 45, 35, 5, 0], [3, 20, 50, 17, 10], [0, 5, 35, 35, 25]]
_AGE_BY_CAT = [(52, 7), (46, 7), (40, 6), (35, 5), (31, 4)]


def talents_table(rng: np.random.Generator, vocab: Vocabulary, lines: Lines, firms: Firms, uscc: pa.Array,
                  schema: pa.Schema, n_years: int, as_of: date) -> pa.Table:
    """About one registered talent per enterprise (capped), working at firms still in the park."""
    live = np.flatnonzero(firms.last == n_years - 1)
    n = min(firms.n, TALENT_CAP)
    weight = np.where(firms.tech[live], 3.0, 1.0) * np.exp(0.5 * firms.log_size[live])
    employer = live[ak.weighted(rng, weight, n)]
    cat = ak.weighted(rng, _CATEGORY_SHARE, n)
    edu, title, age = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    for c in range(len(CATEGORIES)):
        rows = np.flatnonzero(cat == c)
        edu[rows] = ak.weighted(rng, _EDUCATION_BY_CAT[c], len(rows))
        title[rows] = ak.weighted(rng, _TITLE_BY_CAT[c], len(rows))
        mean, sd = _AGE_BY_CAT[c]
        age[rows] = np.clip(np.round(rng.normal(mean, sd, len(rows))), 23, 70)
    birth = as_of.year - age
    lo = np.maximum.reduce([firms.founded[employer], ak.day(date(2000, 1, 1)) + np.zeros(n, np.int64),
                            np.array([ak.day(date(int(b) + 22, 7, 1)) for b in range(1900, 2010)])[birth - 1900]])
    arrival = lo + np.floor((ak.day(as_of) - lo) * rng.random(n) ** 0.6).astype(np.int64)
    extra = rng.random(n) < 0.3
    fields = ak.join(ak.take(lines.names, firms.line[employer], mask=extra),
                     ak.take(vocab.talent_fields_extra, rng.integers(0, len(vocab.talent_fields_extra), n), mask=~extra))
    return ak.table(schema, {
        "talent_id": ak.ids("T-", n, max(6, len(str(n)))),
        "name": naming.person_names(rng, vocab.surnames, vocab.given_chars, n),
        "education": ak.take(_EDUCATION, edu, mask=rng.random(n) < 0.02),
        "title": ak.take(_TITLE, title, mask=rng.random(n) < 0.05),
        "category": ak.take(CATEGORIES, cat),
        "employer_uscc": uscc.take(pa.array(employer)),
        "field": fields,
        "arrival_date": ak.dates(arrival),
        "birth_year": pa.array(birth.astype(np.int32)),
    })


@dataclass(frozen=True)
class Experts:
    """Experts with their hidden chain link and topics."""

    table: pa.Table
    link: np.ndarray  # global link index
    topics: list[list[str]]


def expert_count(enterprises: int) -> int:
    """Experts scale with the park up to the seeds' pool of 4,633."""
    return min(SEED_EXPERTS, max(10, round(enterprises * SEED_EXPERTS / SEED_ENTERPRISES)))


def experts_table(rng: np.random.Generator, vocab: Vocabulary, schema: pa.Schema, enterprises: int) -> Experts:
    """University experts, each with a chain link and a few of its topics as keywords."""
    n = expert_count(enterprises)
    links = vocab.links
    # Universities cover every field, so the pool is flatter than the parks' demand.
    demand = {e.name: sum(d.share * d.mix[e.name] for d in vocab.districts) for e in vocab.ecosystems}
    link = ak.weighted(rng, [np.sqrt(demand[e.name]) * lk.weight for e, lk in links], n)
    titles = list(vocab.expert_titles)
    title = ak.weighted(rng, list(vocab.expert_titles.values()), n)
    names = naming.person_names(rng, vocab.surnames, vocab.given_chars, n).to_pylist()
    rows: dict[str, list[str]] = {f: [] for f in ("institution", "fields", "keywords", "profile", "city")}
    topics = []
    for i in range(n):
        eco, lk = links[int(link[i])]
        unis = [(u, s) for u in vocab.universities for s, e in u.schools.items() if e == eco.name]
        uni, school = unis[int(ak.weighted(rng, [u.weight for u, _ in unis], 1)[0])]
        k = min(len(lk.topics), 2 + int(ak.weighted(rng, [0.3, 0.45, 0.25], 1)[0]))
        picked = [lk.topics[j] for j in sorted(rng.choice(len(lk.topics), k, replace=False))]
        topics.append(picked)
        rows["institution"].append(uni.name)
        rows["city"].append(uni.city)
        rows["fields"].append(f"{lk.name};{eco.name}")
        rows["keywords"].append(";".join(picked))
        rows["profile"].append(
            f"{uni.name}{school}{titles[int(title[i])]}，博士，长期从事{lk.name}方向研究，主要研究"
            f"{'、'.join(picked)}等，可为企业提供{picked[0]}等技术攻关、成果转化与博士入企服务。")
    table = ak.table(schema, {
        "expert_id": ak.ids("E-", n, 5), "name": pa.array(names, pa.string()),
        "title": ak.take(titles, title), **{f: ak.strings(v) for f, v in rows.items()},
    })
    return Experts(table=table, link=link, topics=topics)
