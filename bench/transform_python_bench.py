"""barforge.transform from Python: one window (W = 64) from bars in memory,
from a pandas DataFrame of 1,000 bars and from a dict of numpy arrays, and
transform_many over every end bar of a 500,000-bar series (bars made here,
a random walk). Not a test: prints a table. Times are CPU times of the
process (medians of 5 for the one-window calls); the machine may be shared.

    PYTHONPATH=build/python /usr/bin/python3 bench/transform_python_bench.py SCALER
(SCALER: a window-64 scaler JSON or dataset; make bench passes the 1M build's.)
"""

import statistics
import sys
import time

import numpy as np
import pandas as pd

import barforge


def bars(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    spread = np.abs(rng.normal(0, 5e-4, n))
    return pd.DataFrame({
        "timestamp": pd.date_range("2020-01-01", periods=n, freq="min"),
        "open": open_, "high": np.maximum(open_, close) * (1 + spread),
        "low": np.minimum(open_, close) * (1 - spread), "close": close,
        "volume": rng.lognormal(8, 1, n),
    })


def per_call(fn, calls: int) -> float:
    runs = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(calls):
            fn()
        runs.append((time.process_time() - start) / calls)
    return statistics.median(runs)


def main() -> None:
    scaler = barforge.MetaScaler.load(sys.argv[1])
    assert scaler.window == 64, scaler
    recent = bars(1000)
    as_dict = {c: recent[c].to_numpy() for c in recent.columns}
    frame_us = per_call(lambda: barforge.transform(recent, scaler, position=1), 2000) * 1e6
    dict_us = per_call(lambda: barforge.transform(as_dict, scaler, position=1), 2000) * 1e6
    big = bars(500_000)
    start, cpu = time.perf_counter(), time.process_time()
    out = barforge.transform_many(big, scaler)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    n = len(out["end"])
    del out
    ends = np.arange(63, len(big))
    block_cpu = time.process_time()
    for first in range(0, len(ends), 4096):
        barforge.transform_many(big, scaler, ends[first:first + 4096])
    block_cpu = time.process_time() - block_cpu
    print("| measure | us per window |\n|---|---|")
    print(f"| Python transform, one window (W=64) from a 1,000-bar DataFrame | {frame_us:.1f} (target <= 100) |")
    print(f"| Python transform, one window (W=64) from a dict of numpy arrays | {dict_us:.1f} |")
    print(f"| Python transform_many, every end bar of 500,000 bars ({n:,} windows), wall (CPU) | "
          f"{wall * 1e6 / n:.3f} ({cpu * 1e6 / n:.3f}) |")
    print(f"| Python transform_many, the same end bars 4,096 at a time, CPU | {block_cpu * 1e6 / n:.3f} |")


if __name__ == "__main__":
    main()
