"""barforge.build_dataset: the reference pipeline's call, the CLI's build."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

import barforge
from conftest import SOURCE_DIR, run_cli, small_config, write_config


def test_reference_usage_example_builds_the_same_bytes_as_the_cli(tmp_path, capsys):
    # The reference pipeline's own call, on a small config.
    cfg = small_config(tmp_path / "py")
    path = barforge.build_dataset(cfg=cfg, n_samples=2000, seed=7, overwrite=False)
    assert isinstance(path, Path)
    assert path == tmp_path / "py" / "samples_2K.parquet"
    printed = capsys.readouterr().out
    # The CLI's summary: phases, tickers, the one-line result.
    assert printed.startswith("phases (wall time):\n  raw data ")
    for phase in ("preparing", "scaler fit", "writing", "finishing"):
        assert f"\n  {phase} " in printed
    assert "3 row groups" in printed and f"built 2,000 samples in " in printed and f"\u2192 {path}, " in printed

    # The CLI builds the same bytes from the same config (same data_dir,
    # which the footer records), reusing the raw files.
    python_bytes = path.read_bytes()
    path.unlink()
    for scaler in (tmp_path / "py").glob("*.json"):
        scaler.unlink()
    cli_cfg = small_config(tmp_path / "py", n_samples=2000, seed=7)
    result = run_cli("build", "--config", str(write_config(tmp_path / "cli.yaml", cli_cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == python_bytes


def test_same_config_is_returned_without_rebuilding_and_another_is_refused(tmp_path, capsys):
    cfg = small_config(tmp_path)
    path = barforge.build_dataset(cfg, n_samples=1000)
    capsys.readouterr()  # the build's summary
    before = path.stat().st_mtime_ns
    # n_jobs changes no output value, so the dataset is the same.
    again = barforge.build_dataset(dict(cfg, n_jobs=1), n_samples=1000, overwrite=False)
    assert again == path and path.stat().st_mtime_ns == before
    # The library's sentence, as `build --skip-existing` prints it, in Python's words for overwrite.
    said = capsys.readouterr().out
    cli = run_cli("build", "--config", str(write_config(tmp_path / "same.yaml", dict(cfg, n_samples=1000))),
                  "--skip-existing")
    assert cli.returncode == 0, cli.stderr
    assert said == cli.stdout.replace("--overwrite", "overwrite=True") == (
        f"{path} was built from this config already; nothing to do (overwrite=True rebuilds it)\n")

    with pytest.raises(FileExistsError) as error:
        barforge.build_dataset(cfg, n_samples=1000, seed=43)
    assert str(error.value) == (f"{path}: exists but was built from another config (seed: 42 in the file, 43 in the "
                                "config); pass overwrite=True to rebuild it, or choose another samples_filename")
    assert path.stat().st_mtime_ns == before

    rebuilt = barforge.build_dataset(cfg, n_samples=1000, seed=43, overwrite=True)
    assert rebuilt == path and path.stat().st_mtime_ns != before


def test_a_scaler_another_dataset_holds_is_not_replaced(tmp_path):
    cfg = small_config(tmp_path)
    first = barforge.build_dataset(cfg, n_samples=1000)
    scaler = (tmp_path / "meta_scaler.json").read_bytes()
    with pytest.raises(FileExistsError) as error:
        barforge.build_dataset(cfg, n_samples=2000)
    assert str(error.value) == (f"{tmp_path}/meta_scaler.json: is the scaler of {first} (its footer holds it), which "
                                "still exists; give each dataset its own scaler (scaler_filename: "
                                "meta_scaler_{n}.json) or pass --overwrite to replace it")
    assert (tmp_path / "meta_scaler.json").read_bytes() == scaler
    assert not (tmp_path / "samples_2K.parquet").exists()
    # Each dataset with its own scaler, as the message says.
    second = barforge.build_dataset(dict(cfg, scaler_filename="meta_scaler_{n}.json"), n_samples=2000)
    assert second == tmp_path / "samples_2K.parquet"
    assert (tmp_path / "meta_scaler_2K.json").exists()
    assert (tmp_path / "meta_scaler.json").read_bytes() == scaler


def test_unquoted_start_timestamp_loads_as_yaml_gives_it(tmp_path):
    # yaml.safe_load turns an unquoted ISO timestamp into a datetime.
    cfg = small_config(tmp_path)
    cfg["synthetic"] = yaml.safe_load("n_bars: 4000\nbar_seconds: 60\nstart: 2021-03-01T00:00:00Z\n")
    path = barforge.build_dataset(cfg, n_samples=500)
    assert "start: \"2021-03-01T00:00:00Z\"" in barforge._core.stored_config(str(path))


@pytest.mark.parametrize("change, exception, message", [
    ({"windw": 16}, ValueError, "config: unknown key 'windw' (did you mean `window`?)"),
    ({"synthetic": {"n_barz": 5}}, ValueError,
     "config: unknown key 'synthetic.n_barz' (did you mean `synthetic.n_bars`?)"),
])
def test_bad_keys_raise_value_error_naming_the_key(tmp_path, change, exception, message):
    with pytest.raises(exception) as error:
        barforge.build_dataset(small_config(tmp_path, **change))
    assert str(error.value) == message


def test_bad_values_carry_the_cli_message(tmp_path):
    cfg = small_config(tmp_path, window="wide")
    with pytest.raises(ValueError) as error:
        barforge.build_dataset(cfg)
    file_cfg = write_config(tmp_path / "bad.yaml", cfg)
    cli = run_cli("build", "--config", str(file_cfg))
    assert cli.returncode == 1
    # Same text after the origin (the file for the CLI, "config" here).
    cli_message = cli.stderr.strip().removeprefix("barforge: error: ").removeprefix(f"{file_cfg}: ")
    assert str(error.value) == f"config: {cli_message}"
    assert str(error.value).startswith("config: key 'window': ")
    with pytest.raises(ValueError, match=r"^config: key 'n_samples': "):
        barforge.build_dataset(small_config(tmp_path), n_samples=-3)
    with pytest.raises(TypeError, match="cfg must be a dict"):
        barforge.build_dataset(["window", 16])


def test_missing_raw_file_raises_file_not_found(tmp_path):
    cfg = small_config(tmp_path, source="files", tickers=["NOPE"])
    with pytest.raises(FileNotFoundError) as error:
        barforge.build_dataset(cfg)
    assert str(error.value) == f"{tmp_path}/raw_NOPE.parquet: raw data file of ticker NOPE not found"


def test_splits_return_a_dict_of_paths_each_readable(tmp_path, capsys):
    cfg = small_config(tmp_path / "data", n_samples=1000, embargo_bars=4)
    cfg["splits"] = [{"name": "train", "end": 0.6, "n_samples": 1000}, {"name": "valid", "end": 0.8, "n_samples": 300},
                     {"name": "test", "n_samples": "all"}]
    paths = barforge.build_dataset(cfg)
    assert isinstance(paths, dict) and list(paths) == ["train", "valid", "test"]
    assert paths["train"] == tmp_path / "data" / "samples_1K_train.parquet"
    assert paths["valid"] == tmp_path / "data" / "samples_300_valid.parquet"
    printed = capsys.readouterr().out
    # The CLI's summary names every split's file.
    for name, path in paths.items():
        assert f"split {name}: " in printed and f"\u2192 {path}, " in printed

    # Each split's file opens as a dataset: its rows, its split in the
    # footer, one scaler (the first split's) for all.
    stamps = {}
    for name, path in paths.items():
        ds = barforge.open_dataset(path)
        assert ds.metadata["key_value"]["barforge.split"] == name
        assert ds.metadata["scaler"] == barforge.open_dataset(paths["train"]).metadata["scaler"]
        data = ds.read(columns=["timestamp", "ohlc"])
        assert len(data["timestamp"]) == ds.num_rows > 0 and data["ohlc"].shape[1:] == (16, 4)
        stamps[name] = data["timestamp"]
    assert barforge.open_dataset(paths["train"]).num_rows == 1000
    assert barforge.open_dataset(paths["valid"]).num_rows == 300
    # Time is cut: every valid end bar comes after every train end bar, and test's after valid's.
    assert stamps["train"].max() < stamps["valid"].min() and stamps["valid"].max() < stamps["test"].min()

    # The same config again: the same dict, nothing rebuilt.
    capsys.readouterr()  # the first build's summary
    before = {name: path.stat().st_mtime_ns for name, path in paths.items()}
    assert barforge.build_dataset(dict(cfg, n_jobs=1)) == paths
    assert {name: path.stat().st_mtime_ns for name, path in paths.items()} == before
    said = capsys.readouterr().out
    cli = run_cli("build", "--config", str(write_config(tmp_path / "same.yaml", cfg)), "--skip-existing")
    assert cli.returncode == 0, cli.stderr
    assert said == cli.stdout.replace("--overwrite", "overwrite=True") == (
        f"{', '.join(str(path) for path in paths.values())} were built from this config already; nothing to do "
        "(overwrite=True rebuilds them)\n")

    # Another config: refused as the CLI refuses it, naming overwrite=True.
    other = dict(cfg, embargo_bars=5)
    with pytest.raises(FileExistsError) as error:
        barforge.build_dataset(other)
    file_cfg = write_config(tmp_path / "other.yaml", other)
    cli = run_cli("build", "--config", str(file_cfg), "--skip-existing")
    assert cli.returncode == 1
    assert str(error.value) == cli.stderr.strip().removeprefix("barforge: error: ").replace("--overwrite",
                                                                                          "overwrite=True")
    assert str(error.value).startswith(f"{paths['train']}: exists but was built from another config (embargo_bars: ")

    # A partial set (a build stopped between its files) is refused too.
    paths["test"].unlink()
    with pytest.raises(FileExistsError, match=r"but .*samples_\S*test.parquet is missing .*pass overwrite=True to "
                                              r"rebuild every split$"):
        barforge.build_dataset(cfg)
    rebuilt = barforge.build_dataset(cfg, overwrite=True)
    assert rebuilt == paths and all(path.exists() for path in paths.values())


def test_more_samples_than_windows_is_a_user_warning(tmp_path):
    # 2 tickers of 500 bars, W 16, H 4: 2 * 481 = 962 windows for 3,000 samples.
    import warnings
    cfg = small_config(tmp_path / "data", tickers=["AAA", "BBB"], window=16, horizon=4, n_samples=3000)
    cfg["synthetic"]["n_bars"] = 500
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        barforge.build_dataset(cfg=cfg)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert messages == ["3,000 samples drawn from 962 valid windows (ticker, end bar): each window is in about 3.1 "
                        "rows on average; set n_samples to at most 962 (or `all` in a split for every window once), "
                        "or give more bars"], messages
