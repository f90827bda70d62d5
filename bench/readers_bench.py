"""barforge's iter_batches against pyarrow and polars, reading the windows
of a dataset into (n, W, 4) float32 arrays (part of `make bench`: run by
bench/python_bench.py with the PyPI venv's python, .venv-pypi/).

    .venv-pypi/bin/python bench/readers_bench.py DATASET [--rounds R] [--batch B]

Each reader runs in its own process under /usr/bin/time (wall seconds and
its own peak RSS), the three in turn in each round (interleaved, so that the
drift of a shared machine falls on all of them):
  barforge  open_dataset(path).iter_batches(B, columns=["ohlc"]): (n, W, 4) views
  pyarrow   ParquetFile(path).iter_batches(B, columns=["ohlc"]), each batch's
            fixed-size list column flattened to numpy and reshaped (n, W, 4)
  polars    read_parquet(path, columns=["ohlc"])["ohlc"].to_numpy(), reshaped
            (n, W, 4) (the whole column at once: polars has no batches)
Each sums one value per window, so that every window is touched. Prints the
medians and, per round, barforge's time and peak RSS over the faster of the
other two (targets: time <= 1, RSS <= 0.5).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

READERS = {
    "barforge": """
import sys, barforge
n = 0; s = 0.0
for b in barforge.open_dataset(sys.argv[1]).iter_batches(int(sys.argv[2]), columns=["ohlc"]):
    o = b["ohlc"]; n += o.shape[0]; s += float(o[:, -1, 3].sum())
print(n, s)
""",
    "pyarrow": """
import sys, pyarrow.parquet as pq
n = 0; s = 0.0
f = pq.ParquetFile(sys.argv[1])
for rb in f.iter_batches(batch_size=int(sys.argv[2]), columns=["ohlc"]):
    col = rb.column(0)
    o = col.flatten().to_numpy().reshape(len(col), -1, 4); n += o.shape[0]; s += float(o[:, -1, 3].sum())
print(n, s)
""",
    "polars": """
import sys, polars as pl
a = pl.read_parquet(sys.argv[1], columns=["ohlc"])["ohlc"].to_numpy()
o = a.reshape(a.shape[0], -1, 4)
print(o.shape[0], float(o[:, -1, 3].sum()))
""",
}


def timed(code, args):
    os.sync()
    with tempfile.NamedTemporaryFile("r") as t:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, sys.executable, "-c", code, *args],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        wall, rss = t.read().split()[-2:]
    return float(wall), int(rss) / 1024, out.stdout.split()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8192)
    args = parser.parse_args()
    runs = {name: [] for name in READERS}
    rows = {}
    for _ in range(args.rounds):
        for name, code in READERS.items():
            wall, rss, out = timed(code, [args.dataset, str(args.batch)])
            runs[name].append((wall, rss))
            rows[name] = (int(out[0]), float(out[1]))
    if len({n for n, _ in rows.values()}) != 1 or len({round(s, 2) for _, s in rows.values()}) != 1:
        raise SystemExit(f"the readers disagree: {rows}")
    print(f"Reading the windows of {args.dataset} ({rows['barforge'][0]} rows) into (n, W, 4) float32 arrays; "
          f"medians of {args.rounds} interleaved rounds, each reader in its own process; load average "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}\n")
    print("| reader | wall s | peak RSS MiB |\n|---|---|---|")
    for name, values in runs.items():
        print(f"| {name} | {statistics.median(w for w, _ in values):.2f} | "
              f"{statistics.median(r for _, r in values):.0f} |")
    time_ratio, rss_ratio = [], []
    for i in range(args.rounds):
        other = min(("pyarrow", "polars"), key=lambda name: runs[name][i][0])
        time_ratio.append(runs["barforge"][i][0] / runs[other][i][0])
        rss_ratio.append(runs["barforge"][i][1] / runs[other][i][1])
    print("\n| barforge / the faster of pyarrow and polars (per round) | rounds | median | target |\n|---|---|---|---|")
    print(f"| time | {', '.join(f'{v:.2f}' for v in time_ratio)} | {statistics.median(time_ratio):.2f} | <= 1 |")
    print(f"| peak RSS | {', '.join(f'{v:.2f}' for v in rss_ratio)} | {statistics.median(rss_ratio):.2f} | <= 0.5 |")


if __name__ == "__main__":
    main()
