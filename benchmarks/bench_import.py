"""Build and import N enterprises x Y years (default 1,000,000 x 3) and compare with pandas.

Prints: generation time; the CSV's size; for ParkBrain's import and for an idiomatic pandas
import of the same file (read_csv, per-row USCC check with .apply, to_numeric/to_datetime,
duplicated(), insert into DuckDB): wall time, rows per second and peak memory (max RSS of
a child process running only that import). Goal: >= 100,000 rows/s and <= 4 GB.

    .venv/bin/python benchmarks/bench_import.py [--enterprises 1000000] [--years 3] [--no-pandas]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARKBRAIN_IMPORT = """
import json, sys, time, resource
from pathlib import Path
from parkbrain.app import ParkBrain
from parkbrain.settings import Settings
started = time.perf_counter()
with ParkBrain(Settings(home=Path(sys.argv[2]))) as park:
    report = park.import_file(Path(sys.argv[1]))
    rows = park.warehouse.count("enterprise_years")
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "inserted": report.counts.inserted,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PANDAS_IMPORT = """
import json, sys, time, resource
import duckdb, pandas as pd
from parkbrain.uscc import uscc_problem
from parkbrain.importing.templates import load_templates
started = time.perf_counter()
template = load_templates()["enterprises"]
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, encoding="utf-8-sig")
df = df.rename(columns={c.zh: c.field for c in template.columns}).replace("", None)
errors = df["uscc"].apply(lambda c: c is None or uscc_problem(c) is not None)
for c in template.columns:
    if c.type in ("number", "integer", "year"):
        parsed = pd.to_numeric(df[c.field], errors="coerce")
        errors |= parsed.isna() & df[c.field].notna()
        if c.min is not None:
            errors |= parsed < c.min
        df[c.field] = parsed
    elif c.type == "date":
        parsed = pd.to_datetime(df[c.field], format="%Y-%m-%d", errors="coerce")
        errors |= parsed.isna() & df[c.field].notna()
        df[c.field] = parsed
    if c.required:
        errors |= df[c.field].isna()
for c in template.columns:
    if c.max_field:
        errors |= df[c.field] > df[c.max_field]
errors |= df.duplicated(["uscc", "year"], keep=False)
good = df[~errors]
con = duckdb.connect(sys.argv[2] + "/pandas.duckdb")
con.execute("CREATE TABLE enterprise_years AS SELECT * FROM good")
rows = con.execute("SELECT count(*) FROM enterprise_years").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "bad": int(errors.sum()),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    args = parser.parse_args()

    import pyarrow.csv as pacsv

    from parkbrain.demo import generate_park
    from parkbrain.importing.export import as_template_text
    from parkbrain.importing.templates import load_templates

    years = tuple(range(2026 - args.years, 2026))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        park = generate_park(enterprises=args.enterprises, years=years)
        generated = time.perf_counter() - started
        table = park.tables["enterprises"]
        path = Path(tmp) / "enterprises.csv"
        text = as_template_text(table, load_templates()["enterprises"])
        with path.open("wb") as fh:
            fh.write(("\ufeff" + ",".join(text.column_names) + "\n").encode())
            pacsv.write_csv(text, fh, pacsv.WriteOptions(include_header=False))
        del park, table, text
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.enterprises:,} enterprises x {args.years} years in {generated:.1f} s; "
              f"CSV {size_mb:,.0f} MB")
        ours = child(PARKBRAIN_IMPORT, str(path), tmp + "/home")
        results = [("ParkBrain import", ours)]
        if not args.no_pandas:
            results.append(("pandas baseline", child(PANDAS_IMPORT, str(path), tmp)))
    print(f"{'':18}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}")
    for name, r in results:
        print(f"{name:18}{r['rows']:>12,}{r['seconds']:>10.1f}{r['rows'] / r['seconds']:>12,.0f}{r['peak_mb']:>10,.0f}")
    if len(results) == 2:
        print(f"speed-up over pandas: {results[1][1]['seconds'] / ours['seconds']:.1f}x")
    print(f"goal: >= 100,000 rows/s ({'met' if ours['rows'] / ours['seconds'] >= 100_000 else 'NOT met'}), "
          f"<= 4 GB ({'met' if ours['peak_mb'] <= 4096 else 'NOT met'})")


if __name__ == "__main__":
    main()
