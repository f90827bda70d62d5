"""barforge on a Ray cluster: a build in parts as Ray tasks, and a dataset as
a ray.data.Dataset. Needs ray (`pip install barforge[ray]`).

    import barforge.ray
    path = barforge.ray.build_dataset(cfg, n_samples=40_000_000, seed=42, num_shards=16)
    ds = barforge.ray.read_dataset(path)        # rows with ohlc (W, 4), meta (6), ...

Each task runs part r of R exactly as `barforge build --shard r/R` does (the
same bytes), so the parts, read in order, hold the one-process file's rows
and the scaler has its bytes, whatever `num_shards` is. `data_dir` must be an
absolute path on a file system that every node (and the driver) sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

try:
    import ray as _ray
except ImportError as error:  # pragma: no cover - tested by running without ray
    raise ImportError("barforge.ray needs Ray: pip install 'barforge[ray]' (or pip install 'ray[data]')") from error

from barforge import _shards
from barforge._shards import ShardBuildError

__all__ = ["build_dataset", "read_dataset", "ShardBuildError"]


def _build_part(shard_plan: _shards.ShardPlan, part: int) -> dict[str, Any]:
    return _shards.build_part(shard_plan, part)


def build_dataset(cfg: Mapping[str, Any] | None, n_samples: int | None = None, seed: int | None = None,
                  overwrite: bool = False, num_shards: int | None = None, num_cpus_per_shard: float = 1,
                  max_retries: int = 3) -> Path | dict[str, Path]:
    """Builds the dataset of `cfg` in `num_shards` parts, one Ray task each,
    then finalizes it; returns the dataset directory (with splits, a dict of
    split name to directory). Connects to Ray (`ray.init()`) if the driver is
    not connected yet.

    num_shards defaults to the cluster's CPUs divided by num_cpus_per_shard.
    Each task runs `barforge build --shard r/R` with n_jobs threads (the
    config's) and asks Ray for num_cpus_per_shard CPUs; tasks are spread
    over the nodes (scheduling strategy SPREAD). A worker that dies
    mid-task (killed, node lost) is retried up to max_retries times; the retry
    keeps nothing of the dead attempt but its removable temporary. A rerun of
    the same call keeps the complete parts and builds the others. With
    overwrite=True every part is rebuilt and synthetic raw files regenerated.

    Raises ShardBuildError (a RuntimeError) with the failing task's barforge
    message, part and node; no `_SUCCESS` is written then.
    """
    if not _ray.is_initialized():
        _ray.init()
    if num_shards is None:
        num_shards = max(1, int(_ray.cluster_resources().get("CPU", 1) // num_cpus_per_shard))
    shard_plan = _shards.plan(cfg, n_samples, seed, overwrite, num_shards)
    _shards.synthesize(shard_plan)
    # SPREAD: parts go to as many nodes as there are, each node's cores and
    # disk bandwidth working on its own part.
    task = _ray.remote(num_cpus=num_cpus_per_shard, max_retries=max_retries, retry_exceptions=False,
                       scheduling_strategy="SPREAD")(_build_part)
    refs = [task.remote(shard_plan, r) for r in range(num_shards)]
    results = []
    try:
        for ref in refs:
            try:
                results.append(_ray.get(ref))
            except _ray.exceptions.RayTaskError as error:
                cause = getattr(error, "cause", None)
                if isinstance(cause, ShardBuildError):
                    raise ShardBuildError(cause.message, cause.part, cause.node) from None
                raise
    except BaseException:
        for ref in refs:
            _ray.cancel(ref, force=True)
        raise
    return _shards.finalize(shard_plan, results)


def read_dataset(path: str | Path, columns: list[str] | None = None, parallelism: int | None = None):
    """A ray.data.Dataset of the barforge dataset at `path` (a file, a
    complete directory of parts, or a bars dataset): one row per sample, in
    sample_id order, every row exactly once, with the list columns as
    tensors (`ohlc` (W, 4), `volume` (W,), `meta` (6,), `rewards` (3,)).
    Read tasks read row groups in parallel with barforge's own reader, on any
    node that sees `path`; over a bars dataset each task reads the bars once
    and computes the rows of the samples file's row groups (the same rows,
    floats bit for bit).

    `ray.data.read_parquet(path)` reads the same files too, giving the list
    columns as flat fixed-size lists (reshape `ohlc` to (W, 4) yourself).
    """
    from ray.data import Datasource, ReadTask, read_datasource
    from ray.data.block import BlockAccessor, BlockMetadata

    import barforge

    dataset = barforge.open_dataset(path)
    reader = dataset._reader
    pieces = [(reader.row_group_first_row(g), reader.row_group_first_row(g) + reader.row_group_rows(g))
              for g in range(dataset.num_row_groups)]

    class _BarforgeDatasource(Datasource):
        def estimate_inmemory_data_size(self):
            return None

        def get_read_tasks(self, parallelism_hint: int, **kwargs):
            groups = max(1, min(parallelism_hint, len(pieces)))
            chunks = [pieces[i::groups] for i in range(groups)]
            tasks = []
            for chunk in chunks:
                chunk = sorted(chunk)
                rows = sum(stop - start for start, stop in chunk)
                metadata = BlockMetadata(num_rows=rows, size_bytes=None, input_files=None, exec_stats=None)

                def read(chunk=chunk):
                    reader = barforge.open_dataset(path)
                    for start, stop in chunk:
                        yield BlockAccessor.batch_to_block(reader.read(columns=columns, start=start, stop=stop))

                tasks.append(ReadTask(read, metadata))
            return tasks

    ds = read_datasource(_BarforgeDatasource(), override_num_blocks=parallelism) if parallelism else \
        read_datasource(_BarforgeDatasource())
    return ds
