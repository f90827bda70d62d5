"""barforge.transform_cross_section / CrossSectionTransform: the M windows
ending at a timestamp, each present ticker's slice the bits of
barforge.transform for that ticker at its bar there; absent tickers (no bar
at t, too early, across a max_gap hole, no bars at all) zeros with their
reason; every bad input a clear error."""

import datetime

import numpy as np
import pandas as pd
import pytest

import barforge

MINUTE = 60_000_000_000
SCALER_JSON = ('{"features": ["ret_window", "volatility", "mean_range", "log_volume", "log_price", "position"], '
               '"mean": [0, 0.001, 0.002, 7, 4.6, 0], "std": [0.01, 0.0005, 0.001, 0.5, 0.1, 0.8], '
               '"count": 100, "window": 8, "horizon": 4}')


def frame(minutes, seed: float) -> pd.DataFrame:
    """Valid bars at the given minutes (UTC), with prices of their own."""
    minutes = np.asarray(minutes, dtype=np.int64)
    i = minutes.astype(np.float64)
    open_ = 50 * seed + np.sin(i * seed)
    close = open_ * (1 + 0.002 * np.cos(i + seed))
    return pd.DataFrame({
        "timestamp": pd.to_datetime(minutes * MINUTE, utc=True),
        "open": open_, "high": np.maximum(open_, close) * 1.01, "low": np.minimum(open_, close) * 0.99,
        "close": close, "volume": 1000 + i * seed})


@pytest.fixture(scope="module")
def scaler():
    return barforge.MetaScaler.from_json(SCALER_JSON, "meta_scaler.json")


@pytest.fixture(scope="module")
def universe():
    """A from minute 0; B listed at minute 30; C from minute 5 without
    minute 40; GONE delisted after minute 40."""
    c_minutes = [m for m in range(5, 100) if m != 40]
    return {"A": frame(range(100), 1.3), "B": frame(range(30, 100), 2.1), "C": frame(c_minutes, 0.7),
            "GONE": frame(range(41), 1.9)}


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_present_slices_are_the_single_ticker_transforms_bits(scaler, universe):
    cross = barforge.CrossSectionTransform(scaler, ["C", "A", "B", "GONE"])
    assert cross.tickers == ["C", "A", "B", "GONE"] and cross.window == 8 and cross.max_gap_ns == 0
    t = pd.Timestamp("1970-01-01T01:00:00Z")  # minute 60
    out = barforge.transform_cross_section(universe, cross, t, position=1)
    assert out["ohlc"].shape == (4, 8, 4) and out["ohlc"].dtype == np.float32
    assert out["volume"].shape == (4, 8) and out["meta"].shape == (4, 6)
    assert out["present"].dtype == np.bool_ and out["present"].tolist() == [True, True, True, False]
    assert out["end"].dtype == np.int64 and out["end"].tolist() == [54, 60, 30, 0]
    assert out["tickers"] == ["C", "A", "B", "GONE"]
    assert out["absent"] == {"GONE": "no bar at t"}
    for k, ticker in enumerate(["C", "A", "B"]):
        one = barforge.transform(universe[ticker], scaler, position=1, end=t)
        for name in ("ohlc", "volume", "meta"):
            assert same_bits(out[name][k], one[name]), (ticker, name)
    for name in ("ohlc", "volume", "meta"):
        assert not out[name][3].any()
    assert out["meta"][:3, 5].tolist() == [np.float32(1 / 0.8)] * 3

    # One position per ticker: a sequence in the cross-section's order, or a mapping.
    by_list = barforge.transform_cross_section(universe, cross, 60 * MINUTE, position=[-1, 0, 1, 1])
    by_map = barforge.transform_cross_section(universe, cross, "1970-01-01T01:00:00Z",
                                              position={"A": 0, "B": 1, "C": -1, "GONE": 0})
    for k, (ticker, p) in enumerate([("C", -1), ("A", 0), ("B", 1)]):
        one = barforge.transform(universe[ticker], scaler, position=p, end=t)
        for name in ("ohlc", "volume", "meta"):
            assert same_bits(by_list[name][k], one[name]) and same_bits(by_map[name][k], one[name]), (ticker, name)

    # Dicts of arrays, a datetime and numpy timestamps take the same path.
    as_dicts = {k: {c: v[c].to_numpy() for c in v.columns} for k, v in universe.items()}
    for when in (datetime.datetime(1970, 1, 1, 1, 0, tzinfo=datetime.timezone.utc),
                 np.datetime64(60 * MINUTE, "ns"), np.int64(60 * MINUTE)):
        again = barforge.transform_cross_section(as_dicts, cross, when, position=1)
        for name in ("ohlc", "volume", "meta", "present", "end"):
            assert same_bits(again[name], out[name]), (when, name)


def test_absent_tickers_and_their_reasons(scaler, universe):
    bars = dict(universe, NONE=None, EMPTY=universe["A"].iloc[:0])
    tickers = ["A", "B", "C", "GONE", "NONE", "EMPTY"]
    at36 = barforge.transform_cross_section(bars, scaler, 36 * MINUTE, tickers=tickers)
    assert at36["present"].tolist() == [True, False, True, True, False, False]
    assert at36["absent"] == {"B": "fewer than W bars up to t", "NONE": "no bar at t", "EMPTY": "no bar at t"}
    at37 = barforge.transform_cross_section(bars, scaler, 37 * MINUTE, tickers=tickers)
    assert at37["present"][1] and at37["end"][1] == 7  # B's 8th bar
    assert same_bits(at37["ohlc"][1], barforge.transform(universe["B"], scaler, end=7)["ohlc"])
    # C has no bar at minute 40; GONE none after it; a t between bars: none.
    assert barforge.transform_cross_section(bars, scaler, 40 * MINUTE, tickers=tickers)["absent"]["C"] == "no bar at t"
    assert barforge.transform_cross_section(bars, scaler, 41 * MINUTE, tickers=tickers)["absent"]["GONE"] == \
        "no bar at t"
    between = barforge.transform_cross_section(bars, scaler, 60 * MINUTE + 1, tickers=tickers)
    assert not between["present"].any() and not between["ohlc"].any() and not between["end"].any()


def test_max_gap_makes_a_window_across_a_hole_absent(scaler, universe):
    # C lacks minute 40: with max_gap 1 minute, its windows holding minutes 39
    # and 41 (ending at 41..47) are absent; a gap of exactly max_gap is allowed.
    universe = {k: universe[k] for k in ("A", "C")}
    for max_gap in ("1m", "60s", datetime.timedelta(minutes=1), MINUTE):
        cross = barforge.transform_cross_section(universe, scaler, 47 * MINUTE, tickers=["A", "C"], max_gap=max_gap)
        assert cross["absent"] == {"C": "a gap above max_gap in the window"}, max_gap
    assert barforge.transform_cross_section(universe, scaler, 48 * MINUTE, tickers=["A", "C"],
                                            max_gap="1m")["present"].all()
    assert barforge.transform_cross_section(universe, scaler, 47 * MINUTE, tickers=["A", "C"],
                                            max_gap="2m")["present"].all()
    assert barforge.CrossSectionTransform(scaler, ["A"], 5 * MINUTE).max_gap_ns == 5 * MINUTE
    with pytest.raises(barforge.ConfigError, match="max_gap"):
        barforge.transform_cross_section(universe, scaler, 47 * MINUTE, tickers=["A", "C"], max_gap="soon")


def test_bad_input_is_refused_with_clear_messages(scaler, universe):
    cross = barforge.CrossSectionTransform(scaler, ["A", "B", "C"])
    three = {k: universe[k] for k in ("A", "B", "C")}
    with pytest.raises(barforge.DataError) as error:
        barforge.transform_cross_section({"A": universe["A"], "B": universe["B"]}, cross, 60 * MINUTE)
    assert str(error.value) == ("meta_scaler.json: no bars for ticker C of the cross-section (give every ticker's "
                                "bars, empty ones for a ticker without any)")
    with pytest.raises(barforge.DataError) as error:
        barforge.transform_cross_section(dict(three, ZZZ=universe["A"]), cross, 60 * MINUTE)
    assert str(error.value) == ("meta_scaler.json: bars for ticker 'ZZZ', which is not one of the cross-section's 3 "
                                "tickers (A, B, C)")
    for t in ("yesterday-ish", None, 1.5, True, np.datetime64("NaT")):
        with pytest.raises(barforge.DataError) as error:
            barforge.transform_cross_section(three, cross, t)
        assert str(error.value) == (f"t: {t!r} is not a timestamp (expected ISO-8601 text, a datetime, a numpy or "
                                    "pandas timestamp, or an integer of ns since the epoch)")
    with pytest.raises(barforge.DataError, match=r"^meta_scaler.json: 2 positions for a cross-section of 3 tickers"):
        barforge.transform_cross_section(three, cross, 60 * MINUTE, position=[0, 1])
    with pytest.raises(barforge.DataError, match=r"^meta_scaler.json: position must be -1, 0 or 1, got 2$"):
        barforge.transform_cross_section(three, cross, 60 * MINUTE, position=2)
    with pytest.raises(barforge.DataError, match=r"^position: no position for ticker C \(give one"):
        barforge.transform_cross_section(three, cross, 60 * MINUTE, position={"A": 0, "B": 0})
    with pytest.raises(barforge.DataError, match=r"^position: ticker 'Q' is not one of the cross-section's 3"):
        barforge.transform_cross_section(three, cross, 60 * MINUTE, position={"A": 0, "B": 0, "C": 0, "Q": 1})
    with pytest.raises(barforge.DataError, match=r"position must be -1, 0 or 1 \(one, or one per ticker\)"):
        barforge.transform_cross_section(three, cross, 60 * MINUTE, position=0.5)
    # A present ticker's invalid bar, or a missing column, names the ticker.
    bad = universe["B"].copy()
    bad.loc[25, "close"] = -1.0  # minute 55
    with pytest.raises(barforge.DataError, match=r"^B: row 26, column close: value -1: price must be > 0$"):
        barforge.transform_cross_section(dict(three, B=bad), cross, 60 * MINUTE)
    with pytest.raises(barforge.DataError, match=r"^C: missing column 'volume'"):
        barforge.transform_cross_section(dict(three, C=universe["C"].drop(columns="volume")), cross, 60 * MINUTE)
    # The tickers come with the dataset, a CrossSectionTransform, or tickers=.
    with pytest.raises(TypeError, match="needs the dataset's tickers"):
        barforge.transform_cross_section(three, scaler, 60 * MINUTE)
    with pytest.raises(TypeError, match="only with a MetaScaler"):
        barforge.transform_cross_section(three, cross, 60 * MINUTE, tickers=["A", "B", "C"])
    with pytest.raises(TypeError, match="mapping of ticker -> bars"):
        barforge.transform_cross_section([universe["A"]], cross, 60 * MINUTE)
    with pytest.raises(barforge.DataError, match="ticker A is twice"):
        barforge.CrossSectionTransform(scaler, ["A", "B", "A"])
    with pytest.raises(barforge.DataError, match="a cross-section of no tickers"):
        barforge.CrossSectionTransform(scaler, [])
