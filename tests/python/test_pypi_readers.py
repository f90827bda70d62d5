"""The readers users call, from PyPI (python/requirements-test.lock), read
barforge's files value for value: pyarrow (read_table, iter_batches), polars
(read_parquet, scan_parquet), pandas, DuckDB, fastparquet and Hugging Face
datasets, on a default build, a split build, a triple-barrier build, a
dataset in parts and a build of BYTE_STREAM_SPLIT floats (`float_encoding:
byte_stream_split`, with the triple barrier's columns: every float column),
which the npm readers of the C++ tests (DuckDB's node package, arrow-rs as
parquet-wasm, hyparquet: tools/dump_parquet.mjs) read too, and fastparquet
refuses (NotImplementedError: it has no BYTE_STREAM_SPLIT decoder). Every column of every row equals barforge's own reader
(floats bit for bit), with the types docs/dataset.md promises; fastparquet's
departures (lists as Python lists, the timestamp's UTC dropped) are asserted
as what it does and docs/python.md says so. Runs in .venv-pypi (numpy 2)."""

import os

import duckdb
import fastparquet
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import barforge
from conftest import run_cli, small_config, write_config

N = 2000
WINDOW = 16
LISTS = {"ohlc": 4 * WINDOW, "volume": WINDOW, "meta": 6, "rewards": 3}


def build(tmp, name, *cli_args, **changes):
    cfg = small_config(tmp / name, n_samples=N, chunk_rows=700, **changes)
    config = write_config(tmp / f"{name}.yaml", cfg)
    result = run_cli("build", "--config", str(config), "--quiet", *cli_args)
    assert result.returncode == 0, result.stderr
    return config


@pytest.fixture(scope="module")
def datasets_built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("readers")
    out = {}
    build(tmp, "default")
    out["default"] = tmp / "default" / "samples_2K.parquet"
    build(tmp, "tb", triple_barrier={"profit": 1.0, "stop": 2.0}, extra_horizons=[2])
    out["triple_barrier"] = tmp / "tb" / "samples_2K.parquet"
    build(tmp, "split", splits=[{"name": "train", "end": 0.7, "n_samples": N},
                                {"name": "test", "n_samples": 500}])
    out["split_train"] = tmp / "split" / "samples_2K_train.parquet"
    out["split_test"] = tmp / "split" / "samples_500_test.parquet"
    build(tmp, "bss", float_encoding="byte_stream_split", triple_barrier={"profit": 1.0, "stop": 2.0},
          extra_horizons=[2])
    out["byte_stream_split"] = tmp / "bss" / "samples_2K.parquet"
    config = None
    parts_config = write_config(tmp / "parts.yaml", small_config(tmp / "parts", n_samples=N, chunk_rows=700))
    result = run_cli("synth", "--config", str(parts_config), "--quiet")  # shards read the market, never write it
    assert result.returncode == 0, result.stderr
    for shard in ("0/3", "1/3", "2/3"):
        config = build(tmp, "parts", "--shard", shard)
    result = run_cli("finalize", str(tmp / "parts" / "samples_2K"))
    assert result.returncode == 0, result.stderr
    out["parts"] = tmp / "parts" / "samples_2K"
    assert config is not None
    return out


CASES = ["default", "triple_barrier", "split_train", "split_test", "parts", "byte_stream_split"]
TRIPLE_BARRIER_CASES = ("triple_barrier", "byte_stream_split")


def ours(path):
    """barforge's own reader, in the canonical form: lists (n, k) float32,
    timestamp int64 ns, ticker str objects."""
    data = barforge.open_dataset(path).read()
    out = {}
    for name, value in data.items():
        if name in LISTS:
            value = value.reshape(len(value), -1)
        elif name == "timestamp":
            value = value.view(np.int64)
        out[name] = value
    return out


def files(path):
    """The Parquet files of a dataset, in order (a directory's parts)."""
    return barforge.open_dataset(path).files


def from_arrow(table: pa.Table) -> dict:
    out = {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if name in LISTS:
            assert column.type == pa.list_(pa.field("element", pa.float32(), nullable=False), LISTS[name]) or (
                pa.types.is_fixed_size_list(column.type) and column.type.list_size == LISTS[name]
                and column.type.value_type == pa.float32()), (name, column.type)
            value = column.flatten().to_numpy().reshape(len(column), -1)
        elif name == "timestamp":
            assert column.type == pa.timestamp("ns", tz="UTC"), column.type
            value = column.cast(pa.int64()).to_numpy()
        elif name == "ticker":
            assert column.type in (pa.string(), pa.large_string()), column.type
            value = np.array(column.to_pylist(), dtype=object)
        else:
            value = column.to_numpy()
        out[name] = value
    return out


def assert_same(expected: dict, got: dict, reader: str):
    assert list(got) == list(expected), reader
    for name, want in expected.items():
        have = got[name]
        assert have.shape == want.shape, (reader, name, have.shape, want.shape)
        if want.dtype == object:
            assert have.tolist() == want.tolist(), (reader, name)
            continue
        assert have.dtype == want.dtype, (reader, name, have.dtype, want.dtype)
        if want.dtype.kind == "f":  # bit for bit (the same NaN payloads, -0.0 kept)
            bits = np.uint32 if want.dtype == np.float32 else np.uint64
            np.testing.assert_array_equal(have.view(bits), want.view(bits), err_msg=f"{reader}: {name}")
        else:
            np.testing.assert_array_equal(have, want, err_msg=f"{reader}: {name}")


def narrow_types_promised(got: dict, case: str):
    if case in TRIPLE_BARRIER_CASES:
        assert got["tb_label"].dtype == np.int8 and got["tb_bars"].dtype == np.int16
        assert got["tb_return"].dtype == np.float32 and got["fwd_return_2"].dtype == np.float32
    assert got["fwd_return"].dtype == np.float32 and got["sample_id"].dtype == np.int64


@pytest.mark.parametrize("case", CASES)
def test_pyarrow_read_table_and_iter_batches(datasets_built, case):
    path = datasets_built[case]
    expected = ours(path)
    table = pa.concat_tables([pq.read_table(f) for f in files(path)])
    got = from_arrow(table)
    narrow_types_promised(got, case)
    assert_same(expected, got, "pq.read_table")
    if case == "parts":  # a directory: pyarrow's dataset reader skips _SUCCESS
        assert_same(expected, from_arrow(pq.read_table(path).sort_by("sample_id")), "pq.read_table(dir)")
    batches = []
    for f in files(path):
        batches.extend(pq.ParquetFile(f).iter_batches(batch_size=333))
    assert_same(expected, from_arrow(pa.Table.from_batches(batches)), "ParquetFile.iter_batches")


def from_polars(frame: pl.DataFrame) -> dict:
    out = {}
    for name, dtype in frame.schema.items():
        series = frame[name]
        if name in LISTS:
            assert dtype == pl.Array(pl.Float32, LISTS[name]), (name, dtype)
            value = series.to_numpy()
        elif name == "timestamp":
            assert dtype == pl.Datetime("ns", "UTC"), dtype
            value = series.cast(pl.Int64).to_numpy()
        elif name == "ticker":
            assert dtype == pl.String, dtype
            value = np.array(series.to_list(), dtype=object)
        else:
            value = series.to_numpy()
        out[name] = value
    return out


@pytest.mark.parametrize("case", CASES)
def test_polars_read_parquet_and_scan_parquet(datasets_built, case):
    path = datasets_built[case]
    expected = ours(path)
    names = [str(f) for f in files(path)]
    got = from_polars(pl.read_parquet(names))
    narrow_types_promised(got, case)
    assert_same(expected, got, "pl.read_parquet")
    assert_same(expected, from_polars(pl.scan_parquet(names).collect()), "pl.scan_parquet")
    if case == "parts":
        frame = pl.read_parquet(os.path.join(path, "*.parquet")).sort("sample_id")
        assert_same(expected, from_polars(frame), "pl.read_parquet(glob)")


@pytest.mark.parametrize("case", CASES)
def test_pandas_read_parquet(datasets_built, case):
    path = datasets_built[case]
    expected = ours(path)
    frame = pd.read_parquet(path) if case == "parts" else pd.read_parquet(files(path)[0])
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    if case in TRIPLE_BARRIER_CASES:
        assert frame["tb_label"].dtype == np.int8 and frame["tb_bars"].dtype == np.int16
    frame = frame.sort_values("sample_id", kind="stable").reset_index(drop=True)
    got = {}
    for name in frame.columns:
        column = frame[name]
        if name in LISTS:
            assert column.dtype == object and column.iloc[0].dtype == np.float32
            got[name] = np.stack(column.to_numpy())
        elif name == "timestamp":
            got[name] = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().view(np.int64)
        elif name == "ticker":
            got[name] = np.array(column.tolist(), dtype=object)
        else:
            got[name] = column.to_numpy()
    assert_same(expected, got, "pd.read_parquet")


@pytest.mark.parametrize("case", CASES)
def test_duckdb(datasets_built, case):
    path = datasets_built[case]
    expected = ours(path)
    source = os.path.join(path, "*.parquet") if case == "parts" else str(path)
    con = duckdb.connect()
    types = dict(con.sql(f"DESCRIBE SELECT * FROM read_parquet('{source}')").fetchall()[i][:2]
                 for i in range(len(expected)))
    assert types["timestamp"] == "TIMESTAMPTZ_NS" or types["timestamp"].startswith("TIMESTAMP WITH TIME ZONE")
    assert types["ohlc"] == "FLOAT[]" and types["fwd_return"] == "FLOAT"
    if case in TRIPLE_BARRIER_CASES:
        assert types["tb_label"] == "TINYINT" and types["tb_bars"] == "SMALLINT"
    table = con.sql(f"SELECT * FROM read_parquet('{source}') ORDER BY sample_id").to_arrow_table()
    got = {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if name in LISTS:  # DuckDB's FLOAT[] is a variable list: every row must hold the width
            lengths = pa.compute.list_value_length(column).to_numpy()
            assert (lengths == LISTS[name]).all(), name
            got[name] = column.flatten().to_numpy().reshape(len(column), -1)
        elif name == "timestamp":
            got[name] = column.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()).to_numpy()
        elif name == "ticker":
            got[name] = np.array(column.to_pylist(), dtype=object)
        else:
            got[name] = column.to_numpy()
    assert_same(expected, got, "duckdb")


@pytest.mark.parametrize("case", CASES)
def test_fastparquet_reads_every_value_with_its_own_types(datasets_built, case):
    path = datasets_built[case]
    expected = ours(path)
    if case == "byte_stream_split":
        # fastparquet decodes PLAIN, dictionaries, RLE and DELTA_BINARY_PACKED
        # data pages only: a BYTE_STREAM_SPLIT page (encoding 9) is refused
        # (docs/parquet.md: why float_encoding's default stays plain).
        with pytest.raises(NotImplementedError, match="^Encoding 9$"):
            fastparquet.ParquetFile(str(path)).to_pandas()
        return
    frame = pd.concat([fastparquet.ParquetFile(str(f)).to_pandas() for f in files(path)], ignore_index=True)
    # What fastparquet does (recorded in docs/python.md): the timestamp comes
    # naive (datetime64[ns], the UTC of the schema dropped), lists come as
    # Python lists of numpy float32 scalars, strings as object.
    assert str(frame["timestamp"].dtype) == "datetime64[ns]"
    first = frame["ohlc"].iloc[0]
    assert isinstance(first, list) and len(first) == LISTS["ohlc"] and isinstance(first[0], np.float32)
    if case in TRIPLE_BARRIER_CASES:
        assert frame["tb_label"].dtype == np.int8 and frame["tb_bars"].dtype == np.int16
    got = {}
    for name in frame.columns:
        column = frame[name]
        if name in LISTS:
            got[name] = np.array(column.tolist(), dtype=np.float32)
        elif name == "timestamp":
            got[name] = column.to_numpy().view(np.int64)
        elif name == "ticker":
            got[name] = np.array(column.tolist(), dtype=object)
        else:
            got[name] = column.to_numpy()
    assert_same(expected, got, "fastparquet")


@pytest.mark.parametrize("case", CASES)
def test_hugging_face_datasets_load_dataset(datasets_built, case, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets
    path = datasets_built[case]
    expected = ours(path)
    loaded = datasets.load_dataset("parquet", data_files=[str(f) for f in files(path)], cache_dir=str(tmp_path / "hf"))
    train = loaded["train"]
    features = train.features
    assert features["ohlc"] == datasets.List(datasets.Value("float32"), length=LISTS["ohlc"])
    assert features["timestamp"] == datasets.Value("timestamp[ns, tz=UTC]")
    if case in TRIPLE_BARRIER_CASES:
        assert features["tb_label"] == datasets.Value("int8") and features["tb_bars"] == datasets.Value("int16")
    assert_same(expected, from_arrow(train.data.table), "datasets.load_dataset")
    np.testing.assert_array_equal(train.with_format("numpy")[:5]["ohlc"], expected["ohlc"][:5])


FLOAT_COLUMNS = ("ohlc", "volume", "meta", "rewards", "fwd_return", "fwd_return_2", "tb_return")


def float_encodings(path) -> dict:
    """Each float column's data-page encodings, from pyarrow's view of the footer."""
    meta = pq.ParquetFile(path).metadata
    out = {}
    for group in range(meta.num_row_groups):
        for i in range(meta.num_columns):
            column = meta.row_group(group).column(i)
            name = column.path_in_schema.split(".")[0]
            if name in FLOAT_COLUMNS:
                out.setdefault(name, set()).update(e for e in column.encodings if e not in ("RLE", "BIT_PACKED"))
    return out


def test_the_byte_stream_split_build_splits_every_float_column(datasets_built):
    got = float_encodings(datasets_built["byte_stream_split"])
    assert got == {name: {"BYTE_STREAM_SPLIT"} for name in FLOAT_COLUMNS}, got
    assert all(e == {"PLAIN"} for e in float_encodings(datasets_built["triple_barrier"]).values())


def json_floats(values) -> np.ndarray:
    """dump_parquet.mjs's JSON numbers (float32 values widened to double,
    printed shortest round-trip) back to float32: exact, so bit for bit."""
    special = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf, "-0": -0.0}
    return np.array([special.get(v, v) if isinstance(v, str) else v for v in values], dtype=np.float64).astype(np.float32)


@pytest.mark.parametrize("reader", ["duckdb", "arrow", "hyparquet"])
def test_npm_readers_read_the_byte_stream_split_build(datasets_built, reader):
    from conftest import dump_parquet
    path = datasets_built["byte_stream_split"]
    expected = ours(path)
    dump = dump_parquet(reader, path)
    assert dump["num_rows"] == N, reader
    columns = {column["name"]: column["values"] for column in dump["columns"]}
    assert list(columns) == list(expected), reader
    for name in FLOAT_COLUMNS:
        want = expected[name]
        values = columns[name]
        have = json_floats([x for row in values for x in row] if name in LISTS else values).reshape(want.shape)
        np.testing.assert_array_equal(have.view(np.uint32), want.view(np.uint32), err_msg=f"{reader}: {name}")
    assert [int(v) for v in columns["sample_id"]] == expected["sample_id"].tolist(), reader
    assert [int(v) for v in columns["timestamp"]] == expected["timestamp"].tolist(), reader
    assert columns["ticker"] == expected["ticker"].tolist(), reader
    assert [int(v) for v in columns["tb_label"]] == expected["tb_label"].tolist(), reader
