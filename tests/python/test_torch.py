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


def epoch_sequence(path, shuffle, seed):
    """The epoch's sample ids in position order: one reader of the whole
    epoch (world_size 1)."""
    return np.concatenate([b["sample_id"] for b in barforge.open_dataset(path).iter_batches(
        333, columns=["sample_id"], shuffle=shuffle, seed=seed)]).tolist()


@pytest.mark.parametrize("shuffle", [False, True])
def test_positions_index_one_sequence_fixed_by_shuffle_and_seed(dataset, shuffle):
    ds = barforge.open_dataset(dataset)
    full = epoch_sequence(dataset, shuffle, 9)
    assert sorted(full) == list(range(2500))

    def read(**kw):
        return [int(i) for b in ds.iter_batches(100, columns=["sample_id"], shuffle=shuffle, seed=9, **kw)
                for i in b["sample_id"]]

    # Ranges across row groups (of 400 rows), in the order given.
    assert read(positions=[(1900, 2500), (0, 1), (390, 810)]) == full[1900:2500] + full[0:1] + full[390:810]
    assert read(positions=[(5, 5)]) == []
    # rank r of R reads positions [N*r//R, N*(r+1)//R) of that same sequence.
    for rank in range(3):
        assert read(rank=rank, world_size=3) == full[2500 * rank // 3:2500 * (rank + 1) // 3]
    # positions replace the share
    assert read(rank=1, world_size=3, positions=[(0, 10)]) == full[:10]
    for bad in ([(-1, 3)], [(3, 2)], [(0, 2501)]):
        with pytest.raises(barforge.ConfigError, match="epoch positions"):
            read(positions=bad)


def take(loader, k):
    """The sample ids of the first k batches of loader, and of all of them."""
    ids = []
    for i, batch in enumerate(loader):
        if i == k:
            break
        ids.append(batch["sample_id"].tolist())
    return [i for b in ids for i in b]


def resumed_ids(path, states, world_size, workers, **kw):
    ids = []
    for rank in range(world_size):
        ds = SampleDataset(path, rank=rank, world_size=world_size, **kw)
        ds.load_state_dict(states)
        ids += [i for b in DataLoader(ds, batch_size=None, num_workers=workers) for i in b["sample_id"].tolist()]
    return ids


@pytest.mark.parametrize("shuffle", [False, True])
def test_resume_mid_epoch_with_one_worker_and_with_world_size_3(dataset, shuffle):
    kw = dict(batch_size=64, shuffle=shuffle, seed=4)
    ds = SampleDataset(dataset, **kw)
    ds.set_epoch(2)
    seen = take(DataLoader(ds, batch_size=None, num_workers=2), 7)
    assert len(seen) == 7 * 64
    state = ds.state_dict(batches_seen=7, num_workers=2)
    assert state["epoch"] == 2
    left = sorted(set(range(2500)) - set(seen))
    # the same world size, 1 worker: every sample not seen, once
    one = resumed_ids(dataset, state, 1, 1, **kw)
    assert sorted(one) == left
    # world size 3 x 2 workers, from every rank's state (here, one rank's)
    three = resumed_ids(dataset, [state], 3, 2, **kw)
    assert sorted(three) == left
    # The positions left are those of the epoch's sequence not seen, and one
    # worker reads them in their order.
    full = epoch_sequence(dataset, shuffle, ds._seed())
    left_positions = [p for a, b in state["remaining"] for p in range(a, b)]
    assert one == [full[p] for p in left_positions]
    assert sorted(seen) == sorted(full[p] for p in sorted(set(range(2500)) - set(left_positions)))


def test_resume_from_two_ranks_into_three_and_again_into_one(dataset):
    kw = dict(batch_size=50, shuffle=True, seed=1)
    states, seen = [], []
    for rank, k in ((0, 5), (1, 8)):
        ds = SampleDataset(dataset, rank=rank, world_size=2, **kw)
        seen += take(DataLoader(ds, batch_size=None, num_workers=2), k)
        states.append(ds.state_dict(batches_seen=k, num_workers=2))
    assert len(seen) == 13 * 50 and len(set(seen)) == len(seen)
    # world size 3, each rank stops after 3 batches of its 2 workers, then one rank of one worker
    again, more = [], []
    for rank in range(3):
        ds = SampleDataset(dataset, rank=rank, world_size=3, **kw)
        ds.load_state_dict(list(reversed(states)))
        more += take(DataLoader(ds, batch_size=None, num_workers=2), 3)
        again.append(ds.state_dict(batches_seen=3, num_workers=2))
    assert not set(more) & set(seen)
    rest = resumed_ids(dataset, again, 1, 1, **kw)
    assert sorted(seen + more + rest) == list(range(2500))


def test_state_counted_without_workers_and_a_rank_resuming_its_own(dataset):
    kw = dict(batch_size=100, seed=2, rank=1, world_size=2)
    ds = SampleDataset(dataset, **kw)
    seen = []
    for i, batch in enumerate(ds):
        seen += batch["sample_id"].tolist()
        if i == 3:
            break
    state = ds.state_dict()  # 4 batches, counted by ds itself
    back = SampleDataset(dataset, **kw)
    back.load_state_dict(state)
    rest = [i for b in back for i in b["sample_id"].tolist()]
    assert sorted(seen + rest) == list(range(1250, 2500))
    back.set_epoch(1)  # another epoch: the resume is dropped
    assert len([i for b in back for i in b["sample_id"].tolist()]) == 1250


def test_bad_states_are_refused(dataset, tmp_path):
    other_cfg = small_config(tmp_path / "data", n_samples=2500, chunk_rows=400, tickers=["CCC", "DDD"])
    result = run_cli("build", "--config", str(write_config(tmp_path / "c.yaml", other_cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    other = tmp_path / "data" / "samples_2500.parquet"
    kw = dict(batch_size=64, shuffle=True, seed=4)
    ds = SampleDataset(dataset, **kw)
    state = ds.state_dict(batches_seen=3, num_workers=2)
    with pytest.raises(ValueError, match="another dataset"):
        SampleDataset(other, **kw).load_state_dict(state)
    later = SampleDataset(dataset, **kw)
    later.set_epoch(1)
    with pytest.raises(ValueError, match="different epochs"):
        SampleDataset(dataset, rank=0, world_size=2, **kw).load_state_dict(
            [dict(state, rank=0, world_size=2), dict(later.state_dict(0), rank=1, world_size=2)])
    with pytest.raises(ValueError, match="shuffle"):
        SampleDataset(dataset, batch_size=64, seed=4).load_state_dict(state)
    with pytest.raises(ValueError, match="batch_size"):
        SampleDataset(dataset, batch_size=32, shuffle=True, seed=4).load_state_dict(state)
    half = SampleDataset(dataset, rank=0, world_size=2, **kw).state_dict(batches_seen=1)
    with pytest.raises(ValueError, match="every rank's state once"):
        SampleDataset(dataset, rank=0, world_size=3, **kw).load_state_dict(half)
    with pytest.raises(ValueError, match="batches_seen 41"):
        ds.state_dict(batches_seen=41, num_workers=2)  # 2500 rows are 40 batches of 64 (2 x 20)
    with pytest.raises(ValueError, match="not a barforge"):
        ds.load_state_dict({"epoch": 0})
    with pytest.raises(ValueError, match="needs SampleDataset"):
        SampleDataset(dataset).state_dict(0)


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_parts_start_where_a_row_group_does(dataset, shuffle):
    # Row groups of 400 rows, sample id = file row: the epoch's group at each
    # position is id // 400, so its boundaries are where that changes.
    full = epoch_sequence(dataset, shuffle, 6)
    groups = [i // 400 for i in full]
    expected = [0] + [p for p in range(1, 2500) if groups[p] != groups[p - 1]] + [2500]
    assert barforge.open_dataset(dataset).epoch_boundaries(shuffle, 6) == expected
    ds = SampleDataset(dataset, batch_size=100, shuffle=shuffle, seed=6)
    from barforge.torch import _worker_part
    parts = [_worker_part([(0, 2500)], 2, w, ds._boundaries()) for w in range(2)]
    # the even cut, 1250, moves to the boundary 1200 (or another within 312)
    cut = parts[0][-1][1]
    assert parts == [[(0, cut)], [(cut, 2500)]] and cut in expected and abs(cut - 1250) <= 312
    ids = [i for b in DataLoader(ds, batch_size=None, num_workers=2) for i in b["sample_id"].tolist()]
    assert sorted(ids) == list(range(2500))
    assert set(ids[:100]) == set(full[:100]) and set(ids[100:200]) == set(full[cut:cut + 100])
