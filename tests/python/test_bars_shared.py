"""A bars dataset's per-bar values are computed once, by the first process
that opens it, into a memory file: a process started after that (a
DataLoader worker started by spawn) maps them read-only instead of holding a
copy of its own, and reads the same rows."""

import multiprocessing
import os

import numpy as np
import pytest

import barforge
from barforge import _bars
from conftest import run_cli, small_config, write_config

BARS_PER_TICKER = 600_000


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(samples file, bars dataset) of one config with 2 x 600,000 bars (77 MB of per-bar values)."""
    tmp = tmp_path_factory.mktemp("bars_shared")
    cfg = small_config(tmp / "data", n_samples=3000)
    cfg["synthetic"]["n_bars"] = BARS_PER_TICKER
    config = str(write_config(tmp / "c.yaml", cfg))
    for extra in ([], ["--set", "storage=bars"]):
        result = run_cli("build", "--config", config, "--quiet", *extra)
        assert result.returncode == 0, result.stderr
    return tmp / "data" / "samples_3K.parquet", tmp / "data" / "samples_3K.bars.parquet"


def private_bytes() -> int:
    """This process's memory that no other process maps."""
    total = 0
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1]) * 1024
    return total


def open_and_read(path, out):
    before = private_bytes()
    ds = barforge.open_dataset(path)
    rows = ds.read(["sample_id", "ohlc", "meta"], 0, 500)
    out.put((ds.shared, private_bytes() - before, {k: v.tobytes() for k, v in rows.items()}))


def in_a_spawned_process(path):
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=open_and_read, args=(str(path), out))
    process.start()
    try:
        return out.get(timeout=120)
    finally:
        process.join(timeout=60)


def test_a_spawned_process_maps_the_openers_values_and_holds_no_copy(pair):
    windows, bars = pair
    ds = barforge.open_dataset(bars)
    assert not ds.shared
    assert os.path.realpath(bars) in _bars._shared_table()
    values_bytes = 7 * 8 * 2 * BARS_PER_TICKER
    shared, grown, rows = in_a_spawned_process(bars)
    assert shared
    # Its own: the timestamps (8 bytes a bar) and little else, not the 56 bytes a bar of values.
    assert grown < values_bytes * 0.4, (grown, values_bytes)
    want = barforge.open_dataset(windows).read(["sample_id", "ohlc", "meta"], 0, 500)
    assert rows == {k: v.tobytes() for k, v in want.items()}  # bit for bit
    # Without a published opener it computes its own copy (what this guards against).
    del ds
    assert os.path.realpath(bars) not in _bars._shared_table()
    shared, grown, rows = in_a_spawned_process(bars)
    assert not shared and grown > values_bytes
    assert rows == {k: v.tobytes() for k, v in want.items()}


def test_a_stale_or_foreign_entry_is_not_mapped(pair, monkeypatch, tmp_path):
    windows, bars = pair
    ds = barforge.open_dataset(bars)
    pid, fd, token = _bars._shared_table()[os.path.realpath(bars)]
    with pytest.raises(ValueError, match=r"samples_3K\.bars\.parquet: the bars' values shared at .* are not this "
                                         r"file's: another token"):
        barforge._core.BarsReader(str(bars), f"/proc/{pid}/fd/{fd}", token ^ 1)
    with pytest.raises(ValueError, match=r"are not this file's: No such file"):
        barforge._core.BarsReader(str(bars), f"/proc/{pid}/fd/99999", token)
    # The values claimed for another file (a copy: another inode): refused.
    copy = tmp_path / "copy.bars.parquet"
    copy.write_bytes(bars.read_bytes())
    with pytest.raises(ValueError, match=r"copy\.bars\.parquet: .* of another file \(or the file changed since\)"):
        barforge._core.BarsReader(str(copy), f"/proc/{pid}/fd/{fd}", token)
    # A process that finds a stale entry computes the values itself.
    monkeypatch.setenv(_bars.SHARED_ENV, f'{{"{os.path.realpath(bars)}": [{pid}, {fd}, {token ^ 1}]}}')
    shared, _, rows = in_a_spawned_process(bars)
    assert not shared
    assert rows["ohlc"] == ds.read(["ohlc"], 0, 500)["ohlc"].tobytes()


def test_dataloader_workers_started_by_spawn_see_every_sample_once(pair):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader
    from barforge.torch import SampleDataset

    windows, bars = pair
    ds = SampleDataset(bars, batch_size=256, shuffle=True, seed=2)
    ids, ohlc = [], []
    for batch in DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context="spawn"):
        ids += batch["sample_id"].tolist()
        ohlc.append(batch["ohlc"].numpy().copy())
    assert sorted(ids) == list(range(3000)) and ids != sorted(ids)
    want = barforge.open_dataset(windows).read(["ohlc"])["ohlc"][np.array(ids)]
    assert np.concatenate(ohlc).tobytes() == want.tobytes()
    assert torch.is_tensor(batch["ohlc"])
