"""barforge.ray on two Ray nodes on loopback: a head and a worker node with
its own temporary folder, started by the test and stopped after it. Run in
a network namespace of its own with only the loopback interface (CTest
starts it under `unshare --net`), where Ray's nodes take 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from shard_helpers import assert_same_rows, one_process, small_config

RAY = str(Path(sys.executable).parent / "ray")
# Ray's token authentication, with a token of this test's own for the two
# nodes and the driver (none is written under ~/.ray).
ENV = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str]) -> subprocess.Popen:
    # --block: the node's processes end when this launcher is stopped.
    return subprocess.Popen([RAY, "start", "--block", "--disable-usage-stats", *args], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(node: subprocess.Popen) -> None:
    if node.poll() is None:
        os.killpg(node.pid, signal.SIGTERM)
        try:
            node.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait()


@pytest.fixture
def two_nodes():
    # Short folders: Ray's Unix sockets live under them (107 bytes at most).
    temp = Path(tempfile.mkdtemp(prefix="bfray-"))
    port = _free_port()
    head = _start(["--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=1",
                   "--include-dashboard=false", f"--temp-dir={temp / 'head'}"])
    worker = None
    try:
        deadline = time.monotonic() + 120
        while True:  # the worker node joins once the head's GCS answers
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or head.poll() is not None:
                raise AssertionError("the Ray head node did not start")
            time.sleep(0.5)
        worker = _start([f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
                         f"--temp-dir={temp / 'worker'}"])
        yield f"127.0.0.1:{port}"
    finally:
        if worker is not None:
            _stop(worker)
        _stop(head)
        shutil.rmtree(temp, ignore_errors=True)


def test_two_nodes_build_the_one_process_rows(two_nodes, tmp_path):
    cfg = small_config(tmp_path / "data")
    script = f"""
import os, sys, time, ray, barforge.ray
ray.init(address={two_nodes!r}, log_to_driver=False, configure_logging=False)
deadline = time.monotonic() + 120
while len([n for n in ray.nodes() if n["Alive"]]) < 2:
    assert time.monotonic() < deadline, "the worker node did not join"
    time.sleep(0.5)
from barforge import _shards
def traced(plan, part):  # pickled by value: records the node each part ran on
    time.sleep(3)  # holds its node's one CPU, so the other part must run on the other node
    result = _shards.build_part(plan, part)
    open(os.path.join({str(tmp_path)!r}, f"node-{{part}}"), "w").write(ray.get_runtime_context().get_node_id())
    return result
barforge.ray._build_part = traced
print(barforge.ray.build_dataset({cfg!r}, n_samples=3000, seed=9, num_shards=2, num_cpus_per_shard=1))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    path = done.stdout.split()[-1]
    # One CPU a node and a CPU a part: the two parts ran on the two nodes.
    assert len({(tmp_path / f"node-{r}").read_text() for r in range(2)}) == 2
    reference, scaler = one_process(cfg, tmp_path / "ref", 3000, 9)
    assert_same_rows(Path(path), reference)
    assert (tmp_path / "data" / "meta_scaler.json").read_bytes() == scaler
