"""
barforge's C++ library (use the barforge package, not this module)
"""
from __future__ import annotations
from barforge import ConfigError
from barforge import DataError
from barforge import ParquetError
import collections.abc
import numpy
import numpy.typing
import os
import pathlib
import typing
__all__: list[str] = ['BarsReader', 'CancelToken', 'ConfigError', 'CrossSectionTransform', 'DataError', 'DatasetReader', 'MetaScaler', 'ParquetError', 'RowGroupCursor', 'build', 'is_bars_dataset', 'stored_config']
class CancelToken:
    def __init__(self) -> None:
        ...
    def cancel(self) -> None:
        ...
    @property
    def cancelled(self) -> bool:
        ...
class RowGroupCursor:
    def read(self, rows: typing.SupportsInt | typing.SupportsIndex) -> dict:
        ...
    @property
    def rows_left(self) -> int:
        ...
class DatasetReader:
    @staticmethod
    def permutation(n: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex) -> numpy.ndarray:
        ...
    def __init__(self, path: os.PathLike | str | bytes) -> None:
        ...
    def epoch_plan(self, shuffle: bool, seed: typing.SupportsInt | typing.SupportsIndex, rank: typing.SupportsInt | typing.SupportsIndex, world_size: typing.SupportsInt | typing.SupportsIndex, positions: collections.abc.Sequence[tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]] | None = None) -> list[tuple[int, int, int]]:
        ...
    def open_row_group(self, row_group: typing.SupportsInt | typing.SupportsIndex, columns: collections.abc.Sequence[str]) -> RowGroupCursor:
        ...
    def read_row_group(self, row_group: typing.SupportsInt | typing.SupportsIndex, columns: collections.abc.Sequence[str]) -> dict:
        ...
    def row_group_first_row(self, row_group: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def row_group_rows(self, row_group: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    @property
    def column_shapes(self) -> dict:
        ...
    @property
    def columns(self) -> list[tuple[str, str]]:
        ...
    @property
    def files(self) -> list[pathlib.Path]:
        ...
    @property
    def footer(self) -> dict:
        ...
    @property
    def key_value_metadata(self) -> list[tuple[str, str]]:
        ...
    @property
    def num_row_groups(self) -> int:
        ...
    @property
    def num_rows(self) -> int:
        ...
    @property
    def path(self) -> pathlib.Path:
        ...
class BarsReader:
    @typing.overload
    def __init__(self, path: os.PathLike | str | bytes) -> None:
        ...
    @typing.overload
    def __init__(self, path: os.PathLike | str | bytes, shared: os.PathLike | str | bytes, token: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def epoch_sample_ids(self, shuffle: bool, seed: typing.SupportsInt | typing.SupportsIndex, begin: typing.SupportsInt | typing.SupportsIndex, end: typing.SupportsInt | typing.SupportsIndex) -> numpy.ndarray:
        ...
    def read_rows(self, start: typing.SupportsInt | typing.SupportsIndex, stop: typing.SupportsInt | typing.SupportsIndex, columns: collections.abc.Sequence[str]) -> dict:
        ...
    def read_samples(self, sample_ids: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], columns: collections.abc.Sequence[str]) -> dict:
        ...
    def row_group_first_row(self, group: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def row_group_rows(self, group: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    @property
    def attached(self) -> bool:
        ...
    @property
    def bars_per_ticker(self) -> list[int]:
        ...
    @property
    def columns(self) -> list[tuple[str, str]]:
        ...
    @property
    def footer(self) -> dict:
        ...
    @property
    def key_value_metadata(self) -> list[tuple[str, str]]:
        ...
    @property
    def num_row_groups(self) -> int:
        ...
    @property
    def num_rows(self) -> int:
        ...
    @property
    def path(self) -> pathlib.Path:
        ...
    @property
    def samples_arrow_schema(self) -> str:
        ...
    @property
    def shared_descriptor(self) -> tuple[int, int]:
        ...
class _Bars:
    """
    Six bar columns viewed by the transform (internal)
    """
    def __init__(self, timestamp_ns: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], open: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], high: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], low: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], close: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], volume: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], source: str, names: typing.Annotated[collections.abc.Sequence[str], "FixedSize(6)"]) -> None:
        ...
    def __len__(self) -> int:
        ...
    def find_bar(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
class MetaScaler:
    """
    The meta scaler a build saved: the window it was fitted with and the mean and population std of each raw meta feature. MetaScaler.load(path) reads the scaler JSON or a dataset .parquet's footer.
    """
    @staticmethod
    def from_json(text: str, source: str = 'meta scaler JSON') -> MetaScaler:
        """
        Reads a scaler from its JSON text; `source` names it in errors.
        """
    @staticmethod
    def load(path: os.PathLike | str | bytes, window: typing.SupportsInt | typing.SupportsIndex | None = None) -> MetaScaler:
        """
        Reads a scaler JSON file or a dataset Parquet file's footer; with `window`, refuses a scaler fitted with another window (ValueError).
        """
    def __repr__(self) -> str:
        ...
    def _bar_of_index(self, bars: _Bars, bar_index: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def _transform(self, bars: _Bars, end: typing.SupportsInt | typing.SupportsIndex, position: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32]]:
        ...
    def _transform_many(self, bars: _Bars, ends: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], positions: typing.Annotated[numpy.typing.ArrayLike, numpy.int32]) -> tuple:
        ...
    def to_json(self) -> str:
        """
        The scaler as the JSON text a build writes.
        """
    @property
    def count(self) -> int:
        """
        The number of samples it was fitted on.
        """
    @property
    def features(self) -> list[str]:
        """
        The six meta features' names, in the dataset's order.
        """
    @property
    def horizon(self) -> int:
        """
        H, the horizon of the build that fitted it.
        """
    @property
    def mean(self) -> list[float]:
        """
        The mean of each raw meta feature, in the order of `features`.
        """
    @property
    def source(self) -> str:
        """
        Where the scaler was read from (its file).
        """
    @property
    def std(self) -> list[float]:
        """
        The population std of each raw meta feature, in the order of `features`.
        """
    @property
    def window(self) -> int:
        """
        W, the window the scaler was fitted with.
        """
class CrossSectionTransform:
    """
    The serving side of a cross-sectional dataset: its scaler, its M tickers in order and its max_gap. CrossSectionTransform.load(path) reads them from the dataset; CrossSectionTransform(scaler, tickers, max_gap_ns=0) takes them.
    """
    @staticmethod
    def load(path: os.PathLike | str | bytes) -> CrossSectionTransform:
        """
        From a cross-sectional dataset (a samples file or a directory of parts): its footer's scaler, tickers and config's max_gap. ValueError for a dataset that is not cross-sectional.
        """
    def __init__(self, scaler: MetaScaler, tickers: collections.abc.Sequence[str], max_gap_ns: typing.SupportsInt | typing.SupportsIndex = 0) -> None:
        """
        A cross-section of `tickers` (the dataset's order) with the MetaScaler `scaler`; max_gap_ns: the build's max_gap in ns (0: off).
        """
    def __repr__(self) -> str:
        ...
    def _transform(self, bars: dict, timestamp_ns: typing.SupportsInt | typing.SupportsIndex, positions: typing.Annotated[numpy.typing.ArrayLike, numpy.int32]) -> tuple:
        ...
    @property
    def max_gap_ns(self) -> int:
        """
        The build's max_gap in ns (0: off): a window with two consecutive bars further apart is absent.
        """
    @property
    def scaler(self) -> MetaScaler:
        """
        The MetaScaler of every ticker.
        """
    @property
    def tickers(self) -> list[str]:
        """
        The M tickers, in the dataset's order.
        """
    @property
    def window(self) -> int:
        """
        W, the scaler's window.
        """
def _max_gap_ns(yaml_text: str) -> int:
    ...
def build(yaml_text: str, overwrite: bool, token: CancelToken) -> dict:
    """
    Builds the dataset of a config (YAML text) with the GIL released, or reuses the existing one of the same config unless overwrite; returns the build summary.
    """
def is_bars_dataset(path: os.PathLike | str | bytes) -> bool:
    ...
def stored_config(path: str) -> str:
    """
    The effective config an existing dataset was built from (its footer).
    """
__version__: str = '0.1.0'
