"""A bars dataset (storage: bars) speaks the Arrow PyCapsule stream
interface as a samples file does: pyarrow.table(ds), polars and DuckDB read
the rows of the samples file of the same config, with its Arrow schema,
floats bit for bit. Runs in .venv-pypi."""

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
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bars_arrow")
    cfg = small_config(tmp / "data", n_samples=N, chunk_rows=700, extra_horizons=[3],
                       triple_barrier={"profit": 1.0, "stop": 2.0})
    config = str(write_config(tmp / "c.yaml", cfg))
    for extra in ([], ["--set", "storage=bars"]):
        result = run_cli("build", "--config", config, "--quiet", *extra)
        assert result.returncode == 0, result.stderr
    return tmp / "data" / "samples_3K.parquet", tmp / "data" / "samples_3K.bars.parquet"


def bits(column) -> np.ndarray:
    """A column's values as raw integers (floats bit for bit)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_fixed_size_list(array.type):
        array = array.flatten()
    values = array.to_numpy(zero_copy_only=False)
    return values.view(np.uint32) if values.dtype == np.float32 else values


def test_pyarrow_table_of_a_bars_dataset_is_the_samples_file(pair):
    windows, bars = pair
    table = pa.table(barforge.open_dataset(bars))
    want = pq.read_table(windows)
    assert table.schema == want.schema  # the samples file's ARROW:schema, not the bars'
    assert table.num_rows == N and table.column_names == want.column_names
    assert table.equals(want)
    for name in want.column_names:
        if name != "ticker":
            assert np.array_equal(bits(table.column(name)), bits(want.column(name))), name
    assert table.column("ticker").to_pylist() == want.column("ticker").to_pylist()


def test_polars_and_duckdb_read_a_bars_dataset(pair):
    windows, bars = pair
    want = pl.read_parquet(windows)
    for frame in (pl.DataFrame(barforge.open_dataset(bars)), pl.from_arrow(pa.table(barforge.open_dataset(bars)))):
        assert frame.schema == want.schema
        assert frame.equals(want)
    ds = barforge.open_dataset(bars)  # noqa: F841 (DuckDB finds it by name)
    got = duckdb.sql("SELECT sample_id, ticker, fwd_return_3 FROM ds ORDER BY sample_id").fetchall()
    assert got == duckdb.sql(f"SELECT sample_id, ticker, fwd_return_3 FROM '{windows}' ORDER BY sample_id").fetchall()
