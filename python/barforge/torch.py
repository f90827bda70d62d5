"""barforge.torch.SampleDataset: a barforge dataset as a PyTorch IterableDataset.

    from torch.utils.data import DataLoader
    from barforge.torch import SampleDataset

    ds = SampleDataset("data/samples_1M.parquet", batch_size=1024, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_size=None, num_workers=2)
    for epoch in range(10):
        ds.set_epoch(epoch)
        for batch in loader:
            ...  # batch["ohlc"]: float32 tensor (1024, W, 4)

Rank r of world_size R reads the epoch positions [N*r//R, N*(r+1)//R)
(see Dataset.iter_batches), cut again between its DataLoader workers, so
each sample is seen exactly once per epoch; state_dict()/load_state_dict()
resume an epoch, with another world size or worker count too. In a worker,
batches cross to the main process through reused shared memory
(_shared_batches). See docs/python.md.
This module imports torch; `import barforge` alone does not.
"""

from __future__ import annotations

import bisect
import hashlib
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import IterableDataset, get_worker_info

from barforge._dataset import Dataset, mix_seed, open_dataset
from barforge._shared_batches import WorkerSlots


def _tensor(value: np.ndarray) -> Any:
    """numpy -> torch without a copy; strings stay a list of str (tensors
    hold no strings), timestamps become int64 nanoseconds."""
    if value.dtype == object:
        return value.tolist()
    if value.dtype.kind == "M":
        value = value.view(np.int64)
    return torch.from_numpy(value)


def _count(ranges: Sequence[tuple[int, int]]) -> int:
    return sum(end - begin for begin, end in ranges)


def _cut(ranges: Sequence[tuple[int, int]], parts: int, part: int) -> list[tuple[int, int]]:
    """Part `part` of `parts` of the positions `ranges` (in their order):
    items [T*part//parts, T*(part+1)//parts) of the T positions."""
    total = _count(ranges)
    return _slice(ranges, total * part // parts, total * (part + 1) // parts)


def _worker_part(ranges: Sequence[tuple[int, int]], parts: int, part: int,
                 boundaries: Sequence[int] | None) -> list[tuple[int, int]]:
    """Part `part` of `parts` of a rank's positions `ranges`, for its
    DataLoader workers: the even cut of _cut, each cut moved to the nearest
    of `boundaries` (epoch positions where reading can start at no cost: the
    row groups' starts) within a quarter of a part, so that no worker
    decodes a row group another one reads. None: the even cut."""
    total = _count(ranges)
    cuts = [total * i // parts for i in range(parts + 1)]
    if boundaries:
        reach = total // parts // 4
        for i in range(1, parts):
            cuts[i] = max(cuts[i - 1], _snap(ranges, cuts[i], boundaries, reach))
    return _slice(ranges, cuts[part], cuts[part + 1])


def _snap(ranges: Sequence[tuple[int, int]], index: int, boundaries: Sequence[int], reach: int) -> int:
    """Item `index` of the positions `ranges`, moved to the nearest boundary
    within `reach` items inside the same range (else left where it is)."""
    at = 0
    for begin, end in ranges:
        if index < at + end - begin:
            position = begin + index - at
            i = bisect.bisect_left(boundaries, position)
            near = [b for b in boundaries[max(i - 1, 0):i + 1] if begin <= b <= end and abs(b - position) <= reach]
            return at + min(near, key=lambda b: abs(b - position)) - begin if near else index
        at += end - begin
    return index


def _drop(ranges: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """The positions `ranges` without their first n."""
    return _slice(ranges, n, _count(ranges))


def _slice(ranges: Sequence[tuple[int, int]], first: int, last: int) -> list[tuple[int, int]]:
    out, at = [], 0
    for begin, end in ranges:
        lo, hi = max(begin, begin + first - at), min(end, begin + last - at)
        if lo < hi:
            out.append((lo, hi))
        at += end - begin
    return out


def _worker_value(value: np.ndarray) -> Any:
    """A column for WorkerSlots: numpy still (it makes the tensors; strings
    stay an object array, which default_convert passes through, where it
    would walk a list of str one element at a time, and the main process
    turns it into the list of str _tensor gives), timestamps int64."""
    if value.dtype.kind == "M":
        return value.view(np.int64)
    return value


class SampleDataset(IterableDataset):
    """Samples of a barforge dataset (file or directory of parts).

    batch_size=None yields one sample at a time (dicts of tensors without
    the batch dimension; let the DataLoader batch them); an integer yields
    whole batches read as such, much faster (use DataLoader(batch_size=None)).
    rank/world_size default to torch.distributed's when it is initialised.
    Shuffling is seeded: the same seed and epoch give the same order;
    set_epoch(e) reshuffles for epoch e (call it before iterating, as with
    DistributedSampler; with persistent_workers the workers keep the epoch
    they were started with).
    """

    def __init__(self, path: str | Path, batch_size: int | None = None, columns: Sequence[str] | None = None,
                 shuffle: bool = False, seed: int = 0, rank: int | None = None, world_size: int | None = None,
                 drop_last: bool = False):
        super().__init__()
        self.path = Path(path)
        self.batch_size = batch_size
        self.columns = list(columns) if columns is not None else None
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.drop_last = drop_last
        self.epoch = 0
        self._dataset: Dataset | None = None
        self._resume: dict[str, Any] | None = None  # load_state_dict's epoch and positions left
        self._seen = 0  # batches this object yielded itself (no DataLoader workers)
        self._fingerprint_cache: str | None = None
        self.num_rows = self._open().num_rows  # fails here, not in a worker, for a bad path

    def _open(self) -> Dataset:
        if self._dataset is None:
            self._dataset = open_dataset(self.path)  # whatever storage open_dataset opens
        return self._dataset

    def __getstate__(self):  # the open reader stays in this process
        state = self.__dict__.copy()
        state["_dataset"] = None
        return state

    def set_epoch(self, epoch: int) -> None:
        """Epoch `epoch` next (reshuffled by it); a resume loaded for another
        epoch is dropped."""
        self.epoch = int(epoch)
        if self._resume is not None and self._resume["epoch"] != self.epoch:
            self._resume = None

    def _rank(self) -> tuple[int, int]:
        rank, world_size = self.rank, self.world_size
        if rank is None or world_size is None:
            if dist.is_available() and dist.is_initialized():
                rank, world_size = dist.get_rank(), dist.get_world_size()
            else:
                rank, world_size = 0, 1
        return int(rank), int(world_size)

    def _rank_positions(self) -> list[tuple[int, int]]:
        """The epoch positions this rank reads: its share [N*r//R,
        N*(r+1)//R), or after load_state_dict its part of what is left."""
        rank, world_size = self._rank()
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} of world_size {world_size}: need 0 <= rank < world_size")
        if self._resume is not None:
            left = self._resume["remaining"]
            return list(left) if self._resume["own"] else _cut(left, world_size, rank)
        n = self.num_rows
        return [(n * rank // world_size, n * (rank + 1) // world_size)]

    def _seed(self) -> int:
        return mix_seed(self.seed, self.epoch) if self.epoch else self.seed

    def _boundaries(self) -> list[int] | None:
        """Where the dataset's reads start at no cost (epoch_boundaries), if
        it says; a dataset with random access need not."""
        boundaries = getattr(self._open(), "epoch_boundaries", None)
        return boundaries(self.shuffle, self._seed()) if boundaries is not None else None

    def _fingerprint(self) -> str:
        """What tells this dataset from another of as many rows: a hash of
        its first and last rows, every column."""
        if self._fingerprint_cache is None:
            digest = hashlib.sha256(str(self.num_rows).encode())
            for start in (0, max(self.num_rows - 1, 0)):
                for name, value in sorted(self._open().read(None, start, start + 1).items()):
                    digest.update(name.encode())
                    digest.update(repr(value.tolist()).encode() if value.dtype == object else value.tobytes())
            self._fingerprint_cache = digest.hexdigest()[:32]
        return self._fingerprint_cache

    def _storage(self) -> str:
        """'bars' or 'windows': which storage the dataset has."""
        return getattr(self._open(), "storage", "windows")

    def state_dict(self, batches_seen: int | None = None, num_workers: int | None = None) -> dict[str, Any]:
        """Where this rank is in the epoch, to resume from: the epoch
        positions it has not read yet, once `batches_seen` batches of it
        have been taken from a DataLoader of `num_workers` workers (both
        default to what this object counted itself when iterated with no
        DataLoader workers). A DataLoader takes its workers' batches in
        turn (worker 0, 1, ..., skipping those that are done), so the
        batches each worker gave follow from the count. Needs batch_size."""
        if self.batch_size is None:
            raise ValueError("state_dict needs SampleDataset(batch_size=...): the position of single samples "
                             "batched by the DataLoader is not known here")
        if batches_seen is None:
            batches_seen = self._seen
            num_workers = 0 if num_workers is None else num_workers
        workers = max(1, int(num_workers or 0))
        rank, world_size = self._rank()
        mine = self._rank_positions()
        boundaries = self._boundaries() if workers > 1 else None
        shares = [_worker_part(mine, workers, w, boundaries) for w in range(workers)]
        rows = [_count(share) for share in shares]
        batch = int(self.batch_size)
        total = [(r // batch if self.drop_last else -(-r // batch)) for r in rows]
        if not 0 <= int(batches_seen) <= sum(total):
            raise ValueError(f"batches_seen {batches_seen}: this rank's epoch has {sum(total)} batches "
                             f"of {batch} over {workers} worker(s)")
        taken = [0] * workers
        worker = 0
        for _ in range(int(batches_seen)):
            while taken[worker] == total[worker]:
                worker = (worker + 1) % workers
            taken[worker] += 1
            worker = (worker + 1) % workers
        remaining: list[tuple[int, int]] = []
        for share, count, done, n in zip(shares, taken, total, rows):
            remaining += _drop(share, n if count == done else count * batch)
        return {"format": "barforge.torch.SampleDataset/1", "dataset": self._fingerprint(), "num_rows": self.num_rows,
                "epoch": self.epoch, "seed": self.seed, "shuffle": self.shuffle, "batch_size": batch,
                "drop_last": self.drop_last, "rank": rank, "world_size": world_size, "remaining": remaining,
                "storage": self._storage()}

    def load_state_dict(self, state: dict[str, Any] | Sequence[dict[str, Any]]) -> None:
        """Resumes the epoch of `state`: iterating reads only its positions
        not read yet, shared out between this dataset's ranks and workers.
        `state` is this rank's state_dict, when the world size is the same;
        or every rank's (a list, in any order), for any world size or worker
        count. Raises ValueError for a state of another dataset, epoch, seed,
        shuffle or batch size, or a list that is not all ranks' once."""
        states = [state] if isinstance(state, dict) else list(state)
        if not states:
            raise ValueError("load_state_dict: no state")
        first = states[0]
        for s in states:
            if not isinstance(s, dict) or s.get("format") != "barforge.torch.SampleDataset/1":
                raise ValueError("load_state_dict: not a barforge.torch.SampleDataset state_dict")
            if s["dataset"] != self._fingerprint() or s["num_rows"] != self.num_rows:
                raise ValueError(f"load_state_dict: a state of another dataset (not {self.path})")
            # The two storages hold the same rows but order a shuffled epoch
            # differently, so positions of one are other samples in the other
            # (states written before this key existed are of a samples file).
            if s.get("storage", "windows") != self._storage():
                raise ValueError(f"load_state_dict: a state of a storage: {s.get('storage', 'windows')} dataset, "
                                 f"and {self.path} has storage: {self._storage()} (a shuffled epoch's order differs)")
            for key in ("epoch", "world_size"):
                if s[key] != first[key]:
                    raise ValueError(f"load_state_dict: states of different {key}s ({first[key]} and {s[key]})")
            for key, mine in (("seed", self.seed), ("shuffle", self.shuffle), ("batch_size", self.batch_size),
                              ("drop_last", self.drop_last)):
                if s[key] != mine:
                    raise ValueError(f"load_state_dict: the state's {key} is {s[key]!r}, this dataset's {mine!r}")
        ranks = sorted(s["rank"] for s in states)
        rank, world_size = self._rank()
        own = len(states) == 1 and ranks[0] == rank and first["world_size"] == world_size
        if not own and ranks != list(range(first["world_size"])):
            raise ValueError(f"load_state_dict: states of ranks {ranks} of world_size {first['world_size']}: "
                             f"to resume with another world size (or rank), give every rank's state once")
        # Every rank's positions left, in rank order, are cut again between
        # the ranks of now; a rank's own state is its part as it is.
        remaining = [(int(a), int(b)) for s in sorted(states, key=lambda s: s["rank"]) for a, b in s["remaining"]]
        if any(not 0 <= a <= b <= self.num_rows for a, b in remaining):
            raise ValueError("load_state_dict: positions outside the dataset's rows")
        self._resume = {"epoch": first["epoch"], "remaining": remaining, "own": own}
        self.epoch = first["epoch"]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        positions = self._rank_positions()
        worker = get_worker_info()
        if worker is not None and worker.num_workers > 1:
            positions = _worker_part(positions, worker.num_workers, worker.id, self._boundaries())
        else:
            self._seen = 0
        batches = self._open().iter_batches(self.batch_size or 4096, columns=self.columns, shuffle=self.shuffle,
                                            seed=self._seed(), positions=positions,
                                            drop_last=self.drop_last and self.batch_size is not None)
        if self.batch_size is not None and worker is not None and hasattr(os, "memfd_create"):
            # In a DataLoader worker: through reused shared memory (see
            # _shared_batches), not a fresh segment per tensor and batch
            # (Linux; elsewhere torch's own way).
            slots = WorkerSlots()
            try:
                for batch in batches:
                    yield slots.batch({k: _worker_value(v) for k, v in batch.items()})
            finally:
                slots.close()
            return
        for batch in batches:
            if self.batch_size is not None:
                self._seen += 1
                yield {k: _tensor(v) for k, v in batch.items()}
            else:
                tensors = {k: _tensor(v) for k, v in batch.items()}
                for i in range(len(next(iter(batch.values())))):
                    yield {k: v[i] for k, v in tensors.items()}
