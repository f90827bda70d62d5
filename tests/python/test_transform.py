"""barforge.transform / transform_many / MetaScaler: the float32 bits of the
dataset's rows from the raw bars (synthetic Parquet and a third-party CSV,
default and non-default windows), the scaler from its JSON and from the
dataset's footer, and every refusal as ValueError with the C++ message."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import barforge
from conftest import SOURCE_DIR, dump_parquet, run_cli, small_config, write_config


def positions_of(meta: np.ndarray, scaler) -> np.ndarray:
    # The dataset does not store the position; its scaled meta does.
    return np.rint(meta[:, 5].astype(np.float64) * scaler.std[5] + scaler.mean[5]).astype(np.int64)


def raw_frame(path: Path) -> pd.DataFrame:
    """A raw Parquet file read by DuckDB (an independent reader)."""
    columns = {c["name"]: c["values"] for c in dump_parquet("duckdb", path)["columns"]}
    # DuckDB's dump gives timestamps as integer ns (JSON numbers or text).
    stamps = np.array([int(v) for v in columns["timestamp"]], dtype=np.int64).view("datetime64[ns]")
    frame = pd.DataFrame({k: np.array(v, dtype=np.float64) for k, v in columns.items() if k != "timestamp"})
    frame.insert(0, "timestamp", stamps)
    return frame


def expect_parity(dataset: Path, scaler_json: Path, frames: dict, columns=None, min_rows=2000):
    data = barforge.open_dataset(dataset).read(columns=["ticker", "bar_index", "timestamp", "ohlc", "volume", "meta"])
    n = len(data["bar_index"])
    assert n >= min_rows
    from_json = barforge.MetaScaler.load(scaler_json)
    from_footer = barforge.MetaScaler.load(dataset)
    assert from_json.to_json() == from_footer.to_json()
    positions = positions_of(data["meta"], from_json)
    tickers = np.asarray(data["ticker"])
    checked = 0
    for ticker, frame in frames.items():
        rows = np.flatnonzero(tickers == ticker)
        many = barforge.transform_many(frame, from_json, data["bar_index"][rows], positions[rows], columns=columns)
        for name in ("ohlc", "volume", "meta"):
            assert many[name].dtype == np.float32
            np.testing.assert_array_equal(many[name].view(np.uint32), data[name][rows].view(np.uint32), err_msg=name)
        # By timestamps instead of indices, with the footer's scaler: the same bits.
        by_time = barforge.transform_many(frame, dataset, data["timestamp"][rows], positions[rows], columns=columns)
        for name in ("ohlc", "volume", "meta"):
            np.testing.assert_array_equal(by_time[name].view(np.uint32), many[name].view(np.uint32), err_msg=name)
        # One window at a time for a few hundred rows (a dict of arrays for half of them).
        as_dict = {c: frame[c].to_numpy() for c in frame.columns}
        for k, r in enumerate(rows[:300]):
            one = barforge.transform(as_dict if k % 2 else frame, from_footer, position=int(positions[r]),
                                     end=int(data["bar_index"][r]), columns=columns)
            assert one["ohlc"].shape == data["ohlc"][r].shape and one["meta"].shape == (6,)
            for name in ("ohlc", "volume", "meta"):
                assert one[name].tobytes() == data[name][r].tobytes(), (name, r)
        checked += len(rows)
    assert checked == n


def test_synthetic_rows_default_window(tmp_path):
    cfg = small_config(tmp_path / "data", window=64, horizon=16, n_samples=2200, chunk_rows=1000,
                       tickers=["AAA"])
    cfg["synthetic"]["n_bars"] = 2500
    result = run_cli("build", "--config", str(write_config(tmp_path / "c.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    frame = raw_frame(tmp_path / "data" / "raw_AAA.parquet")
    expect_parity(tmp_path / "data" / "samples_2200.parquet", tmp_path / "data" / "meta_scaler.json",
                  {"AAA": frame})


def test_yahoo_csv_rows_window_32(tmp_path):
    # Yahoo's own column names, a row of "null"s the config drops: the bars
    # the dataset indexes are the valid ones, in file order.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(SOURCE_DIR / "examples" / "yahoo" / "ACME.csv", data_dir / "ACME.csv")
    import yaml
    cfg = yaml.safe_load(open(SOURCE_DIR / "examples" / "yahoo" / "config.yaml"))
    cfg.update({"data_dir": str(data_dir), "n_samples": 2000})
    result = run_cli("build", "--config", str(write_config(tmp_path / "y.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(data_dir / "ACME.csv", na_values=["null"]).dropna().reset_index(drop=True)
    frame["Date"] = pd.to_datetime(frame["Date"], utc=True)
    expect_parity(data_dir / "samples_2K.parquet", data_dir / "meta_scaler.json", {"ACME": frame},
                  columns=cfg["columns"])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("transform")
    cfg = small_config(tmp / "data", tickers=["AAA"], n_samples=200)
    result = run_cli("build", "--config", str(write_config(tmp / "c.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp / "data", raw_frame(tmp / "data" / "raw_AAA.parquet")


def test_end_forms_and_scaler(small):
    data_dir, frame = small
    scaler = barforge.MetaScaler.load(data_dir / "meta_scaler.json")
    assert scaler.window == 16 and scaler.horizon == 4 and scaler.count == 200
    assert scaler.features == ["ret_window", "volatility", "mean_range", "log_volume", "log_price", "position"]
    last = barforge.transform(frame, scaler)
    for end in (len(frame) - 1, -1, frame["timestamp"].iloc[-1], str(frame["timestamp"].iloc[-1])):
        same = barforge.transform(frame, scaler, end=end)
        assert same["meta"].tobytes() == last["meta"].tobytes(), end
    # ohlc of the end bar's close is ln(C_e / C_e) = 0; position moves meta[5] only.
    assert last["ohlc"][-1, 3] == 0
    long = barforge.transform(frame, str(data_dir / "meta_scaler.json"), position=1)
    assert long["meta"][:5].tobytes() == last["meta"][:5].tobytes()
    assert long["meta"][5] == np.float32((1 - scaler.mean[5]) / scaler.std[5])
    # The timestamp as the DataFrame's index.
    indexed = frame.set_index("timestamp")
    assert barforge.transform(indexed, scaler)["ohlc"].tobytes() == last["ohlc"].tobytes()
    every = barforge.transform_many(frame, scaler)
    assert every["ohlc"].shape == (len(frame) - 15, 16, 4) and every["end"][0] == 15
    assert every["volume"][-1].tobytes() == last["volume"].tobytes()


def cli_error(data_dir: Path, bars: Path, *args: str, scaler: Path | None = None) -> str:
    """What `barforge transform` says for these bars (the part after "barforge: error: ")."""
    result = run_cli("transform", "--config", str(data_dir.parent / "c.yaml"), "--scaler",
                     str(scaler or data_dir / "meta_scaler.json"), "--bars", str(bars), *args)
    assert result.returncode == 1, result
    assert result.stderr.startswith("barforge: error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr[len("barforge: error: "):-1]


def as_csv(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return path


def python_error(call) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_refusals_carry_the_cli_message(small, tmp_path):
    """Each refusal is a barforge.DataError (a ValueError) whose text is the CLI's for the same bars,
    with `bars` where the CLI names its file (and rows counted from the first
    bar, where a CSV's count its header line)."""
    data_dir, frame = small
    scaler = barforge.MetaScaler.load(data_dir / "meta_scaler.json")

    def same_as_cli(call, bars: pd.DataFrame, *args: str, row_shift: int = 0) -> str:
        csv = as_csv(bars, tmp_path / "bars.csv")
        error = python_error(call)
        assert type(error) is barforge.DataError and isinstance(error, ValueError), repr(error)
        expected = cli_error(data_dir, csv, *args).replace(str(csv), "bars", 1)
        if row_shift:
            row = int(expected.split("row ")[1].split(",")[0])
            expected = expected.replace(f"row {row},", f"row {row - row_shift},", 1)
        assert str(error) == expected
        return str(error)

    assert same_as_cli(lambda: barforge.transform(frame.iloc[:10], scaler), frame.iloc[:10]) == \
        "bars: 10 bars, fewer than the window of 16 bars"
    early = frame["timestamp"].iloc[3].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert same_as_cli(lambda: barforge.transform_many(frame, scaler, [20, 3]), frame, "--end", early) == \
        "bars: the window ending at bar 3 would need 16 bars, only 4 are up to it"
    assert same_as_cli(lambda: barforge.transform(frame, scaler, end=3), frame, "--end", early)
    n = len(frame)
    bad = frame.copy()
    bad.loc[n - 3, "close"] = -1.0
    assert same_as_cli(lambda: barforge.transform(bad, scaler), bad, row_shift=1) == \
        f"bars: row {n - 2}, column close: value -1: price must be > 0"
    high = frame.copy()
    high.loc[n - 5, "high"] = high.loc[n - 5, "low"] * 0.5
    message = same_as_cli(lambda: barforge.transform_many(high, scaler, [n - 1]), high, row_shift=1)
    assert message.startswith(f"bars: row {n - 4}, column high: value ") and "high is below max(open, close)" in message
    duplicate = frame.copy()
    duplicate.loc[n - 2, "timestamp"] = duplicate.loc[n - 3, "timestamp"]
    message = same_as_cli(lambda: barforge.transform(duplicate, scaler), duplicate, row_shift=1)
    assert message.startswith(f"bars: row {n - 1}, column timestamp: ") and message.endswith("(duplicate)")
    assert same_as_cli(lambda: barforge.transform(frame, scaler, end="2020-01-01T00:00:30Z"), frame,
                       "--end", "2020-01-01T00:00:30Z") == \
        "bars: no bar has timestamp 2020-01-01T00:00:30Z (1577836830000000000 ns)"
    assert same_as_cli(lambda: barforge.transform_many(frame, scaler, ["2020-01-01T00:00:30Z"]), frame,
                       "--end", "2020-01-01T00:00:30Z")
    # A renamed column is named as the caller calls it.
    renamed = bad.rename(columns={"close": "Close"})
    with pytest.raises(ValueError, match=rf"^bars: row {n - 2}, column Close: value -1: price must be > 0$"):
        barforge.transform(renamed, scaler, columns={"close": "Close"})
    # The CLI refuses --position 2 while parsing its flags; Python says it the C++ way.
    with pytest.raises(ValueError, match=r"^bars: position must be -1, 0 or 1, got 2$"):
        barforge.transform(frame, scaler, position=2)
    with pytest.raises(ValueError, match=r"^bars: position must be -1, 0 or 1, got -2$"):
        barforge.transform_many(frame, scaler, [20, 30], [0, -2])
    with pytest.raises(ValueError, match=r"^bars: 3 positions for 2 end bars"):
        barforge.transform_many(frame, scaler, [20, 30], [0, 1, 0])
    with pytest.raises(ValueError, match=r"^bars: missing column 'close'"):
        barforge.transform(frame.drop(columns=["close"]), scaler)

    # The scaler: another window, a footer without one, a missing file.
    csv = as_csv(frame, tmp_path / "bars.csv")
    error = python_error(lambda: barforge.MetaScaler.load(data_dir / "meta_scaler.json", window=32))
    assert type(error) is barforge.DataError
    assert str(error) == cli_error(data_dir, csv, "--set", "window=32") == \
        f"{data_dir / 'meta_scaler.json'}: the scaler was fitted with window 16, not 32"
    raw = data_dir / "raw_AAA.parquet"
    error = python_error(lambda: barforge.MetaScaler.load(raw))
    assert type(error) is barforge.DataError
    assert str(error) == cli_error(data_dir, csv, scaler=raw) == \
        f"{raw}: the file's footer has no barforge.scaler entry (not a dataset written by barforge build)"
    error = python_error(lambda: barforge.transform(frame, str(tmp_path / "missing.json")))
    assert type(error) is FileNotFoundError
    assert str(error) == cli_error(data_dir, csv, scaler=tmp_path / "missing.json") == \
        f"{tmp_path / 'missing.json'}: cannot open file: No such file or directory"


def test_a_bar_index_an_invalid_bar_would_shift_is_refused(tmp_path):
    # The Yahoo example drops its row of nulls (frame row 300): the dataset's
    # bar_index counts the bars after it one lower than the raw frame does.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(SOURCE_DIR / "examples" / "yahoo" / "ACME.csv", data_dir / "ACME.csv")
    import yaml
    cfg = yaml.safe_load(open(SOURCE_DIR / "examples" / "yahoo" / "config.yaml"))
    cfg.update({"data_dir": str(data_dir), "n_samples": 400})
    result = run_cli("build", "--config", str(write_config(tmp_path / "y.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    data = barforge.open_dataset(data_dir / "samples_400.parquet").read(
        columns=["bar_index", "timestamp", "ohlc", "volume", "meta"])
    scaler = barforge.MetaScaler.load(data_dir / "meta_scaler.json")
    raw = pd.read_csv(data_dir / "ACME.csv", na_values=["null"])
    raw["Date"] = pd.to_datetime(raw["Date"], utc=True)
    assert np.flatnonzero(raw["Open"].isna()).tolist() == [300]
    positions = positions_of(data["meta"], scaler)
    # A row whose window lies wholly after the invalid bar.
    after = int(np.flatnonzero(data["bar_index"] >= 300 + scaler.window)[0])
    end = int(data["bar_index"][after])
    # Before: this was silently the window ending one bar earlier.
    with pytest.raises(barforge.DataError) as error:
        barforge.transform(raw, scaler, position=int(positions[after]), end=end, columns=cfg["columns"])
    assert str(error.value) == (
        "bars: row 301, column Open: value nan: price is not finite; a dataset's bar_index counts the bars left "
        f"after invalid ones are dropped, so bar index {end} would name another bar here: pass the row's timestamp "
        "as the end, or remove the invalid bars first")
    with pytest.raises(barforge.DataError):
        barforge.transform_many(raw, scaler, data["bar_index"][[0, after]], positions[[0, after]],
                                columns=cfg["columns"])
    # The row's timestamp names the bar exactly: the dataset row's bits.
    by_time = barforge.transform(raw, scaler, position=int(positions[after]), end=data["timestamp"][after],
                                 columns=cfg["columns"])
    for name in ("ohlc", "volume", "meta"):
        assert by_time[name].tobytes() == data[name][after].tobytes(), name
    # An index before the invalid bar is the same bar in both numberings.
    before = int(np.flatnonzero(data["bar_index"] < 300)[0])
    one = barforge.transform(raw, scaler, position=int(positions[before]), end=int(data["bar_index"][before]),
                             columns=cfg["columns"])
    assert one["meta"].tobytes() == data["meta"][before].tobytes()


def test_a_transform_all_file_opens_like_a_dataset(small, tmp_path):
    data_dir, frame = small
    out = tmp_path / "features.parquet"
    result = run_cli("transform", "--config", str(data_dir.parent / "c.yaml"), "--scaler",
                     str(data_dir / "meta_scaler.json"), "--bars", str(data_dir / "raw_AAA.parquet"), "--all",
                     "--position", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    ds = barforge.open_dataset(out)
    assert ds.window == 16
    assert ds.columns == ["timestamp", "bar_index", "position", "ohlc", "volume", "meta"]
    assert ds.num_rows == len(frame) - 15
    rows = ds.read()
    assert rows["ohlc"].shape == (len(frame) - 15, 16, 4)
    assert (rows["position"] == 1).all() and rows["bar_index"][0] == 15
    every = barforge.transform_many(frame, data_dir / "meta_scaler.json", positions=1)
    for name in ("ohlc", "volume", "meta"):
        assert rows[name].tobytes() == every[name].tobytes(), name
    assert run_cli("validate", str(out)).returncode == 0
