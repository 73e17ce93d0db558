"""Capacity: policy evaluation, chain placement and diagnosis, and indicators at N enterprises × 3 years.

For each size N (default 100,000 and 1,000,000) on one backend (DuckDB, or Spark in local mode):

1. build (not counted in the figures, printed): the demo generator's enterprises (2022–2024) and
   talents, generated in chunks of at most 1,000,000 enterprises (seeds 7, 8, …; an enterprise
   code drawn again by a later chunk is kept once, and chunks go on until N distinct enterprises
   are in) and appended to a fresh warehouse;
2. measure, in a child process that does only this: every policy of the shipped catalogue for every
   enterprise and talent with the explanations (results consumed policy by policy), placing the
   register on the chains and diagnosing them, and the cockpit's indicators (the one aggregate
   query over the panel, reported figures, targets) with the enterprise early warnings of the
   latest year. Wall time per phase, and peak resident memory of the whole process tree (the
   Python process plus, on Spark, its JVM), sampled every 50 ms with psutil; the Python process's
   own peak (VmHWM) as well.

Then the growth of each phase's cost with size: the ratio to the previous size and the exponent
k in time ∝ N^k. Goal (issue #9): 10,000,000 enterprises × 3 years on DuckDB within 24 GB.

    .venv/bin/python benchmarks/bench_capacity.py [--backend duckdb|spark] [--sizes 100000,1000000]
        [--home DIR] [--spark-memory 12g] [--chunk 1000000] [--json]

`--home DIR` keeps each size's warehouse in DIR/<backend>-<N> and reuses it on the next run.
Needs psutil (`pip install -e '.[bench]'`); `--backend spark` needs the `spark` extra and Java 17.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

YEARS = (2022, 2023, 2024)
CHUNK = 1_000_000
BUILT = "bench_capacity"  # meta key: the enterprises the warehouse was built with


def settings_for(home: Path, backend: str, spark_memory: str):
    from parkbrain.settings import Settings

    extra = {"warehouse_backend": "spark", "spark_driver_memory": spark_memory} if backend == "spark" else {}
    return Settings(home=home, **extra)


# --- memory ------------------------------------------------------------------------------------

class TreeMemory:
    """Peak resident memory of this process and its children (the JVM), sampled in a thread."""

    def __init__(self, every: float = 0.05) -> None:
        import psutil

        self.me, self.every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def now(self) -> int:
        total = 0
        for p in [self.me, *self.me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # a child that just ended
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(self.every)

    def reset(self) -> None:
        self.peak = self.now()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def own_peak_mb() -> float:
    """This process's own peak resident memory (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- build -------------------------------------------------------------------------------------

def chunk_tables(n: int, k: int):
    """The k-th chunk's enterprise and talent tables (n enterprises, seed 7 + k)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkbrain.demo import generate_park

    demo = generate_park(enterprises=n, seed=7 + k, years=YEARS)
    talents = demo.tables["talents"]
    ids = pc.binary_join_element_wise(pa.scalar(f"T{k}-"), talents["talent_id"], "")
    return demo.tables["enterprises"], talents.set_column(0, "talent_id", ids)


def build(home: Path, backend: str, n: int, spark_memory: str, chunk: int = CHUNK) -> dict:
    """A warehouse of n demo enterprises × 3 years and their talents (kept when already built)."""
    import pyarrow.compute as pc

    from parkbrain.app import ParkBrain
    from parkbrain.importing.service import latest_enterprise_rows
    from parkbrain.warehouse.schema import TABLES

    started = time.perf_counter()
    with ParkBrain(settings_for(home, backend, spark_memory)) as park:
        w = park.warehouse
        if w.meta().get(BUILT) == str(n):
            return {"reused": True, "seconds": 0.0, "enterprise_years": w.count("enterprise_years"),
                    "enterprises": w.count("enterprises"), "talents": w.count("talents")}
        for name in ("enterprises", "enterprise_years", "talents", "chain_placements", "meta"):
            w.truncate(name)
        done, k = 0, 0
        while done < n:
            size = min(chunk, n - done)
            years, talents = chunk_tables(max(size, 20), k)
            if size < 20:  # the generator's smallest park: keep just the enterprises still wanted
                wanted = pc.unique(years["uscc"])[:size]
                years = years.filter(pc.is_in(years["uscc"], value_set=wanted))
            if done:  # an enterprise code drawn again by a later chunk: keep the first
                seen = w.to_arrow(w.table("enterprises").select("uscc"))["uscc"].combine_chunks()
                years = years.filter(pc.invert(pc.is_in(years["uscc"], value_set=seen)))
            with w.transaction():
                w.append("enterprise_years", years.select(TABLES["enterprise_years"].schema.names))
                w.append("enterprises", latest_enterprise_rows(w, years))
                w.append("talents", talents)
            # Count only the enterprises kept, so the warehouse ends with exactly n of them.
            done, k = done + len(pc.unique(years["uscc"])), k + 1
            print(f"  built {done:,} of {n:,} enterprises ({time.perf_counter() - started:.0f} s)", flush=True)
        w.set_meta({BUILT: str(n)})
        return {"reused": False, "seconds": time.perf_counter() - started,
                "enterprise_years": w.count("enterprise_years"), "enterprises": w.count("enterprises"),
                "talents": w.count("talents")}


# --- measure -----------------------------------------------------------------------------------

def measure(home: Path, backend: str, spark_memory: str) -> dict:
    """Policies, chains and indicators on the built warehouse: seconds and peak memory per phase."""
    memory = TreeMemory()
    phases: dict[str, dict] = {}

    @contextmanager
    def phase(name: str):
        memory.reset()
        started = time.perf_counter()
        yield
        phases[name] = {"seconds": time.perf_counter() - started, "peak_mb": memory.peak / 2**20}
        print(f"  {name}: {phases[name]['seconds']:.1f} s, peak {phases[name]['peak_mb']:,.0f} MB", flush=True)

    import pyarrow.compute as pc

    from parkbrain.app import ParkBrain
    from parkbrain.chains.catalogue import load_catalogue as load_chains
    from parkbrain.chains.diagnosis import diagnose
    from parkbrain.chains.store import place_register
    from parkbrain.chains.targets import load_targets
    from parkbrain.cockpit.state import cockpit_state
    from parkbrain.policies import iter_policy_results, load_catalogue

    with phase("open"):
        park = ParkBrain(settings_for(home, backend, spark_memory))
        w = park.warehouse
        w.count("enterprises")
    results, eligible = 0, 0
    with phase("policies"):
        for table in iter_policy_results(w, load_catalogue()):
            results += table.num_rows
            eligible += pc.sum(pc.equal(table["status"], "eligible")).as_py() or 0  # not a Python loop over rows
    with phase("chains: place"):
        placed = place_register(w, load_chains())
    with phase("chains: diagnose"):
        dx = diagnose(w, load_chains(), load_targets())
    with phase("indicators"):
        state = cockpit_state(w)
        flagged = state.flagged(max(state.years)).num_rows
    park.close()
    memory.stop()
    return {"phases": phases, "tree_peak_mb": max(p["peak_mb"] for p in phases.values()),
            "python_peak_mb": own_peak_mb(), "policy_results": results, "eligible": eligible,
            "placed": placed["placed"], "findings": sum(len(v) for v in dx["findings"].values()),
            "flagged": flagged}


# --- driver ------------------------------------------------------------------------------------

def child(*args: str) -> dict:
    """Run one step in a fresh process (its memory its own); its progress lines pass through."""
    proc = subprocess.run([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True)
    lines = proc.stdout.strip("\n").splitlines()
    for line in lines[:-1]:
        print(line)
    if proc.returncode or not lines:
        raise SystemExit(f"step {args[0]} failed (exit {proc.returncode})")
    return json.loads(lines[-1])


def growth(sizes: list[int], runs: dict[int, dict], name: str) -> str:
    parts = []
    for a, b in zip(sizes, sizes[1:], strict=False):
        ta, tb = runs[a]["phases"][name]["seconds"], runs[b]["phases"][name]["seconds"]
        if ta > 0 and tb > 0:
            parts.append(f"×{tb / ta:.1f} for ×{b // a} (N^{math.log(tb / ta) / math.log(b / a):.2f})")
    return "; ".join(parts)


def report(backend: str, sizes: list[int], runs: dict[int, dict], builds: dict[int, dict]) -> None:
    names = ["policies", "chains: place", "chains: diagnose", "indicators"]
    print(f"\n{backend}: wall seconds (peak MB of the process tree during the phase)")
    print(f"{'enterprises':>12} {'ent.-years':>11} " + " ".join(f"{n:>20}" for n in [*names, "total"])
          + f" {'peak MB':>9}")
    for n in sizes:
        r = runs[n]
        cells = [f"{r['phases'][p]['seconds']:8.1f} ({r['phases'][p]['peak_mb']:7,.0f})" for p in names]
        total = sum(r["phases"][p]["seconds"] for p in names)
        print(f"{n:>12,} {builds[n]['enterprise_years']:>11,} " + " ".join(f"{c:>20}" for c in cells)
              + f" {total:>20.1f} {r['tree_peak_mb']:>9,.0f}")
    if len(sizes) > 1:
        print("growth of cost with size:")
        for p in names:
            print(f"  {p}: {growth(sizes, runs, p)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--sizes", default="100000,1000000", help="enterprise counts, comma-separated")
    parser.add_argument("--home", type=Path, help="keep the warehouses here (DIR/<backend>-<N>) and reuse them")
    parser.add_argument("--spark-memory", default="12g", help="Spark driver memory (local mode runs the tasks)")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="enterprises generated at a time")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, home, backend, memory, *rest = args.child
        out = build(Path(home), backend, int(rest[0]), memory, int(rest[1])) if step == "build" else \
            measure(Path(home), backend, memory)
        print(json.dumps(out))
        return
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as tmp:
        root = args.home or Path(tmp)
        builds, runs = {}, {}
        for n in sizes:
            home = root / f"{args.backend}-{n}"
            print(f"{args.backend}, {n:,} enterprises × {len(YEARS)} years: building in {home}", flush=True)
            builds[n] = child("build", str(home), args.backend, args.spark_memory, str(n), str(args.chunk))
            print(f"  {builds[n]['enterprise_years']:,} enterprise-years, {builds[n]['talents']:,} talents"
                  + (" (reused)" if builds[n]["reused"] else f", built in {builds[n]['seconds']:.0f} s"), flush=True)
            runs[n] = child("measure", str(home), args.backend, args.spark_memory)
            r = runs[n]
            print(f"  {r['policy_results']:,} policy results ({r['eligible']:,} eligible), {r['placed']:,} placed, "
                  f"{r['findings']} findings, {r['flagged']:,} flagged; peak {r['tree_peak_mb']:,.0f} MB "
                  f"(Python alone {r['python_peak_mb']:,.0f} MB)", flush=True)
        report(args.backend, sizes, runs, builds)
        if args.json:
            print(json.dumps({"backend": args.backend, "builds": builds, "runs": runs}))


if __name__ == "__main__":  # pragma: no cover
    main()
