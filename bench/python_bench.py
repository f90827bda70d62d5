"""Python package benchmark (part of `make bench`, not a test).

    .venv/bin/python bench/python_bench.py [--samples N] [--rounds R] [--work DIR]

Builds the default dataset (N samples) once with the CLI, then in
interleaved rounds (the 2-core VM drifts): iter_batches over every column
into numpy; `zstd -d -T2` of the same decoded values (compressed once with
zstd -3); DuckDB `CREATE TABLE t AS SELECT * FROM read_parquet(...)`; a
torch DataLoader (2 workers) over SampleDataset; build_dataset against the
CLI's build of the same config. Each step runs in its own process under
/usr/bin/time (wall seconds, peak RSS). Prints a Markdown table of medians.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

ITER = """
import sys, barforge
rows = 0
nbytes = 0
for b in barforge.open_dataset(sys.argv[1]).iter_batches(8192):
    rows += len(b["sample_id"]); nbytes += sum(v.nbytes for v in b.values())
print(rows, nbytes)
"""
DUMP = """
import sys, barforge
with open(sys.argv[2], "wb") as out:
    for b in barforge.open_dataset(sys.argv[1]).iter_batches(65536):
        for k, v in b.items():
            out.write(v.astype("U8").tobytes() if v.dtype == object else v.tobytes())
"""
TORCH = """
import sys, torch
from torch.utils.data import DataLoader
from barforge.torch import SampleDataset
n = 0
for b in DataLoader(SampleDataset(sys.argv[1], batch_size=8192), batch_size=None, num_workers=2):
    n += len(b["sample_id"])
print(n)
"""
BUILD = """
import sys, yaml, barforge
cfg = yaml.safe_load(open(sys.argv[1]))
barforge.build_dataset(cfg=cfg, n_samples=int(sys.argv[2]), seed=42, overwrite=True)
"""
DUCKDB = """
import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(':memory:');
const c = await instance.connect();
await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${process.argv[2]}')`);
"""


def timed(cmd, cwd=None, env=None):
    """(wall seconds, peak RSS MiB, stdout) of one run."""
    with tempfile.NamedTemporaryFile("r") as t:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd], cwd=cwd, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr}")
        wall, rss = t.read().split()[-2:]
    return float(wall), int(rss) / 1024, out.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="barforge-pybench."))
    work.mkdir(parents=True, exist_ok=True)
    cli = ROOT / "build" / "barforge"
    cfg = work / "config.yaml"
    text = (ROOT / "config" / "default.yaml").read_text().replace('data_dir: "data"', f'data_dir: "{work}/data"')
    cfg.write_text(text)
    subprocess.run([cli, "build", "--config", cfg, "--samples", str(args.samples), "--quiet", "--overwrite"], check=True)
    dataset = next((work / "data").glob("samples_*.parquet"))
    raw = work / "decoded.bin"
    subprocess.run([PY, "-c", DUMP, dataset, raw], check=True)
    subprocess.run(["zstd", "-q", "-f", "-3", "-T2", raw, "-o", f"{raw}.zst"], check=True)
    raw.unlink()
    tools = ROOT / "tools"
    duck_script = tools / ".bench_duckdb_ctas.mjs"
    duck_script.write_text(DUCKDB)
    results = {k: [] for k in ("iter_batches", "zstd -d -T2", "duckdb ctas", "torch 2 workers", "cli build",
                               "build_dataset")}
    decoded = 0
    try:
        for _ in range(args.rounds):
            wall, rss, out = timed([PY, "-c", ITER, dataset])
            decoded = int(out.split()[1])
            results["iter_batches"].append((wall, rss))
            results["zstd -d -T2"].append(timed(["zstd", "-d", "-T2", "-q", "-c", f"{raw}.zst", "-o", "/dev/null"])[:2])
            results["duckdb ctas"].append(timed(["node", duck_script, dataset], cwd=tools)[:2])
            results["torch 2 workers"].append(timed([PY, "-c", TORCH, dataset])[:2])
            results["cli build"].append(timed([cli, "build", "--config", cfg, "--samples", str(args.samples), "--quiet",
                                               "--overwrite"])[:2])
            results["build_dataset"].append(timed([PY, "-c", BUILD, cfg, str(args.samples)])[:2])
    finally:
        duck_script.unlink(missing_ok=True)
    size = dataset.stat().st_size
    print(f"dataset {dataset.name}: {size / 1e9:.2f} GB, {decoded / 1e9:.2f} GB decoded; medians of {args.rounds} "
          f"interleaved rounds\n")
    print("| step | wall s | decoded GB/s | peak RSS MiB |\n|---|---|---|---|")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        rate = f"{decoded / 1e9 / wall:.2f}" if "build" not in name else "-"
        print(f"| {name} | {wall:.2f} | {rate} | {rss:.0f} |")
    print("\nall runs (wall s, peak MiB):", json.dumps({k: [(round(w, 2), round(m)) for w, m in v]
                                                   for k, v in results.items()}))
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
