"""Chains: placement precision on the labelled demo sample, and placing + diagnosing 1,000,000 enterprises.

Prints:
1. precision and recall of the placement on the 230 hand-labelled demo enterprises
   (tests/data/chains/placement_labels.csv) and against the demo generator's hidden truth for
   all 2,000, with ablations (industry code only, texts only) and precision by confidence;
2. for N enterprises (default 1,000,000; two years of figures) in a DuckDB warehouse: wall time
   of placing the whole register (read, place, write) and of diagnosing every chain, and the
   peak memory (VmHWM of a child process doing only that); goal ≤ 60 s;
3. the baseline in the same run: a plain per-row Python loop (code lookup + `keyword in text`
   for every link, what one writes first) timed on a sample and extrapolated to N, and the
   diagnosis aggregates in pandas (merge + groupby) on the full set.

`--distinct-products F` gives a fraction F of the enterprises a product text of their own (a
model number before the first product), so that the distinct texts to tokenise are not only
the demo's few hundred: real registers repeat 经营范围 items (规范表述) but not every product.

    .venv/bin/python benchmarks/bench_chains.py [--enterprises 1000000] [--distinct-products 0.1]
                                                [--baseline-sample 20000] [--only precision|scale]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "chains" / "placement_labels.csv"


def _chain_tables() -> None:
    """Declare the chain tables (until parkbrain/warehouse/schema.py lists them)."""
    from parkbrain.chains.tables import CHAIN_TABLE_SPECS
    from parkbrain.warehouse.schema import TABLES

    for spec in CHAIN_TABLE_SPECS:
        TABLES.setdefault(spec.name, spec)


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- 1. precision ----------------------------------------------------------------------------

def precision() -> None:
    """Precision on the hand labels and on the generator's truth, with ablations."""
    import csv

    import duckdb

    from parkbrain.chains.catalogue import load_catalogue
    from parkbrain.chains.evaluation import placement_scores, primary_links, truth_links
    from parkbrain.chains.placement import PlacementRules, place_enterprises
    from parkbrain.demo import generate_park

    demo = generate_park(enterprises=2000, seed=1)
    rows = demo.tables["enterprises"]  # noqa: F841 - read by duckdb below
    firms = duckdb.sql("SELECT uscc, arg_max(industry_code, year) AS industry_code, arg_max(business_scope, year) "
                       "AS business_scope, arg_max(products, year) AS products FROM rows GROUP BY uscc").arrow()
    firms = firms.read_all() if hasattr(firms, "read_all") else firms
    cat = load_catalogue()
    with LABELS.open(encoding="utf-8") as fh:
        labels = {r["uscc"]: (None if r["label"] == "none" else r["label"]) for r in csv.DictReader(fh)}
    truth = truth_links(demo.hidden["enterprise_truth"], cat)
    variants = {"code + texts": PlacementRules(), "industry code only": PlacementRules(scope_weight=0, products_weight=0),
                "texts only": PlacementRules(code_weight=0), "code + scope": PlacementRules(products_weight=0),
                "code + products": PlacementRules(scope_weight=0)}
    print(f"placement precision (demo seed 1, 2,000 enterprises; {len(labels)} hand-labelled)")
    print(f"{'':20}{'hand P':>8}{'hand R':>8}{'truth P':>9}{'truth R':>9}{'placed':>8}")
    for name, rules in variants.items():
        placed = place_enterprises(firms, cat, rules)
        got = primary_links(placed)
        hand, full = placement_scores(got, labels), placement_scores(got, truth)
        print(f"{name:20}{hand['precision']:>8.3f}{hand['recall']:>8.3f}{full['precision']:>9.3f}"
              f"{full['recall']:>9.3f}{full['placed']:>8,}")
        if name == "code + texts":
            calibration(placed, truth)
            for u, p, e in hand["wrong"]:
                print(f"  hand label differs: {u} placed {p} labelled {e}")
    agree = placement_scores(labels, {u: truth[u] for u in labels})
    print(f"  hand labels against the generator's truth: accuracy {agree['accuracy']:.3f}")
    overlap(cat)


def overlap(cat) -> None:
    """How much of the demo's wording the chain keywords contain (why the demo is easy to place)."""
    import yaml

    vocab = yaml.safe_load((ROOT / "src" / "parkbrain" / "demo" / "vocabulary.yaml").read_text("utf-8"))
    words = {w for lk in cat.links for w in (*lk.keywords, *lk.generic)}
    for field in ("scope", "products"):
        items = [i for eco in vocab["ecosystems"] for lk in eco["links"] for i in lk[field]]
        exact = sum(1 for i in items if i in words)
        print(f"  demo {field} phrases that are chain keywords verbatim: {exact}/{len(items)}")


def calibration(placed, truth: dict) -> None:
    """Precision by confidence band (against the truth)."""
    bands = [(0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
    rows = [r for r in placed.to_pylist() if r["rank"] == 1]
    parts = []
    for lo, hi in bands:
        mine = [r for r in rows if lo <= r["confidence"] < hi]
        right = sum(1 for r in mine if truth.get(r["uscc"]) == f"{r['chain']}/{r['link']}")
        parts.append(f"[{lo:.1f},{min(hi, 1):.1f}) {len(mine)} at {right / len(mine):.3f}" if mine else f"[{lo},{hi}) 0")
    print("  precision by confidence: " + "; ".join(parts))


# --- 2. scale ----------------------------------------------------------------------------------

def build(home: Path, n: int, distinct: float) -> dict:
    """A warehouse of n demo enterprises x 2 years; `distinct` of them get products of their own."""
    from parkbrain.app import ParkBrain
    from parkbrain.demo import generate_park
    from parkbrain.importing.service import write_batch
    from parkbrain.importing.templates import load_templates
    from parkbrain.settings import Settings

    started = time.perf_counter()
    demo = generate_park(enterprises=n, seed=5, years=(2024, 2025))
    with ParkBrain(Settings(home=home)) as park:
        with park.warehouse.transaction():
            write_batch(park.warehouse, load_templates()["enterprises"], demo.tables["enterprises"])
            park.warehouse.upsert("projects", demo.tables["projects"])
        park.warehouse.con.execute(  # a model number before the first product: a text of its own
            "UPDATE enterprises SET products = 'M' || substr(md5(uscc), 1, 8) || '型' || products "
            f"WHERE products IS NOT NULL AND hash(uscc) % 1000 < {int(distinct * 1000)}")
        distinct_products = park.warehouse.con.execute("SELECT count(DISTINCT products) FROM enterprises").fetchone()[0]
    return {"seconds": time.perf_counter() - started, "distinct_products": distinct_products}


def child_parkbrain(home: str) -> dict:
    """Place the register and diagnose every chain; seconds of each, rows, peak memory."""
    from parkbrain.app import ParkBrain
    from parkbrain.chains.catalogue import load_catalogue
    from parkbrain.chains.diagnosis import diagnose
    from parkbrain.chains.store import place_register
    from parkbrain.chains.targets import load_targets
    from parkbrain.settings import Settings

    started = time.perf_counter()
    with ParkBrain(Settings(home=Path(home))) as park:
        cat = load_catalogue()
        summary = place_register(park.warehouse, cat)
        placed = time.perf_counter()
        dx = diagnose(park.warehouse, cat, load_targets())
        done = time.perf_counter()
    return {"place": placed - started, "diagnose": done - placed, "total": done - started,
            "enterprises": summary["enterprises"], "placed": summary["placed"], "rows": summary["rows"],
            "findings": {k: len(v) for k, v in dx["findings"].items()}, "peak_mb": _peak_mb()}


def naive_place(row: dict, links: list) -> str | None:
    """What one writes first: for every link, a code lookup and `keyword in text` for each keyword."""
    best, best_score = None, 0.0
    code, scope, products = row["industry_code"] or "", row["business_scope"] or "", row["products"] or ""
    for lk in links:
        score = 1.0 if code in lk.codes else 0.0
        score += sum(1 for k in lk.keywords if k in scope) + sum(1 for k in lk.keywords if k in products)
        if score > best_score:
            best, best_score = lk.key, score
    return best if best_score >= 1 else None


def child_baseline(home: str, sample: str) -> dict:
    """The per-row loop on a sample (extrapolated), and the diagnosis aggregates in pandas on the full set."""
    import duckdb

    from parkbrain.chains.catalogue import load_catalogue

    con = duckdb.connect(str(Path(home) / "warehouse.duckdb"), read_only=True)
    firms = con.execute(f"SELECT uscc, industry_code, business_scope, products FROM enterprises "
                        f"USING SAMPLE {int(sample)} ROWS").df()
    total = con.execute("SELECT count(*) FROM enterprises").fetchone()[0]
    links = list(load_catalogue().links)
    started = time.perf_counter()
    firms["link"] = firms.apply(lambda r: naive_place(r, links), axis=1)
    per_row = (time.perf_counter() - started) / len(firms)
    started = time.perf_counter()
    placed = con.execute("SELECT uscc, chain, link FROM chain_placements WHERE rank = 1").df()
    years = con.execute("SELECT uscc, year, revenue, rd_expense FROM enterprise_years").df()
    register = con.execute("SELECT uscc, district FROM enterprises").df()
    cur, prev = years[years.year == 2025], years[years.year == 2024][["uscc", "revenue"]]
    t = placed.merge(register, on="uscc").merge(cur, on="uscc").merge(prev, on="uscc", how="left", suffixes=("", "_p"))
    t["revenue_sq"] = t.revenue ** 2
    t.groupby(["district", "chain", "link"]).agg(enterprises=("uscc", "size"), revenue=("revenue", "sum"),
                                                   rd=("rd_expense", "sum"), revenue_sq=("revenue_sq", "sum"),
                                                   previous=("revenue_p", "sum"))
    diagnose_s = time.perf_counter() - started
    return {"place": per_row * total, "per_row_ms": per_row * 1000, "diagnose": diagnose_s, "sample": len(firms),
            "peak_mb": _peak_mb()}


def run_child(kind: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def scale(n: int, distinct: float, sample: int) -> None:
    """Build the warehouse, then time ParkBrain and the baseline in child processes."""
    with tempfile.TemporaryDirectory() as tmp:
        built = build(Path(tmp), n, distinct)
        print(f"\nbuilt {n:,} enterprises x 2 years in {built['seconds']:.1f} s "
              f"({built['distinct_products']:,} distinct product texts)")
        ours = run_child("parkbrain", tmp)
        base = run_child("baseline", tmp, str(sample))
    print(f"{'':28}{'place s':>10}{'diagnose s':>12}{'total s':>10}{'peak MB':>10}")
    print(f"{'ParkBrain':28}{ours['place']:>10.1f}{ours['diagnose']:>12.1f}{ours['total']:>10.1f}{ours['peak_mb']:>10,.0f}")
    print(f"{'baseline (per-row, pandas)':28}{base['place']:>10.1f}{base['diagnose']:>12.1f}"
          f"{base['place'] + base['diagnose']:>10.1f}{base['peak_mb']:>10,.0f}")
    print(f"  baseline placement: {base['per_row_ms']:.3f} ms per enterprise on a {base['sample']:,} sample, "
          f"extrapolated to {n:,}")
    print(f"  placed {ours['placed']:,} of {ours['enterprises']:,} ({ours['rows']:,} rows with second links); "
          f"findings {ours['findings']}")
    print(f"  speed-up over the baseline: {(base['place'] + base['diagnose']) / ours['total']:.1f}x; "
          f"goal <= 60 s: {'met' if ours['total'] <= 60 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--distinct-products", type=float, default=0.1)
    parser.add_argument("--baseline-sample", type=int, default=20_000)
    parser.add_argument("--only", choices=("precision", "scale"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _chain_tables()
    if args.child:
        kind, *rest = args.child
        result = child_parkbrain(*rest) if kind == "parkbrain" else child_baseline(*rest)
        print(json.dumps(result))
        return
    if args.only != "scale":
        precision()
    if args.only != "precision":
        scale(args.enterprises, args.distinct_products, args.baseline_sample)


if __name__ == "__main__":
    main()
