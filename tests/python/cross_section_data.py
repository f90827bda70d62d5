"""Raw data and builds shared by the cross-section suites: three tickers of
their own histories (one listed late, one delisted early with a hole), as
CSV files whose numbers read back to the same doubles in every parser."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import barforge
from conftest import small_config

MINUTE = 60_000_000_000
START = np.datetime64("2021-03-01T00:00:00", "ns").astype(np.int64)
WINDOW = 16
HORIZON = 4
TICKERS = ["AAA", "BBB", "CCC"]


def minutes_of(ticker: str) -> np.ndarray:
    if ticker == "AAA":
        return np.arange(0, 600)
    if ticker == "BBB":  # listed at minute 100
        return np.arange(100, 600)
    # CCC: delisted after minute 449, no bars in minutes 300..309
    minutes = np.arange(0, 450)
    return minutes[(minutes < 300) | (minutes >= 310)]


def frame_of(ticker: str) -> pd.DataFrame:
    minutes = minutes_of(ticker)
    rng = np.random.default_rng(sum(map(ord, ticker)))
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, len(minutes))))
    open_ = np.concatenate([[close[0]], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.002, len(minutes)))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.002, len(minutes)))
    volume = rng.uniform(100, 1000, len(minutes))
    # Rounded to 6 decimals: the text is exact for every CSV parser.
    return pd.DataFrame({"timestamp": pd.to_datetime(START + minutes * MINUTE, utc=True),
                         "open": open_.round(6), "high": high.round(6), "low": low.round(6),
                         "close": close.round(6), "volume": volume.round(6)})


def stamps_ns(frame: pd.DataFrame) -> np.ndarray:
    """A frame's timestamps as int64 ns since the epoch (UTC)."""
    return frame["timestamp"].dt.tz_localize(None).to_numpy().astype("datetime64[ns]").view(np.int64)


def write_raw(data_dir: Path) -> dict[str, pd.DataFrame]:
    data_dir.mkdir(parents=True, exist_ok=True)
    frames = {}
    for ticker in TICKERS:
        frame = frame_of(ticker)
        out = frame.copy()
        out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.to_csv(data_dir / f"{ticker}.csv", index=False, float_format="%.6f")
        frames[ticker] = frame
    return frames


def cross_config(data_dir: Path, **changes) -> dict:
    cfg = small_config(data_dir, tickers=list(TICKERS), window=WINDOW, horizon=HORIZON, source="files",
                       raw_data_filename="{ticker}.csv", cross_section=True, n_samples=500, chunk_rows=150)
    cfg.update(changes)
    return cfg


def build(cfg: dict):
    """build_dataset of a cross-sectional cfg; a skip naming the missing
    feature when this barforge has no cross-sectional builds."""
    try:
        return barforge.build_dataset(cfg=cfg, overwrite=False)
    except barforge.ConfigError as error:
        if "unknown key 'cross_section'" in str(error):
            pytest.skip("needs cross-sectional builds (config key cross_section, branch xsec)")
        raise
    except NotImplementedError as error:  # pragma: no cover - a build stubbed out
        pytest.skip(f"cross-sectional build not implemented: {error}")


def require_shapes(ds) -> None:
    """A skip naming the missing feature when the reader does not report a
    cross-section's per-row shapes (ARROW:schema)."""
    if ds.read(["ohlc"], 0, 1)["ohlc"].ndim != 4:
        pytest.skip("needs the dataset reader's per-column shape (DatasetColumnInfo::shape, branch format)")
