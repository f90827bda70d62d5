"""The ARROW:schema footer key: arrow-rs sees fixed-size lists; DuckDB and
hyparquet still read every value."""

import base64

import numpy as np

import barforge
from conftest import dump_parquet, run_cli, small_config, write_config


def test_arrow_readers_see_fixed_size_lists_and_every_reader_agrees(tmp_path):
    cfg = small_config(tmp_path / "d", window=8, n_samples=300, chunk_rows=128)
    assert run_cli("build", "--config", str(write_config(tmp_path / "c.yaml", cfg)), "--quiet").returncode == 0
    path = tmp_path / "d" / "samples_300.parquet"

    schema = barforge.open_dataset(path).metadata["key_value"]["ARROW:schema"]
    message = base64.b64decode(schema)
    assert message[:4] == b"\xff\xff\xff\xff" and int.from_bytes(message[4:8], "little") == len(message) - 8

    arrow = dump_parquet("arrow", path)
    assert [(c["name"], c["type"]) for c in arrow["columns"]] == [
        ("sample_id", "Int64"), ("ticker", "Utf8"), ("timestamp", "Timestamp<NANOSECOND, UTC>"),
        ("bar_index", "Int64"), ("ohlc", "FixedSizeList[32]<Float32>"), ("volume", "FixedSizeList[8]<Float32>"),
        ("meta", "FixedSizeList[6]<Float32>"), ("rewards", "FixedSizeList[3]<Float32>"), ("fwd_return", "Float32")]
    duck = dump_parquet("duckdb", path)
    hyp = dump_parquet("hyparquet", path)
    assert arrow["num_rows"] == duck["num_rows"] == hyp["num_rows"] == 300
    ours = barforge.open_dataset(path).read()
    for a, d, h in zip(arrow["columns"], duck["columns"], hyp["columns"]):
        assert a["name"] == d["name"] == h["name"]
        assert a["values"] == d["values"] == h["values"], a["name"]
    ohlc = next(c for c in duck["columns"] if c["name"] == "ohlc")["values"]
    np.testing.assert_array_equal(ours["ohlc"].reshape(300, -1), np.array(ohlc, dtype=np.float32))
    assert "FLOAT[]" in next(c for c in duck["columns"] if c["name"] == "ohlc")["type"]
