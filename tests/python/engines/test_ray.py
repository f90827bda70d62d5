"""barforge.ray: builds in parts as Ray tasks on a local cluster (2 CPUs)
and on two Ray nodes on loopback; reading as a ray.data.Dataset."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

# No usage reports, and token authentication with a token of this run's
# own (given, Ray writes none under ~/.ray).
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
os.environ["RAY_AUTH_MODE"] = "token"
os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
import ray  # noqa: E402

import barforge  # noqa: E402
import barforge.ray  # noqa: E402
from shard_helpers import CLI, assert_same_rows, kill_worker_of, one_process, part_inodes, small_config  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_cluster():
    # A short folder of its own: Ray's Unix sockets live under it (107 bytes
    # at most), so not under pytest's --basetemp in the build tree.
    temp = tempfile.mkdtemp(prefix="bfray-")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=temp, configure_logging=False)
    yield
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.parametrize("num_shards", [1, 2, 3])
def test_parts_hold_the_one_process_rows_and_scaler_bytes(tmp_path, num_shards):
    cfg = small_config(tmp_path / "data")
    path = barforge.ray.build_dataset(cfg, n_samples=3000, seed=7, num_shards=num_shards)
    assert path == tmp_path / "data" / "samples_3K"
    assert sorted(p.name for p in path.iterdir()) == ["_SUCCESS"] + [f"part-{r:05d}.parquet" for r in range(num_shards)]
    reference, scaler = one_process(cfg, tmp_path / "ref", 3000, 7)
    assert_same_rows(path, reference)
    assert (tmp_path / "data" / "meta_scaler.json").read_bytes() == scaler


def test_splits_give_a_directory_per_split_in_config_order(tmp_path):
    cfg = small_config(tmp_path / "data", splits=[{"name": "train", "end": 0.7, "n_samples": 1500},
                                                 {"name": "valid", "n_samples": "all"}])
    paths = barforge.ray.build_dataset(cfg, seed=3, num_shards=2)
    assert list(paths) == ["train", "valid"]
    assert paths["train"].name == "samples_1500_train" and (paths["train"] / "_SUCCESS").exists()
    assert (paths["valid"] / "_SUCCESS").exists()
    done = subprocess.run([str(CLI), "build", "--config",
                           str(_write(tmp_path / "ref.yaml", dict(cfg, data_dir=str(tmp_path / "ref")))),
                           "--seed", "3", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert_same_rows(paths["train"], tmp_path / "ref" / "samples_1500_train.parquet")
    valid_file = next((tmp_path / "ref").glob("samples_*_valid.parquet"))
    assert valid_file.stem == paths["valid"].name
    assert_same_rows(paths["valid"], valid_file)


def _write(path: Path, cfg: dict) -> Path:
    import yaml
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_a_failing_task_fails_the_call_with_its_message_and_no_success(tmp_path):
    cfg = small_config(tmp_path / "data")
    stray = tmp_path / "data" / "samples_3K" / "part-00001.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_text("not a part\n")
    with pytest.raises(barforge.ray.ShardBuildError) as error:
        barforge.ray.build_dataset(cfg, n_samples=3000, seed=7, num_shards=2)
    assert error.value.part == 1 and error.value.node == socket.gethostname()
    assert str(stray) in str(error.value) and str(error.value).startswith(f"part 1 on {socket.gethostname()}: ")
    assert not (stray.parent / "_SUCCESS").exists()
    assert stray.read_text() == "not a part\n"  # a file barforge did not write is never replaced


def test_a_killed_worker_is_retried_and_the_result_is_exact(tmp_path):
    cfg = small_config(tmp_path / "data", window=32, chunk_rows=20000)
    cfg["synthetic"]["n_bars"] = 40000
    outcome = {}

    def build():
        try:
            outcome["path"] = barforge.ray.build_dataset(cfg, n_samples=150_000, seed=11, num_shards=3)
        except BaseException as error:  # reported below
            outcome["error"] = error

    thread = threading.Thread(target=build)
    thread.start()
    killed = kill_worker_of("--shard 1/3", tmp_path / "data", "part-00001.parquet")
    thread.join(timeout=600)
    assert killed and not thread.is_alive() and "error" not in outcome, outcome.get("error")
    path = outcome["path"]
    reference, scaler = one_process(cfg, tmp_path / "ref", 150_000, 11)
    assert_same_rows(path, reference)
    assert (tmp_path / "data" / "meta_scaler.json").read_bytes() == scaler
    assert sorted(p.name for p in path.iterdir()) == ["_SUCCESS", "part-00000.parquet", "part-00001.parquet",
                                                       "part-00002.parquet"]


def test_a_rerun_keeps_complete_parts_and_redoes_the_rest(tmp_path):
    cfg = small_config(tmp_path / "data")
    path = barforge.ray.build_dataset(cfg, n_samples=3000, seed=7, num_shards=3)
    before = part_inodes(path)
    (path / "part-00002.parquet").unlink()
    (path / "_SUCCESS").unlink()
    assert barforge.ray.build_dataset(cfg, n_samples=3000, seed=7, num_shards=3) == path
    after = part_inodes(path)
    assert after["part-00000.parquet"] == before["part-00000.parquet"]
    assert after["part-00001.parquet"] == before["part-00001.parquet"]
    assert (path / "_SUCCESS").exists()
    assert_same_rows(path, one_process(cfg, tmp_path / "ref", 3000, 7)[0])


def test_two_calls_on_one_directory_never_both_succeed_with_mixed_parts(tmp_path):
    outcomes = {}

    def build(seed):
        cfg = small_config(tmp_path / "data")
        try:
            outcomes[seed] = barforge.ray.build_dataset(cfg, n_samples=30_000, seed=seed, num_shards=4)
        except barforge.ray.ShardBuildError as error:
            outcomes[seed] = error

    threads = [threading.Thread(target=build, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    won = [seed for seed, outcome in outcomes.items() if isinstance(outcome, Path)]
    assert len(outcomes) == 2 and len(won) <= 1, outcomes
    for seed in won:  # the winner's directory is wholly its own build
        assert_same_rows(outcomes[seed], one_process(small_config(tmp_path / "data"), tmp_path / "ref", 30_000, seed)[0])


def test_read_dataset_gives_every_row_once_with_tensor_columns(tmp_path):
    cfg = small_config(tmp_path / "data")
    path = barforge.ray.build_dataset(cfg, n_samples=3000, seed=5, num_shards=2)
    ds = barforge.ray.read_dataset(path)
    assert ds.count() == 3000
    rows = ds.take_all()
    assert sorted(r["sample_id"] for r in rows) == list(range(3000))
    want = barforge.open_dataset(path).read()
    by_id = {r["sample_id"]: r for r in rows}
    for i in (0, 1499, 1500, 2999):
        row = by_id[i]
        assert row["ohlc"].shape == (16, 4) and row["volume"].shape == (16,)
        assert row["meta"].shape == (6,) and row["rewards"].shape == (3,)
        for name in ("ohlc", "volume", "meta", "rewards"):
            assert np.array_equal(row[name], want[name][i]), name
        assert row["fwd_return"] == want["fwd_return"][i] and row["ticker"] == want["ticker"][i]
    # ray.data's own Parquet reader takes the same directory (list columns flat).
    import ray.data
    flat = ray.data.read_parquet(str(path)).take_batch(3000, batch_format="numpy")
    assert len(flat["sample_id"]) == 3000
    assert np.array_equal(np.stack(flat["ohlc"]).reshape(-1, 16, 4)[np.argsort(flat["sample_id"])], want["ohlc"])


def test_relative_data_dir_and_missing_config_are_refused(tmp_path):
    with pytest.raises(ValueError, match="data_dir must be an absolute path on a file system every node shares, "
                                         "got 'data'"):
        barforge.ray.build_dataset(small_config(Path("data")), n_samples=10, num_shards=2)
    with pytest.raises(TypeError, match="cfg is None"):
        barforge.ray.build_dataset(None, num_shards=2)
    with pytest.raises(ValueError, match="num_shards must be a whole number >= 1, got 0"):
        barforge.ray.build_dataset(small_config(tmp_path), num_shards=0)


def test_a_part_not_visible_to_the_driver_names_the_part_and_node(tmp_path):
    from barforge import _shards
    plan = _shards.plan(small_config(tmp_path), 10, 1, False, 2)
    results = [{"part": 0, "node": "node-a", "files": [str(tmp_path)], "directories": [str(tmp_path)]},
               {"part": 1, "node": "node-b", "files": [str(tmp_path / "d" / "part-00001.parquet")],
                "directories": [str(tmp_path)]}]
    with pytest.raises(barforge.ray.ShardBuildError) as error:
        _shards.finalize(plan, results)
    assert error.value.part == 1 and error.value.node == "node-b"
    assert f"{tmp_path}/d/part-00001.parquet: written on node node-b but not visible on " in str(error.value)


def test_without_ray_the_import_error_names_the_extra():
    code = "import sys; sys.modules['ray'] = None; import barforge.ray"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "ImportError: barforge.ray needs Ray: pip install 'barforge[ray]'" in done.stderr
    done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['ray'] = None; import barforge"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # the core package does not need Ray
