"""barforge.open_dataset: values, shapes, slicing, sharding, and errors."""

import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import barforge
from conftest import dump_parquet, run_cli, small_config, write_config


def cli_build(tmp_path: Path, name: str, **changes) -> Path:
    cfg = small_config(tmp_path / name, **changes)
    result = run_cli("build", "--config", str(write_config(tmp_path / f"{name}.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    return next((tmp_path / name).glob("samples_*.parquet"))


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    return cli_build(tmp_path_factory.mktemp("plain"), "zstd")


@pytest.mark.parametrize("codec, encoding", [
    ("zstd", "plain"), ("snappy", "plain"), ("gzip", "plain"), ("lz4", "plain"), ("none", "plain"),
    ("zstd", "byte_stream_split"),
])
def test_values_equal_duckdb_for_every_column(tmp_path, codec, encoding):
    path = cli_build(tmp_path, "ds", parquet_compression=codec, float_encoding=encoding, n_samples=1500,
                     chunk_rows=600)
    ds = barforge.open_dataset(path)
    data = ds.read()
    duck = {c["name"]: c["values"] for c in dump_parquet("duckdb", path)["columns"]}
    n, window = 1500, 16
    assert ds.num_rows == n and set(data) == set(duck) == set(ds.columns)

    assert data["sample_id"].dtype == np.int64 and data["bar_index"].dtype == np.int64
    assert data["sample_id"].tolist() == [int(v) for v in duck["sample_id"]]
    assert data["bar_index"].tolist() == [int(v) for v in duck["bar_index"]]
    assert data["ticker"].tolist() == duck["ticker"]
    assert data["timestamp"].dtype == np.dtype("datetime64[ns]")
    assert data["timestamp"].view(np.int64).tolist() == [int(v) for v in duck["timestamp"]]
    shapes = {"ohlc": (n, window, 4), "volume": (n, window), "meta": (n, 6), "rewards": (n, 3), "fwd_return": (n,)}
    for name, shape in shapes.items():
        assert data[name].dtype == np.float32 and data[name].shape == shape, name
        expected = np.array(duck[name], dtype=np.float64).astype(np.float32).reshape(shape)
        np.testing.assert_array_equal(data[name], expected, err_msg=name)
    # ohlc keeps each bar's four prices together: row-major (W, 4).
    assert data["ohlc"][0, 1, 2] == np.float32(duck["ohlc"][0][1 * 4 + 2])


def test_metadata_and_row_groups(plain):
    ds = barforge.open_dataset(plain)
    meta = ds.metadata
    assert meta["config"]["window"] == 16 and meta["config"]["tickers"] == ["AAA", "BBB"]
    assert meta["seed"] == 42
    assert len(meta["scaler"]["mean"]) == 6 and len(meta["scaler"]["std"]) == 6
    assert ds.num_row_groups == 5 and ds.window == 16  # 3000 rows in groups of 700
    assert ds.files == [plain]


def test_read_slices_across_row_groups_and_columns(plain):
    ds = barforge.open_dataset(plain)
    whole = ds.read()
    assert whole["sample_id"].tolist() == list(range(3000))
    for start, stop in [(0, 3000), (650, 1450), (699, 701), (2999, None), (-10, None), (5, 5), (2000, 100)]:
        part = ds.read(columns=["sample_id", "ohlc", "ticker"], start=start, stop=stop)
        assert set(part) == {"sample_id", "ohlc", "ticker"}
        expect = slice(start, stop)
        np.testing.assert_array_equal(part["sample_id"], whole["sample_id"][expect])
        np.testing.assert_array_equal(part["ohlc"], whole["ohlc"][expect])
        assert part["ticker"].tolist() == whole["ticker"][expect].tolist()
    with pytest.raises(ValueError, match=r"no column 'close' \(columns: sample_id, ticker, timestamp"):
        ds.read(columns=["close"])


def test_arrays_are_views_of_the_decoded_buffers(plain):
    ds = barforge.open_dataset(plain)
    part = ds.read(columns=["ohlc", "volume"], start=10, stop=20)
    # A slice of one row group: a view whose base owns the C++ buffer.
    assert part["ohlc"].base is not None and not part["ohlc"].flags.owndata
    assert part["ohlc"].flags.c_contiguous


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def test_row_group_memory_is_reused_once_no_array_is_over_it(plain):
    """A row group's decoded buffers go back to the reader when the last array
    over them goes, and a later row group is decoded into them; an array
    still held keeps its memory and its values."""
    expected = barforge.open_dataset(plain).read(columns=["sample_id", "ohlc"])
    expected_ohlc = expected["ohlc"].reshape(3000, -1)
    reader = barforge.open_dataset(plain)._reader
    columns = ["sample_id", "ohlc"]
    g0 = reader.read_row_group(0, columns)
    memory0 = {k: address(v) for k, v in g0.items()}
    kept = g0["ohlc"][5:9]  # a view: keeps group 0's ohlc in use
    del g0  # its sample_id is now unused
    g1 = reader.read_row_group(1, columns)
    assert address(g1["sample_id"]) == memory0["sample_id"]
    assert address(g1["ohlc"]) != memory0["ohlc"]
    np.testing.assert_array_equal(kept, expected_ohlc[5:9])
    del kept
    g2 = reader.read_row_group(2, columns)
    assert address(g2["ohlc"]) == memory0["ohlc"]
    for g, first in ((g1, 700), (g2, 1400)):
        np.testing.assert_array_equal(g["sample_id"], expected["sample_id"][first:first + 700])
        np.testing.assert_array_equal(g["ohlc"], expected_ohlc[first:first + 700])


@pytest.mark.parametrize("keep", [True, False])
def test_batches_hold_their_values_while_the_reader_reuses_memory(plain, keep):
    """Batches kept (every row group's memory stays in use) and batches let go
    as the loop goes on (memory reused by the reads ahead) both hold the
    values of a plain read."""
    whole = barforge.open_dataset(plain).read()
    names = ["sample_id", "timestamp", "ohlc", "volume", "fwd_return"]
    got = {name: [] for name in names}
    for batch in barforge.open_dataset(plain).iter_batches(300):
        for name in names:
            got[name].append(batch[name] if keep else batch[name].copy())
    for name in names:
        np.testing.assert_array_equal(np.concatenate(got[name]), whole[name], err_msg=name)


def test_row_group_read_in_pieces_equals_it_read_whole(plain):
    ds = barforge.open_dataset(plain)
    names = ds.columns
    for group in (0, 4):  # 700 rows, and the last 200
        whole = ds._shape(ds._reader.read_row_group(group, names), names)
        cursor = ds._reader.open_row_group(group, names)
        pieces, sizes = [], []
        while cursor.rows_left:
            piece = ds._shape(cursor.read(123), names)
            sizes.append(len(piece["sample_id"]))
            pieces.append(piece)
        assert sum(sizes) == len(whole["sample_id"]) and all(n == 123 for n in sizes[:-1])
        for name in names:
            np.testing.assert_array_equal(np.concatenate([p[name] for p in pieces]), whole[name], err_msg=name)
        assert len(cursor.read(10)["sample_id"]) == 0


def test_a_loop_that_stops_early_stops_the_reading_thread(plain):
    ds = barforge.open_dataset(plain)
    batches = ds.iter_batches(100)
    first = next(batches)
    assert first["sample_id"].tolist() == list(range(100))
    batches.close()
    deadline = time.monotonic() + 5
    while any(t.name == "barforge-read" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "barforge-read" for t in threading.enumerate())
    assert sum(len(b["sample_id"]) for b in ds.iter_batches(1000)) == 3000  # and reading goes on


def test_a_file_damaged_after_opening_raises_in_the_loop(tmp_path, plain):
    damaged = tmp_path / "damaged.parquet"
    shutil.copy(plain, damaged)
    ds = barforge.open_dataset(damaged)  # the footer is read now
    data = bytearray(damaged.read_bytes())
    data[100:4000] = bytes(3900)  # zeros over the first column chunk's pages
    damaged.write_bytes(bytes(data))
    for shuffle in (False, True):
        with pytest.raises(ValueError) as error:
            for _ in ds.iter_batches(256, shuffle=shuffle):
                pass
        assert str(error.value).startswith(f"{damaged}: column '"), str(error.value)
        assert "row group 0" in str(error.value)


@pytest.mark.parametrize("shuffle", [False, True])
def test_ranks_together_see_every_row_once(plain, shuffle):
    ds = barforge.open_dataset(plain)
    whole = ds.read()
    seen = []
    for rank in range(3):
        sizes = []
        for batch in ds.iter_batches(256, shuffle=shuffle, seed=5, rank=rank, world_size=3):
            sizes.append(len(batch["sample_id"]))
            ids = batch["sample_id"]
            seen.extend(ids.tolist())
            # Every column of a row travels with it.
            np.testing.assert_array_equal(batch["rewards"], whole["rewards"][ids])
            assert batch["ticker"].tolist() == whole["ticker"][ids].tolist()
        assert sum(sizes) == 1000 and all(s == 256 for s in sizes[:-1])
    assert sorted(seen) == list(range(3000))
    if shuffle:
        assert seen != sorted(seen)
        again = [i for r in range(3) for b in ds.iter_batches(256, shuffle=True, seed=5, rank=r, world_size=3)
                 for i in b["sample_id"].tolist()]
        other = [i for b in ds.iter_batches(256, shuffle=True, seed=6) for i in b["sample_id"].tolist()]
        assert again == seen and other != seen and sorted(other) == sorted(seen)


def test_iter_batches_drop_last_and_bad_arguments(plain):
    ds = barforge.open_dataset(plain)
    assert [len(b["sample_id"]) for b in ds.iter_batches(1000, columns=["sample_id"])] == [1000, 1000, 1000]
    assert [len(b["meta"]) for b in ds.iter_batches(1300, columns="meta", drop_last=True)] == [1300, 1300]
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        ds.iter_batches(0)
    with pytest.raises(ValueError, match=r"rank 3 of world_size 3: need 0 <= rank < world_size"):
        ds.iter_batches(10, rank=3, world_size=3)


def test_directory_of_parts_reads_in_order_and_needs_success_marker(tmp_path, plain):
    other = cli_build(tmp_path, "second", seed=9, n_samples=500)
    parts = tmp_path / "parts"
    parts.mkdir()
    shutil.copy(plain, parts / "part-00000.parquet")
    shutil.copy(other, parts / "part-00001.parquet")
    with pytest.raises(ValueError) as error:
        barforge.open_dataset(parts)
    assert str(error.value) == f"{parts}: incomplete dataset directory (no _SUCCESS marker: its build has not finished)"
    (parts / "_SUCCESS").touch()
    ds = barforge.open_dataset(parts)
    assert ds.num_rows == 3500 and ds.num_row_groups == 6
    assert ds.files == [parts / "part-00000.parquet", parts / "part-00001.parquet"]
    data = ds.read(columns=["sample_id", "meta"])
    np.testing.assert_array_equal(data["meta"][:3000], barforge.open_dataset(plain).read(columns=["meta"])["meta"])
    np.testing.assert_array_equal(data["meta"][3000:], barforge.open_dataset(other).read(columns=["meta"])["meta"])
    ids = [i for r in range(2) for b in ds.iter_batches(300, shuffle=True, rank=r, world_size=2)
           for i in b["sample_id"].tolist()]
    assert sorted(ids) == sorted(data["sample_id"].tolist())
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"not a dataset directory \(no part-NNNNN.parquet files\)"):
        barforge.open_dataset(empty)


def test_a_file_named_like_a_part_in_another_spelling_is_refused(tmp_path, plain):
    # One rule for every reader and for finalize: part-1.parquet is not a
    # part, and a directory holding one is refused rather than read whole.
    parts = tmp_path / "parts"
    parts.mkdir()
    shutil.copy(plain, parts / "part-00000.parquet")
    shutil.copy(plain, parts / "part-1.parquet")
    (parts / "_SUCCESS").touch()
    with pytest.raises(barforge.DataError) as error:
        barforge.open_dataset(parts)
    assert str(error.value) == (
        f"{parts}/part-1.parquet: not a part's name (parts are named part-00000.parquet, part-00001.parquet, ...): "
        "rename or remove it"
    )
    (parts / "part-1.parquet").unlink()
    ds = barforge.open_dataset(parts)
    assert ds.num_rows == 3000
    # The footer as the library reads it, beside every key as text.
    kv = ds.metadata["key_value"]
    assert ds.metadata["version"] == kv["barforge.version"]
    assert ds.metadata["seed"] == int(kv["barforge.seed"])
    assert ds.metadata["scaler"]["window"] == ds.metadata["config"]["window"] == ds.window


def test_missing_truncated_and_foreign_files_raise_one_clear_error(tmp_path, plain):
    with pytest.raises(FileNotFoundError) as error:
        barforge.open_dataset(tmp_path / "nope.parquet")
    assert str(error.value) == f"{tmp_path}/nope.parquet: dataset not found"

    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(plain.read_bytes()[: plain.stat().st_size // 2])
    with pytest.raises(ValueError) as error:
        barforge.open_dataset(truncated)
    assert str(error.value).startswith(f"{truncated}: ")

    # A Parquet file barforge wrote that is not a dataset: the raw bars.
    raw = plain.parent / "raw_AAA.parquet"
    with pytest.raises(ValueError) as error:
        barforge.open_dataset(raw)
    assert str(error.value) == (f"{raw}: not a barforge dataset (its footer has no barforge.config, nor the barforge.bars of a "
                                 "transform --all file)")

    text = tmp_path / "notes.parquet"
    text.write_text("hello, not parquet at all\n" * 10)
    with pytest.raises(ValueError) as error:
        barforge.open_dataset(text)
    assert str(error.value).startswith(f"{text}: ")
