"""triple_barrier columns through the Python package: numpy int8 / int16 /
float32 holding DuckDB's values."""

import numpy as np

import barforge
from conftest import dump_parquet, run_cli, small_config, write_config


def test_triple_barrier_columns_have_their_narrow_dtypes(tmp_path):
    cfg = small_config(tmp_path / "d", n_samples=1500, chunk_rows=600, triple_barrier={"profit": 1.0, "stop": 2.0})
    result = run_cli("build", "--config", str(write_config(tmp_path / "c.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "d" / "samples_1500.parquet"

    ds = barforge.open_dataset(path)
    assert ds.columns[-3:] == ["tb_label", "tb_bars", "tb_return"]
    data = ds.read()
    assert data["tb_label"].dtype == np.int8 and data["tb_label"].shape == (1500,)
    assert data["tb_bars"].dtype == np.int16
    assert data["tb_return"].dtype == np.float32
    duck = {c["name"]: c["values"] for c in dump_parquet("duckdb", path)["columns"]}
    assert data["tb_label"].tolist() == duck["tb_label"]
    assert data["tb_bars"].tolist() == duck["tb_bars"]
    np.testing.assert_array_equal(data["tb_return"], np.array(duck["tb_return"], dtype=np.float32))
    assert set(data["tb_label"].tolist()) == {-1, 0, 1}
    assert data["tb_bars"].min() >= 1 and data["tb_bars"].max() <= 4
    none = data["tb_label"] == 0
    assert (data["tb_bars"][none] == 4).all()
    np.testing.assert_array_equal(data["tb_return"][none], data["fwd_return"][none])
    assert ds.metadata["config"]["triple_barrier"] == {"profit": 1.0, "stop": 2.0}
