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


def by_id(batches):
    """sample_id -> row of every column, from batches of a SampleDataset."""
    rows = {}
    for batch in batches:
        for i, sample in enumerate(batch["sample_id"].tolist()):
            assert sample not in rows
            rows[sample] = {k: (v[i] if isinstance(v, list) else v[i].clone()) for k, v in batch.items()}
    return rows


def expected_rows(path):
    whole = barforge.open_dataset(path).read()
    return {int(s): i for i, s in enumerate(whole["sample_id"])}, whole


def assert_rows_equal(rows, path):
    index, whole = expected_rows(path)
    assert sorted(rows) == sorted(index)
    for sample, row in rows.items():
        i = index[sample]
        assert torch.equal(row["ohlc"], torch.from_numpy(whole["ohlc"][i]))
        assert torch.equal(row["volume"], torch.from_numpy(whole["volume"][i]))
        assert torch.equal(row["meta"], torch.from_numpy(whole["meta"][i]))
        assert row["ticker"] == whole["ticker"][i]
        assert int(row["timestamp"]) == int(whole["timestamp"][i].view(np.int64))
        assert int(row["bar_index"]) == int(whole["bar_index"][i])


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_batches_kept_by_the_caller_keep_their_values(dataset, shuffle):
    # Every batch is kept until the end: a slot still held must never be
    # written again (the worker makes new ones), so each keeps its values.
    from barforge import _shared_batches
    batches = list(DataLoader(SampleDataset(dataset, batch_size=64, shuffle=shuffle, seed=5), batch_size=None,
                              num_workers=2))
    assert sum(len(b["sample_id"]) for b in batches) == 2500
    assert isinstance(batches[0]["ticker"], list) and batches[0]["timestamp"].dtype == torch.int64
    assert_rows_equal(by_id(batches), dataset)
    del batches
    assert not _shared_batches._mappings or all(m.stale() for m in _shared_batches._mappings.values())


def test_workers_reuse_a_few_slots_for_many_batches(dataset):
    from barforge import _shared_batches
    _shared_batches._mappings.clear()
    rows = {}
    seen = set()
    for batch in DataLoader(SampleDataset(dataset, batch_size=50), batch_size=None, num_workers=2, prefetch_factor=2):
        rows.update(by_id([batch]))
        seen.update(_shared_batches._mappings)
        del batch
    assert_rows_equal(rows, dataset)
    # 50 batches through at most (prefetch_factor + 2) slots per worker.
    assert 2 <= len(seen) <= 8


def test_workers_batches_through_a_custom_collate_fn(dataset):
    # A collate_fn that makes a plain dict of the batch: torch pickles those
    # tensors its own way, and the slots are still reused, not leaked. In a
    # worker it sees the strings as an object array (docs/python.md).
    from barforge import _shared_batches
    _shared_batches._mappings.clear()

    def collate(batch):
        assert isinstance(batch["ticker"], np.ndarray) and isinstance(batch["ohlc"], torch.Tensor)
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in batch.items()}

    batches = DataLoader(SampleDataset(dataset, batch_size=100, shuffle=True), batch_size=None, num_workers=2,
                         collate_fn=collate)
    rows = by_id(batches)
    assert_rows_equal(rows, dataset)
    assert not _shared_batches._mappings


def test_workers_with_pin_memory_give_the_same_rows(dataset):
    batches = DataLoader(SampleDataset(dataset, batch_size=128), batch_size=None, num_workers=2, pin_memory=True)
    assert_rows_equal(by_id(batches), dataset)
