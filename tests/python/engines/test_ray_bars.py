"""barforge.ray.read_dataset over a bars dataset (storage: bars): the rows of
the samples file of the same config, every column, floats bit for bit, on
a local Ray cluster (2 CPUs)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile

import numpy as np
import pytest
import yaml

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
os.environ["RAY_AUTH_MODE"] = "token"
os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
import ray  # noqa: E402

import barforge  # noqa: E402
import barforge.ray  # noqa: E402
from shard_helpers import CLI, small_config  # noqa: E402

N = 3000


@pytest.fixture(scope="module", autouse=True)
def local_cluster():
    temp = tempfile.mkdtemp(prefix="bfrayb-")  # Ray's Unix sockets: a short path
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=temp, configure_logging=False)
    yield
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)


def build(tmp_path, storage: str):
    cfg = small_config(tmp_path / "data", extra_horizons=[2], triple_barrier={"profit": 1.0, "stop": 1.0})
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    done = subprocess.run([str(CLI), "build", "--config", str(config), "--samples", str(N), "--seed", "5", "--quiet",
                           "--set", f"storage={storage}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tmp_path / "data" / (f"samples_3K.bars.parquet" if storage == "bars" else "samples_3K.parquet")


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a.view(np.uint32 if a.itemsize == 4 else np.uint64),
                              b.view(np.uint32 if b.itemsize == 4 else np.uint64))
    return bool(np.array_equal(a, b))


def test_read_dataset_of_a_bars_dataset_gives_the_samples_files_rows(tmp_path):
    windows, bars = build(tmp_path, "windows"), build(tmp_path, "bars")
    want = barforge.open_dataset(windows).read()
    ds = barforge.ray.read_dataset(bars)
    assert ds.count() == N
    rows = sorted(ds.take_all(), key=lambda r: r["sample_id"])
    assert [r["sample_id"] for r in rows] == list(range(N))  # every row once
    assert sorted(rows[0]) == sorted(want) and "tb_label" in want and "fwd_return_2" in want
    for name in want:
        if name == "ticker":
            assert [r[name] for r in rows] == list(want[name])
            continue
        got = np.stack([np.asarray(r[name]) for r in rows])
        if name == "timestamp":  # pandas Timestamps in Ray's rows
            got = got.astype("datetime64[ns]")
        if got.dtype == np.float64 and want[name].dtype == np.float32:
            # A row's float32 scalar comes out as a Python float: widened exactly.
            assert np.array_equal(got, want[name].astype(np.float64)), name
            got = got.astype(np.float32)
        if got.dtype.kind == "i" and got.dtype != want[name].dtype:  # int8/int16 scalars as Python ints
            assert np.array_equal(got, want[name].astype(got.dtype)), name
            got = got.astype(want[name].dtype)
        assert same(got, want[name]), name
    # The same rows as read_dataset over the samples file gives.
    other = sorted(barforge.ray.read_dataset(windows).take_all(), key=lambda r: r["sample_id"])
    for a, b in zip(rows, other):
        for name in want:
            assert (a[name] == b[name]) if name in ("ticker", "timestamp") else same(a[name], b[name]), name
    # columns=: only these.
    part = barforge.ray.read_dataset(bars, columns=["sample_id", "ohlc"]).take(3)
    assert [sorted(r) for r in part] == [["ohlc", "sample_id"]] * 3
