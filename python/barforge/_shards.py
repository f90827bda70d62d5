"""The shard build of `barforge build --shard r/R` as steps an engine runs.

Ray and Dask (barforge.ray, barforge.dask) are thin layers over these: the
driver checks the config and writes the synthetic raw files once
(`barforge synth`), the engine runs `build_part(r)` for r in 0..R-1 as R
tasks on any nodes, and the driver checks that every part is visible and
runs `barforge finalize`. Every rule (which parts are kept on a rerun, which
are refused, what `_SUCCESS` means) is the command line's: a task runs the
`barforge` binary, so a part has the bytes of `barforge build --shard r/R`.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from barforge._build import config_text


class ShardBuildError(RuntimeError):
    """A step of a build in parts failed: `part` is the part's number (None
    for the driver's own steps), `node` the host it ran on, and the text is
    barforge's one-line message, prefixed by the part and node."""

    def __init__(self, message: str, part: int | None = None, node: str | None = None):
        where = f"part {part} on {node}: " if part is not None else ""
        super().__init__(where + message)
        self.message = message
        self.part = part
        self.node = node


def barforge_binary() -> str:
    """The `barforge` command this package runs: $BARFORGE_CLI, the one pip
    installed beside this interpreter (the environment's bin/), `barforge` on
    PATH, or the build tree's ($BARFORGE_BINARY_DIR)."""
    candidates = [os.environ.get("BARFORGE_CLI"), str(Path(sys.executable).parent / "barforge"),
                  shutil.which("barforge")]
    if os.environ.get("BARFORGE_BINARY_DIR"):
        candidates.append(str(Path(os.environ["BARFORGE_BINARY_DIR"]) / "barforge"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("the barforge command is not installed with this package nor on PATH "
                            "(set BARFORGE_CLI to its path)")


def _die_with_parent() -> None:
    """In the child, before exec: the kernel kills the barforge process when
    the task's worker process dies (SIGKILL, node lost), so a retried task
    never races a survivor of its first attempt for the same part."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _run(args: list[str], part: int | None = None, pass_fds: tuple[int, ...] = ()) -> dict[str, Any]:
    """Runs barforge with --json; returns its JSON, or raises ShardBuildError
    with its one-line message."""
    done = subprocess.run([barforge_binary(), *args, "--json"], capture_output=True, text=True,
                          preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL, pass_fds=pass_fds)
    if done.returncode != 0:
        if done.returncode < 0:
            message = f"barforge was killed by signal {-done.returncode}"
        else:
            lines = [line for line in done.stderr.splitlines() if line.startswith("barforge: error: ")]
            message = lines[-1][len("barforge: error: "):] if lines else (done.stderr.strip() or "failed")
        raise ShardBuildError(message, part, socket.gethostname() if part is not None else None)
    # One JSON object per line (finalize prints one per directory).
    objects = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return objects[0] if len(objects) == 1 else {"objects": objects}


@dataclass(frozen=True)
class ShardPlan:
    """What every task of one build in parts needs: the effective config as
    YAML text, the part count, and whether parts are rebuilt."""

    config: str
    parts: int
    overwrite: bool

    def _with_config(self, args: list[str], part: int | None = None) -> dict[str, Any]:
        # The config reaches barforge as an in-memory file (/proc/self/fd/N
        # of a memfd): only the data directory is shared between nodes, and a
        # worker killed mid-task leaves no config file behind.
        fd = os.memfd_create("barforge-config.yaml")
        try:
            os.write(fd, self.config.encode())
            os.lseek(fd, 0, os.SEEK_SET)
            return _run([args[0], "--config", f"/proc/self/fd/{fd}", *args[1:]], part, pass_fds=(fd,))
        finally:
            os.close(fd)


def plan(cfg: Mapping[str, Any] | None, n_samples: int | None, seed: int | None, overwrite: bool,
         parts: int) -> ShardPlan:
    """Checks what a build in parts needs before any task starts: a config
    (not None), an absolute data_dir (every node resolves it alike), and a
    part count of at least 1."""
    if cfg is None:
        raise TypeError("cfg is None: pass the config as a dict (yaml.safe_load of a config file)")
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValueError(f"num_shards must be a whole number >= 1, got {parts!r}")
    text = config_text(cfg, n_samples=n_samples, seed=seed)
    data_dir = yaml.safe_load(text).get("data_dir", "data")
    if not isinstance(data_dir, str) or not os.path.isabs(data_dir):
        raise ValueError(f"data_dir must be an absolute path on a file system every node shares, got {data_dir!r}")
    return ShardPlan(text, parts, bool(overwrite))


def synthesize(shard_plan: ShardPlan) -> None:
    """Writes the synthetic raw files once, before the parts (`barforge
    synth`; with overwrite, regenerated). Does nothing for `source: files`."""
    if yaml.safe_load(shard_plan.config).get("source", "synthetic") != "synthetic":
        return
    shard_plan._with_config(["synth", "--quiet", *(["--overwrite"] if shard_plan.overwrite else [])])


def build_part(shard_plan: ShardPlan, part: int) -> dict[str, Any]:
    """Task body: writes part `part` of the plan (kept if already complete)
    and returns the node's name and the files it wrote or kept."""
    args = ["build", "--shard", f"{part}/{shard_plan.parts}", "--quiet"]
    if shard_plan.overwrite:
        args.append("--overwrite")
    summary = shard_plan._with_config(args, part)
    directories = summary.get("split_directories") or [summary["output"]]
    files = [w["file"] for w in summary.get("written", [])] + directories
    return {"part": part, "node": socket.gethostname(), "files": files, "directories": directories}


def finalize(shard_plan: ShardPlan, results: list[dict[str, Any]]) -> Path | dict[str, Path]:
    """Driver: checks that every file a task reported is visible here (a
    data_dir that the nodes do not share shows as a missing part), then runs
    `barforge finalize` on the dataset directories; returns the directory,
    or {split name: directory} with splits."""
    for result in sorted(results, key=lambda r: r["part"]):
        for file in result["files"]:
            if not os.path.exists(file):
                raise ShardBuildError(
                    f"{file}: written on node {result['node']} but not visible on {socket.gethostname()}: "
                    "data_dir must be on a file system every node shares", result["part"], result["node"])
    directories = [Path(d) for d in results[0]["directories"]]
    _run(["finalize", *map(str, directories)])
    splits = yaml.safe_load(shard_plan.config).get("splits") or []
    if not splits:
        return directories[0]
    return {str(split["name"]): directory for split, directory in zip(splits, directories)}
