"""barforge on Dask: a build in parts as dask.distributed tasks. Needs
dask.distributed (`pip install barforge[dask]`).

    from dask.distributed import Client
    import barforge.dask
    client = Client("scheduler:8786")
    path = barforge.dask.build_dataset(client, cfg, n_samples=40_000_000, seed=42)

The same guarantees as barforge.ray.build_dataset: part r of R has the bytes
of `barforge build --shard r/R`; `data_dir` must be an absolute path on a
file system every worker and the client see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

try:
    import distributed as _distributed
except ImportError as error:  # pragma: no cover - tested by running without dask
    raise ImportError("barforge.dask needs dask.distributed: pip install 'barforge[dask]' "
                      "(or pip install 'dask[distributed]')") from error

from barforge import _shards
from barforge._shards import ShardBuildError

__all__ = ["build_dataset", "ShardBuildError"]


def build_dataset(client: "_distributed.Client", cfg: Mapping[str, Any] | None, n_samples: int | None = None,
                  seed: int | None = None, overwrite: bool = False, num_shards: int | None = None,
                  retries: int = 3) -> Path | dict[str, Path]:
    """Builds the dataset of `cfg` in `num_shards` parts, one task each on
    `client`'s cluster, then finalizes it; returns the dataset directory (with
    splits, a dict of split name to directory).

    num_shards defaults to the cluster's worker threads. A task whose worker
    dies is rescheduled by the scheduler; one that raises is not retried (a
    barforge error is final) and fails the call with ShardBuildError carrying
    its message, part and node; no `_SUCCESS` is written then. A rerun keeps
    complete parts.
    """
    if num_shards is None:
        num_shards = max(1, sum(client.nthreads().values()))
    shard_plan = _shards.plan(cfg, n_samples, seed, overwrite, num_shards)
    _shards.synthesize(shard_plan)
    futures = [client.submit(_shards.build_part, shard_plan, r, pure=False, key=f"barforge-part-{r}-{id(shard_plan)}")
               for r in range(num_shards)]
    try:
        results = client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise
    return _shards.finalize(shard_plan, results)
