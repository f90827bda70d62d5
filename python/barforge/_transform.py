"""barforge.transform / transform_many: a dataset row's features from bars
in memory, computed by the same C++ code as the build, so a model sees at
inference the float32 values it was trained on.

    scaler = barforge.MetaScaler.load("data/meta_scaler.json")   # or the dataset .parquet
    f = barforge.transform(df, scaler, position=0)                # the window ending at the last bar
    f["ohlc"]   # float32 (W, 4); f["volume"] (W,); f["meta"] (6,)
    many = barforge.transform_many(df, scaler, ends, positions)   # (n, W, 4), (n, W), (n, 6)
"""

from __future__ import annotations

import datetime
import os
from typing import Any, Mapping, Sequence

import numpy as np

from barforge import _core

MetaScaler = _core.MetaScaler

_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


def _scaler(scaler: Any) -> MetaScaler:
    if isinstance(scaler, MetaScaler):
        return scaler
    if isinstance(scaler, (str, os.PathLike)):
        return MetaScaler.load(scaler)
    raise TypeError(f"scaler must be a barforge.MetaScaler or a path, not {type(scaler).__name__}")


def _column(bars: Any, name: str, source: str = "bars") -> Any:
    """Column `name` as an array: a pandas column's values (tz-aware
    timestamps come as UTC datetime64[ns]), the DataFrame's index when it
    bears the name, or a dict's array as it is."""
    try:
        column = bars[name]
    except (KeyError, IndexError, TypeError):
        index = getattr(bars, "index", None)
        if index is not None and getattr(index, "name", None) == name:
            column = index
        else:
            available = ", ".join(str(c) for c in (bars.columns if hasattr(bars, "columns") else bars.keys()))
            raise _core.DataError(f"{source}: missing column '{name}' (the bars have: {available})") from None
    return getattr(column, "values", column)


def _timestamps_ns(values: Any, source: str = "bars") -> np.ndarray:
    """Timestamps as int64 ns since the epoch, UTC: datetime64 of any unit,
    ISO-8601 strings (an offset is honoured, none means UTC), or integers
    taken as ns."""
    array = np.asarray(values)
    if array.size == 0:  # no bars (a ticker without any, in a cross-section)
        return np.empty(0, dtype=np.int64)
    if array.dtype == np.dtype("datetime64[ns]"):
        return array.view(np.int64)
    if array.dtype.kind == "M":
        return array.astype("datetime64[ns]").view(np.int64)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind in "OUS":
        import pandas as pd
        return pd.to_datetime(array, utc=True).tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    raise _core.DataError(f"{source}: timestamp column of dtype {array.dtype} (expected datetimes, ISO-8601 text or "
                     "int64 ns since the epoch)")


def _bars(bars: Any, columns: Mapping[str, str] | None, source: str = "bars") -> tuple[Any, np.ndarray]:
    """The C++ view of the six columns, and the timestamps as int64 ns."""
    names = _COLUMNS
    if columns:
        unknown = set(columns) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"columns: unknown key(s) {sorted(unknown)} (expected {', '.join(_COLUMNS)})")
        names = tuple(columns.get(c, c) for c in _COLUMNS)
    if not hasattr(bars, "__getitem__") or not (hasattr(bars, "keys") or hasattr(bars, "columns")):
        raise TypeError(f"bars must be a pandas DataFrame or a dict of arrays, not {type(bars).__name__}")
    values = [_column(bars, name, source) for name in names]
    stamps = _timestamps_ns(values[0], source)
    prices = [np.asarray(v, dtype=np.float64) for v in values[1:]]
    return _core._Bars(stamps, *prices, source=source, names=list(names)), stamps


def _to_ns(value: Any) -> int:
    if isinstance(value, str):
        return int(_timestamps_ns(np.array([value], dtype=object))[0])
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    if hasattr(value, "tz_convert") and getattr(value, "tzinfo", None) is not None:  # pandas Timestamp
        value = value.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(value, "ns").astype(np.int64))


def _end_index(prepared: Any, end: Any, scaler: MetaScaler) -> int:
    n = len(prepared)
    if end is None:
        return n - 1
    if isinstance(end, (bool, np.bool_)):
        raise TypeError("end must be a bar index or a timestamp")
    if isinstance(end, (int, np.integer)):
        index = int(end)
        if index < 0:
            return index + n
        # A dataset row's bar_index counts bars after the build's drops: C++
        # refuses one that an invalid bar before it would shift.
        return scaler._bar_of_index(prepared, index) if index < n else index
    return prepared.find_bar(_to_ns(end))


def transform(bars: Any, scaler: Any, position: int = 0, end: Any = None,
              columns: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
    """The features of the window of W bars (W = the scaler's window) ending at
    `end`, with the agent's `position` (-1, 0 or 1), as in the dataset's row.

    bars: a pandas DataFrame or a dict of arrays with the six columns
    timestamp, open, high, low, close, volume (named by `columns`, the
    config's mapping; the timestamp may also be the DataFrame's index).
    scaler: a MetaScaler or the path of a scaler JSON / dataset .parquet.
    end: None (the last bar), a bar index (negative counts from the end) or a
    timestamp (str, datetime, numpy / pandas timestamp) that must be a bar's.
    A bar index is a dataset row's bar_index, which counts the bars left
    after the build dropped invalid ones: with an invalid bar at or before
    it in `bars` it would name another bar, so that is a ValueError (pass
    the row's timestamp instead, or drop the invalid bars).

    Returns {"ohlc": float32 (W, 4), "volume": (W,), "meta": (6,)}. Raises
    ValueError with the C++ message for too few bars, invalid bars (in the
    window), an end that is not a bar, or a bad position.
    """
    scaler = _scaler(scaler)
    prepared, _ = _bars(bars, columns)
    ohlc, volume, meta = scaler._transform(prepared, _end_index(prepared, end, scaler), int(position))
    return {"ohlc": ohlc, "volume": volume, "meta": meta}


def transform_many(bars: Any, scaler: Any, ends: Any = None, positions: Any = 0,
                   columns: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
    """transform for many end bars at once (backtests), on all threads.

    ends: bar indices (integers) or timestamps (datetime64 / strings), or None
    for every valid end bar (W-1 .. n-1). positions: one per end bar, or one
    for all. Returns {"ohlc": float32 (n, W, 4), "volume": (n, W), "meta":
    (n, 6), "end": int64 (n,) bar indices}.
    """
    scaler = _scaler(scaler)
    prepared, stamps = _bars(bars, columns)
    n = len(prepared)
    if ends is None:
        end_index = np.arange(scaler.window - 1, max(n, scaler.window - 1), dtype=np.int64)
    else:
        array = np.asarray(ends)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.dtype.kind in "iu":
            end_index = array.astype(np.int64)
            given = end_index[(end_index >= 0) & (end_index < n)]
            if given.size:
                scaler._bar_of_index(prepared, int(given.max()))  # as in transform: no index an invalid bar shifts
            end_index = np.where(end_index < 0, end_index + n, end_index)
        else:
            wanted = _timestamps_ns(array)
            end_index = np.searchsorted(stamps, wanted).astype(np.int64)
            found = (end_index < n) & (stamps[np.minimum(end_index, max(n - 1, 0))] == wanted)
            if not found.all():
                prepared.find_bar(int(wanted[np.argmin(found)]))  # raises the C++ message
    position_array = np.asarray(positions, dtype=np.int64).reshape(-1)
    if position_array.size not in (1, end_index.size):
        raise _core.DataError(f"bars: {position_array.size} positions for {end_index.size} end bars (give one per end "
                         "bar, or one for all)")
    if np.any((position_array < -1) | (position_array > 1)):
        bad = int(position_array[(position_array < -1) | (position_array > 1)][0])
        raise _core.DataError(f"bars: position must be -1, 0 or 1, got {bad}")
    ohlc, volume, meta = scaler._transform_many(prepared, end_index, position_array.astype(np.intc))
    return {"ohlc": ohlc, "volume": volume, "meta": meta, "end": end_index}


CrossSectionTransform = _core.CrossSectionTransform

_T_HELP = ("expected ISO-8601 text, a datetime, a numpy or pandas timestamp, or an integer of ns since the epoch")


def _timestamp_ns(t: Any) -> int:
    """t as int64 ns since the epoch (UTC), or a DataError saying what a
    timestamp may be."""
    if t is None or isinstance(t, (bool, np.bool_, float, np.floating)):
        raise _core.DataError(f"t: {t!r} is not a timestamp ({_T_HELP})")
    if isinstance(t, (int, np.integer)):
        return int(t)
    try:
        ns = _to_ns(t)
    except (ValueError, TypeError, OverflowError) as error:
        raise _core.DataError(f"t: {t!r} is not a timestamp ({_T_HELP})") from error
    if ns == np.iinfo(np.int64).min:  # NaT
        raise _core.DataError(f"t: {t!r} is not a timestamp ({_T_HELP})")
    return ns


def _cross_section(scaler: Any, tickers: Any, max_gap: Any) -> CrossSectionTransform:
    if isinstance(scaler, CrossSectionTransform):
        if tickers is not None or max_gap is not None:
            raise TypeError("tickers and max_gap come with a CrossSectionTransform; pass them only with a MetaScaler")
        return scaler
    if tickers is None:
        if isinstance(scaler, (str, os.PathLike)) and max_gap is None:
            return CrossSectionTransform.load(scaler)
        raise TypeError("tickers: a MetaScaler or a scaler JSON needs the dataset's tickers (tickers=[...], in its "
                        "order); or pass the cross-sectional dataset's path, or a CrossSectionTransform")
    if isinstance(tickers, str):
        raise TypeError("tickers must be a list of ticker names, not a str")
    return CrossSectionTransform(_scaler(scaler), [str(t) for t in tickers], _max_gap_ns(max_gap))


def _max_gap_ns(max_gap: Any) -> int:
    if max_gap is None or max_gap == 0 or max_gap == "0":
        return 0
    if isinstance(max_gap, (int, np.integer)) and not isinstance(max_gap, bool):
        return int(max_gap)
    if isinstance(max_gap, datetime.timedelta):
        return int(max_gap / datetime.timedelta(microseconds=1)) * 1000
    if isinstance(max_gap, np.timedelta64):
        return int(max_gap.astype("timedelta64[ns]").astype(np.int64))
    if isinstance(max_gap, str):
        import yaml
        return _core._max_gap_ns(yaml.safe_dump({"max_gap": max_gap}))
    raise TypeError(f"max_gap must be the config's duration text ('5m'), a timedelta or int ns, not "
                    f"{type(max_gap).__name__}")


def transform_cross_section(bars_by_ticker: Mapping[str, Any], scaler: Any, t: Any, position: Any = 0,
                            columns: Mapping[str, str] | None = None, tickers: Sequence[str] | None = None,
                            max_gap: Any = None) -> dict[str, Any]:
    """The features of a cross-sectional dataset's row at timestamp `t`: for
    each of its M tickers (in the dataset's order) the window of W bars
    ending at its bar at exactly t, as barforge.transform computes it.

    bars_by_ticker: every ticker of the cross-section mapped to its bars (a
    DataFrame or a dict of arrays, as transform takes; empty bars for a
    ticker without any). scaler: the cross-sectional dataset's path (file or
    directory: its scaler, tickers and max_gap), a CrossSectionTransform, or
    a MetaScaler / scaler JSON path with `tickers` (and `max_gap`, the
    config's duration text) given. t: a timestamp (ISO-8601 text, datetime,
    numpy / pandas timestamp, int ns). position: one for all tickers (as a
    dataset row's), or one per ticker (a sequence in the dataset's order, or
    a mapping ticker -> position).

    A ticker is present at t when it has a bar at exactly t with W bars up
    to it and, with max_gap, no two consecutive bars of the window more
    than max_gap apart. Returns {"ohlc": float32 (M, W, 4), "volume": (M,
    W), "meta": (M, 6), "present": bool (M,), "end": int64 (M,) (each
    ticker's bar index at t, 0 when absent), "tickers": the M names,
    "absent": {ticker: reason} of the absent ones}; an absent ticker's
    values are 0. Raises barforge.DataError for a ticker of the mapping
    that is not the dataset's, a ticker of the dataset missing from it, a t
    that is not a timestamp, invalid bars in a present ticker's window.
    """
    cross = _cross_section(scaler, tickers, max_gap)
    if not isinstance(bars_by_ticker, Mapping):
        raise TypeError(f"bars_by_ticker must be a mapping of ticker -> bars, not {type(bars_by_ticker).__name__}")
    timestamp = _timestamp_ns(t)
    prepared = {}
    for ticker, bars in bars_by_ticker.items():
        if not isinstance(ticker, str):
            raise TypeError(f"bars_by_ticker: ticker {ticker!r} is a {type(ticker).__name__}, not a str")
        if bars is None:  # no bars at all: the ticker is absent
            bars = {(columns or {}).get(c, c): np.empty(0) for c in _COLUMNS}
        prepared[ticker] = _bars(bars, columns, source=ticker)[0]
    if isinstance(position, Mapping):
        unknown = [k for k in position if k not in cross.tickers]
        if unknown:
            raise _core.DataError(f"position: ticker '{unknown[0]}' is not one of the cross-section's "
                                  f"{len(cross.tickers)} tickers ({', '.join(cross.tickers)})")
        missing = [k for k in cross.tickers if k not in position]
        if missing:
            raise _core.DataError(f"position: no position for ticker{'s' if len(missing) > 1 else ''} "
                                  f"{', '.join(missing)} (give one for every ticker, or one for all)")
        position = [position[k] for k in cross.tickers]
    positions = np.asarray(position).reshape(-1)
    if positions.dtype.kind not in "iu":
        raise _core.DataError(f"position must be -1, 0 or 1 (one, or one per ticker), got {position!r}")
    ohlc, volume, meta, present, end, status = cross._transform(prepared, timestamp, positions.astype(np.intc))
    names = list(cross.tickers)
    return {"ohlc": ohlc, "volume": volume, "meta": meta, "present": present, "end": end, "tickers": names,
            "absent": {name: reason for name, reason in zip(names, status) if reason != "present"}}
