"""The desk benchmark runs (a few clients for a few seconds): it measures and reports no errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_desk.py"


def test_the_benchmark_runs_short(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "2", "--clients", "3", "--backend", "sqlite",
                             "--workers", "1", "--json"], capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["backend"] == "sqlite" and figures["workers"] == 1 and figures["errors"] == 0
    assert figures["requests"] > 10 and figures["rps"] > 0 and figures["p95_ms"] > 0
    assert set(figures["by_kind"]) == {"file", "list", "read"}
    # every cycle files one request, then lists and reads it: the three kinds come in equal numbers
    assert len({k["n"] for k in figures["by_kind"].values()}) == 1
    assert figures["server_cpu_ms_per_request"] > 0 and figures["client_cpu_ms_per_request"] > 0
