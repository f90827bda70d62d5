"""A cross-sectional dataset read by PyPI's readers (pyarrow, polars) equals
barforge's own reader, floats bit for bit, in the shapes the file's
ARROW:schema records; and its Arrow stream (__arrow_c_stream__) is the file
as pyarrow reads it. Runs in .venv-pypi (numpy 2)."""

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import barforge
from cross_section_data import TICKERS, WINDOW, build, cross_config, require_shapes, write_raw

M = len(TICKERS)
SHAPES = {"ohlc": (M, WINDOW, 4), "volume": (M, WINDOW), "meta": (M, 6), "rewards": (M, 3), "fwd_return": (M,),
          "present": (M,), "bar_index": (M,)}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cross_pypi")
    write_raw(tmp / "data")
    return build(cross_config(tmp / "data", triple_barrier={"profit": 1.0, "stop": 2.0}, extra_horizons=[2]))


def flat_values(array) -> np.ndarray:
    """The leaf values of a (nested) fixed-size list or tensor column, in row-major order."""
    if isinstance(array, pa.ChunkedArray):
        array = pa.concat_arrays(array.chunks)
    if isinstance(array.type, pa.ExtensionType):
        array = array.storage
    while pa.types.is_fixed_size_list(array.type) or pa.types.is_list(array.type):
        array = array.flatten()
    return array.to_numpy(zero_copy_only=False)


def test_pyarrow_and_polars_read_the_values_barforge_reads(dataset):
    ds = barforge.open_dataset(dataset)
    require_shapes(ds)
    ours = ds.read()
    n = ds.num_rows
    table = pq.read_table(dataset)
    assert table.column_names == ds.columns
    frame = pl.read_parquet(dataset)
    for name in ds.columns:
        value = ours[name]
        if value.dtype.kind == "M":
            assert table.column(name).cast(pa.int64()).to_numpy().tolist() == value.view(np.int64).tolist()
            continue
        theirs = flat_values(table.column(name))
        assert theirs.dtype == value.dtype, name
        assert theirs.tobytes() == value.tobytes(), name
        # polars: an Array of the row's length (or nested Arrays of its shape)
        polars_values = frame.get_column(name)
        while polars_values.dtype.is_nested():
            polars_values = polars_values.explode() if isinstance(polars_values.dtype, pl.List) else \
                polars_values.arr.explode()
        assert polars_values.to_numpy().astype(value.dtype).tobytes() == value.tobytes(), name
    for name, shape in SHAPES.items():
        assert ours[name].shape == (n,) + shape


def test_arrow_stream_is_the_file_as_pyarrow_reads_it(dataset):
    ds = barforge.open_dataset(dataset)
    require_shapes(ds)
    streamed = pa.table(ds)
    want = pq.read_table(dataset)
    assert streamed.schema == want.schema
    assert streamed.equals(want)
    assert pl.DataFrame(ds).equals(pl.read_parquet(dataset))
