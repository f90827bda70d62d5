"""barforge.dask: builds in parts on a dask.distributed LocalCluster of two
worker processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest
from distributed import Client, LocalCluster

import barforge
import barforge.dask
from shard_helpers import assert_same_rows, kill_worker_of, one_process, part_inodes, small_config


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      local_directory=str(tmp_path_factory.mktemp("dask"))) as cluster, Client(cluster) as c:
        yield c


@pytest.mark.parametrize("num_shards", [None, 3])
def test_parts_hold_the_one_process_rows_and_scaler_bytes(client, tmp_path, num_shards):
    cfg = small_config(tmp_path / "data")
    path = barforge.dask.build_dataset(client, cfg, n_samples=3000, seed=7, num_shards=num_shards)
    parts = num_shards or 2  # the cluster's two worker threads
    assert sorted(p.name for p in path.iterdir()) == ["_SUCCESS"] + [f"part-{r:05d}.parquet" for r in range(parts)]
    reference, scaler = one_process(cfg, tmp_path / "ref", 3000, 7)
    assert_same_rows(path, reference)
    assert (tmp_path / "data" / "meta_scaler.json").read_bytes() == scaler


def test_a_failing_task_fails_the_call_with_its_message_and_no_success(client, tmp_path):
    cfg = small_config(tmp_path / "data")
    stray = tmp_path / "data" / "samples_3K" / "part-00000.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_text("not a part\n")
    with pytest.raises(barforge.dask.ShardBuildError) as error:
        barforge.dask.build_dataset(client, cfg, n_samples=3000, seed=7, num_shards=2)
    assert error.value.part == 0 and error.value.node == socket.gethostname()
    assert str(stray) in str(error.value)
    assert not (stray.parent / "_SUCCESS").exists() and stray.read_text() == "not a part\n"


def test_a_killed_worker_is_rescheduled_and_the_result_is_exact(client, tmp_path):
    cfg = small_config(tmp_path / "data", window=32, chunk_rows=20000)
    cfg["synthetic"]["n_bars"] = 40000
    outcome = {}

    def build():
        try:
            outcome["path"] = barforge.dask.build_dataset(client, cfg, n_samples=150_000, seed=11, num_shards=2)
        except BaseException as error:  # reported below
            outcome["error"] = error

    thread = threading.Thread(target=build)
    thread.start()
    killed = kill_worker_of("--shard 1/2", tmp_path / "data", "part-00001.parquet")
    thread.join(timeout=600)
    assert killed and not thread.is_alive() and "error" not in outcome, outcome.get("error")
    reference, scaler = one_process(cfg, tmp_path / "ref", 150_000, 11)
    assert_same_rows(outcome["path"], reference)
    assert (tmp_path / "data" / "meta_scaler.json").read_bytes() == scaler
    assert sorted(p.name for p in outcome["path"].iterdir()) == ["_SUCCESS", "part-00000.parquet", "part-00001.parquet"]
    client.wait_for_workers(2, timeout=120)  # the nanny restarted the killed worker


def test_a_rerun_keeps_complete_parts(client, tmp_path):
    cfg = small_config(tmp_path / "data")
    path = barforge.dask.build_dataset(client, cfg, n_samples=3000, seed=7, num_shards=2)
    before = part_inodes(path)
    (path / "part-00001.parquet").unlink()
    assert barforge.dask.build_dataset(client, cfg, n_samples=3000, seed=7, num_shards=2) == path
    assert part_inodes(path)["part-00000.parquet"] == before["part-00000.parquet"]
    assert_same_rows(path, one_process(cfg, tmp_path / "ref", 3000, 7)[0])


def test_without_dask_the_import_error_names_the_extra():
    done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['distributed'] = None; import barforge.dask"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "ImportError: barforge.dask needs dask.distributed: pip install 'barforge[dask]'" in done.stderr
