"""barforge.torch.SampleDataset over DataLoader workers and ranks."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import barforge
from barforge.torch import SampleDataset
from conftest import run_cli, small_config, write_config


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("torch")
    cfg = small_config(tmp / "data", n_samples=2500, chunk_rows=400)
    result = run_cli("build", "--config", str(write_config(tmp / "c.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp / "data" / "samples_2500.parquet"


def epoch_ids(path, epoch, shuffle, batch_size):
    ids = []
    for rank in range(3):
        ds = SampleDataset(path, batch_size=batch_size, shuffle=shuffle, seed=3, rank=rank, world_size=3)
        ds.set_epoch(epoch)
        loader = DataLoader(ds, batch_size=None if batch_size else 64, num_workers=2)
        for batch in loader:
            assert isinstance(batch["ohlc"], torch.Tensor) and batch["ohlc"].dtype == torch.float32
            assert batch["ohlc"].shape[1:] == (16, 4) and batch["rewards"].shape[1:] == (3,)
            ids.extend(batch["sample_id"].tolist())
    return ids


@pytest.mark.parametrize("batch_size", [128, None])
def test_three_ranks_of_two_workers_see_every_sample_once(dataset, batch_size):
    ids = epoch_ids(dataset, 0, shuffle=True, batch_size=batch_size)
    assert sorted(ids) == list(range(2500))
    assert ids != sorted(ids)


def test_set_epoch_reshuffles_and_seeds_repeat(dataset):
    first = epoch_ids(dataset, 1, shuffle=True, batch_size=100)
    assert epoch_ids(dataset, 1, shuffle=True, batch_size=100) == first
    second = epoch_ids(dataset, 2, shuffle=True, batch_size=100)
    assert second != first and sorted(second) == sorted(first) == list(range(2500))


def test_tensors_share_the_arrays_memory_and_values(dataset):
    whole = barforge.open_dataset(dataset).read()
    ds = SampleDataset(dataset, batch_size=500, columns=["sample_id", "ohlc", "ticker", "timestamp"])
    batch = next(iter(ds))
    np.testing.assert_array_equal(batch["ohlc"].numpy(), whole["ohlc"][:500])
    assert batch["ticker"] == whole["ticker"][:500].tolist()
    assert batch["timestamp"].dtype == torch.int64
    assert batch["timestamp"].tolist() == whole["timestamp"][:500].view(np.int64).tolist()
    row = next(iter(SampleDataset(dataset, columns=["meta"])))
    assert row["meta"].shape == (6,)


def test_import_barforge_does_not_import_torch():
    code = "import sys, barforge; barforge.open_dataset; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
