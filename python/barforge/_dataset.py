"""open_dataset: a barforge dataset (file or directory of parts) as numpy.

The reading itself is C++ (barforge's own Parquet reader, no pyarrow): each
row group is decoded once into buffers that the numpy arrays own, so the
arrays handed out are views of the decoded values, not copies.
"""

from __future__ import annotations

import atexit
import json
import queue
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import yaml

from barforge import _core

_MASK64 = (1 << 64) - 1
# Shuffled batches: row groups decoded ahead of the one being handed out,
# each on its own thread with the GIL released, so reading overlaps the
# caller's work; memory stays at a few row groups.
_PREFETCH = 2
# Batches in file order come from pieces of this many rows, decoded this
# many ahead.
_PIECE_ROWS = 16384
_PIECES_AHEAD = 2


# The background readers of file-order batches still running: (stop event,
# thread). A reader left running when the interpreter finalizes would be
# killed inside the C++ decoder (a daemon thread taking the GIL back then
# ends with pthread_exit, which unwinds through C++ and aborts the process:
# "terminate called without an active exception", exit 134). So closing or
# collecting a batch iterator stops and joins its reader, and at exit
# (atexit runs after the main thread is done and before the interpreter is
# torn down) every reader still running is stopped and joined.
_readers: set[tuple[threading.Event, threading.Thread]] = set()
_readers_lock = threading.Lock()


def _stop_reader(reader: tuple[threading.Event, threading.Thread]) -> None:
    """Stops a background reader and waits for it: it ends once its current
    piece is decoded."""
    stop, thread = reader
    stop.set()
    if thread is not threading.current_thread():
        thread.join()
    with _readers_lock:
        _readers.discard(reader)


@atexit.register
def _stop_readers() -> None:
    with _readers_lock:
        running = list(_readers)
    for reader in running:
        _stop_reader(reader)


def mix_seed(*parts: int) -> int:
    """One 64-bit seed from several integers (epoch, row group, ...)."""
    state = 0
    for part in parts:
        state = (state ^ (int(part) & _MASK64)) * 0x9E3779B97F4A7C15 & _MASK64
        state ^= state >> 29
    return state


class Dataset:
    """A barforge dataset opened for reading. See open_dataset."""

    def __new__(cls, path: str | Path, *args: Any, **kwargs: Any) -> Any:
        # A bars dataset (storage: bars) is read by BarsDataset, which has
        # this class's interface: code that opens Dataset(path) reads either.
        if cls is Dataset and _core.is_bars_dataset(str(path)):
            from barforge._bars import BarsDataset
            return BarsDataset(path)
        return super().__new__(cls)

    def __init__(self, path: str | Path):
        self._path = Path(path)
        self._reader = _core.DatasetReader(str(path))
        self._kinds: dict[str, str] = {}
        # The dimensions of one row's values, as the reader reports them (the
        # file's ARROW:schema records a cross-section's [M, W, 4], ...).
        self._row_shapes: dict[str, tuple[int, ...]] = {}
        for name, kind, *shape in self._reader.columns:
            self._kinds[name] = kind
            if shape:
                self._row_shapes[name] = tuple(int(d) for d in shape[0])
        self._metadata: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"barforge.Dataset({str(self._path)!r}, num_rows={self.num_rows}, columns={self.columns})"

    def __len__(self) -> int:
        """The number of rows (samples)."""
        return self.num_rows

    @property
    def path(self) -> Path:
        """The path opened: a samples file or a directory of parts."""
        return self._path

    @property
    def files(self) -> list[Path]:
        """The Parquet files read, in order (the parts of a directory)."""
        return [Path(f) for f in self._reader.files]

    @property
    def num_rows(self) -> int:
        """The number of rows (samples), over every part."""
        return self._reader.num_rows

    @property
    def columns(self) -> list[str]:
        """The column names, in the file's order."""
        return list(self._kinds)

    @property
    def num_row_groups(self) -> int:
        """The number of row groups, over every part."""
        return self._reader.num_row_groups

    @property
    def metadata(self) -> dict[str, Any]:
        """What the footer records: 'config' (the effective config as a
        dict), 'scaler' (the meta scaler: names, mean, std), 'version',
        'seed', 'cross_section' (True for a file of cross_section: true),
        'tickers' (a cross-section's M tickers, in the order of every
        (n, M, ...) column; None for other files), and 'key_value' (every
        footer key, as text)."""
        if self._metadata is None:
            kv = dict(self._reader.key_value_metadata)
            footer = self._reader.footer  # barforge's keys, as the library reads them
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

    @property
    def cross_section(self) -> bool:
        """Whether a row is a cross-section (cross_section: true): every
        per-ticker column is shaped (n, M, ...)."""
        return self.metadata["cross_section"]

    @property
    def tickers(self) -> list[str] | None:
        """A cross-section's M tickers, in the order of its (n, M, ...)
        columns; None for a single-ticker dataset (its rows name theirs)."""
        tickers = self.metadata["tickers"]
        return list(tickers) if tickers is not None else None

    @property
    def window(self) -> int:
        """W, the bars in each sample's window (from the stored config; a
        transform --all file's from its scaler)."""
        config = self.metadata["config"]
        # A feature file of transform --all has no config: its scaler's window.
        return int(config["window"] if "window" in config else self.metadata["scaler"]["window"])

    def _names(self, columns: Sequence[str] | None) -> list[str]:
        if columns is None:
            return self.columns
        if isinstance(columns, str):
            columns = [columns]
        unknown = [c for c in columns if c not in self._kinds]
        if unknown:
            raise ValueError(f"{self._path}: no column '{unknown[0]}' (columns: {', '.join(self.columns)})")
        return list(columns)

    def _row_group(self, group: int, names: list[str]) -> dict[str, np.ndarray]:
        """One row group decoded, as arrays shaped for training."""
        return self._shape(self._reader.read_row_group(group, names), names)

    def _shape(self, raw: dict, names: list[str]) -> dict[str, np.ndarray]:
        """Decoded columns as arrays shaped for training."""
        out = {}
        # BarsDataset borrows this method; its reader reports no row shapes.
        row_shapes = getattr(self, "_row_shapes", {})
        for name in names:
            value = raw[name]
            kind = self._kinds[name]
            shape = row_shapes.get(name, ())
            if kind == "string":
                codes, dictionary = value
                value = np.array(dictionary, dtype=object)[codes]
            elif kind == "timestamp":
                value = value.view("datetime64[ns]")
            else:
                if "bool" in kind and value.dtype != np.bool_:
                    value = value.view(np.bool_)  # bytes 0 / 1: numpy's bools, not a copy
                if len(shape) > 1 and value.ndim == 2:
                    # The shape the file records ([M, W, 4], [M, 6], ...): a
                    # view of the decoded values, row-major as written (the
                    # reader gives lists that way already).
                    value = value.reshape((value.shape[0],) + shape)
                elif name == "ohlc" and value.ndim == 2:  # a single ticker's flat 4W: (n, W, 4)
                    value = value.reshape(value.shape[0], -1, 4)
            out[name] = value
        return out

    def read(self, columns: Sequence[str] | None = None, start: int = 0, stop: int | None = None
             ) -> dict[str, np.ndarray]:
        """Rows [start, stop) (Python slice bounds: negatives count from the
        end) of the named columns (all by default), as a dict of arrays:
        ohlc float32 (n, W, 4), volume (n, W), meta (n, 6), rewards (n, 3),
        fwd_return (n,), timestamp datetime64[ns], ids int64, ticker str
        (object array). A cross-section's per-ticker columns have the ticker
        as their second axis: ohlc (n, M, W, 4), volume (n, M, W), meta (n,
        M, 6), rewards (n, M, 3), fwd_return and bar_index (n, M), present
        bool (n, M). Rows within one row group are views of the decoded
        buffers; rows across row groups are joined into one array."""
        names = self._names(columns)
        start, stop, _ = slice(start, stop).indices(self.num_rows)
        stop = max(start, stop)
        pieces = []
        for group in range(self.num_row_groups):
            first = self._reader.row_group_first_row(group)
            rows = self._reader.row_group_rows(group)
            begin, end = max(start, first), min(stop, first + rows)
            if begin < end:
                data = self._row_group(group, names)
                pieces.append({k: v[begin - first:end - first] for k, v in data.items()})
        if not pieces:
            data = self._row_group(0, names) if self.num_row_groups else {}
            return {k: v[:0] for k, v in data.items()}
        return _join(pieces)

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The rows, in file order, as an Arrow C stream (PyCapsule): what
        `pyarrow.table(ds)`, `polars.DataFrame(ds)` and DuckDB
        (`duckdb.sql("SELECT ... FROM ds")`) read. Batches of 65,536 rows
        from barforge's reader, their fixed-width values not copied; the
        schema is the footer's ARROW:schema. Needs pyarrow."""
        from barforge._arrow_stream import stream_capsule
        return stream_capsule(self, requested_schema)

    def iter_batches(self, batch_size: int, columns: Sequence[str] | None = None, shuffle: bool = False,
                     seed: int = 0, rank: int = 0, world_size: int = 1, drop_last: bool = False,
                     positions: Sequence[tuple[int, int]] | None = None) -> Iterator[dict[str, np.ndarray]]:
        """Batches of `batch_size` rows (the last may be smaller unless
        drop_last) as dicts of arrays shaped as read() gives them.

        An epoch is a sequence of all the rows, fixed by (shuffle, seed): row
        groups in file order, or in an order shuffled by `seed`, and with
        shuffle each group's rows in an order shuffled by `seed` and the
        group. Its positions are 0..num_rows-1.
        rank/world_size: this reader's share of the epoch, positions
        [N*rank//world_size, N*(rank+1)//world_size), so the ranks together
        see every row exactly once. positions: half-open ranges of epoch
        positions to read, in the order given, instead of the share (rank
        and world_size are then ignored); what a resumed epoch reads.

        Memory, whatever the dataset's size: in file order, a few pieces of
        16,384 rows (or of batch_size rows, if more), decoded ahead on a
        thread of their own; shuffled, a few row groups (rows are shuffled
        within a row group's share, so the whole share is decoded at once)."""
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        batch_size = int(batch_size)
        names = self._names(columns)
        seed = int(seed) & _MASK64
        if positions is not None:
            positions = [(int(begin), int(end)) for begin, end in positions]
        plan = self._reader.epoch_plan(bool(shuffle), mix_seed(seed, 1), int(rank), int(world_size), positions)
        if not shuffle:
            return self._streamed_batches(plan, names, batch_size, drop_last)
        return self._batches(plan, names, batch_size, bool(shuffle), seed, drop_last)

    def epoch_boundaries(self, shuffle: bool = False, seed: int = 0) -> list[int]:
        """The epoch positions (see iter_batches) where a row group begins,
        and num_rows: where a range of positions can start or end at no
        extra cost (one that starts inside a row group decodes that row
        group from its start, or whole when shuffled)."""
        plan = self._reader.epoch_plan(bool(shuffle), mix_seed(int(seed) & _MASK64, 1), 0, 1, [(0, self.num_rows)])
        out, at = [0], 0
        for _, begin, end in plan:
            at += end - begin
            out.append(at)
        return out

    def _streamed_batches(self, plan, names, batch_size, drop_last):
        """Batches in plan order, from pieces of each row group decoded on a
        thread of its own (the decoding releases the GIL and runs on every
        core) a few pieces ahead: memory stays at a few pieces, and their
        buffers go back to the reader for the pieces after them."""
        piece_rows = batch_size * max(1, _PIECE_ROWS // batch_size)
        pieces: queue.Queue = queue.Queue(maxsize=_PIECES_AHEAD)
        stop = threading.Event()

        def put(item) -> bool:
            while not stop.is_set():
                try:
                    pieces.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    pass
            return False

        def produce() -> None:
            try:
                for group, begin, end in plan:
                    cursor = self._reader.open_row_group(group, names)
                    position = 0
                    while position < end:
                        # Rows before `begin` (another rank's share) are read
                        # in pieces that end at it, and dropped.
                        rows = min(piece_rows, (begin if position < begin else end) - position)
                        piece = cursor.read(rows)
                        position += rows
                        if position > begin and not put((self._shape(piece, names), rows)):
                            return
                put(None)
            except BaseException as error:  # handed to the consumer, raised there
                put(error)

        # A daemon thread, so that a program that keeps an unfinished
        # iterator to its end does not wait for it; _stop_readers joins it.
        reader = (stop, threading.Thread(target=produce, name="barforge-read", daemon=True))
        with _readers_lock:
            _readers.add(reader)
        reader[1].start()
        carry = _Carry()
        try:
            while (item := pieces.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                piece, rows = item
                del item
                yield from carry.cut(piece, rows, batch_size)
            if carry.rows and not drop_last:
                yield _join(carry.pieces)
        finally:
            _stop_reader(reader)

    def _batches(self, plan, names, batch_size, shuffle, seed, drop_last):
        carry = _Carry()
        with ThreadPoolExecutor(max_workers=_PREFETCH, thread_name_prefix="barforge-read") as pool:
            upcoming = iter(plan)
            in_flight: deque = deque()

            def submit() -> None:
                step = next(upcoming, None)
                if step is not None:
                    in_flight.append((step, pool.submit(self._row_group, step[0], names)))

            for _ in range(_PREFETCH):
                submit()
            while in_flight:
                (group, begin, end), future = in_flight.popleft()
                data = future.result()
                if shuffle:  # positions [begin, end) of the group's rows in the epoch's order
                    rows = self._reader.row_group_rows(group)
                    order = _core.DatasetReader.permutation(rows, mix_seed(seed, 2, group))[begin:end]
                    piece = {k: v[order] for k, v in data.items()}
                else:
                    piece = {k: v[begin:end] for k, v in data.items()}
                del data
                # The next read starts once this group's first batch has been
                # taken: by then the caller has let go of the previous group's
                # last batch, so the read can reuse that group's memory.
                batches = carry.cut(piece, end - begin, batch_size)
                del piece
                first = next(batches, None)
                if first is not None:
                    yield first
                    del first
                submit()
                yield from batches
        if carry.rows and not drop_last:
            yield _join(carry.pieces)


class _Carry:
    """Rows left over from one piece or row group for the next batch."""

    def __init__(self):
        self.pieces: list[dict[str, np.ndarray]] = []
        self.rows = 0

    def cut(self, piece: dict[str, np.ndarray], n: int, batch_size: int) -> Iterator[dict[str, np.ndarray]]:
        """The batches of a piece's `n` rows, after the rows carried over;
        the rows left over are carried on."""
        position = 0
        if self.rows:
            take = min(batch_size - self.rows, n)
            self.pieces.append({k: v[:take] for k, v in piece.items()})
            self.rows += take
            position = take
            if self.rows == batch_size:
                batch = _join(self.pieces)
                self.pieces, self.rows = [], 0
                yield batch
        while n - position >= batch_size:
            yield {k: v[position:position + batch_size] for k, v in piece.items()}
            position += batch_size
        if position < n:
            self.pieces.append({k: v[position:] for k, v in piece.items()})
            self.rows += n - position


def _join(pieces: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(pieces) == 1:
        return pieces[0]
    return {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}


def open_dataset(path: str | Path) -> Dataset:
    """Opens a barforge dataset: a samples file, or a directory of parts
    (part-00000.parquet, ... with the _SUCCESS marker of a finished build),
    or a bars dataset (storage: bars), as a BarsDataset with the same
    interface whose rows are those of the samples file of the same config.
    Raises FileNotFoundError for a missing path, ValueError naming the file
    for one that is not a (complete) barforge dataset."""
    return Dataset(path)
