"""barforge's C++ errors as Python exceptions, chosen by the C++ type: each
cause raises its class with the text the CLI prints after "barforge: error: "
for the same input. (Ctrl-C -> KeyboardInterrupt: test_build_interrupt.py.)"""

from pathlib import Path

import pytest

import barforge
from conftest import run_cli, small_config, write_config


def cli_error(*args: str) -> str:
    result = run_cli(*args)
    assert result.returncode == 1, result
    assert result.stderr.startswith("barforge: error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr[len("barforge: error: "):-1]


def raised(call) -> BaseException:
    with pytest.raises(BaseException) as caught:
        call()
    return caught.value


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("errors")
    return barforge.build_dataset(small_config(tmp / "data", tickers=["AAA"]), n_samples=500)


def test_the_classes():
    for name in ("ConfigError", "DataError", "ParquetError"):
        cls = getattr(barforge, name)
        assert issubclass(cls, ValueError) and not issubclass(cls, OSError), name
        assert f"{cls.__module__}.{cls.__qualname__}" == f"barforge.{name}"
    assert barforge.ConfigError is barforge._core.ConfigError


@pytest.mark.parametrize("key", ["not found", "already exists"])
def test_bad_config_is_a_config_error_whatever_its_text(tmp_path, key):
    # The class follows the C++ type: a key whose name reads like another
    # cause is still a config error.
    cfg = small_config(tmp_path / "data", **{key: 1})
    error = raised(lambda: barforge.build_dataset(cfg))
    assert type(error) is barforge.ConfigError
    file_cfg = write_config(tmp_path / "bad.yaml", cfg)
    cli = cli_error("build", "--config", str(file_cfg))
    assert str(error) == cli.replace(str(file_cfg), "config", 1) == f"config: unknown key '{key}'"


def test_bad_value_names_the_key(tmp_path):
    cfg = small_config(tmp_path / "data", horizon=-2)
    error = raised(lambda: barforge.build_dataset(cfg))
    assert type(error) is barforge.ConfigError
    file_cfg = write_config(tmp_path / "bad.yaml", cfg)
    assert str(error) == cli_error("build", "--config", str(file_cfg)).replace(str(file_cfg), "config", 1)
    assert str(error).startswith("config: key 'horizon': ")


def test_missing_raw_file_is_file_not_found(tmp_path):
    cfg = small_config(tmp_path / "data", source="files", tickers=["NOPE"])
    error = raised(lambda: barforge.build_dataset(cfg))
    assert type(error) is FileNotFoundError
    assert str(error) == cli_error("build", "--config", str(write_config(tmp_path / "c.yaml", cfg))) == \
        f"{tmp_path}/data/raw_NOPE.parquet: raw data file of ticker NOPE not found"


def test_missing_dataset_is_file_not_found(tmp_path):
    missing = tmp_path / "nope.parquet"
    error = raised(lambda: barforge.open_dataset(missing))
    assert type(error) is FileNotFoundError
    assert str(error) == cli_error("validate", str(missing)) == f"{missing}: dataset not found"


def test_dataset_of_another_config_is_file_exists(dataset, tmp_path):
    cfg = barforge.open_dataset(dataset).metadata["config"]
    before = dataset.stat().st_mtime_ns
    error = raised(lambda: barforge.build_dataset(cfg, seed=43))
    assert type(error) is FileExistsError
    file_cfg = write_config(tmp_path / "other.yaml", dict(cfg, seed=43))
    cli = cli_error("build", "--config", str(file_cfg), "--skip-existing")
    assert str(error) == cli.replace("--overwrite", "overwrite=True") == (
        f"{dataset}: exists but was built from another config (seed: 42 in the file, 43 in the config); "
        "pass overwrite=True to rebuild it, or choose another samples_filename")
    assert dataset.stat().st_mtime_ns == before


def test_other_system_failure_is_os_error(tmp_path):
    # data_dir names a file: the output folder cannot be made.
    (tmp_path / "data").write_text("a file\n")
    cfg = small_config(tmp_path / "data")
    error = raised(lambda: barforge.build_dataset(cfg, overwrite=True))
    assert type(error) is OSError
    cli = cli_error("build", "--config", str(write_config(tmp_path / "c.yaml", cfg)), "--overwrite")
    assert str(error) == cli
    assert str(error).startswith(f"{tmp_path}/data")


def test_truncated_foreign_and_non_parquet_files(dataset, tmp_path):
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(dataset.read_bytes()[: dataset.stat().st_size // 2])
    text = tmp_path / "notes.parquet"
    text.write_text("hello, not parquet at all\n" * 10)
    raw = dataset.parent / "raw_AAA.parquet"
    for path, cls in ((truncated, barforge.ParquetError), (text, barforge.ParquetError), (raw, barforge.DataError)):
        error = raised(lambda: barforge.open_dataset(path))
        assert type(error) is cls, (path, error)
        assert str(error) == cli_error("validate", str(path)), path
        assert str(error).startswith(f"{path}: "), error
    assert str(raised(lambda: barforge.open_dataset(raw))) == (
        f"{raw}: not a barforge dataset (its footer has no barforge.config, nor the barforge.bars of a "
        "transform --all file)")


def test_invalid_bars_are_data_errors(dataset):
    import numpy as np
    scaler = barforge.MetaScaler.load(dataset)
    n = 40
    bars = {"timestamp": np.arange(n, dtype=np.int64) * 60_000_000_000, "open": np.ones(n), "high": np.ones(n),
            "low": np.ones(n), "close": np.ones(n), "volume": np.ones(n)}
    bars["close"][-1] = float("nan")
    error = raised(lambda: barforge.transform(bars, scaler))
    assert type(error) is barforge.DataError
    assert str(error).startswith(f"bars: row {n}, column close: value nan")
