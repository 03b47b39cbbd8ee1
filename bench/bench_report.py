"""Benchmark of the demand report (not a test): the whole report against plain pandas, in one run.

    .venv/bin/python bench/bench_report.py                  # 1,000,000 and 4,000,000 rows
    .venv/bin/python bench/bench_report.py --rows 1000000   # one size only

"Incidents" here are rows of the canonical incident table (all record types and ages, as the
generator writes them; about 40% are under-18 missing reports, which the report analyses). The
1M file is generated once (cached under --cache); the 4M file is the 1M file four times over with
ids made distinct, so the children, places and patterns scale with it. Each size runs in a fresh
process so that its peak memory (VmHWM) is its own; each is run --repeat times, interleaved,
and the fastest run counts (other work on the shared machine only ever slows a run down):

  report   = read the Parquet file (only the columns the report reads, enums as dictionaries,
             strings kept in Arrow, then the program's `to_canonical`) + every figure + HTML + JSON,
             as `misper.report.build_report` does them;
  pandas   = plain pandas: pd.read_parquet(file), then a dozen headline figures written the obvious
             way (groupby, nunique, explode, pd.cut);
  pruned   = the same pandas figures reading only the report's columns (a fairer, expert baseline,
             printed for transparency).

Targets (issue 3): report <= 0.5 x baseline at 1M; 4M within 60 s and 4 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

U18_SHARE = 9184 / 22641  # under-18 missing reports per row in the generator's default data


def make_files(cache: Path, sizes: list[int]) -> dict[int, Path]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    cache.mkdir(parents=True, exist_ok=True)
    base = cache / "bench-1000000.parquet"
    if not base.exists():
        from misper.incidents.frame import write_incidents
        from misper.synth import generate

        started = time.perf_counter()
        synthetic = generate(incidents=round(1_000_000 * U18_SHARE), seed=7)
        write_incidents(synthetic.incidents, base)
        print(f"generated {base} in {time.perf_counter() - started:.0f} s", flush=True)
    files = {}
    for size in sizes:
        path = cache / f"bench-{size}.parquet"
        if not path.exists():
            table = pq.read_table(base)
            copies = -(-size // table.num_rows)
            parts = []
            for k in range(copies):
                part = table
                for name in ("pid", "rid", "missing_from_place_id"):
                    if name in part.column_names:
                        column = pc.binary_join_element_wise(part[name], pa.scalar(f"-{k}"), "")
                        part = part.set_column(part.column_names.index(name), name, column)
                parts.append(part)
            pq.write_table(pa.concat_tables(parts).slice(0, size), path, compression="zstd")
        files[size] = path
    return files


def baseline(path: Path, pruned: bool) -> dict:
    """A dozen headline figures in plain pandas, written the way an analyst would."""
    import numpy as np
    import pandas as pd

    from misper.analysis.selection import REPORT_COLUMNS

    df = pd.read_parquet(path, columns=list(REPORT_COLUMNS) if pruned else None)
    df = df[(df["age"] < 18) & (df["record_type"] == "missing_report")].copy()
    out = {}
    df["year"] = df["reported_at"].dt.year
    out["annual"] = df.groupby("year").agg(incidents=("rid", "count"), children=("pid", "nunique"))
    out["monthly"] = df.groupby(df["reported_at"].dt.strftime("%Y-%m")).size()
    out["missing_from"] = df["missing_from_type"].value_counts()
    per_child = df.groupby("pid").size().sort_values(ascending=False)
    top = per_child.head(int(np.ceil(0.1 * len(per_child))))
    out["top_decile_share"] = top.sum() / per_child.sum()
    x = np.sort(per_child.to_numpy())
    out["gini"] = 2 * (np.arange(1, len(x) + 1) * x).sum() / (len(x) * x.sum()) - (
        len(x) + 1
    ) / len(x)
    out["once"] = (per_child == 1).mean()
    hours = (df["found_at"] - df["reported_at"]).dt.total_seconds() / 3600
    out["median_hours"], out["within_24h"] = hours.median(), (hours.dropna() <= 24).mean()
    out["weekday"] = (
        df.groupby(["missing_from_type", df["reported_at"].dt.day_name()])
        .size()
        .unstack(fill_value=0)
    )
    out["hour"] = (
        df.groupby(["missing_from_type", df["reported_at"].dt.hour]).size().unstack(fill_value=0)
    )
    care = df[df["missing_from_type"] == "care_home"]
    out["care_late"] = care["reported_at"].dt.hour.isin([22, 23, 0]).mean()
    out["found_by"] = df["found_by"].value_counts(normalize=True)
    out["distance"] = pd.cut(df["distance_miles"], [-0.1, 5, 10, 20, 40, 80, np.inf]).value_counts(
        normalize=True
    )
    flags = df["risk_flags"].explode()
    out["risk_flags"] = flags.value_counts() / df["risk_flags"].notna().sum()
    out["places"] = df.groupby("missing_from_place_id").agg(
        incidents=("rid", "count"), children=("pid", "nunique")
    )
    return out


def report(path: Path, out: Path) -> dict:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from misper.analysis.selection import REPORT_COLUMNS
    from misper.incidents.frame import LIST_DTYPE, to_canonical
    from misper.incidents.schema import BY_NAME, Kind
    from misper.report import build_report

    timings = {}
    started = time.perf_counter()
    enums = [c for c in REPORT_COLUMNS if BY_NAME[c].kind is Kind.ENUM]
    table = pq.read_table(path, columns=list(REPORT_COLUMNS), read_dictionary=enums)
    # Enums read as dictionaries become categoricals directly; Parquet names list items "element",
    # so cast lists to the canonical type, which maps straight to the list dtype; strings stay in
    # Arrow (from_arrow makes Python strings first, twice as slow).
    table = table.cast(
        pa.schema(
            [
                table.schema.field(n) if n in enums else pa.field(n, BY_NAME[n].arrow_type)
                for n in table.column_names
            ]
        )
    )
    frame = to_canonical(
        table.to_pandas(
            types_mapper={
                pa.string(): pd.StringDtype("pyarrow"),
                pa.list_(pa.string()): LIST_DTYPE,
            }.get
        )
    )
    del table
    timings["read_s"] = time.perf_counter() - started
    built = build_report(
        frame, out_html=out / "bench.html", out_json=out / "bench.json", compare_published=True
    )
    timings["report_s"] = time.perf_counter() - started - timings["read_s"]
    timings["analysed"] = built.data["n_incidents"]
    return timings


def run_one(kind: str, path: Path, out: Path) -> dict:
    started = time.perf_counter()
    result = report(path, out) if kind == "report" else (baseline(path, kind == "pruned") and {})
    result["total_s"] = time.perf_counter() - started
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
    status = Path("/proc/self/status").read_text()
    result["peak_gb"] = int(status.split("VmHWM:")[1].split()[0]) * 1024 / 1e9
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 4_000_000])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/misper-bench"))
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="runs of each, interleaved; the fastest counts (the machine is shared)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(run_one(kind, Path(path), args.cache)))
        return
    files = make_files(args.cache, args.rows)
    rows = []
    for size, path in files.items():
        measured = {}
        for _ in range(args.repeat):
            for kind in ("pandas", "pruned", "report"):
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--cache",
                        str(args.cache),
                        "--child",
                        kind,
                        str(path),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                run = json.loads(done.stdout.strip().splitlines()[-1])
                if kind not in measured or run["total_s"] < measured[kind]["total_s"]:
                    measured[kind] = run
        r, b, p = measured["report"], measured["pandas"], measured["pruned"]
        rows.append(
            (
                size,
                r["analysed"],
                r["read_s"],
                r["report_s"],
                r["total_s"],
                r["peak_gb"],
                b["total_s"],
                b["peak_gb"],
                r["total_s"] / b["total_s"],
                p["total_s"],
                r["total_s"] / p["total_s"],
            )
        )
        print(f"{size:,} rows done", flush=True)
    print(
        "\nrows        analysed   read s  report s  total s  peak GB"
        " | pandas s  pandas GB  report/pandas"
        " | pruned s  report/pruned"
    )
    for (
        size,
        analysed,
        read,
        rep,
        total,
        peak,
        base,
        base_peak,
        ratio,
        pruned,
        ratio_pruned,
    ) in rows:
        print(
            f"{size:>10,} {analysed:>10,} {read:>8.1f} {rep:>9.1f} {total:>8.1f} {peak:>8.2f}"
            f" | {base:>8.1f} "
            f"{base_peak:>10.2f} {ratio:>13.2f} | {pruned:>8.1f} {ratio_pruned:>14.2f}"
        )
    print(
        "\ntargets: report/pandas <= 0.50 at 1,000,000 rows; 4,000,000 rows within 60 s and 4 GB"
        "\n(total s = one process from imports to the written files; machine: 2 cores, shared)"
    )


if __name__ == "__main__":
    main()
