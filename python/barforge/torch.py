"""barforge.torch.SampleDataset: a barforge dataset as a PyTorch IterableDataset.

    from torch.utils.data import DataLoader
    from barforge.torch import SampleDataset

    ds = SampleDataset("data/samples_1M.parquet", batch_size=1024, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_size=None, num_workers=2)
    for epoch in range(10):
        ds.set_epoch(epoch)
        for batch in loader:
            ...  # batch["ohlc"]: float32 tensor (1024, W, 4)

The epoch's rows are shared out between every DataLoader worker of every
torch.distributed rank (rank * num_workers + worker id of world_size *
num_workers shares), so each sample is seen exactly once per epoch.
This module imports torch; `import barforge` alone does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import IterableDataset, get_worker_info

from barforge._dataset import Dataset, mix_seed
from barforge._shared_batches import WorkerSlots


def _tensor(value: np.ndarray) -> Any:
    """numpy -> torch without a copy; strings stay a list of str (tensors
    hold no strings), timestamps become int64 nanoseconds."""
    if value.dtype == object:
        return value.tolist()
    if value.dtype.kind == "M":
        value = value.view(np.int64)
    return torch.from_numpy(value)


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
        self.num_rows = self._open().num_rows  # fails here, not in a worker, for a bad path

    def _open(self) -> Dataset:
        if self._dataset is None:
            self._dataset = Dataset(self.path)
        return self._dataset

    def __getstate__(self):  # the open reader stays in this process
        state = self.__dict__.copy()
        state["_dataset"] = None
        return state

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _share(self) -> tuple[int, int]:
        rank, world_size = self.rank, self.world_size
        if rank is None or world_size is None:
            if dist.is_available() and dist.is_initialized():
                rank, world_size = dist.get_rank(), dist.get_world_size()
            else:
                rank, world_size = 0, 1
        worker = get_worker_info()
        workers, worker_id = (worker.num_workers, worker.id) if worker is not None else (1, 0)
        return rank * workers + worker_id, world_size * workers

    def __iter__(self) -> Iterator[dict[str, Any]]:
        share, shares = self._share()
        seed = mix_seed(self.seed, self.epoch) if self.epoch else self.seed
        batches = self._open().iter_batches(self.batch_size or 4096, columns=self.columns, shuffle=self.shuffle,
                                            seed=seed, rank=share, world_size=shares,
                                            drop_last=self.drop_last and self.batch_size is not None)
        if self.batch_size is not None and get_worker_info() is not None:
            # In a DataLoader worker: through reused shared memory (see
            # _shared_batches), not a fresh segment per tensor and batch.
            slots = WorkerSlots()
            try:
                for batch in batches:
                    yield slots.batch({k: _worker_value(v) for k, v in batch.items()})
            finally:
                slots.close()
            return
        for batch in batches:
            if self.batch_size is not None:
                yield {k: _tensor(v) for k, v in batch.items()}
            else:
                tensors = {k: _tensor(v) for k, v in batch.items()}
                for i in range(len(next(iter(batch.values())))):
                    yield {k: v[i] for k, v in tensors.items()}
