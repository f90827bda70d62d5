"""Batches that cross from a DataLoader worker to the main process through
shared memory that is written once and reused, not copied per batch.

What torch does with a tensor a worker yields: copy it into a fresh
shared-memory segment, hand its file descriptor to the main process, which
maps it; the segment is unmapped and freed when the batch goes. On a
virtual machine a fresh shared page costs far more to fault in than the
copy itself, and every batch pays it twice (the worker's write, the main
process's mapping) plus one socket round trip per tensor for its
descriptor: a DataLoader with 2 workers ran at a third of iter_batches'
speed in the main process.

Here each worker iterator keeps a few slots (memfd segments, mapped once in
the worker and once in the main process): a batch's fixed-width columns are
copied into a free slot, and what is pickled is only the slot's name and the
columns' layout (plus the descriptor the first time the main process sees
the slot). In the main process the tensors are views of the slot; when the
last of them goes, the slot is handed back (a counter in its header), and
the worker writes a later batch into it. A batch the main process keeps
just keeps its slot: the worker then makes another.

Each slot's header (64 bytes; each field written by one process only):
  [0] batches written into it (worker)   [1] batches released (main process)
  [2] mapped by the main process         [3] retired (worker: no more batches)
  [4] batches written but never sent through it (worker: a custom
      collate_fn made something else of them, which torch pickles the
      usual way)
The worker reuses a slot when each batch written into it was released or
dropped and its own views of the slot are gone. The main process forgets a
slot (it is unmapped when its last tensor goes) once the slot is retired
and every batch sent through it was received, or its worker is gone.
"""

from __future__ import annotations

import mmap
import os
import secrets
import threading
import weakref
from multiprocessing.reduction import DupFd
from typing import Any

import numpy as np
import torch

_HEADER = 64
_ALIGN = 64
_WRITTEN, _RELEASED, _MAPPED, _RETIRED, _DROPPED = range(5)


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


class _View:
    """Exposes a slot's bytes to numpy (`np.asarray(view)`); the arrays over
    it keep it alive, so its end (weakref or __del__) says when they are all
    gone."""

    def __init__(self, owner, size: int, on_release: bool = False):
        self.__array_interface__ = {"data": (owner.bytes.ctypes.data, False), "shape": (size,), "typestr": "|u1",
                                    "version": 3}
        self._owner = owner  # the mapping stays while any array over it does
        self._on_release = on_release

    def __del__(self):
        if self._on_release:
            self._owner.release()


class _Slot:
    """A worker's slot: a memfd of `size` bytes mapped into this process."""

    def __init__(self, size: int, token: str, serial: int):
        self.size = size
        self.token = token
        self.serial = serial
        self.fd = os.memfd_create(f"barforge-batch-{serial}", os.MFD_CLOEXEC)
        weakref.finalize(self, os.close, self.fd)
        os.ftruncate(self.fd, size)
        # Populated at once: faulting in a fresh shared page one at a time
        # costs far more than writing it.
        self.map = mmap.mmap(self.fd, size, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0))
        self.bytes = np.frombuffer(self.map, np.uint8)
        self.header = self.bytes[:_HEADER].view(np.uint64)
        self.local: weakref.ref | None = None  # this process's views of the latest batch
        self.lock = threading.Lock()  # [4] is counted from whichever thread drops a batch

    def free(self) -> bool:
        return ((self.local is None or self.local() is None)
                and self.header[_WRITTEN] == self.header[_RELEASED] + self.header[_DROPPED])

    def dropped(self, sent: list[bool]) -> None:
        if not sent[0]:
            with self.lock:
                self.header[_DROPPED] += 1

    def close(self) -> None:
        """No more batches. The descriptor stays open while the slot lives:
        a batch still waiting in the queue's feeder thread needs it to be
        pickled; it is closed (and the mapping goes) with the last array
        over the slot."""
        self.header[_RETIRED] = 1


class _Batch(dict):
    """What a worker yields: a dict of tensors (views of a slot) that pickles
    as the slot's name and layout. default_convert rebuilds it from a plain
    dict of the same tensors, so the slot is found again from them."""

    def __init__(self, data=(), written=None):
        super().__init__(data)
        if written is None:
            for value in self.values():
                written = getattr(value, "_barforge_batch", None)
                if written is not None:
                    break
        self._written = written  # (slot, layout, sent flag)

    def __reduce__(self):
        if self._written is None or any(getattr(self.get(name), "_barforge_batch", None) is not self._written
                                        for name, *_ in self._written[1]):
            return dict, (dict(self),)  # not the slot's tensors any more: torch's way
        slot, layout, sent = self._written
        names = {name for name, *_ in layout}
        others = {k: v for k, v in self.items() if k not in names}
        handle = DupFd(slot.fd) if not slot.header[_MAPPED] else None
        sent[0] = True
        return _receive, (slot.token, slot.serial, os.getpid(), slot.size, handle, layout, others)


class WorkerSlots:
    """The slots of one worker iterator."""

    def __init__(self):
        self._token = f"{os.getpid()}-{secrets.token_hex(8)}"
        self._slots: list[_Slot] = []
        self._serial = 0

    def batch(self, arrays: dict[str, Any]) -> _Batch:
        """The batch `arrays` (numpy arrays) copied into a free slot, as
        tensors over it; object arrays (strings) are pickled as they are."""
        fixed = [(k, v) for k, v in arrays.items() if isinstance(v, np.ndarray) and v.dtype != object]
        needed = _HEADER + sum(_aligned(v.nbytes) for _, v in fixed)
        slot = next((s for s in self._slots if s.size >= needed and s.free()), None)
        if slot is None:
            self._serial += 1
            slot = _Slot(max(needed, 4096), self._token, self._serial)
            self._slots.append(slot)
        view = _View(slot, slot.size)
        raw = np.asarray(view)
        sent = [False]
        slot.local = weakref.ref(view)
        weakref.finalize(view, slot.dropped, sent)
        slot.header[_WRITTEN] += 1
        layout: list[tuple] = []
        written = (slot, layout, sent)
        out = _Batch(written=written)
        offset = _HEADER
        for name, value in fixed:
            dst = raw[offset:offset + value.nbytes].view(value.dtype).reshape(value.shape)
            np.copyto(dst, value)
            tensor = torch.from_numpy(dst)
            tensor._barforge_batch = written
            out[name] = tensor
            layout.append((name, value.dtype.str, value.shape, offset))
            offset += _aligned(value.nbytes)
        for name, value in arrays.items():
            if name not in out:
                out[name] = value
        return out

    def close(self) -> None:
        for slot in self._slots:
            slot.close()
        self._slots.clear()


class _Mapping:
    """A worker's slot as the main process maps it."""

    def __init__(self, fd: int, size: int, pid: int):
        self.map = mmap.mmap(fd, size, flags=mmap.MAP_SHARED)
        self.bytes = np.frombuffer(self.map, np.uint8)
        self.header = self.bytes[:_HEADER].view(np.uint64)
        self.pid = pid
        self.received = 0
        self.header[_MAPPED] = 1

    def release(self) -> None:
        self.header[_RELEASED] += 1
        _forget_stale()

    def stale(self) -> bool:
        if self.header[_RETIRED] and self.received == self.header[_WRITTEN] - self.header[_DROPPED]:
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        return False


_mappings: dict[tuple[str, int], _Mapping] = {}


def _forget_stale() -> None:
    for key in [k for k, m in _mappings.items() if m.stale()]:
        del _mappings[key]


def _receive(token: str, serial: int, pid: int, size: int, handle, layout, others) -> dict[str, Any]:
    """In the main process: the batch as a dict of tensors over the slot."""
    key = (token, serial)
    mapping = _mappings.get(key)
    if mapping is None:
        if handle is None:
            raise RuntimeError(f"barforge: batch of unknown slot {serial} of worker {pid}")
        _forget_stale()
        fd = handle.detach()
        try:
            mapping = _Mapping(fd, size, pid)
        finally:
            os.close(fd)
        _mappings[key] = mapping
    elif handle is not None:  # a descriptor sent again (cannot happen): close it
        os.close(handle.detach())
    mapping.received += 1
    raw = np.asarray(_View(mapping, size, on_release=True))
    out: dict[str, Any] = {}
    for name, dtype, shape, offset in layout:
        dtype = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        out[name] = torch.from_numpy(raw[offset:offset + count * dtype.itemsize].view(dtype).reshape(shape))
    for name, value in others.items():  # strings: a list of str, as without workers
        out[name] = value.tolist() if isinstance(value, np.ndarray) and value.dtype == object else value
    return out
