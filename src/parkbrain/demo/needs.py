"""Technology needs (企业技术需求模板) and the hidden need ↔ expert relevance they were built with."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from parkbrain.demo import arrowkit as ak
from parkbrain.demo.firms import Firms
from parkbrain.demo.panel import Coded
from parkbrain.demo.people import SEED_ENTERPRISES, Experts
from parkbrain.demo.vocab import Vocabulary

SEED_NEEDS = 5544  # seeds 004: 5,544 firms served by the expert pool
SAMPLED = 3  # judged weak (same link, no shared topic) and irrelevant experts listed per need

_TITLES = ["{t0}技术攻关", "{link}{t0}关键技术研发", "{t0}技术合作开发", "{t0}与{t1}联合攻关"]


def need_count(enterprises: int) -> int:
    """Needs scale with the park up to the seeds' 5,544."""
    return min(SEED_NEEDS, max(10, round(enterprises * SEED_NEEDS / SEED_ENTERPRISES)))


def _relevance(need_link: np.ndarray, need_topics: list[list[str]], experts: Experts,
               vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(need, expert, relevance) for same-link pairs: 3 all topics covered, 2 some, 1 none."""
    links = vocab.links
    out = []
    for li in np.unique(need_link):
        topics = links[int(li)][1].topics
        bit = {t: 1 << j for j, t in enumerate(topics)}
        needs = np.flatnonzero(need_link == li)
        exps = np.flatnonzero(experts.link == li)
        if not len(exps):
            continue
        nm = np.array([sum(bit[t] for t in need_topics[i]) for i in needs])
        em = np.array([sum(bit[t] for t in experts.topics[e]) for e in exps])
        overlap = nm[:, None] & em[None, :]
        rel = np.where(overlap == nm[:, None], 3, np.where(overlap > 0, 2, 1))
        out.append((np.repeat(needs, len(exps)), np.tile(exps, len(needs)), rel.ravel()))
    if not out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))  # type: ignore[return-value]


def needs_tables(rng: np.random.Generator, vocab: Vocabulary, firms: Firms, uscc: pa.Array,
                 products: Coded, experts: Experts, schema: pa.Schema, n_years: int,
                 as_of: date) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The needs table, need_truth (need_id, expert_id, relevance) and need_topics."""
    n = need_count(firms.n)
    pool = np.flatnonzero((firms.last == n_years - 1) & (firms.eco >= 0))
    firm = pool[ak.weighted(rng, np.exp(0.5 * firms.quality[pool]), n)]
    links = vocab.links
    link = firms.line[firm].copy()
    # One need in ten asks for a neighbouring link of the firm's ecosystem.
    for i in np.flatnonzero(rng.random(n) < 0.1):
        same = [j for j, (e, _) in enumerate(links) if e.name == links[int(link[i])][0].name]
        link[i] = same[int(rng.integers(len(same)))]
    prods = products.rows(firm).to_pylist()
    titles, descriptions, topics = [], [], []
    for i in range(n):
        eco, lk = links[int(link[i])]
        k = 1 if rng.random() < 0.4 else 2
        picked = [lk.topics[j] for j in sorted(rng.choice(len(lk.topics), k, replace=False))]
        topics.append(picked)
        form = _TITLES[int(rng.integers(len(_TITLES) if len(picked) > 1 else len(_TITLES) - 1))]
        titles.append(form.format(t0=picked[0], t1=picked[-1], link="" if lk.name in picked[0] else lk.name))
        about = f"我公司主营{prods[i]}，" if prods[i] else f"我公司属{eco.name}产业，"
        descriptions.append(f"{about}现需在{'、'.join(picked)}方面寻求高校院所专家合作，解决{lk.name}"
                            "产品研发中的关键技术问题，可采用技术开发、委托研发或博士入企等方式合作。")
    start = np.maximum(firms.founded[firm], ak.day(as_of) - 3 * 365)
    posted = start + np.floor((ak.day(as_of) - start) * rng.random(n)).astype(np.int64)
    need_ids = ak.ids("N-", n, 6)
    table = ak.table(schema, {
        "need_id": need_ids, "uscc": uscc.take(pa.array(firm)), "title": ak.strings(titles),
        "description": ak.strings(descriptions), "field": ak.take([lk.name for _, lk in links], link),
        "budget": ak.numbers(np.round(np.clip(np.exp(rng.normal(np.log(30), 1.0, n)), 2, 2000), 1),
                             rng.random(n) < 0.1),
        "posted_on": ak.dates(posted),
    })

    need, expert, rel = _relevance(link, topics, experts, vocab)
    # All shared-topic pairs; a sample of same-link pairs without one (1) and of other ecosystems (0).
    weak = np.flatnonzero(rel == 1)
    weak = weak[np.argsort(need[weak] + rng.random(len(weak)), kind="stable")]
    first = np.searchsorted(need[weak], need[weak], side="left")
    weak = weak[np.arange(len(weak)) - first < SAMPLED]
    keep_pairs = np.concatenate([np.flatnonzero(rel >= 2), weak])
    need, expert, rel = need[keep_pairs], expert[keep_pairs], rel[keep_pairs]
    eco_of = np.array([vocab.ecosystems.index(e) for e, _ in links])
    neg_need = np.repeat(np.arange(n), SAMPLED)
    neg_exp = rng.integers(0, len(experts.link), len(neg_need))
    other = eco_of[experts.link[neg_exp]] != eco_of[link[neg_need]]
    need = np.concatenate([need, neg_need[other]])
    expert = np.concatenate([expert, neg_exp[other]])
    rel = np.concatenate([rel, np.zeros(int(other.sum()), np.int64)])
    order = np.lexsort((expert, need))
    keep = order[np.r_[True, (np.diff(need[order]) != 0) | (np.diff(expert[order]) != 0)]]
    expert_ids = experts.table.column("expert_id").combine_chunks()
    truth = pa.table({"need_id": need_ids.take(pa.array(need[keep])),
                      "expert_id": expert_ids.take(pa.array(expert[keep])),
                      "relevance": pa.array(rel[keep].astype(np.int8))})
    need_topics = pa.table({
        "need_id": need_ids, "ecosystem": ak.take([e.name for e, _ in links], link),
        "chain_link": ak.take([lk.name for _, lk in links], link),
        "topics": pa.array(topics, pa.list_(pa.string())),
    })
    return table, truth, need_topics
