"""Expert retrieval quality: NDCG@10 and recall@10 on the labelled needs, against a baseline.

    .venv/bin/python benchmarks/eval_matching.py            # evaluate on tests/data/matching/eval_needs.jsonl
    .venv/bin/python benchmarks/eval_matching.py --build    # (re)write that file from the demo generator

The needs and their graded experts come from the demo park (20,000 enterprises, seed 20231:
4,633 experts, 5,544 needs) and its hidden fields (see parkbrain.matching.evaluation and
tests/data/matching/README.md). Methods compared, each returning its top 10:

- keyword_containment: how many of the need's words occur verbatim in the expert's text
  (a LIKE '%word%' search; no weights) — the plain baseline;
- bm25: BM25 over jieba terms, text only;
- bm25+signals: what ParkBrain ranks with (BM25 + field, city, institution);
- bigram_embedding: a model-free stand-in for an embedding model through the Ranker protocol.

Two query forms: the need's title and description (as posted), and the title alone (short).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from parkbrain.demo import generate_park
from parkbrain.matching.evaluation import STRATA, ContainmentRanker, build_eval_set, evaluate
from parkbrain.matching.experts import ExpertQuery, MatchWeights, find_experts
from parkbrain.matching.index import build_expert_index
from parkbrain.matching.rankers import BM25Ranker, EmbeddingRanker, hashed_bigrams

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "tests" / "data" / "matching" / "eval_needs.jsonl"
ENTERPRISES, SEED, CITY = 20_000, 20231, "杭州"
TEXT_ONLY = MatchWeights(text=1.0, field=0.0, location=0.0, institution=0.0)


def load_items(path: Path = EVAL_FILE) -> list[dict]:
    """The labelled needs, one JSON object per line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_items(items: list[dict], path: Path = EVAL_FILE) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")


def methods() -> dict[str, tuple]:
    return {
        "keyword_containment": (ContainmentRanker(), TEXT_ONLY),
        "bm25": (BM25Ranker(), TEXT_ONLY),
        "bm25+signals": (BM25Ranker(), MatchWeights()),
        "bigram_embedding": (EmbeddingRanker(hashed_bigrams(512), name="bigrams"), TEXT_ONLY),
    }


def query_of(item: dict, form: str) -> ExpertQuery:
    text = item["title"] if form == "title" else f"{item['title']}。{item['description']}"
    return ExpertQuery(text=text, field=item["field"], city=CITY, need_id=item["need_id"])


def run(items: list[dict], index, form: str) -> list[tuple]:
    rows = []
    for name, (ranker, weights) in methods().items():
        started = time.perf_counter()
        ranked = {it["need_id"]: [m.expert_id for m in find_experts(index, query_of(it, form), k=10, ranker=ranker,
                                                                      weights=weights, explain=False)]
                  for it in items}
        seconds = time.perf_counter() - started
        for stratum in (None, *STRATA):
            subset = [it for it in items if stratum is None or it["stratum"] == stratum]
            s = evaluate(name, ranked, subset)
            rows.append((form, name, stratum or "all", s.needs, s.ndcg10, s.recall10, s.recall10_full,
                         seconds / len(items) * 1000))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="rewrite the labelled needs from the demo generator")
    args = parser.parse_args(argv)
    demo = generate_park(enterprises=ENTERPRISES, seed=SEED)
    if args.build:
        items = build_eval_set(demo)
        write_items(items)
        print(f"wrote {len(items)} needs to {EVAL_FILE.relative_to(ROOT)}")
        return 0
    items = load_items()
    index = build_expert_index(demo.tables["experts"])
    print(f"{len(items)} labelled needs, pool of {index.n:,} experts (demo: {ENTERPRISES:,} enterprises, seed {SEED})")
    print("recall@10: share of the experts sharing a topic (grade ≥ 2) in the top 10, out of min(10, their number);")
    print("full@10: the same for experts covering every topic of the need (grade 3). Gain 2^grade − 1 for NDCG.\n")
    header = f"{'query':<6} {'method':<20} {'stratum':<15} {'needs':>5} {'NDCG@10':>8} {'recall@10':>9} {'full@10':>8} {'ms/need':>8}"
    print(header)
    print("-" * len(header))
    for form in ("full", "title"):
        for row in run(items, index, form):
            print(f"{row[0]:<6} {row[1]:<20} {row[2]:<15} {row[3]:>5} {row[4]:>8.4f} {row[5]:>9.4f} {row[6]:>8.4f} {row[7]:>8.2f}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
