"""A 200 MB export streams through `misper import` in bounded memory (measured, not timed)."""

import subprocess
import sys

import pytest

ROW = "R{i},P{p},2021-0{m}-1{d}T2{h}:15,{a},care_home,2021-0{m}-1{d}T23:55,gang;cse,H{p},{pad}\n"
TARGET_BYTES = 200 * 1024 * 1024
MEMORY_LIMIT_MB = 900  # the whole file in memory as pandas objects would take several GB


@pytest.mark.slow
def test_200_mb_file_streams_in_bounded_memory(tmp_path):
    source = tmp_path / "big.csv"
    pad = "x" * 120  # an extra free-text column, as real exports have
    with source.open("w") as f:
        f.write(
            "rid,pid,reported_at,age,missing_from_type,found_at,risk_flags,"
            "missing_from_place_id,notes\n"
        )
        i = 0
        while f.tell() < TARGET_BYTES:
            f.write(
                "".join(
                    ROW.format(
                        i=i + k,
                        p=(i + k) % 50_000,
                        m=1 + (i + k) % 9,
                        d=(i + k) % 10,
                        h=(i + k) % 4,
                        a=10 + (i + k) % 8,
                        pad=pad,
                    )
                    for k in range(10_000)
                )
            )
            i += 10_000
    out = tmp_path / "big.parquet"
    # VmHWM is the child's own peak (ru_maxrss would carry the parent's over across exec)
    code = (
        "import re; from misper.incidents.load import import_file; "
        f"s = import_file({str(source)!r}, {str(out)!r}); "
        "print(s.rows, re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows, peak_kb = map(int, done.stdout.split())
    assert rows == i
    print(f"200 MB import: {rows:,} rows, peak {peak_kb / 1024:.0f} MiB")
    assert peak_kb / 1024 < MEMORY_LIMIT_MB, f"peak {peak_kb / 1024:.0f} MiB"
