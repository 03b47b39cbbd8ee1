"""Benchmark: generate and write the synthetic data set at scale; prints times and peak memory.

Run: .venv/bin/python bench/bench_synth.py [--incidents 1000000] [--out /tmp/bench-synth.parquet]
The default-size run (9,184 reports) is the baseline each larger run is compared with.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

from misper.synth import generate, write_synthetic


def run(incidents: int | None, out: Path) -> dict:
    began, cpu = time.perf_counter(), time.process_time()
    result = generate(incidents=incidents)
    generated = time.perf_counter()
    write_synthetic(result, out)
    written = time.perf_counter()
    # CPU seconds beside wall seconds: on a shared machine the wall clock also counts waiting.
    return {
        "u18_reports": result.summary()["u18_reports"],
        "rows": len(result.incidents),
        "generate_s": generated - began,
        "write_s": written - generated,
        "total_s": written - began,
        "cpu_s": time.process_time() - cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-synth.parquet"))
    args = parser.parse_args()
    rows = [run(None, args.out), run(args.incidents, args.out)]
    # ru_maxrss is in KiB on Linux: the peak of the whole process, i.e. of the larger run.
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'u18 reports':>12} {'rows':>10} {'generate s':>11} {'write s':>8} {'total s':>8} "
        f"{'cpu s':>7} {'s per 1M rows':>14}"
    )
    for row in rows:
        print(
            f"{row['u18_reports']:>12,} {row['rows']:>10,} {row['generate_s']:>11.1f} "
            f"{row['write_s']:>8.1f} {row['total_s']:>8.1f} {row['cpu_s']:>7.1f} "
            f"{row['total_s'] / row['rows'] * 1e6:>14.1f}"
        )
    print(f"peak memory (RSS): {peak_mib:,.0f} MiB")
    ratio = rows[1]["total_s"] / rows[0]["total_s"]
    print(
        f"time ratio large/default: {ratio:.1f} for {rows[1]['rows'] / rows[0]['rows']:.0f}x rows"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
