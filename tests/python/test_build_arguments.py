"""build_dataset's arguments as Python code passes them: cfg=None is refused
(not the 1M default), numpy integers and arrays are numbers and lists, bytes
and Path values are text (never YAML's base64 !!binary)."""

import os

import numpy as np
import pytest
import yaml

import barforge
from barforge._build import config_text
from conftest import small_config


def test_cfg_none_is_refused_not_the_default_build(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError) as error:
        barforge.build_dataset(None)
    assert str(error.value) == ("cfg is None: pass the config as a dict (yaml.safe_load of a config file such as "
                                "config/default.yaml; {} for every default)")
    with pytest.raises(TypeError):
        barforge.build_dataset(cfg=None, n_samples=10)
    assert list(tmp_path.iterdir()) == []


def test_numpy_values_bytes_and_paths_become_plain_yaml(tmp_path):
    text = config_text({"data_dir": b"some/dir", "raw_data_filename": tmp_path / "raw_{ticker}.parquet",
                        "extra_horizons": np.array([2, 3], dtype=np.int32), "fee_bps": np.float32(1.5)},
                       n_samples=np.int64(500), seed=np.uint64(7))
    assert "!!" not in text
    assert yaml.safe_load(text) == {"data_dir": "some/dir", "raw_data_filename": f"{tmp_path}/raw_{{ticker}}.parquet",
                                    "extra_horizons": [2, 3], "fee_bps": 1.5, "n_samples": 500, "seed": 7}
    assert type(yaml.safe_load(text)["n_samples"]) is int


def test_a_build_with_a_numpy_sample_count_and_a_bytes_data_dir(tmp_path):
    cfg = small_config(tmp_path / "data", n_samples=300)
    cfg["data_dir"] = os.fsencode(tmp_path / "data")
    path = barforge.build_dataset(cfg, n_samples=np.int64(400), seed=np.int32(3))
    assert path == tmp_path / "data" / "samples_400.parquet"
    ds = barforge.open_dataset(path)
    assert ds.num_rows == 400 and ds.metadata["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
