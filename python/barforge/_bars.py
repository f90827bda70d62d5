"""BarsDataset: a bars dataset (storage: bars) read as a samples file is read.

The file holds the validated bars once; each row is computed when it is read,
in C++ by the code that computes it in a build, so row i here is row i of the
samples file of the same config (storage: windows), every column, floats bit
for bit. open_dataset() returns one for a bars dataset.
"""

from __future__ import annotations

import base64
import json
import os
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import yaml

from barforge import _core
from barforge._dataset import _MASK64, Dataset, mix_seed

# Batches computed ahead of the one handed out, each on a thread of its own
# with the GIL released (the computing itself runs on every core).
_AHEAD = 2


class BarsDataset:
    """A bars dataset opened for reading: the interface of Dataset
    (num_rows, columns, metadata, read, iter_batches), rows computed when
    read. The bars are read once, here, into a memory file: DataLoader
    workers forked after this share its mapping, and a process started after
    this (a worker started by spawn or forkserver) maps it read-only instead
    of computing its own copy (see SHARED_ENV). Each batch costs memory for
    its rows only."""

    storage = "bars"

    def __init__(self, path: str | Path):
        self._path = Path(path)
        self._reader = _attach(self._path)
        if self._reader is None:
            self._reader = _core.BarsReader(str(path))
            _publish(self._path, self._reader, self)
        self._kinds = dict(self._reader.columns)
        self._metadata: dict[str, Any] | None = None

    @property
    def shared(self) -> bool:
        """Whether the per-bar values are mapped from the process that opened
        the file first (a DataLoader worker started by spawn or forkserver),
        not computed here."""
        return self._reader.attached

    def __repr__(self) -> str:
        return f"barforge.BarsDataset({str(self._path)!r}, num_rows={self.num_rows}, columns={self.columns})"

    def __len__(self) -> int:
        return self.num_rows

    @property
    def path(self) -> Path:
        """The path opened: a bars dataset file."""
        return self._path

    @property
    def files(self) -> list[Path]:
        """The one Parquet file (of bars) read."""
        return [self._path]

    @property
    def num_rows(self) -> int:
        """The number of rows (samples): those of the samples file of the same config."""
        return self._reader.num_rows

    @property
    def columns(self) -> list[str]:
        """The column names, in the samples file's order."""
        return list(self._kinds)

    @property
    def num_row_groups(self) -> int:
        """The row groups of the samples file of the same config (chunk_rows
        rows each): a bars dataset stores none, but code that reads a dataset
        row group by row group (read(start, stop) over each) reads the same
        rows from either storage."""
        return self._reader.num_row_groups

    @property
    def bars_per_ticker(self) -> list[int]:
        """The bars stored for each ticker, in config order."""
        return list(self._reader.bars_per_ticker)

    @property
    def metadata(self) -> dict[str, Any]:
        """As Dataset.metadata: 'config', 'scaler', 'version', 'seed',
        'cross_section', 'tickers' (a cross-section's M tickers, else None),
        'key_value'; the config has storage: bars."""
        if self._metadata is None:
            footer = self._reader.footer
            kv = dict(self._reader.key_value_metadata)
            scaler = footer.get("scaler")
            seed = footer.get("seed")
            config = yaml.safe_load(footer.get("config", "")) or {}
            tickers = kv.get("barforge.tickers")
            self._metadata = {
                "config": config,
                "scaler": json.loads(scaler) if scaler else None,
                "version": footer.get("version"),
                "seed": int(seed) if seed is not None else None,
                "cross_section": bool(config.get("cross_section", False)),
                "tickers": json.loads(tickers) if tickers else None,
                "key_value": kv,
            }
        return self._metadata

    cross_section = Dataset.cross_section
    tickers = Dataset.tickers

    @property
    def window(self) -> int:
        """W, the bars in each sample's window (from the stored config)."""
        return int(self.metadata["config"]["window"])

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The rows, in file order, as an Arrow C stream (PyCapsule), as
        Dataset.__arrow_c_stream__ gives them: `pyarrow.table(ds)`,
        `polars.DataFrame(ds)`, DuckDB. The schema is the samples file's of
        the same config (the file's own ARROW:schema is its bars'), and the
        batches are iter_batches' in file order. Needs pyarrow."""
        from barforge import _arrow_stream

        pa = _arrow_stream._pyarrow()
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(self._reader.samples_arrow_schema)))
        reader = pa.RecordBatchReader.from_batches(schema, _arrow_stream.batches(self, schema))
        return reader.__arrow_c_stream__(requested_schema)

    _names = Dataset._names
    _shape = Dataset._shape

    def read(self, columns: Sequence[str] | None = None, start: int = 0, stop: int | None = None
             ) -> dict[str, np.ndarray]:
        """Rows [start, stop) (Python slice bounds) of the named columns (all
        by default), shaped as Dataset.read gives them."""
        names = self._names(columns)
        start, stop, _ = slice(start, stop).indices(self.num_rows)
        return self._shape(self._reader.read_rows(start, max(start, stop), names), names)

    def read_samples(self, sample_ids: Sequence[int] | np.ndarray, columns: Sequence[str] | None = None
                     ) -> dict[str, np.ndarray]:
        """The rows `sample_ids` (in that order, repeats allowed)."""
        names = self._names(columns)
        return self._shape(self._reader.read_samples(np.asarray(sample_ids, dtype=np.int64), names), names)

    def epoch_ids(self, shuffle: bool, seed: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Positions [start, stop) of an epoch as sample ids: the positions
        themselves without shuffle; with shuffle, a permutation of every
        sample id keyed by `seed` (the same on every machine)."""
        stop = self.num_rows if stop is None else stop
        return self._reader.epoch_sample_ids(bool(shuffle), _epoch_key(seed), int(start), int(stop))

    def iter_batches(self, batch_size: int, columns: Sequence[str] | None = None, shuffle: bool = False,
                     seed: int = 0, rank: int = 0, world_size: int = 1, drop_last: bool = False,
                     positions: Sequence[tuple[int, int]] | None = None) -> Iterator[dict[str, np.ndarray]]:
        """Batches of `batch_size` rows (the last may be smaller unless
        drop_last), dicts of arrays shaped as read() gives them.

        An epoch is a sequence of all N sample ids: 0..N-1, or with shuffle
        a permutation of all of them keyed by `seed` (a real shuffle, not one
        within row groups). rank/world_size: share `rank` of `world_size`
        reads positions [N*rank//world_size, N*(rank+1)//world_size) of it.
        positions=[(begin, end), ...]: these half-open ranges of epoch
        positions, in that order, instead of the share. Batches are cut from
        the positions read, across ranges. Memory: a few batches."""
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        batch_size = int(batch_size)
        names = self._names(columns)
        n = self.num_rows
        if positions is None:
            rank, world_size = int(rank), int(world_size)
            if world_size < 1 or not 0 <= rank < world_size:
                raise ValueError(f"rank {rank} of world_size {world_size}: need 0 <= rank < world_size")
            ranges = [(n * rank // world_size, n * (rank + 1) // world_size)]
        else:
            ranges = [(int(b), int(e)) for b, e in positions]
            for b, e in ranges:
                if not 0 <= b <= e <= n:
                    raise ValueError(f"{self._path}: positions ({b}, {e}) are not within [0, {n}]")
        return self._batches(_cut(ranges, batch_size, drop_last), names, bool(shuffle), _epoch_key(seed))

    def _batch(self, pieces: list[tuple[int, int]], names: list[str], shuffle: bool, key: int
               ) -> dict[str, np.ndarray]:
        if not shuffle and len(pieces) == 1:
            return self._shape(self._reader.read_rows(pieces[0][0], pieces[0][1], names), names)
        ids = np.concatenate([self._reader.epoch_sample_ids(shuffle, key, b, e) for b, e in pieces])
        return self._shape(self._reader.read_samples(ids, names), names)

    def _batches(self, batches: Iterator[list[tuple[int, int]]], names: list[str], shuffle: bool, key: int
                 ) -> Iterator[dict[str, np.ndarray]]:
        with ThreadPoolExecutor(max_workers=_AHEAD, thread_name_prefix="barforge-bars") as pool:
            in_flight: deque = deque()
            for pieces in batches:
                in_flight.append(pool.submit(self._batch, pieces, names, shuffle, key))
                if len(in_flight) > _AHEAD:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()


# Where the per-bar values of the bars datasets this process (or the one that
# started it) opened can be mapped from: {realpath: [pid, fd, token]} as
# JSON. Processes started after an open inherit it (spawn and forkserver
# workers, subprocesses) and map the values read-only from
# /proc/PID/fd/FD instead of computing their own copy; the token and the
# file's identity in the memory file's header say it is still that file's.
SHARED_ENV = "BARFORGE_SHARED_BARS"


def _shared_table() -> dict[str, list[int]]:
    try:
        table = json.loads(os.environ.get(SHARED_ENV, "{}"))
    except ValueError:
        return {}
    return table if isinstance(table, dict) else {}


def _attach(path: Path):
    """A reader over the values another live process shares for `path`, or
    None (none published, its process gone, or not this file's any more)."""
    entry = _shared_table().get(os.path.realpath(path))
    if not isinstance(entry, list) or len(entry) != 3:
        return None
    pid, fd, token = (int(v) for v in entry)
    if pid == os.getpid():
        return None
    try:
        return _core.BarsReader(str(path), f"/proc/{pid}/fd/{fd}", token)
    except ValueError:  # gone, reused or changed: compute them here
        return None


def _publish(path: Path, reader, owner) -> None:
    """Publishes `reader`'s shared values for processes started from now on,
    until `owner` goes (when the descriptor closes)."""
    fd, token = reader.shared_descriptor
    if fd < 0:
        return
    key = os.path.realpath(path)
    entry = [os.getpid(), fd, token]
    table = _shared_table()
    table[key] = entry
    os.environ[SHARED_ENV] = json.dumps(table)
    weakref.finalize(owner, _unpublish, key, entry)


def _unpublish(key: str, entry: list[int]) -> None:
    table = _shared_table()
    if table.get(key) == entry:
        del table[key]
        if table:
            os.environ[SHARED_ENV] = json.dumps(table)
        else:
            os.environ.pop(SHARED_ENV, None)


def _epoch_key(seed: int) -> int:
    """The permutation's key: the seed, mixed so that nearby seeds (epochs)
    give unrelated orders."""
    return mix_seed(int(seed) & _MASK64, 3)


def _cut(ranges: list[tuple[int, int]], batch_size: int, drop_last: bool) -> Iterator[list[tuple[int, int]]]:
    """The epoch positions of each batch, as ranges, cut from `ranges` in order."""
    batch: list[tuple[int, int]] = []
    rows = 0
    for begin, end in ranges:
        while begin < end:
            take = min(batch_size - rows, end - begin)
            batch.append((begin, begin + take))
            rows += take
            begin += take
            if rows == batch_size:
                yield batch
                batch, rows = [], 0
    if rows and not drop_last:
        yield batch
