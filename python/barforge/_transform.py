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
from typing import Any, Mapping

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


def _column(bars: Any, name: str) -> Any:
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
            raise _core.DataError(f"bars: missing column '{name}' (the bars have: {available})") from None
    return getattr(column, "values", column)


def _timestamps_ns(values: Any) -> np.ndarray:
    """Timestamps as int64 ns since the epoch, UTC: datetime64 of any unit,
    ISO-8601 strings (an offset is honoured, none means UTC), or integers
    taken as ns."""
    array = np.asarray(values)
    if array.dtype == np.dtype("datetime64[ns]"):
        return array.view(np.int64)
    if array.dtype.kind == "M":
        return array.astype("datetime64[ns]").view(np.int64)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind in "OUS":
        import pandas as pd
        return pd.to_datetime(array, utc=True).tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    raise _core.DataError(f"bars: timestamp column of dtype {array.dtype} (expected datetimes, ISO-8601 text or "
                     "int64 ns since the epoch)")


def _bars(bars: Any, columns: Mapping[str, str] | None) -> tuple[Any, np.ndarray]:
    """The C++ view of the six columns, and the timestamps as int64 ns."""
    names = _COLUMNS
    if columns:
        unknown = set(columns) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"columns: unknown key(s) {sorted(unknown)} (expected {', '.join(_COLUMNS)})")
        names = tuple(columns.get(c, c) for c in _COLUMNS)
    if not hasattr(bars, "__getitem__") or not (hasattr(bars, "keys") or hasattr(bars, "columns")):
        raise TypeError(f"bars must be a pandas DataFrame or a dict of arrays, not {type(bars).__name__}")
    values = [_column(bars, name) for name in names]
    stamps = _timestamps_ns(values[0])
    prices = [np.asarray(v, dtype=np.float64) for v in values[1:]]
    return _core._Bars(stamps, *prices, source="bars", names=list(names)), stamps


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
