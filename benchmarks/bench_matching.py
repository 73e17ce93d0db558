"""Matching benchmark (issue 6): expert search at 100,000 and 1,000,000 experts, the batch round
of 5,544 needs against 4,633 experts, and 一键找园 over 100,000 listings — each with a baseline.

    .venv/bin/python benchmarks/bench_matching.py                 # everything
    .venv/bin/python benchmarks/bench_matching.py --only spaces   # experts | batch | spaces
    .venv/bin/python benchmarks/bench_matching.py --sizes 100000  # expert pool sizes

Goals: ≥ 200 queries/s at 100,000 experts, batch ≤ 5 s, space search p95 ≤ 50 ms.
Single process. Experts are synthesised from the demo's vocabulary (chain links, topics,
universities, titles) at the demo's proportions; queries are the demo park's own needs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from functools import partial

import numpy as np
import pyarrow as pa

from parkbrain.demo import generate_park
from parkbrain.demo.vocab import load_vocabulary
from parkbrain.importing.templates import load_templates
from parkbrain.matching.assignment import assign, greedy
from parkbrain.matching.evaluation import ContainmentRanker
from parkbrain.matching.experts import batch_candidates, find_experts, needs_queries
from parkbrain.matching.index import build_expert_index
from parkbrain.matching.space_needs import USES, SpaceNeeds
from parkbrain.matching.spaces import SpaceCatalogue, find_spaces
from parkbrain.matching.text import warm_up

CITY = "杭州"


def synth_experts(n: int, seed: int = 7) -> pa.Table:
    """`n` experts drawn like the demo's: a chain link, 2–4 of its topics, a university school."""
    vocab = load_vocabulary()
    rng = np.random.default_rng(seed)
    links = vocab.links
    weights = np.array([lk.weight for _, lk in links])
    link = rng.choice(len(links), n, p=weights / weights.sum())
    schools = {e.name: [(u.name, s, u.city, u.weight) for u in vocab.universities
                        for s, eco in u.schools.items() if eco == e.name] for e in vocab.ecosystems}
    titles = list(vocab.expert_titles)
    title = rng.choice(len(titles), n, p=np.array(list(vocab.expert_titles.values())) / sum(vocab.expert_titles.values()))
    keywords, fields, institution, city, profile = [None] * n, [None] * n, [None] * n, [None] * n, [None] * n
    for li, (eco, lk) in enumerate(links):
        rows = np.flatnonzero(link == li)
        if not len(rows):
            continue
        t = len(lk.topics)
        k = np.minimum(t, 2 + rng.choice(3, len(rows), p=[0.3, 0.45, 0.25]))
        order = np.argsort(rng.random((len(rows), t)), axis=1)
        options = schools[eco.name]
        w = np.array([o[3] for o in options], float)
        pick = rng.choice(len(options), len(rows), p=w / w.sum())
        for j, r in enumerate(rows.tolist()):
            topics = [lk.topics[i] for i in sorted(order[j, :k[j]].tolist())]
            uni, school, c, _ = options[pick[j]]
            keywords[r], fields[r], institution[r], city[r] = ";".join(topics), f"{lk.name};{eco.name}", uni, c
            profile[r] = (f"{uni}{school}{titles[title[r]]}，博士，长期从事{lk.name}方向研究，主要研究"
                          f"{'、'.join(topics)}等，可为企业提供{topics[0]}等技术攻关、成果转化与博士入企服务。")
    width = len(str(n))
    return pa.table({"expert_id": [f"E-{i:0{width}d}" for i in range(1, n + 1)], "name": [f"专家{i}" for i in range(n)],
                     "institution": institution, "title": [titles[i] for i in title], "fields": fields,
                     "keywords": keywords, "profile": profile, "city": city},
                    schema=load_templates()["experts"].arrow_schema)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def latencies(calls) -> tuple[float, float, float]:
    """(queries per second, p50 ms, p95 ms) of a list of zero-argument calls."""
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    ms = np.array(times) * 1000
    return len(times) / sum(times), float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def bench_experts(sizes: list[int], needs: list, queries: int) -> None:
    print("== Expert search: one query at a time (BM25 + field/city/institution signals, top 10)")
    texts = [q for q in needs]
    for n in sizes:
        table, build_s = timed(synth_experts, n)
        index, index_s = timed(build_expert_index, table)
        del table
        count = queries if n <= 200_000 else max(100, queries // 5)
        rng = np.random.default_rng(n)
        sample = [texts[i] for i in rng.choice(len(texts), count, replace=False)]
        find_experts(index, sample[0], k=10)  # warm the tokenizer's memo like a running server
        qps, p50, p95 = latencies([partial(find_experts, index, q, k=10, explain=False) for q in sample])
        qps_x, p50_x, p95_x = latencies([partial(find_experts, index, q, k=10) for q in sample])
        base = ContainmentRanker()
        few = sample[: 20 if n <= 200_000 else 5]
        base._documents(index)  # the texts once, outside the timing
        qps_b, p50_b, _ = latencies([partial(base.scores, index, q.text) for q in few])
        print(f"  {n:>9,} experts: synthesised {build_s:5.1f}s, indexed {index_s:5.1f}s "
              f"({len(index.vocab):,} terms, {len(index.data):,} postings)")
        print(f"      search           {qps:8.1f} q/s   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   ({count} queries)")
        print(f"      search+explain   {qps_x:8.1f} q/s   p50 {p50_x:6.2f} ms   p95 {p95_x:6.2f} ms")
        print(f"      baseline scan    {qps_b:8.1f} q/s   p50 {p50_b:6.2f} ms   (keyword containment, {len(few)} queries)")
        del index, base
        gc.collect()
    print()


def bench_batch(demo) -> None:
    print("== Batch round: every need of the demo park against its pool (k = 3, m = 2)")
    experts, needs = demo.tables["experts"], demo.tables["tech_needs"]
    started = time.perf_counter()
    index, t_index = timed(build_expert_index, experts)
    queries, t_queries = timed(needs_queries, needs, city=CITY)
    pairs, t_retrieval = timed(batch_candidates, index, queries, per_need=20)
    chosen, t_assign = timed(assign, pairs.need, pairs.expert, pairs.score, k=3, m=2)
    total = time.perf_counter() - started
    base, t_greedy = timed(greedy, pairs.need, pairs.expert, pairs.score, k=3, m=2)
    loop, t_loop = timed(lambda: [find_experts(index, q, k=20, explain=False) for q in queries])
    print(f"  {len(queries):,} needs × {index.n:,} experts → {len(pairs.need):,} candidate pairs")
    print(f"  end to end {total:5.2f}s = index {t_index:.2f}s + queries {t_queries:.2f}s + "
          f"retrieval {t_retrieval:.2f}s + assignment (LP, HiGHS) {t_assign:.2f}s")
    print(f"  optimum: {len(chosen.need):,} pairs, total score {chosen.total:,.1f}; "
          f"needs served {len(np.unique(chosen.need)):,}, experts used {len(np.unique(chosen.expert)):,}")
    print(f"  baseline greedy (best pair first): {len(base.need):,} pairs, total {base.total:,.1f} "
          f"({(chosen.total / base.total - 1) * 100:+.1f}% for the optimum), {t_greedy:.2f}s")
    print(f"  baseline retrieval, one search per need: {t_loop:.2f}s (batch: {t_retrieval:.2f}s)")
    print()


def synth_spaces(demo, n: int, seed: int = 11) -> pa.Table:
    """`n` listings: the demo's listings repeated with area, rent and dates varied, statuses redrawn."""
    rng = np.random.default_rng(seed)
    base = demo.tables["spaces"]
    idx = rng.integers(0, base.num_rows, n)
    t = base.take(pa.array(idx))
    jitter = rng.uniform(0.8, 1.25, n)
    area = np.round(t.column("area_sqm").to_numpy() * jitter, 1)
    rent = pa.array(np.round(t.column("rent").to_numpy(zero_copy_only=False) * rng.uniform(0.9, 1.1, n), 2))
    days = t.column("available_from").cast(pa.int32()).to_numpy(zero_copy_only=False) + rng.integers(-200, 200, n)
    status = rng.choice(["available", "let", "withdrawn"], n, p=[0.75, 0.2, 0.05])
    width = len(str(n))
    return (t.set_column(0, "space_id", pa.array([f"S-{i:0{width}d}" for i in range(1, n + 1)]))
             .set_column(4, "area_sqm", pa.array(area)).set_column(5, "rent", rent)
             .set_column(11, "available_from", pa.array(days.astype(np.int32)).cast(pa.date32()))
             .set_column(12, "status", pa.array(status)))


def random_needs(demo, count: int, seed: int = 5) -> list[SpaceNeeds]:
    rng = np.random.default_rng(seed)
    parks = demo.tables["parks"].to_pylist()
    ecosystems = [e.name for e in load_vocabulary().ecosystems]
    out = []
    for _ in range(count):
        low = float(rng.choice([50, 100, 200, 500, 1000]))
        out.append(SpaceNeeds(
            area_min=low, area_max=low * float(rng.choice([2, 3, 5])), budget=float(rng.choice([2, 3, 4, 6])),
            use=str(rng.choice(USES)) if rng.random() < 0.6 else None,
            industry=str(rng.choice(ecosystems)) if rng.random() < 0.7 else None,
            districts=(str(rng.choice(["滨江区", "钱塘区", "西湖区"])),) if rng.random() < 0.4 else (),
            parks=(parks[int(rng.integers(len(parks)))]["park_id"],) if rng.random() < 0.2 else (),
            move_in=dt.date(2026, 1, 1) + dt.timedelta(days=int(rng.integers(0, 200))),
            floor_load=float(rng.choice([3, 5, 8])) if rng.random() < 0.2 else None,
            clean_room=str(rng.choice(["ISO 7", "ISO 8"])) if rng.random() < 0.1 else None,
            power_kva=float(rng.choice([100, 300])) if rng.random() < 0.2 else None,
            ceiling_height=float(rng.choice([4, 6])) if rng.random() < 0.1 else None))
    return out


def naive_find(rows: list[dict], parks: dict, needs: SpaceNeeds) -> list[dict]:
    """The baseline: the hard constraints and a sort, one Python dict at a time."""
    hits = []
    for r in rows:
        if r["status"] != "available" or (needs.use and r["use"] != needs.use):
            continue
        if needs.area_min and r["area_sqm"] < needs.area_min * 0.9 or needs.area_max and r["area_sqm"] > needs.area_max * 1.1:
            continue
        if needs.budget and r["rent"] is not None and r["rent"] > needs.budget * 1.1:
            continue
        fit = 1.0 if needs.industry and needs.industry in (parks.get(r["park_id"]) or "") else 0.0
        hits.append((-fit, r["rent"] or 0.0, r["space_id"], r))
    hits.sort(key=lambda h: h[:3])
    return [h[3] for h in hits[:20]]


def bench_spaces(demo, n: int, count: int) -> None:
    print(f"== 一键找园 over {n:,} listings ({count} random needs, top 20 with reasons)")
    spaces = synth_spaces(demo, n)
    catalogue, t_build = timed(SpaceCatalogue, spaces, demo.tables["parks"])
    needs = random_needs(demo, count)
    today = dt.date(2026, 1, 1)
    qps, p50, p95 = latencies([lambda x=x: find_spaces(catalogue, None, x, today=today) for x in needs])
    shown = statistics.median(find_spaces(catalogue, None, x, today=today).shown for x in needs[:50])
    rows = spaces.to_pylist()
    parks = {p["park_id"]: p["orientation"] for p in demo.tables["parks"].to_pylist()}
    qps_b, p50_b, p95_b = latencies([lambda x=x: naive_find(rows, parks, x) for x in needs[:20]])
    print(f"  catalogue built in {t_build:.2f}s; median {shown:,.0f} listings pass a search")
    print(f"  find_spaces       p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   ({qps:,.0f} searches/s)")
    print(f"  baseline row loop p50 {p50_b:6.2f} ms   p95 {p95_b:6.2f} ms   (hard constraints + sort only, 20 searches)")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["experts", "batch", "spaces"], action="append")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000, help="queries per pool size (fewer at 1,000,000)")
    parser.add_argument("--listings", type=int, default=100_000)
    args = parser.parse_args(argv)
    only = set(args.only or ["experts", "batch", "spaces"])
    demo, t_demo = timed(generate_park, enterprises=20_000, seed=20231)
    _, t_jieba = timed(warm_up)
    print(f"demo park generated in {t_demo:.1f}s: {demo.tables['experts'].num_rows:,} experts, "
          f"{demo.tables['tech_needs'].num_rows:,} needs, {demo.tables['spaces'].num_rows:,} listings")
    print(f"jieba's dictionary loaded in {t_jieba:.1f}s (once per process; not counted below)\n")
    if "experts" in only:
        bench_experts(args.sizes, needs_queries(demo.tables["tech_needs"], city=CITY), args.queries)
    if "batch" in only:
        bench_batch(demo)
    if "spaces" in only:
        bench_spaces(demo, args.listings, 300)
    return 0


if __name__ == "__main__":
    sys.exit(main())
