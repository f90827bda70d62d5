"""open_dataset(...) speaks the Arrow PyCapsule stream interface
(__arrow_c_stream__): pyarrow.table(ds), polars.DataFrame(ds) and DuckDB
read its rows with barforge's values and the footer's Arrow types, and the
arrays are built over barforge's decoded buffers. Runs in .venv-pypi."""

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import barforge
from conftest import run_cli, small_config, write_config

N = 3000


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("arrow_stream")
    cfg = small_config(tmp / "data", n_samples=N, chunk_rows=700, triple_barrier={"profit": 1.0, "stop": 2.0})
    result = run_cli("build", "--config", str(write_config(tmp / "c.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp / "data" / "samples_3K.parquet"


def test_pyarrow_table_of_the_dataset_is_the_file_value_for_value(dataset):
    table = pa.table(barforge.open_dataset(dataset))
    want = pq.read_table(dataset)
    assert table.schema == want.schema  # the footer's ARROW:schema: fixed-size lists, UTC timestamps, int8/int16
    assert table.num_rows == N
    assert table.equals(want)
    ohlc = table.column("ohlc").combine_chunks()
    assert pa.types.is_fixed_size_list(ohlc.type) and ohlc.type.list_size == 4 * 16
    assert table.column("tb_label").type == pa.int8() and table.column("tb_bars").type == pa.int16()
    assert str(table.column("timestamp").type) == "timestamp[ns, tz=UTC]"


def test_batches_are_views_of_the_decoded_buffers(dataset):
    from barforge import _arrow_stream
    ds = barforge.open_dataset(dataset)
    schema = _arrow_stream.arrow_schema(ds)
    decoded = ds.read(start=0, stop=700)  # one row group: views of the reader's buffers
    for name in ("ohlc", "meta", "fwd_return", "timestamp", "sample_id", "tb_bars"):
        array = _arrow_stream._array(pa, schema.field(name), decoded[name])
        data = array.values if pa.types.is_fixed_size_list(array.type) else array
        assert data.buffers()[1].address == decoded[name].ctypes.data, name  # the same memory, not a copy
    batch = pa.RecordBatchReader.from_stream(ds).read_next_batch()
    assert batch.num_rows == N  # one batch of up to 65,536 rows
    np.testing.assert_array_equal(np.asarray(batch.column(batch.schema.get_field_index("ohlc")).values)
                                  .reshape(-1, 16, 4), ds.read()["ohlc"])


def test_polars_dataframe_of_the_dataset(dataset):
    frame = pl.DataFrame(barforge.open_dataset(dataset))
    want = barforge.open_dataset(dataset).read()
    assert frame.height == N
    assert frame.schema["ohlc"] == pl.Array(pl.Float32, 4 * 16)
    np.testing.assert_array_equal(frame["ohlc"].to_numpy().reshape(N, 16, 4), want["ohlc"])
    np.testing.assert_array_equal(frame["sample_id"].to_numpy(), want["sample_id"])
    assert frame["fwd_return"].to_numpy().tobytes() == want["fwd_return"].tobytes()


def test_duckdb_reads_the_stream(dataset):
    ds = barforge.open_dataset(dataset)
    want = ds.read(columns=["sample_id", "fwd_return", "tb_label"])
    rows = duckdb.sql("SELECT count(*), sum(sample_id), min(tb_label), max(tb_label) FROM ds").fetchall()[0]
    assert rows == (N, int(want["sample_id"].sum()), int(want["tb_label"].min()), int(want["tb_label"].max()))
    fwd = duckdb.sql("SELECT fwd_return FROM ds ORDER BY sample_id").fetchnumpy()["fwd_return"]
    assert fwd.astype(np.float32).tobytes() == want["fwd_return"].tobytes()


def test_a_directory_of_parts_streams_every_row_in_order(tmp_path):
    cfg = small_config(tmp_path / "data", n_samples=N, chunk_rows=700)
    config = write_config(tmp_path / "c.yaml", cfg)
    assert run_cli("synth", "--config", str(config), "--quiet").returncode == 0
    for shard in ("0/2", "1/2"):
        result = run_cli("build", "--config", str(config), "--quiet", "--shard", shard)
        assert result.returncode == 0, result.stderr
    assert run_cli("finalize", str(tmp_path / "data" / "samples_3K")).returncode == 0
    table = pa.table(barforge.open_dataset(tmp_path / "data" / "samples_3K"))
    assert table.column("sample_id").to_pylist() == list(range(N))
