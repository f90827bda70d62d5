"""Python package benchmark (part of `make bench`, not a test).

    .venv/bin/python bench/python_bench.py [--samples N] [--rounds R] [--work DIR] [--dataset FILE]

Builds the default dataset (N samples) once with the CLI (or takes FILE,
a dataset of the default config), then in interleaved rounds (the 2-core VM
drifts, and others may be using it): iter_batches over every column into
numpy; `zstd -d -T2` of the same decoded values (compressed once with zstd
-3); DuckDB `CREATE TABLE t AS SELECT * FROM read_parquet(...)`; a torch
DataLoader (2 workers; in file order and shuffled, with and without
pin_memory, over the file and over the same dataset in 4 parts) against
iter_batches; build_dataset against the CLI's
build of the same config. Each step runs in its own process under
/usr/bin/time (wall seconds, peak RSS). Then the transform from Python
(bench/transform_python_bench.py, with the dataset's scaler) against the
CLI build's per-sample feature time, and barforge's iter_batches against
pyarrow and polars (bench/readers_bench.py, in .venv-pypi/). Prints Markdown tables: medians, and
the ratios of each round (taken within the round, so that drift cancels).
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
# The loader against iter_batches: argv = path, batch size, "iter" or the
# number of DataLoader workers, "shuffle"/"order", "pin"/"nopin". Prints the
# rows and the seconds of the loop alone (not the interpreter's start nor
# `import torch`, which is no part of a loader's throughput).
LOADER = """
import sys, time, barforge
path, batch, how, order, pin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
shuffle = order == "shuffle"
if how != "iter":
    import torch
    from torch.utils.data import DataLoader
    from barforge.torch import SampleDataset
start = time.perf_counter()
n = 0
if how == "iter":
    for b in barforge.open_dataset(path).iter_batches(batch, shuffle=shuffle):
        n += len(b["sample_id"])
else:
    loader = DataLoader(SampleDataset(path, batch_size=batch, shuffle=shuffle), batch_size=None,
                        num_workers=int(how), pin_memory=pin == "pin")
    for b in loader:
        n += len(b["sample_id"])
print(n, time.perf_counter() - start)
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
    """(wall seconds, peak RSS MiB, stdout) of one run. Dirty pages are
    flushed first, so that no step runs while the kernel writes back the
    file the step before it wrote (the builds write 1 GB)."""
    os.sync()
    with tempfile.NamedTemporaryFile("r") as t:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd], cwd=cwd, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr}")
        wall, rss = t.read().split()[-2:]
    return float(wall), int(rss) / 1024, out.stdout


def load() -> str:
    """The load average over 1, 5 and 15 minutes, as uptime prints it."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default=None)
    parser.add_argument("--dataset", default=None, help="an existing dataset of the default config (not rebuilt)")
    parser.add_argument("--loader-batch", type=int, default=8192, help="batch size of the loader runs")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="barforge-pybench."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args, work)
    finally:  # a failed step too leaves nothing behind
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    cli = ROOT / "build" / "barforge"
    cfg = work / "config.yaml"
    text = (ROOT / "config" / "default.yaml").read_text().replace('data_dir: "data"', f'data_dir: "{work}/data"')
    cfg.write_text(text)
    loads = [load()]
    if args.dataset:
        dataset = Path(args.dataset).resolve()  # the DuckDB step runs in tools/
    else:
        subprocess.run([cli, "build", "--config", cfg, "--samples", str(args.samples), "--quiet", "--overwrite"],
                       check=True)
        dataset = next((work / "data").glob("samples_*.parquet"))
    # The builds timed below write their own copy, so the dataset read stays put.
    build_cfg = work / "build.yaml"
    build_cfg.write_text(text.replace('samples_filename: "samples_{n}.parquet"', 'samples_filename: "timed_{n}.parquet"')
                         .replace('scaler_filename: "meta_scaler.json"', 'scaler_filename: "timed_scaler.json"'))
    raw = work / "decoded.bin"
    subprocess.run([PY, "-c", DUMP, dataset, raw], check=True)
    subprocess.run(["zstd", "-q", "-f", "-3", "-T2", raw, "-o", f"{raw}.zst"], check=True)
    raw.unlink()
    tools = ROOT / "tools"
    duck_script = tools / ".bench_duckdb_ctas.mjs"
    duck_script.write_text(DUCKDB)
    results = {k: [] for k in ("iter_batches", "zstd -d -T2", "duckdb ctas", "cli build", "build_dataset")}
    # The same dataset in 4 parts (shards and finalize), for the loader.
    parts_cfg = work / "parts.yaml"
    parts_cfg.write_text(text.replace('samples_filename: "samples_{n}.parquet"', 'samples_filename: "parts_{n}"'))
    subprocess.run([cli, "synth", "--config", parts_cfg], check=True, capture_output=True)  # shards read it
    for r in range(4):
        subprocess.run([cli, "build", "--config", parts_cfg, "--samples", str(args.samples), "--shard", f"{r}/4",
                        "--quiet", "--overwrite"], check=True, capture_output=True)
    parts = next(p for p in (work / "data").iterdir() if p.name.startswith("parts_") and p.is_dir())
    subprocess.run([cli, "finalize", parts], check=True, capture_output=True)
    loader_runs = [(where, path, order, how, pin) for where, path in (("file", dataset), ("4 parts", parts))
                   for order in ("order", "shuffle")
                   for how, pin in (("iter", "nopin"), ("2", "nopin"), ("2", "pin"))]
    loader_times = {run: [] for run in loader_runs}
    decoded = 0
    features_us = []
    try:
        for _ in range(args.rounds):
            wall, rss, out = timed([PY, "-c", ITER, dataset])
            decoded = int(out.split()[1])
            results["iter_batches"].append((wall, rss))
            results["zstd -d -T2"].append(timed(["zstd", "-d", "-T2", "-q", "-c", f"{raw}.zst", "-o", "/dev/null"])[:2])
            results["duckdb ctas"].append(timed(["node", duck_script, dataset], cwd=tools)[:2])
            for run in loader_runs:
                where, path, order, how, pin = run
                wall, rss, out = timed([PY, "-c", LOADER, path, str(args.loader_batch), how, order, pin])
                loader_times[run].append((float(out.split()[1]), rss))
            wall, rss, out = timed([cli, "build", "--config", build_cfg, "--samples", str(args.samples), "--json",
                                    "--overwrite"])
            summary = json.loads(out.strip().splitlines()[-1])
            features_us.append(summary["stages"]["features"] * 1e6 / summary["rows"])
            results["cli build"].append((wall, rss))
            results["build_dataset"].append(timed([PY, "-c", BUILD, build_cfg, str(args.samples)])[:2])
            loads.append(load())
        # barforge against pyarrow and polars (issue 22), in the PyPI venv
        # where they are installed.
        pypi = ROOT / ".venv-pypi" / "bin" / "python"
        readers = (subprocess.run([pypi, ROOT / "bench" / "readers_bench.py", dataset, "--rounds", str(args.rounds)],
                                  check=True, capture_output=True, text=True).stdout
                   if pypi.exists() else "readers_bench.py skipped: no .venv-pypi/ (scripts/install-deps.sh makes it)")
        transform = subprocess.run([PY, str(ROOT / "bench" / "transform_python_bench.py"), str(dataset)],
                                   check=True, capture_output=True, text=True).stdout
        loads.append(load())
    finally:
        duck_script.unlink(missing_ok=True)
    size = dataset.stat().st_size
    print(f"dataset {dataset.name}: {size / 1e9:.2f} GB, {decoded / 1e9:.2f} GB decoded; medians of {args.rounds} "
          f"interleaved rounds; load average (1, 5, 15 min) at the start and after each round: {' | '.join(loads)}\n")
    print("| step | wall s | decoded GB/s | peak RSS MiB |\n|---|---|---|---|")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        rate = f"{decoded / 1e9 / wall:.2f}" if "build" not in name else "-"
        print(f"| {name} | {wall:.2f} | {rate} | {rss:.0f} |")

    def ratios(a, b):
        return [x[0] / y[0] for x, y in zip(results[a], results[b])]

    print("\n| ratio (per round) | rounds | median | target |\n|---|---|---|---|")
    for label, values, target in (
            ("iter_batches throughput / zstd -d -T2's", ratios("zstd -d -T2", "iter_batches"), ">= 0.8"),
            ("DuckDB CTAS time / iter_batches time", ratios("duckdb ctas", "iter_batches"), ">= 3"),
            ("build_dataset time / CLI build time", ratios("build_dataset", "cli build"), "<= 1.05")):
        print(f"| {label} | {', '.join(f'{v:.2f}' for v in values)} | {statistics.median(values):.2f} | {target} |")
    print(f"\nThe torch loader, DataLoader(SampleDataset(path, batch_size={args.loader_batch}, shuffle=...), "
          "batch_size=None, num_workers=2), against iter_batches in one process; seconds of the loop alone "
          "(medians), throughput ratio of each round (iter_batches time / loader time; target >= 0.8)\n")
    print("| dataset | order | iter_batches s | 2 workers s | ratio (rounds) | 2 workers + pin_memory s "
          "| ratio (rounds) |\n|---|---|---|---|---|---|---|")
    for where in ("file", "4 parts"):
        for order in ("order", "shuffle"):
            base = loader_times[next(r for r in loader_runs if r[0] == where and r[2] == order and r[3] == "iter")]
            cells = [f"{statistics.median(t for t, _ in base):.2f}"]
            for pin in ("nopin", "pin"):
                runs = loader_times[next(r for r in loader_runs if r[0] == where and r[2] == order and r[3] == "2"
                                         and r[4] == pin)]
                per_round = [b[0] / x[0] for b, x in zip(base, runs)]
                cells += [f"{statistics.median(t for t, _ in runs):.2f}",
                          f"{', '.join(f'{v:.2f}' for v in per_round)} (median {statistics.median(per_round):.2f})"]
            print(f"| {where} | {'file order' if order == 'order' else 'shuffled'} | {' | '.join(cells)} |")
    print(f"\nCLI build's features stage, thread time per sample (us): "
          f"{', '.join(f'{v:.3f}' for v in features_us)} (median {statistics.median(features_us):.3f})\n")
    print(transform)
    print(readers)
    print("all runs (wall s, peak MiB):", json.dumps({k: [(round(w, 2), round(m)) for w, m in v]
                                                   for k, v in results.items()}))


if __name__ == "__main__":
    main()
