"""Throughput of the bulletin reader, and of JioNLP's money extractor on the same text in the same run.

The five seed articles (``../shared/seeds``) are repeated, round robin, until they add up to
--mb megabytes of UTF-8; each copy is read as its own document by `extract_facts` (the whole
reader: normalisation, boilerplate, clauses, numbers, periods, subjects, metrics), in one
process. Then JioNLP's ``jio.ner.extract_money`` runs over the same documents. Both are warmed
up on one document first (dictionaries load once). Goal: >= 1 MB/s.

Prints MB/s by wall clock and by CPU time (the CPU figure is steadier on a shared machine),
facts and money mentions found, and the ratio ParkBrain / JioNLP.

    .venv/bin/python benchmarks/bench_bulletins.py [--mb 10] [--no-jionlp] [--json]

JioNLP is not a ParkBrain dependency: ``pip install jionlp`` (the `bench` extra) for the comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from parkbrain.bulletins.extract import extract_facts

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def corpus(megabytes: float, seeds: Path = SEEDS) -> list[tuple[str, str]]:
    """(name, text) documents: the seeds repeated until they hold `megabytes` MB of UTF-8."""
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt"))]
    if not texts:
        sys.exit(f"no seed articles in {seeds}")
    docs, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        name, text = texts[i % len(texts)]
        docs.append((f"{i:05d}_{name}", text))
        size += len(text.encode("utf-8"))
        i += 1
    return docs


def _timed(run: Callable[[str, str], int], docs: list[tuple[str, str]]) -> dict:
    run(*docs[0])  # warm-up: dictionaries and caches load once per process
    wall, cpu, found = time.perf_counter(), time.process_time(), 0
    for name, text in docs:
        found += run(name, text)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = sum(len(t.encode("utf-8")) for _, t in docs) / 1_000_000
    return {"mb": round(size, 2), "docs": len(docs), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "mb_per_s_wall": round(size / wall, 3), "mb_per_s_cpu": round(size / cpu, 3), "found": found}


def parkbrain_run(name: str, text: str) -> int:
    return len(extract_facts(text, doc=name))


def jionlp_runner() -> Callable[[str, str], int] | None:
    """JioNLP's extract_money, or None when jionlp is not installed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
            import jionlp
    except ImportError:
        return None

    def run(name: str, text: str) -> int:
        return len(jionlp.ner.extract_money(text))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="size of the corpus in MB (default 10)")
    parser.add_argument("--no-jionlp", action="store_true", help="skip the JioNLP comparison")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    docs = corpus(args.mb)
    result = {"parkbrain": _timed(parkbrain_run, docs)}
    runner = None if args.no_jionlp else jionlp_runner()
    if runner is not None:
        result["jionlp_extract_money"] = _timed(runner, docs)
        for clock in ("wall", "cpu"):
            ours, theirs = result["parkbrain"][f"mb_per_s_{clock}"], result["jionlp_extract_money"][f"mb_per_s_{clock}"]
            result[f"ratio_{clock}"] = round(ours / theirs, 2)
    elif not args.no_jionlp:
        result["jionlp_extract_money"] = "not installed (pip install jionlp)"
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    for name, r in result.items():
        if isinstance(r, dict):
            print(f"{name:22} {r['mb']:6.2f} MB in {r['docs']:5d} docs: {r['mb_per_s_wall']:6.3f} MB/s wall, "
                  f"{r['mb_per_s_cpu']:6.3f} MB/s CPU ({r['wall_s']} s / {r['cpu_s']} s CPU); found {r['found']}")
        else:
            print(f"{name:22} {r}")
    goal = result["parkbrain"]["mb_per_s_wall"] >= 1.0
    print(f"goal >= 1 MB/s (wall): {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
