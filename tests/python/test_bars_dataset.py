"""open_dataset over a bars dataset (storage: bars): the samples file's rows,
bit for bit, through read, iter_batches (shares, positions, shuffle) and
barforge.torch.SampleDataset with DataLoader workers."""

import re

import numpy as np
import pytest

import barforge
from conftest import run_cli, small_config, write_config

N = 3000


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(samples file, bars dataset) of one config with every label."""
    tmp = tmp_path_factory.mktemp("bars")
    cfg = small_config(tmp / "data", extra_horizons=[2], triple_barrier={"profit": 1.0, "stop": 1.0})
    config = str(write_config(tmp / "c.yaml", cfg))
    for extra in ([], ["--set", "storage=bars"]):
        result = run_cli("build", "--config", config, "--quiet", *extra)
        assert result.returncode == 0, result.stderr
    return tmp / "data" / f"samples_{N // 1000}K.parquet", tmp / "data" / f"samples_{N // 1000}K.bars.parquet"


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, floats bit for bit."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype == np.float32:
        return np.array_equal(a.view(np.uint32), b.view(np.uint32))
    return bool(np.all(a == b))


def test_read_gives_the_samples_files_rows_bit_for_bit(pair):
    windows, bars = (barforge.open_dataset(p) for p in pair)
    assert isinstance(bars, barforge.BarsDataset) and isinstance(windows, barforge.Dataset)
    assert isinstance(barforge.Dataset(pair[1]), barforge.BarsDataset)  # code opening Dataset(path) reads both
    assert bars.num_rows == windows.num_rows == N
    assert bars.columns == windows.columns
    assert "tb_label" in bars.columns and "fwd_return_2" in bars.columns
    a, b = windows.read(), bars.read()
    for name in windows.columns:
        assert same(a[name], b[name]), name
    part = bars.read(["ohlc", "ticker"], start=-10)
    assert same(part["ohlc"], a["ohlc"][-10:]) and same(part["ticker"], a["ticker"][-10:])
    assert bars.metadata["scaler"] == windows.metadata["scaler"]
    assert bars.metadata["config"]["storage"] == "bars" and "storage" not in windows.metadata["config"]
    assert bars.window == 16


def test_iter_batches_in_order_and_shuffled(pair):
    windows, bars = (barforge.open_dataset(p) for p in pair)
    whole = windows.read()
    ordered = list(bars.iter_batches(700))
    assert [len(b["sample_id"]) for b in ordered] == [700, 700, 700, 700, 200]
    assert same(np.concatenate([b["ohlc"] for b in ordered]), whole["ohlc"])

    shuffled = list(bars.iter_batches(512, shuffle=True, seed=4, drop_last=True))
    assert [len(b["sample_id"]) for b in shuffled] == [512] * (N // 512)
    ids = np.concatenate([b["sample_id"] for b in shuffled])
    assert len(set(ids.tolist())) == len(ids) and not np.array_equal(ids, np.sort(ids))
    for name in ("ohlc", "meta", "rewards", "tb_return", "ticker"):
        assert same(np.concatenate([b[name] for b in shuffled]), whole[name][ids]), name
    # The epoch: a permutation of every sample id, the same for the same seed.
    epoch = bars.epoch_ids(True, 4)
    assert sorted(epoch.tolist()) == list(range(N))
    assert np.array_equal(ids, epoch[:len(ids)])
    assert np.array_equal(bars.epoch_ids(True, 4), epoch) and not np.array_equal(bars.epoch_ids(True, 5), epoch)
    assert np.array_equal(bars.epoch_ids(False, 4, 10, 20), np.arange(10, 20))


def test_shares_and_positions_cut_one_epoch(pair):
    bars = barforge.open_dataset(pair[1])
    epoch = bars.epoch_ids(True, 9)
    shares = [np.concatenate([b["sample_id"] for b in bars.iter_batches(100, ["sample_id"], True, 9, r, 7)])
              for r in range(7)]
    assert [len(s) for s in shares] == [N * (r + 1) // 7 - N * r // 7 for r in range(7)]
    assert np.array_equal(np.concatenate(shares), epoch)
    # Positions: half-open ranges of the epoch, in the order given; batches across them.
    ranges = [(2900, 3000), (0, 30), (1000, 1001)]
    batches = list(bars.iter_batches(64, ["sample_id"], shuffle=True, seed=9, positions=ranges))
    assert [len(b["sample_id"]) for b in batches] == [64, 64, 3]
    expected = np.concatenate([epoch[b:e] for b, e in ranges])
    assert np.array_equal(np.concatenate([b["sample_id"] for b in batches]), expected)
    in_order = list(bars.iter_batches(10, ["sample_id"], positions=[(5, 12), (0, 2)]))
    assert np.concatenate([b["sample_id"] for b in in_order]).tolist() == [5, 6, 7, 8, 9, 10, 11, 0, 1]
    with pytest.raises(ValueError, match=r"positions \(0, 3001\) are not within \[0, 3000\]"):
        list(bars.iter_batches(10, positions=[(0, 3001)]))
    with pytest.raises(ValueError, match="rank 3 of world_size 3"):
        list(bars.iter_batches(10, rank=3, world_size=3))


def test_a_truncated_bars_dataset_is_refused_naming_the_file(pair, tmp_path):
    data = pair[1].read_bytes()
    broken = tmp_path / "broken.bars.parquet"
    broken.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="broken.bars.parquet"):
        barforge.open_dataset(broken)
    with pytest.raises(ValueError, match="samples_3K.bars.parquet: no column 'nope'"):
        barforge.open_dataset(pair[1]).read(["nope"])


def test_sample_dataset_with_workers_and_ranks_sees_every_sample_once(pair):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader
    from barforge.torch import SampleDataset

    whole = barforge.open_dataset(pair[0]).read(["sample_id", "ohlc"])
    ids, ohlc = [], []
    for rank in range(3):
        ds = SampleDataset(pair[1], batch_size=128, shuffle=True, seed=3, rank=rank, world_size=3)
        ds.set_epoch(1)
        for batch in DataLoader(ds, batch_size=None, num_workers=2):
            assert batch["ohlc"].dtype == torch.float32 and batch["ohlc"].shape[1:] == (16, 4)
            ids.extend(batch["sample_id"].tolist())
            ohlc.append(batch["ohlc"].numpy())
    assert sorted(ids) == list(range(N)) and ids != sorted(ids)
    assert same(np.concatenate(ohlc), whole["ohlc"][np.array(ids)])


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def test_a_batchs_memory_is_reused_once_no_array_is_over_it(pair):
    """Rows are computed into memory of earlier batches whose arrays are all
    gone (no page faults per batch); an array still held keeps its memory and
    its values."""
    whole = barforge.open_dataset(pair[0]).read(["sample_id", "ohlc", "ticker"])
    whole["ohlc"] = whole["ohlc"].reshape(N, -1)  # the reader's (rows, 4 W)
    reader = barforge.open_dataset(pair[1])._reader
    columns = ["sample_id", "ohlc", "ticker"]
    b0 = reader.read_rows(0, 500, columns)
    memory0 = {"sample_id": address(b0["sample_id"]), "ohlc": address(b0["ohlc"])}
    kept = b0["ohlc"][5:9]  # a view: keeps b0's ohlc in use
    del b0
    b1 = reader.read_rows(500, 1000, columns)
    assert address(b1["sample_id"]) == memory0["sample_id"]
    assert address(b1["ohlc"]) != memory0["ohlc"]
    assert same(kept, whole["ohlc"][5:9])
    del kept
    b2 = reader.read_samples(np.arange(2000, 1500, -1), columns)
    assert address(b2["ohlc"]) == memory0["ohlc"]
    assert same(b1["ohlc"], whole["ohlc"][500:1000]) and same(b1["sample_id"], whole["sample_id"][500:1000])
    assert same(b2["ohlc"], whole["ohlc"][2000:1500:-1])
    codes, values = b2["ticker"]
    assert codes.dtype == np.int32 and [values[c] for c in codes] == list(whole["ticker"][2000:1500:-1])
    assert values == list(dict.fromkeys(whole["ticker"][2000:1500:-1]))  # first-seen order


def test_row_groups_are_the_samples_files(pair):
    """A bars dataset stores no row groups, but gives those of the samples file
    (chunk_rows rows each), so code walking row groups reads the same rows."""
    windows, bars = (barforge.open_dataset(p) for p in pair)
    assert bars.num_row_groups == windows.num_row_groups == 5  # 3,000 rows of chunk_rows 700
    for g in range(windows.num_row_groups):
        assert bars._reader.row_group_first_row(g) == windows._reader.row_group_first_row(g)
        assert bars._reader.row_group_rows(g) == windows._reader.row_group_rows(g)
    with pytest.raises(ValueError, match="samples_3K.bars.parquet: no row group 5"):
        bars._reader.row_group_rows(5)


def test_report_of_a_bars_dataset_is_the_samples_files(pair, tmp_path):
    pytest.importorskip("matplotlib")
    pages = [barforge.report(p, tmp_path / f"{k}.html", max_rows=600).read_text() for k, p in enumerate(pair)]
    assert "<h2>Sample windows</h2>" in pages[1] and "rows in the sample</th><td>600<" in pages[1]
    # The same rows drawn: the same page, but for the file's name and the config's storage line.
    strip = lambda page: re.sub(r"samples_3K(\.bars)?\.parquet|storage: bars\n?", "", page)  # noqa: E731
    assert strip(pages[1]) == strip(pages[0])


def rebuilt(footer_config: dict, data_dir, storage: str):
    """The dataset `barforge build` writes from a dataset's footer config, with
    --set storage=... (into another data_dir: its synthetic raw files are made
    again from the same seed)."""
    cfg = dict(footer_config, data_dir=str(data_dir))
    config = str(write_config(data_dir.parent / f"{data_dir.name}.yaml", cfg))
    result = run_cli("build", "--config", config, "--quiet", "--set", f"storage={storage}")
    assert result.returncode == 0, result.stderr
    return barforge.open_dataset(data_dir / f"samples_{N // 1000}K{'.bars' if storage == 'bars' else ''}.parquet")


def test_a_bars_datasets_config_builds_its_samples_file_and_back(pair, tmp_path):
    windows, bars = (barforge.open_dataset(p) for p in pair)
    assert bars.metadata["config"]["storage"] == "bars"
    # bars -> windows: the config stored in the bars dataset, --set storage=windows.
    materialized = rebuilt(bars.metadata["config"], tmp_path / "w", "windows")
    assert isinstance(materialized, barforge.Dataset) and not isinstance(materialized, barforge.BarsDataset)
    assert "storage" not in materialized.metadata["config"]  # a windows build's footer, as ever
    # windows -> bars: the samples file's config, --set storage=bars.
    again = rebuilt(windows.metadata["config"], tmp_path / "b", "bars")
    assert isinstance(again, barforge.BarsDataset)
    want = bars.read()
    for other in (materialized, again, windows):
        assert other.num_rows == N and other.num_row_groups == bars.num_row_groups
        got = other.read()
        for name in bars.columns:
            assert same(got[name], want[name]), name
    assert materialized.metadata["scaler"] == again.metadata["scaler"] == bars.metadata["scaler"]


def test_a_bars_dataset_of_another_version_or_with_a_damaged_page_is_refused_naming_the_file(pair, tmp_path):
    data = pair[1].read_bytes()
    version = barforge.open_dataset(pair[1]).metadata["version"]
    at = data.index(b"barforge.version")
    value = data.index(version.encode(), at)
    other = tmp_path / "other.bars.parquet"
    other.write_bytes(data[:value] + b"9" * len(version) + data[value + len(version):])
    with pytest.raises(ValueError, match=rf"other\.bars\.parquet: a bars dataset of barforge {'9' * len(version)}, "
                                         rf"which this barforge {re.escape(version)} does not read"):
        barforge.open_dataset(other)
    # A byte of the bars changed (in the first page's values): its checksum no longer matches.
    damaged = tmp_path / "damaged.bars.parquet"
    middle = 4096
    damaged.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    with pytest.raises(ValueError, match=r"damaged\.bars\.parquet"):
        barforge.open_dataset(damaged)
    # Cut anywhere: refused, naming the file.
    for cut in (8, len(data) // 3, len(data) - 8):
        cut_file = tmp_path / f"cut{cut}.bars.parquet"
        cut_file.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=rf"cut{cut}\.bars\.parquet"):
            barforge.open_dataset(cut_file)
