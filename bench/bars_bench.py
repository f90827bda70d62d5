"""storage: bars against the samples file (part of `make bench`, not a test).

    .venv/bin/python bench/bars_bench.py [--samples N] [--rounds R] [--work DIR] [--batch B]

Builds the default config's samples file (storage: windows) and its bars
dataset (storage: bars) in every round, each build in its own process under
/usr/bin/time, then in the same round: iter_batches over every column of
each, in file order and shuffled (same batch size), and a torch DataLoader
with 2 workers over SampleDataset of the bars dataset, its workers forked
and then spawned, whose peak memory is the sum of every process's peak
proportional set size (PSS: pages the workers share with the parent are
counted once, split between them; RSS would count the shared bars once per
process), with the largest private memory of one worker (what it holds
that no other process shares). Steps alternate within a
round, and ratios are taken within each round, so the 2-core machine's
drift cancels. Prints a Markdown table: medians and each round's ratios.

For 40M samples (the lead's run on the quiet machine):

    .venv/bin/python bench/bars_bench.py --samples 40000000 --rounds 1 --skip-iter
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CLI = os.environ.get("BARFORGE_CLI", str(ROOT / "build" / "barforge"))

ITER = """
import sys, time, barforge
ds = barforge.open_dataset(sys.argv[1])
start = time.perf_counter()
rows = 0
for b in ds.iter_batches(int(sys.argv[2]), shuffle=sys.argv[3] == "1", seed=1):
    rows += len(b["sample_id"])
assert rows == ds.num_rows, (rows, ds.num_rows)
print(rows / (time.perf_counter() - start))
"""

# Peak PSS of a parent and its DataLoader workers (workers started by
# argv[3]: fork or spawn), sampled every 50 ms from /proc/PID/smaps_rollup by
# a thread of the parent (every child counts: with spawn, multiprocessing's
# resource tracker too), and the largest private memory (Private_Clean +
# Private_Dirty: pages no other process maps) any one worker reached.
TORCH = """
import os, sys, threading, time
import torch
from torch.utils.data import DataLoader
from barforge.torch import SampleDataset

def rollup(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Pss", "Private_Clean", "Private_Dirty"):
                    out[key] = int(rest.split()[0])
    except OSError:
        pass
    return out

def children():
    me = os.getpid()
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                        pids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return pids

peak = [0, 0, 0]
done = threading.Event()
def watch():
    while not done.is_set():
        kids = children()
        rollups = [rollup(os.getpid())] + [rollup(p) for p in kids]
        peak[0] = max(peak[0], sum(r.get("Pss", 0) for r in rollups))
        peak[1] = max(peak[1], len(rollups))
        peak[2] = max([peak[2]] + [r.get("Private_Clean", 0) + r.get("Private_Dirty", 0) for r in rollups[1:]])
        time.sleep(0.05)

if __name__ == "__main__":
    ds = SampleDataset(sys.argv[1], batch_size=int(sys.argv[2]), shuffle=True, seed=1)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    n = 0
    for b in DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context=sys.argv[3]):
        n += len(b["sample_id"])
    done.set()
    thread.join()
    assert n == ds.num_rows
    print(peak[0] / 1024, peak[1], peak[2] / 1024)
"""


def timed(cmd, cwd=None):
    """(wall seconds, peak RSS MiB, stdout) of one run."""
    os.sync()
    with tempfile.NamedTemporaryFile("r") as t:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd], cwd=cwd, capture_output=True,
                             text=True)
        if out.returncode != 0:
            raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr}{out.stdout}")
        wall, rss = t.read().split()[-2:]
    return float(wall), int(rss) / 1024, out.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--skip-iter", action="store_true", help="builds and sizes only (40M)")
    parser.add_argument("--skip-torch", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="barforge-bars-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # Without --overwrite (which would regenerate the raw files inside the
    # timing): each build's outputs are removed before it.
    build = [CLI, "build", "--samples", str(args.samples), "--quiet"]

    def clear():
        for old in (work / "data").glob("samples_*"):
            old.unlink()
        for old in (work / "data").glob("meta_scaler*"):
            old.unlink()

    # The raw files once, outside the timings.
    subprocess.run([CLI, "synth", "--quiet"], cwd=work, check=True)
    rows = []
    try:
        for r in range(args.rounds):
            row = {}
            clear()
            row["build_windows_s"], row["build_windows_rss"], _ = timed(build, cwd=work)
            row["build_bars_s"], row["build_bars_rss"], _ = timed(build + ["--set", "storage=bars"], cwd=work)
            files = sorted((work / "data").glob("samples_*"))
            bars = next(f for f in files if f.name.endswith(".bars.parquet"))
            windows = next(f for f in files if not f.name.endswith(".bars.parquet"))
            row["size_windows_mb"] = windows.stat().st_size / 1e6
            row["size_bars_mb"] = bars.stat().st_size / 1e6
            if not args.skip_iter:
                for shuffle in ("0", "1"):
                    # Alternated: windows, bars.
                    for name, path in (("windows", windows), ("bars", bars)):
                        _, rss, out = timed([PY, "-c", ITER, str(path), str(args.batch), shuffle])
                        row[f"iter_{name}_{'shuffled' if shuffle == '1' else 'ordered'}_rows_s"] = float(out)
                        row[f"iter_{name}_{'shuffled' if shuffle == '1' else 'ordered'}_rss"] = rss
            if not args.skip_torch and not args.skip_iter:
                for method in ("fork", "spawn"):
                    _, _, out = timed([PY, "-c", TORCH, str(bars), str(args.batch), method])
                    pss, processes, private = out.split()
                    row[f"torch_{method}_peak_pss_mib"] = float(pss)
                    row[f"torch_{method}_worker_private_mib"] = float(private)
                    row[f"torch_{method}_processes"] = int(processes)
            rows.append(row)
            print(f"round {r + 1}: {row}", file=sys.stderr, flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    def ratios(key_a, key_b):
        return [row[key_a] / row[key_b] for row in rows if key_a in row and key_b in row]

    print(f"\nstorage: bars vs windows, {args.samples:,} samples, batch {args.batch}, {len(rows)} interleaved "
          f"round(s), load {os.getloadavg()[0]:.2f} at the end ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
    print("| figure | windows | bars | ratio per round |")
    print("|---|---|---|---|")

    def line(label, a, b, ratio, unit=""):
        med = lambda k: statistics.median(row[k] for row in rows) if all(k in row for row in rows) else None
        ma, mb = med(a) if a else None, med(b) if b else None
        fmt = lambda v: "-" if v is None else f"{v:,.2f}{unit}"
        print(f"| {label} | {fmt(ma)} | {fmt(mb)} | {', '.join(f'{x:.3f}' for x in ratio)} |")

    line("build wall time (s; ratio bars/windows)", "build_windows_s", "build_bars_s",
         ratios("build_bars_s", "build_windows_s"))
    line("build peak RSS (MiB)", "build_windows_rss", "build_bars_rss", ratios("build_bars_rss", "build_windows_rss"))
    line("file size (MB; ratio bars/windows)", "size_windows_mb", "size_bars_mb",
         ratios("size_bars_mb", "size_windows_mb"))
    if not args.skip_iter:
        for order in ("ordered", "shuffled"):
            line(f"iter_batches {order} (rows/s; ratio bars/windows)", f"iter_windows_{order}_rows_s",
                 f"iter_bars_{order}_rows_s", ratios(f"iter_bars_{order}_rows_s", f"iter_windows_{order}_rows_s"))
            line(f"iter_batches {order} peak RSS (MiB)", f"iter_windows_{order}_rss", f"iter_bars_{order}_rss",
                 ratios(f"iter_bars_{order}_rss", f"iter_windows_{order}_rss"))
    if "torch_fork_peak_pss_mib" in rows[0]:
        bars_mb = statistics.median(row["size_bars_mb"] for row in rows)
        print(f"\nDataLoader (2 workers, shuffled, SampleDataset over the bars dataset; the bars file is "
              f"{bars_mb:,.1f} MB; target: its size + 150 MB per process):")
        for method in ("fork", "spawn"):
            pss = statistics.median(row[f"torch_{method}_peak_pss_mib"] for row in rows)
            private = statistics.median(row[f"torch_{method}_worker_private_mib"] for row in rows)
            processes = max(row[f"torch_{method}_processes"] for row in rows)
            target = bars_mb + 150 * processes
            print(f"- {method}: peak PSS of all {processes} processes {pss:,.0f} MiB (target {target:,.0f}: "
                  f"{'met' if pss * 1.048576 <= target else 'missed'}); a worker's peak private memory "
                  f"{private:,.0f} MiB")


if __name__ == "__main__":
    main()
