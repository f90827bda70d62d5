"""Elastic resume over a bars dataset (storage: bars) with torch's
DataLoader: stop after k batches of 2 workers, resume with 1 worker and
with world size 3 (3 ranks' loaders of 2 workers): every sample of the epoch
not seen yet exactly once, none already seen, each row the samples file's."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

import barforge  # noqa: E402
from barforge.torch import SampleDataset  # noqa: E402
from conftest import run_cli, small_config, write_config  # noqa: E402

N = 2500


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(samples file, bars dataset) of one config."""
    tmp = tmp_path_factory.mktemp("bars_resume")
    cfg = small_config(tmp / "data", n_samples=N, chunk_rows=400)
    config = str(write_config(tmp / "c.yaml", cfg))
    for extra in ([], ["--set", "storage=bars"]):
        result = run_cli("build", "--config", config, "--quiet", *extra)
        assert result.returncode == 0, result.stderr
    return tmp / "data" / "samples_2500.parquet", tmp / "data" / "samples_2500.bars.parquet"


def batches(loader, k=None):
    """(sample ids, ohlc rows) of the first k batches of `loader` (all without k)."""
    ids, ohlc = [], []
    for i, batch in enumerate(loader):
        if i == k:
            break
        ids += batch["sample_id"].tolist()
        ohlc.append(batch["ohlc"].numpy().copy())
    return ids, ohlc


def resumed(path, states, world_size, workers, **kw):
    ids, ohlc = [], []
    for rank in range(world_size):
        ds = SampleDataset(path, rank=rank, world_size=world_size, **kw)
        ds.load_state_dict(states)
        more = batches(DataLoader(ds, batch_size=None, num_workers=workers))
        ids += more[0]
        ohlc += more[1]
    return ids, ohlc


def assert_rows_of_the_samples_file(windows, ids, ohlc):
    want = barforge.open_dataset(windows).read(["ohlc"])["ohlc"][np.array(ids, dtype=np.int64)]
    got = np.concatenate(ohlc)
    assert got.shape == want.shape and np.array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("shuffle", [False, True])
def test_resume_after_k_batches_with_one_worker_and_with_world_size_3(pair, shuffle):
    windows, bars = pair
    kw = dict(batch_size=64, shuffle=shuffle, seed=4)
    ds = SampleDataset(bars, **kw)
    ds.set_epoch(2)
    seen, seen_ohlc = batches(DataLoader(ds, batch_size=None, num_workers=2), 7)
    assert len(seen) == 7 * 64 and len(set(seen)) == len(seen)
    assert_rows_of_the_samples_file(windows, seen, seen_ohlc)
    state = ds.state_dict(batches_seen=7, num_workers=2)
    assert state["epoch"] == 2
    left = sorted(set(range(N)) - set(seen))
    for world_size, workers in ((1, 1), (3, 2)):
        ids, ohlc = resumed(bars, [state], world_size, workers, **kw)
        assert len(ids) == len(left) and sorted(ids) == left, (world_size, workers)  # once each, none seen
        assert_rows_of_the_samples_file(windows, ids, ohlc)
    # The epoch: shuffled, the dataset's permutation of every sample id.
    epoch = barforge.open_dataset(bars).epoch_ids(shuffle, ds._seed())
    one, _ = resumed(bars, state, 1, 1, **kw)
    assert one == [int(epoch[p]) for a, b in state["remaining"] for p in range(a, b)]


def test_two_ranks_resumed_by_three_then_by_one(pair):
    windows, bars = pair
    kw = dict(batch_size=50, shuffle=True, seed=1)
    states, seen = [], []
    for rank, k in ((0, 5), (1, 8)):
        ds = SampleDataset(bars, rank=rank, world_size=2, **kw)
        seen += batches(DataLoader(ds, batch_size=None, num_workers=2), k)[0]
        states.append(ds.state_dict(batches_seen=k, num_workers=2))
    assert len(seen) == 13 * 50 and len(set(seen)) == len(seen)
    again, more = [], []
    for rank in range(3):
        ds = SampleDataset(bars, rank=rank, world_size=3, **kw)
        ds.load_state_dict(list(reversed(states)))
        more += batches(DataLoader(ds, batch_size=None, num_workers=2), 3)[0]
        again.append(ds.state_dict(batches_seen=3, num_workers=2))
    assert len(more) == 9 * 50 and not set(more) & set(seen)
    rest, ohlc = resumed(bars, again, 1, 1, **kw)
    assert sorted(seen + more + rest) == list(range(N))
    assert_rows_of_the_samples_file(windows, rest, ohlc)


def test_a_state_of_one_storage_is_refused_by_the_other(pair):
    """The rows are the same, the shuffled epoch's order is not: a state's
    positions would be other samples in the other storage."""
    windows, bars = pair
    kw = dict(batch_size=64, shuffle=True, seed=4)
    for source, target in ((windows, bars), (bars, windows)):
        ds = SampleDataset(source, **kw)
        batches(DataLoader(ds, batch_size=None, num_workers=0), 2)
        state = ds.state_dict(batches_seen=2, num_workers=0)
        other = SampleDataset(target, **kw)
        with pytest.raises(ValueError, match="storage: (bars|windows) dataset"):
            other.load_state_dict(state)
        SampleDataset(source, **kw).load_state_dict(state)  # its own storage takes it
    del state["storage"]  # a state written before the key existed: a samples file's
    SampleDataset(windows, **kw).load_state_dict(state)
    with pytest.raises(ValueError, match="storage: windows dataset"):
        SampleDataset(bars, **kw).load_state_dict(state)
