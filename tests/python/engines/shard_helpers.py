"""What the Ray and Dask tests share: a small config, the one-process
reference build, comparisons, and finding a task's barforge process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import yaml

import barforge

SOURCE_DIR = Path(__file__).resolve().parents[3]
CLI = Path(os.environ.get("BARFORGE_BINARY_DIR", SOURCE_DIR / "build")) / "barforge"


def small_config(data_dir: Path, **changes) -> dict:
    with open(SOURCE_DIR / "config" / "default.yaml") as f:
        cfg = yaml.safe_load(f)
    cfg.update({"data_dir": str(data_dir), "tickers": ["AAA", "BBB"], "window": 16, "horizon": 4,
                "n_jobs": 1, "chunk_rows": 700})
    cfg["synthetic"]["n_bars"] = 4000
    cfg.update(changes)
    return cfg


def one_process(cfg: dict, data_dir: Path, n_samples: int, seed: int) -> tuple[Path, bytes]:
    """The one-process file of the same config and its scaler's bytes."""
    ref = dict(cfg, data_dir=str(data_dir))
    config = data_dir.parent / f"{data_dir.name}.yaml"
    data_dir.mkdir(parents=True, exist_ok=True)
    config.write_text(yaml.safe_dump(ref, sort_keys=False))
    done = subprocess.run([str(CLI), "build", "--config", str(config), "--samples", str(n_samples), "--seed",
                           str(seed), "--quiet", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import json
    summary = json.loads(done.stdout)
    return Path(summary["output"]), Path(summary["scaler"]).read_bytes()


def assert_same_rows(parts_dir: Path, reference: Path) -> None:
    """Every column of every row equal, floats bit for bit."""
    got, want = barforge.open_dataset(parts_dir).read(), barforge.open_dataset(reference).read()
    assert sorted(got) == sorted(want)
    for name in want:
        a, b = np.asarray(got[name]), np.asarray(want[name])
        assert a.shape == b.shape, name
        if a.dtype.kind == "f":
            assert np.array_equal(a.view(np.uint32 if a.itemsize == 4 else np.uint64),
                                  b.view(np.uint32 if b.itemsize == 4 else np.uint64)), name
        else:
            assert np.array_equal(a, b), name


def part_inodes(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in sorted(directory.glob("part-*.parquet"))}


def barforge_processes(marker: str, data_dir: Path) -> list[int]:
    """PIDs of barforge processes whose command line holds `marker` and
    whose config file names `data_dir` (not another test's build)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not argv or not argv[0].endswith(b"barforge") or marker.encode() not in b" ".join(argv):
            continue
        try:
            config = argv[argv.index(b"--config") + 1].decode().replace("/proc/self/", f"/proc/{entry.name}/")
            config = Path(config).read_text()
        except (ValueError, IndexError, OSError):
            continue
        if str(data_dir) in config:
            pids.append(int(entry.name))
    return pids


def kill_worker_of(marker: str, data_dir: Path, partial: str, timeout: float = 120) -> int:
    """Waits for a barforge process with `marker` in its command line and a
    file under data_dir whose name starts with `partial` (its part, being
    written), then SIGKILLs the process's parent (the engine's worker
    process); returns that PID."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        writing = [f for f in data_dir.rglob(partial + "*") if f.name != partial]
        for pid in barforge_processes(marker, data_dir) if writing else []:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            os.kill(parent, signal.SIGKILL)
            return parent
        time.sleep(0.01)
    raise AssertionError(f"no barforge process with {marker!r} appeared within {timeout} s")
