"""Benchmark: loading incident files at scale, fast path against the full checks, CSV streaming.

Run: .venv/bin/python bench/bench_load.py [--incidents 1000000]
Generates a synthetic force of that size, writes it as Parquet and CSV under /tmp, then measures in
one run: the checked fast path for canonical Parquet, the full chunked loader on the same file,
and `import` streaming the CSV to Parquet (each in a fresh process, so peak memory is its own).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

LOAD = "from misper.incidents.load import load_incidents as f; "
IMPORT = "from misper.incidents.load import import_file as f; "
STEPS = {
    "parquet, fast path": LOAD + "f({src!r})",
    "parquet, full checks": LOAD + "f({src!r}, fast=False)",
    "csv import (streamed)": IMPORT + "f({csv!r}, {out!r})",
}


def measure(code: str) -> dict:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    wrapped = (
        "import json, re, time; t = time.perf_counter(); "
        + code
        + "; hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)"
        "; print(json.dumps({'s': time.perf_counter() - t, 'peak_mib': int(hwm) / 1024}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapped], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    args = parser.parse_args()
    from misper.incidents.frame import write_incidents
    from misper.synth import generate

    src, csv, out = (
        Path("/tmp/bench-load.parquet"),
        Path("/tmp/bench-load.csv"),
        Path("/tmp/bench-load-out.parquet"),
    )
    began = time.perf_counter()
    frame = generate(incidents=args.incidents).incidents
    write_incidents(frame, src)
    write_incidents(frame, csv)
    rows = len(frame)
    del frame
    print(
        f"{rows:,} rows generated and written in {time.perf_counter() - began:.1f} s "
        f"(CSV {csv.stat().st_size / 2**20:,.0f} MiB)"
    )
    results = {
        name: measure(code.format(src=str(src), csv=str(csv), out=str(out)))
        for name, code in STEPS.items()
    }
    print(f"{'step':<24} {'seconds':>8} {'s per 1M rows':>14} {'peak MiB':>9}")
    for name, r in results.items():
        print(f"{name:<24} {r['s']:>8.1f} {r['s'] / rows * 1e6:>14.1f} {r['peak_mib']:>9,.0f}")
    fast, full = results["parquet, fast path"]["s"], results["parquet, full checks"]["s"]
    print(f"fast path / full checks: {fast / full:.2f}")


if __name__ == "__main__":
    main()
