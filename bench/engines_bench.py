"""Ray and Dask builds against one process, interleaved (make bench).

The 1M-sample default build as 2 engine tasks of 1 thread each (2 parts)
against one `barforge build` process with 2 threads, in alternating rounds
on one machine. Efficiency = one-process time / engine time; the engine's
own start-up (ray.init, LocalCluster) is timed apart and left out.

    .venv-pypi/bin/python bench/engines_bench.py [--samples N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cli", default=str(ROOT / "build" / "barforge"))
    args = parser.parse_args()
    os.environ.setdefault("BARFORGE_CLI", args.cli)
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    # Token authentication with a token of this run's own: Ray writes none
    # under ~/.ray.
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    os.environ.setdefault("RAY_AUTH_TOKEN", __import__("secrets").token_hex(32))

    import ray
    import barforge.dask
    import barforge.ray
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="barforge-engines-", dir=os.environ.get("BENCH_DIR")))
    cfg = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    cfg.update(data_dir=str(work / "data"))
    # The raw files once, so that every build reads the same bars.
    subprocess.run([args.cli, "synth", "--config", str(ROOT / "config" / "default.yaml"),
                    "--set", f"data_dir={work / 'data'}", "--quiet"], check=True)

    started = time.monotonic()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray_start = time.monotonic() - started
    started = time.monotonic()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    dask_start = time.monotonic() - started

    def clean() -> None:
        for entry in (work / "data").iterdir():
            if entry.name.startswith("samples_") or entry.name == "meta_scaler.json":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()

    def one_process() -> float:
        clean()
        config = work / "one.yaml"
        config.write_text(yaml.safe_dump(dict(cfg, n_jobs=2), sort_keys=False))
        t = time.monotonic()
        subprocess.run([args.cli, "build", "--config", str(config), "--samples", str(args.samples), "--quiet"],
                       check=True)
        return time.monotonic() - t

    def engine(build) -> float:
        clean()
        t = time.monotonic()
        build(dict(cfg, n_jobs=1))
        return time.monotonic() - t

    times = {"one process, 2 threads": [], "Ray, 2 tasks x 1 thread": [], "Dask, 2 tasks x 1 thread": []}
    for _ in range(args.rounds):
        times["one process, 2 threads"].append(one_process())
        times["Ray, 2 tasks x 1 thread"].append(engine(
            lambda c: barforge.ray.build_dataset(c, n_samples=args.samples, num_shards=2)))
        times["Dask, 2 tasks x 1 thread"].append(engine(
            lambda c: barforge.dask.build_dataset(client, c, n_samples=args.samples, num_shards=2)))
    client.close()
    cluster.close()
    ray.shutdown()
    shutil.rmtree(work)

    base = statistics.median(times["one process, 2 threads"])
    print(f"{args.samples:,} samples, {args.rounds} interleaved rounds, load {os.getloadavg()[0]:.1f}")
    print(f"engine start-up (not in the times): ray.init {ray_start:.1f} s, LocalCluster {dask_start:.1f} s")
    print("| build | median s | rounds | efficiency (one process / it) |")
    print("|---|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        rounds = ", ".join(f"{v:.2f}" for v in values)
        print(f"| {name} | {median:.2f} | {rounds} | {base / median:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
